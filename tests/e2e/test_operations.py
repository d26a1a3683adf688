"""Operations while the bot runs: the daily prune and a backup taken during delivery."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ops.backup import backup_database
from bot.telegram.app import Intervals
from tests.e2e.harness import Harness, eu_sanctions_article, start_harness, stop_harness

USER = 31
UNALERTED_TITLE = "Harbour authority opens quokka dredging tender"


@pytest.fixture
async def pruning_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot with delivery running and the retention job every second instead of daily."""
    h = await start_harness(
        tmp_path, jobs=True, intervals=Intervals(delivery=0.2, digest=0.5, poll=0.5, prune=1.0)
    )
    yield h
    await stop_harness(h)


async def test_daily_prune_removes_old_unalerted_articles_from_search(
    pruning_bot: Harness,
) -> None:
    bot = pruning_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    alerted = bot.ingest(*eu_sanctions_article("Iran"))
    quiet = bot.ingest(UNALERTED_TITLE, "The harbour authority published a dredging tender.")
    assert (alerted.alerts, quiet.alerts) == (1, 0)
    await bot.server.wait_until(lambda: bot.runtime.store.recent_alerts(USER)[0].state == "sent")
    assert UNALERTED_TITLE in (await bot.ask("/search quokka", USER)).plain

    bot.clock.advance(days=200)  # both are now older than the 180-day retention
    store = bot.runtime.store
    await bot.server.wait_until(lambda: store.count_articles() == 1, timeout=20)

    reply = await bot.ask("/search quokka", USER)
    assert UNALERTED_TITLE not in reply.plain
    found = await bot.ask("/search Iran", USER)
    assert "Iran: Council adopts" in found.plain  # the alerted article stays searchable
    recent = await bot.ask("/recent", USER)
    assert "Iran: Council adopts" in recent.plain


def _alert_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    try:
        return {int(r[0]) for r in conn.execute("SELECT id FROM alerts")}
    finally:
        conn.close()


def _pad(path: Path, articles: int) -> None:
    """Old filler articles so that the backup takes long enough to overlap with work."""
    text = "Filler paragraph about trade, shipping and customs procedures. " * 40
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO stories (id, fingerprint, created) VALUES (?, ?, '2026-01-01T00:00:00+00:00')",
            [(100_000 + i, f"filler {i}") for i in range(articles)],
        )
        conn.executemany(
            "INSERT INTO articles (source_id, guid, url, canonical_url, title, text, fetched, "
            "content_hash, story_id) VALUES ('test-wire', ?, ?, ?, ?, ?, "
            "'2026-01-01T00:00:00+00:00', ?, ?)",
            [
                (
                    f"f{i}",
                    f"https://f.example/{i}",
                    f"https://f.example/{i}",
                    f"Filler {i}",
                    text,
                    f"fh{i}",
                    100_000 + i,
                )
                for i in range(articles)
            ],
        )
    conn.close()


async def test_backup_while_delivering_holds_every_committed_alert(
    live_bot: Harness, tmp_path: Path
) -> None:
    bot = live_bot
    db = bot.runtime.settings.db_path
    chats = (USER, USER + 1, USER + 2)
    for chat in chats:
        await bot.ask("/subscribe eu-sanctions", chat)
    _pad(db, 10_000)
    countries = iter(f"Country{n}" for n in range(10_000))
    for _ in range(5):
        bot.ingest(*eu_sanctions_article(next(countries)))

    done = asyncio.Event()
    during = 0

    async def keep_ingesting() -> None:
        nonlocal during
        while not done.is_set():
            bot.ingest(*eu_sanctions_article(next(countries)))
            during += 1
            await asyncio.sleep(0.005)

    committed = _alert_ids(db)
    sent_before = len(bot.server.sent())
    writer = asyncio.create_task(keep_ingesting())
    await asyncio.sleep(0.02)
    during_start = during
    target = tmp_path / "backup.db"
    report = await asyncio.to_thread(backup_database, db, target)
    ingested_while_copying = during - during_start
    done.set()
    await writer

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        copy.close()
    assert committed and committed <= _alert_ids(target)
    assert report.alerts >= len(committed)
    assert ingested_while_copying > 0  # the bot kept writing while the copy was made
    # Nothing written during the backup is lost: every alert queued is in the live database.
    total = 5 + during
    assert len(_alert_ids(db)) == total * len(chats)
    # Delivery went on: alerts were sent from the start of the copy to after it.
    await bot.server.wait_until(lambda: len(bot.server.sent()) > sent_before)
