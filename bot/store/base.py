"""The part of the Store every mixin shares: the connection, the clock, transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.store.db import transaction
from bot.store.guard import converting, guard_class

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """A datetime as the ISO-8601 UTC text stored in the database."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    """Stored ISO-8601 text back into an aware datetime."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StoreBase:
    """Holds the sqlite-utils Database and the injected clock.

    Every public method of a subclass (each mixin) raises StoreError, not sqlite3.Error:
    `bot.store.guard` wraps them when the class is created.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_class(cls)

    def __init__(self, db: sqlite_utils.Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    def now(self) -> str:
        """The injected clock's time as stored text."""
        stamp = iso(self.clock())
        assert stamp is not None
        return stamp

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested calls become savepoints.

        BEGIN, COMMIT or ROLLBACK failing (a locked database) raises StoreError; what the
        body raises passes unchanged (store methods in it convert their own errors)."""
        unit = transaction(self.db)
        with converting("begin a transaction"):
            unit.__enter__()
        try:
            yield
        except BaseException as exc:
            with converting("roll back a transaction"):
                unit.__exit__(type(exc), exc, exc.__traceback__)
            raise
        with converting("commit a transaction"):
            unit.__exit__(None, None, None)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


guard_class(StoreBase)  # close() and now() too; subclasses: __init_subclass__
