"""Crash test: `sanctions-bot run` killed with SIGKILL again and again loses no alert.

The whole pipeline runs as users run it: a subprocess `python -m bot run`
polls a feed served by the feed test server, matches the shipped packs, queues
alerts in SQLite and delivers them through the Bot API test server. The test
kills it with SIGKILL at random moments (during start-up, ingestion and
delivery), restarts it each time, and at the end checks that every expected
alert arrived at least once and that duplicates are no more than the kills
(only a message in flight at the moment of a kill can be repeated). Two
graceful stops (SIGTERM, exit code 0) in between must add no duplicate.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from bot.store import Store
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["Iran", "Belarus", "Syria", "Myanmar", "Venezuela", "Nicaragua", "Mali", "Sudan",
             "Eritrea", "Guinea", "Libya", "Yemen", "Haiti", "Burundi", "Zimbabwe", "Moldova"]  # fmt: skip
# Each chat watches one operation name; an item names one operation, so every chat gets
# its own share of the feed. Telegram allows about one message per second per chat, so
# spreading the items over many chats is what lets a few hundred of them arrive quickly.
OPERATIONS = ["quokka", "narwhal", "axolotl", "pangolin", "okapi", "tapir", "wombat", "ibis"]
ITEMS = 200  # matching feed items
CHATS = [5101 + n for n in range(16)]  # private chats; chat i watches OPERATIONS[i % 8]
KILLS = 10
TERM_AFTER = (4, 8)  # after these many kills, one SIGTERM (graceful stop) as well
# Recent items: older ones are stored but held back from alerting (issue 10).
START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=6)
SEED = int(os.environ.get("CRASH_SEED", "20261127"))


def item(n: int) -> tuple[str, str]:
    """A distinct EU sanctions item (title, text); the number makes every story unique."""
    country = COUNTRIES[n % len(COUNTRIES)]
    title = f"{country}: Council adopts restrictive measures, listing round {n}"
    text = (
        f"The Council of the EU today adopted restrictive measures against {n % 7 + 2} officials "
        f"of {country} over operation {operation(n)}, with an asset freeze (round {n}).\n\n"
        f"The listings bring the number of people sanctioned in relation to {country} to {40 + n}."
    )
    return title, text


def operation(n: int) -> str:
    """The operation item n names."""
    return OPERATIONS[n % len(OPERATIONS)]


def chat_operation(chat: int) -> str:
    """The operation a chat watches."""
    return OPERATIONS[CHATS.index(chat) % len(OPERATIONS)]


def rss(count: int) -> bytes:
    """The feed: `count` items, newest first."""
    entries = []
    for n in range(count):
        title, text = item(n)
        date = format_datetime(START + timedelta(minutes=n))
        entries.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>https://wire.example/eu/{n}</link><guid>crash-{n}</guid>"
            f"<pubDate>{date}</pubDate><description>{escape(text)}</description></item>"
        )
    body = "".join(reversed(entries))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Crash wire</title><link>https://wire.example/</link>{body}</channel></rss>"
    ).encode()


@pytest.fixture
def servers() -> Iterator[tuple[BotApiServer, FeedServer]]:
    api = BotApiServer().start()
    feeds = FeedServer().start()
    yield api, feeds
    api.stop()
    feeds.stop()


def _prepare(tmp_path: Path, api: BotApiServer, feeds: FeedServer) -> dict[str, str]:
    feeds.route("/wire.xml", rss(ITEMS))
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - id: crash-wire\n"
        "    name: Crash Wire\n"
        f"    url: {feeds.url('/wire.xml')}\n"
        "    kind: rss\n"
        "    tier: media\n"
        "    interval: 1h\n",
        "utf-8",
    )
    db = tmp_path / "bot.db"
    store = Store.open(db)
    for chat in CHATS:
        api.add_chat(chat, "private")
        store.upsert_chat(chat, "private")
        store.add_watch(chat, f'{chat_operation(chat)} AND "restrictive measures"')
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SANCTIONS_BOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_URL=api.base_url,
        SANCTIONS_BOT_DB=str(db),
        SANCTIONS_BOT_SOURCES=str(sources),
        SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def _alert_messages(api: BotApiServer) -> int:
    return sum(
        1
        for m in api.sent()
        if any(b.get("callback_data", "").startswith("d:") for b in m.buttons())
    )


def _wait(
    condition: Callable[[], bool], timeout: float, proc: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"bot exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def test_sigkill_loses_nothing(tmp_path: Path, servers: tuple[BotApiServer, FeedServer]) -> None:
    api, feeds = servers
    env = _prepare(tmp_path, api, feeds)
    log = tmp_path / "bot.log"
    rng = random.Random(SEED)
    expected = len(_expected_keys())
    kills = terms = 0
    proc = _start(env, log)
    try:
        while kills < KILLS:
            before = _alert_messages(api)
            if kills % 3 != 0:  # most kills land mid-delivery, some during start-up/ingestion
                _wait(lambda b=before: _alert_messages(api) > b, 60, proc, log)
            time.sleep(rng.uniform(0.0, 1.2))
            if _alert_messages(api) >= expected:
                break
            if kills in TERM_AFTER and terms < kills // 4:
                # A graceful stop mid-delivery: the send in flight is finished and recorded.
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(30) == 0, log.read_text()[-3000:]
                terms += 1
            else:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                kills += 1
            proc = _start(env, log)
        _wait(lambda: _delivered_titles(api) >= expected, 90, proc, log)
        # Every alert recorded as sent: nothing is due, so nothing more can go out (a
        # condition the store states, not a pause that hopes the queue is empty by then).
        _wait(lambda: _states(tmp_path / "bot.db") == {"sent": expected}, 60, proc, log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    counts = _count(api)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    missing = [key for key in _expected_keys() if counts.get(key, 0) == 0]
    stray = [key for key in counts if key not in set(_expected_keys())]
    print(
        f"\ncrash test: kills={kills} graceful_stops={terms} expected={expected} "
        f"delivered={sum(1 for k in _expected_keys() if counts.get(k))} "
        f"messages={sum(counts.values())} duplicates={duplicates} "
        f"429s={api.stats()['answered_429']}"
    )
    assert kills == KILLS and terms == len(TERM_AFTER)
    assert missing == []
    assert stray == []
    assert duplicates <= kills  # graceful stops add none

    store = Store.open(tmp_path / "bot.db")
    try:
        assert store.outbox_counts() == {"sent": expected}  # nothing pending, failed or dead
    finally:
        store.close()


def _states(db: Path) -> dict[str, int]:
    """Alerts per state, read without writing while the bot runs."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute("SELECT state, count(*) FROM alerts GROUP BY state").fetchall()
    finally:
        conn.close()
    return {str(state): int(n) for state, n in rows}


def _expected_keys() -> list[tuple[int, str]]:
    return [
        (chat, item(n)[0])
        for chat in CHATS
        for n in range(ITEMS)
        if operation(n) == chat_operation(chat)
    ]


def _count(api: BotApiServer) -> dict[tuple[int, str], int]:
    titles = {item(n)[0] for n in range(ITEMS)}
    counts: dict[tuple[int, str], int] = {}
    for message in api.sent():
        # The headline is the alert's fourth line (the finding leads); find it among them.
        title = next((line for line in message.plain.splitlines() if line in titles), None)
        if title is not None:
            key = (message.chat_id, title)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _delivered_titles(api: BotApiServer) -> int:
    return len(_count(api))
