"""The walking skeleton: `sanctions-bot run` as a user starts it, over real HTTP end to end.

The bot runs as a subprocess (env: token, Bot API URL, database, catalog); its only
source is an RSS feed on a loopback HTTP server; Telegram is the Bot API test server.
A user subscribes, a matching item appears on the feed, the alert reaches the chat,
and /recent lists it. SIGTERM stops the bot cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.feeds import rss
from tests.e2e.harness import ADMIN, BELARUS_TITLE, ROOT, belarus_text
from tests.support.botapi import BotApiServer, SentMessage
from tests.support.feedserver import FeedServer

USER = 4242
OLD_ITEM = ("old-1", "Weather in Brussels", "Sunny with some clouds over the weekend.")


def bot_command() -> list[str]:
    """The installed console script when there is one, else `python -m bot` (the same main)."""
    script = shutil.which("sanctions-bot", path=str(Path(sys.executable).parent))
    return [script, "run"] if script else [sys.executable, "-m", "bot", "run"]


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def telegram() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


def _is_alert(message: SentMessage) -> bool:
    return BELARUS_TITLE in message.plain and bool(message.buttons())


async def test_walking_skeleton(tmp_path: Path, feed: FeedServer, telegram: BotApiServer) -> None:
    now = datetime.now(UTC)
    feed.route("/wire.xml", rss([OLD_ITEM], now))
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(
        "sources:\n"
        "  - id: loopback-wire\n"
        "    name: Loopback Wire\n"
        f"    url: {feed.url('/wire.xml')}\n"
        "    kind: rss\n"
        "    tier: media\n"
        "    interval: 1m\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "SANCTIONS_BOT_DB": str(tmp_path / "bot.db"),
        "SANCTIONS_BOT_SOURCES": str(catalog),
        "SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK": "1",
        "SANCTIONS_BOT_ADMINS": str(ADMIN),
        # A checkout that is not pip-installed still finds the package.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    log = (tmp_path / "bot.log").open("w")
    proc = subprocess.Popen(bot_command(), cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        await telegram.wait_until(lambda: bool(telegram.commands) or proc.poll() is not None, 60)
        assert proc.poll() is None, (tmp_path / "bot.log").read_text()
        await telegram.wait_until(lambda: len(feed.requests("/wire.xml")) >= 1, timeout=30)

        telegram.send_message(USER, USER, "/start")
        await telegram.wait_for_message(USER, lambda m: "/subscribe" in m.plain)
        telegram.send_message(USER, USER, "/subscribe")
        await telegram.wait_for_message(USER, lambda m: "Subscribed to" in m.plain)

        # A new item appears on the feed; an admin asks for a poll instead of waiting a minute.
        item = ("ep-by-1", BELARUS_TITLE, belarus_text())
        feed.route("/wire.xml", rss([item, OLD_ITEM], now))
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
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
    output = (tmp_path / "bot.log").read_text()
    assert code == 0, output
    assert "Traceback" not in output, output
