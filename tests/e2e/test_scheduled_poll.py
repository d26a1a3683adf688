"""The polling job: a source is fetched again when its interval has passed, and alerts follow."""

from __future__ import annotations

from pathlib import Path

from bot.models import Source
from tests.e2e.feeds import rss
from tests.e2e.harness import (
    ADMIN,
    BELARUS_TITLE,
    START,
    belarus_text,
    start_harness,
    stop_harness,
)
from tests.support.feedserver import FeedServer

USER = 909


async def test_due_source_is_polled_and_its_new_item_alerts(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed = feed_server
    feed.route("/wire.xml", rss([("w1", "Weather in Minsk", "Snow is expected.")], START))
    source = Source(id="wire", name="Loopback Wire", url=feed.url("/wire.xml"), interval=60)
    bot = await start_harness(tmp_path, jobs=True, sources=[source])
    try:
        await bot.server.wait_until(lambda: len(feed.requests("/wire.xml")) == 1)
        await bot.ask("/subscribe ep-resolutions", USER)
        feed.route(
            "/wire.xml",
            rss(
                [("w2", BELARUS_TITLE, belarus_text()), ("w1", "Weather in Minsk", "Snow.")], START
            ),
        )
        # Not due yet: a polling pass (as the job runs it) leaves the source alone.
        polls = len(feed.requests("/wire.xml"))
        lines = await bot.app.bot_data["jobs"].poll_now()
        assert len(lines) == 1 and "wire" in lines[0]
        assert len(feed.requests("/wire.xml")) == polls
        bot.clock.advance(seconds=61)
        alert = await bot.server.wait_for_message(USER, lambda m: BELARUS_TITLE in m.plain)
        assert alert.buttons()
        assert len(feed.requests("/wire.xml")) == polls + 1
        health = bot.runtime.store.get_source_health("wire")
        assert health is not None and health.consecutive_failures == 0
    finally:
        await stop_harness(bot)


async def test_a_broken_source_is_reported_to_admins_only(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed = feed_server
    feed.route("/wire.xml", b"down for maintenance", status=500, content_type="text/plain")
    source = Source(id="wire", name="Loopback Wire", url=feed.url("/wire.xml"), interval=60)
    bot = await start_harness(tmp_path, jobs=True, sources=[source])
    try:
        bot.server.add_chat(ADMIN)
        await bot.ask("/subscribe", USER)
        jobs = bot.app.bot_data["jobs"]
        await bot.server.wait_until(lambda: len(feed.requests("/wire.xml")) >= 1)
        while len(feed.requests("/wire.xml")) < 3:
            await jobs.poll_now(due_only=False)
        report = await bot.server.wait_for_message(ADMIN, lambda m: "is failing" in m.plain)
        assert "Loopback Wire (wire)" in report.plain and "500" in report.plain
        feed.route("/wire.xml", rss([("w1", "Weather in Minsk", "Snow.")], START))
        await jobs.poll_now(due_only=False)
        await bot.server.wait_for_message(ADMIN, lambda m: "works again" in m.plain)
        assert [m.plain for m in bot.server.sent(USER)][1:] == []  # only the /subscribe reply
    finally:
        await stop_harness(bot)
