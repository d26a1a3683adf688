"""Scheduling polls on python-telegram-bot's real JobQueue (APScheduler underneath)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from telegram.ext import Application

from bot.models import Source
from bot.sources.fetch import Fetcher
from bot.sources.poller import Poller
from bot.sources.scheduler import schedule_sources
from bot.store import Store
from tests.support.feedserver import FeedServer
from tests.support.pollharness import Clock, CountingIngest


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
async def parts(tmp_path: Path, server: FeedServer) -> AsyncIterator[tuple[Store, Poller, Clock]]:
    clock = Clock()
    store = Store.open(tmp_path / "bot.db", clock)
    async with httpx.AsyncClient() as client:
        poller = Poller(store, Fetcher(client, allow_private=True), CountingIngest(store), clock)
        yield store, poller, clock
    store.close()


async def test_one_job_per_enabled_source_with_interval_and_jitter(
    parts: tuple[Store, Poller, Clock], server: FeedServer
) -> None:
    _, poller, _ = parts
    app = Application.builder().token("123456:TEST").build()
    assert app.job_queue is not None
    sources = [
        Source("a", "A", server.url("/a"), interval=900),
        Source("b", "B", server.url("/b"), interval=3600),
        Source("c", "C", server.url("/c"), enabled=False),
    ]
    jobs = schedule_sources(app.job_queue, poller, sources, jitter=45)
    assert [j.name for j in jobs] == ["poll:a", "poll:b"]
    triggers = [j.job.trigger for j in jobs]
    assert [t.interval for t in triggers] == [timedelta(seconds=900), timedelta(seconds=3600)]
    assert {t.jitter for t in triggers} == {45}
    # re-scheduling replaces jobs instead of doubling them, and drops removed sources
    schedule_sources(app.job_queue, poller, sources[:1], jitter=45)
    names = sorted(j.name for j in app.job_queue.jobs() if not j.removed)
    assert names == ["poll:a"]


async def test_job_polls_its_source_and_honours_backoff(
    parts: tuple[Store, Poller, Clock], server: FeedServer
) -> None:
    store, poller, clock = parts
    app = Application.builder().token("123456:TEST").build()
    assert app.job_queue is not None
    server.route("/a", b"down", status=503, content_type="text/plain")
    (job,) = schedule_sources(
        app.job_queue, poller, [Source("a", "A", server.url("/a"), interval=600)]
    )
    await job.run(app)
    health = store.get_source_health("a")
    assert health and health.consecutive_failures == 1 and health.last_error == "HTTP 503"
    await job.run(app)  # inside the backoff window: skipped, no request
    assert len(server.requests("/a")) == 1
    server.feed("/a", "rss1_rdf.xml")
    clock.now += timedelta(seconds=601)
    await job.run(app)
    assert len(server.requests("/a")) == 2 and store.count_articles() == 1
