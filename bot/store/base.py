"""The part of the Store every mixin shares: the connection, the clock, transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlite_utils

from bot.store.db import transaction

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
    """Holds the sqlite-utils Database and the injected clock."""

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
        """One atomic unit of work; nested calls become savepoints."""
        with transaction(self.db):
            yield

    def close(self) -> None:
        """Close the connection."""
        self.db.close()
