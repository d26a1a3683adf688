"""Shared pieces for poller tests: a counting ingest, notices, an HTTP client (the clock
and the store are tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx
import pytest

from bot.models import FeedEntry, Source
from bot.store import Store


@dataclass(frozen=True)
class Ingested:
    """What the counting ingest returns (the shape of Pipeline.ingest's result)."""

    new_articles: int
    alerts: int = 0


@dataclass
class CountingIngest:
    """Stores entries with store.add_article in one transaction and counts the new ones."""

    store: Store
    calls: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, source: Source, entries: Sequence[FeedEntry]) -> Ingested:
        new = 0
        with self.store.transaction():
            for entry in entries:
                if self.store.add_article(entry) is not None:
                    new += 1
        self.calls.append((source.id, len(entries)))
        return Ingested(new)


@dataclass
class Notices:
    """An async notify callback that keeps what it was told."""

    texts: list[str] = field(default_factory=list)

    async def __call__(self, text: str) -> None:
        self.texts.append(text)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One shared HTTP client, as the bot has."""
    async with httpx.AsyncClient() as c:
        yield c
