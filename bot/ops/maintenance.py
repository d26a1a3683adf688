"""Retention as the `prune` command and the bot's daily job run it: on a connection of its own."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.errors import UserInputError
from bot.store import Store
from bot.store.base import Clock, utcnow
from bot.store.retention import (
    INCREMENTAL,
    Pacing,
    Pruner,
    PruneReport,
    RetentionPolicy,
    auto_vacuum_mode,
    database_bytes,
    enable_incremental_vacuum,
)

log = logging.getLogger(__name__)


def policy_for(settings: Settings, older_than: timedelta | None = None) -> RetentionPolicy:
    """The retention policy of the settings, with `prune --older-than` taking precedence."""
    unalerted = older_than or settings.retention
    alerted = settings.alert_retention
    if alerted is not None and alerted < unalerted:
        alerted = unalerted  # alerted articles are never kept shorter than the others
    return RetentionPolicy(unalerted, alerted)


def prune_file(
    path: Path,
    policy: RetentionPolicy,
    clock: Clock = utcnow,
    *,
    dry_run: bool = False,
    pacing: Pacing | None = None,
    stop: Callable[[], bool] = lambda: False,
    convert: bool = True,
) -> PruneReport:
    """Prune the database at `path` (or say what would go); never creates a database.

    `convert`: first rewrite a database made without incremental vacuum (the `prune`
    command does; the daily job in `run` does not, as the rewrite holds the bot up).
    """
    if not path.is_file():
        raise UserInputError(f"no database at {path} (set --db or SANCTIONS_BOT_DB)")
    store = Store.open(path, clock)
    try:
        if convert and not dry_run:
            ensure_incremental_vacuum(store)
        pruner = Pruner(store.db, policy, clock, pacing=pacing, stop=stop)
        return pruner.plan() if dry_run else pruner.prune()
    finally:
        store.close()


def ensure_incremental_vacuum(store: Store) -> None:
    """Rewrite a database made before incremental vacuum once, so pruning can shrink it."""
    if auto_vacuum_mode(store.db) == INCREMENTAL:
        return
    log.warning(
        "rewriting the database once so that retention can return space "
        "(about a minute per GB; needs free disk of twice its size)",
        extra={"event": "vacuum_enable", "bytes": database_bytes(store.db)},
    )
    took = enable_incremental_vacuum(store.db)
    if took is not None:
        log.warning(
            "database rewritten once to enable incremental vacuum",
            extra={"event": "vacuum_enabled", "seconds": round(took, 2)},
        )


class DailyPrune:
    """The `run` job: prune on a connection of its own, in a worker thread, once a day."""

    def __init__(self, settings: Settings, clock: Clock, *, pacing: Pacing | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.pacing = pacing
        self.stopping = False
        self.last: PruneReport | None = None

    async def run_once(self) -> PruneReport | None:
        """One prune; errors are logged (the bot goes on), the report kept for metrics."""
        import asyncio

        from bot.errors import BotError

        policy = policy_for(self.settings)
        try:
            self.last = await asyncio.to_thread(
                prune_file,
                self.settings.db_path,
                policy,
                self.clock,
                pacing=self.pacing,
                stop=lambda: self.stopping,
                convert=False,
            )
        except (BotError, OSError, sqlite3.Error) as exc:
            log.error("prune failed: %s", exc, extra={"event": "prune_failed"})
            return None
        return self.last
