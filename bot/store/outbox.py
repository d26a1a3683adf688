"""The alert outbox and its delivery log."""

from __future__ import annotations

from bot.store.base import StoreBase


class OutboxMixin(StoreBase):
    """The alert outbox and its delivery log."""
