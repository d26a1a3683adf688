"""The Store: one class over the SQLite database, composed of one mixin per concern."""

from __future__ import annotations

from pathlib import Path

from bot.store.articles import SearchMixin
from bot.store.base import Clock, utcnow
from bot.store.chats import ChatsMixin
from bot.store.db import connect
from bot.store.lists import ListsMixin
from bot.store.matches import MatchesMixin
from bot.store.outbox import OutboxMixin
from bot.store.sources import SourcesMixin


# ListsMixin first: its alert_view adds the list publication to MatchesMixin's view.
class Store(ListsMixin, SearchMixin, SourcesMixin, ChatsMixin, MatchesMixin, OutboxMixin):
    """All persistent state of the bot."""

    @classmethod
    def open(cls, path: Path | str, clock: Clock = utcnow) -> Store:
        """Open (and migrate) the database file at `path`."""
        return cls(connect(path), clock)


__all__ = ["Store"]
