"""The walking skeleton: `sanctions-bot run` as a user starts it, over real HTTP end to end.

The bot runs as a subprocess (env: token, Bot API URL, database, catalog); its only
source is an RSS feed on a loopback HTTP server; Telegram is the Bot API test server.
A user subscribes, a matching item appears on the feed, the alert reaches the chat,
and /recent lists it. SIGTERM stops the bot cleanly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.feeds import rss
from tests.e2e.harness import ADMIN, BELARUS_TITLE, belarus_text
from tests.e2e.process import bot_env, catalog_yaml, running_bot
from tests.support.botapi import BotApiServer, SentMessage
from tests.support.feedserver import FeedServer

USER = 4242
OLD_ITEM = ("old-1", "Weather in Brussels", "Sunny with some clouds over the weekend.")


@pytest.fixture
def telegram() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


def _is_alert(message: SentMessage) -> bool:
    return BELARUS_TITLE in message.plain and bool(message.buttons())


async def test_walking_skeleton(
    tmp_path: Path, feed_server: FeedServer, telegram: BotApiServer
) -> None:
    now = datetime.now(UTC)
    feed_server.route("/wire.xml", rss([OLD_ITEM], now))
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(catalog_yaml(feed_server.url("/wire.xml")), encoding="utf-8")
    env = bot_env(telegram, tmp_path / "bot.db", catalog)
    with running_bot(["run"], env, tmp_path) as bot:
        await telegram.wait_until(lambda: bool(telegram.commands) or not bot.alive(), 60)
        assert bot.alive(), bot.log()
        # The first poll happens at start-up.
        await telegram.wait_until(lambda: len(feed_server.requests("/wire.xml")) >= 1, timeout=30)

        telegram.send_message(USER, USER, "/start")
        await telegram.wait_for_message(USER, lambda m: "/subscribe" in m.plain)
        telegram.send_message(USER, USER, "/subscribe")
        await telegram.wait_for_message(USER, lambda m: "Subscribed to" in m.plain)

        # A new item appears on the feed; an admin asks for a poll instead of waiting a minute.
        item = ("ep-by-1", BELARUS_TITLE, belarus_text())
        feed_server.route("/wire.xml", rss([item, OLD_ITEM], now))
        telegram.send_message(ADMIN, ADMIN, "/sources poll")
        report = await telegram.wait_for_message(ADMIN, lambda m: "Polled" in m.plain)
        assert "loopback-wire" in report.plain

        alert = await telegram.wait_for_message(USER, _is_alert)
        assert "satellite state of Russia" in alert.plain
        assert alert.parse_mode == "HTML"

        telegram.send_message(USER, USER, "/recent")
        recent = await telegram.wait_for_message(USER, lambda m: "Recent alerts" in m.plain)
        assert BELARUS_TITLE in recent.plain
        assert telegram.stats()["errors"] == {}
    assert bot.returncode == 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()
