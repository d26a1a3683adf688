"""The polling job: a source is fetched again when its interval has passed, and alerts follow."""

from __future__ import annotations

from pathlib import Path

from bot.models import Source
from tests.e2e.feeds import rss
from tests.e2e.harness import BELARUS_TITLE, START, belarus_text, start_harness, stop_harness
from tests.support.feedserver import FeedServer

USER = 909


async def test_due_source_is_polled_and_its_new_item_alerts(tmp_path: Path) -> None:
    feed = FeedServer().start()
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
        feed.stop()
