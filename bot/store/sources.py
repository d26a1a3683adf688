"""Source catalog rows and per-source health."""

from __future__ import annotations

from bot.store.base import StoreBase


class SourcesMixin(StoreBase):
    """Source catalog rows and per-source health."""
