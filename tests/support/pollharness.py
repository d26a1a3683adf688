"""Shared pieces for poller tests: a settable clock, a counting ingest, fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.models import FeedEntry, Source
from bot.store import Store


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


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
def clock() -> Clock:
    """A settable clock at 2026-11-27 12:00 UTC."""
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """A store on a real SQLite file in tmp_path."""
    s = Store.open(tmp_path / "bot.db", clock)
    yield s
    s.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One shared HTTP client, as the bot has."""
    async with httpx.AsyncClient() as c:
        yield c
