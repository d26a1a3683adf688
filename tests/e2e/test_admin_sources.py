"""Admin screens readable on a phone: /sources and /sources poll lines fit ~40 characters,
counts agree with what was sent, /sources add test-fetches first, replies match the ask."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.models import Source
from tests.e2e.feeds import rss
from tests.e2e.harness import (
    ADMIN,
    START,
    Harness,
    eu_sanctions_article,
    start_harness,
    stop_harness,
)
from tests.support.feedserver import FeedServer

USER = 1901
PHONE = 40  # characters a phone shows on one line


@pytest.fixture
async def polled(tmp_path: Path, feed_server: FeedServer) -> AsyncIterator[Harness]:
    feed_server.route("/wire.xml", rss([("w1", *eu_sanctions_article("Iran"))], START))
    feed_server.route("/broken.xml", b"nope", status=503)
    sources = [
        Source(id="loopback-wire", name="Loopback Wire", url=feed_server.url("/wire.xml")),
        Source(id="broken-press-office", name="Broken", url=feed_server.url("/broken.xml")),
    ]
    h = await start_harness(tmp_path, jobs=True, sources=sources)

    def both_recorded() -> bool:
        # Wait for what each poll stored, not for the request: ingest runs on the
        # writer thread and lands after the feed server has answered.
        wire = h.runtime.store.get_source_health("loopback-wire")
        broken = h.runtime.store.get_source_health("broken-press-office")
        return bool(wire and wire.last_success and broken and broken.consecutive_failures)

    await h.server.wait_until(both_recorded)
    yield h
    await stop_harness(h)


def _fits(text: str) -> None:
    for line in text.splitlines():
        assert len(line) <= PHONE, f"{len(line)} characters: {line!r}"


async def test_sources_and_poll_fit_a_phone_and_counts_agree(
    polled: Harness, feed_server: FeedServer
) -> None:
    bot = polled
    await bot.ask("/subscribe eu-sanctions", USER)
    reply = await bot.ask("/sources", USER)
    _fits(reply.plain)
    assert "❌ broken-press-office · 1 failure" in reply.plain
    assert "✅ loopback-wire · 12:" in reply.plain
    assert "<pre>" not in reply.text
    items = [("w1", *eu_sanctions_article("Iran"))]
    items += [(f"w{n}", *eu_sanctions_article(c)) for n, c in ((2, "Syria"), (3, "Mali"))]
    feed_server.route("/wire.xml", rss(items, START))
    report = await bot.ask("/sources poll", ADMIN)
    _fits(report.plain)
    assert "Polled 2 sources: 1 ok, 1 failed" in report.plain
    assert "2 new items · 2 new alerts" in report.plain
    assert "✅ loopback-wire: 2 new, 2 alerts" in report.plain
    assert "❌ broken-press-office" in report.plain
    await bot.server.wait_until(lambda: len(bot.alerts(USER)) == 2)  # the two it counted
    assert all("Syria" in m.plain or "Mali" in m.plain for m in bot.alerts(USER))


async def test_non_admins_are_told_what_they_asked_for_is_for_admins(polled: Harness) -> None:
    bot = polled
    for text, said in (
        ("/sources poll", "poll the sources now"),
        ("/sources add x http://127.0.0.1/x", "add sources"),
        ("/sources remove loopback-wire", "remove sources"),
        ("/failed", "dead-letter queue"),
    ):
        reply = await bot.ask(text, USER)
        assert reply.plain.startswith("⛔ Only the bot's administrators can"), text
        assert said in reply.plain, text


async def test_sources_add_fetches_first_and_shows_its_usage(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/good.xml", rss([("g1", *eu_sanctions_article("Iran"))], START))
    feed_server.route("/missing.xml", b"not here", status=404)
    feed_server.route("/page.html", b"<html><body>Hello</body></html>", content_type="text/html")
    bot = await start_harness(tmp_path, allow_private=True)
    try:
        reply = await bot.ask("/sources add", ADMIN)
        assert reply.plain == "Usage: /sources add <id> <url> [rss|atom|json]"
        for path in ("/missing.xml", "/page.html"):
            reply = await bot.ask(f"/sources add bad {feed_server.url(path)}", ADMIN)
            assert "⚠️ Source bad not added:" in reply.plain and "Nothing changed" in reply.plain
            assert bot.runtime.store.get_source("bad") is None
        reply = await bot.ask(f"/sources add good {feed_server.url('/good.xml')}", ADMIN)
        assert reply.plain.startswith("✅ Source good added: 1 item read, newest “Iran: Council")
        assert len(feed_server.requests("/good.xml")) == 1  # it was fetched before it said so
        assert bot.runtime.store.get_source("good") is not None
        reply = await bot.ask("/sources remove", ADMIN)
        assert "Usage: /sources remove <id>" in reply.plain
    finally:
        await stop_harness(bot)
