"""Articles, stories and full-text search."""

from __future__ import annotations

from bot.store.base import StoreBase


class ArticlesMixin(StoreBase):
    """Articles, stories and full-text search."""
