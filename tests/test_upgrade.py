"""Upgrades: every schema version a release shipped migrates to the current one with its data intact.

When a release ships a new schema version, add it to SHIPPED and commit its
fixture (tests/fixtures/db/v<N>.sqlite) made by a script beside it, as v1 is.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import FeedEntry, Match, Recipient
from bot.store import Store
from bot.store.db import schema_version
from bot.store.retention import INCREMENTAL, auto_vacuum_mode
from bot.store.schema import MIGRATIONS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "db"
SHIPPED = (1,)  # schema versions that releases have put in the field
TABLES = (
    "sources",
    "stories",
    "story_tokens",
    "articles",
    "chats",
    "subscriptions",
    "watches",
    "mutes",
    "matches",
    "alerts",
    "deliveries",
)


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def schema_of(path: Path) -> set[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {(t, n, " ".join((s or "").split())) for t, n, s in rows}
    finally:
        conn.close()


def test_a_fixture_for_every_shipped_version() -> None:
    found = sorted(int(p.stem[1:]) for p in FIXTURES.glob("v*.sqlite"))
    assert found == list(SHIPPED)
    assert all(v <= len(MIGRATIONS) for v in SHIPPED)
    for version in SHIPPED:
        conn = sqlite3.connect(FIXTURES / f"v{version}.sqlite")
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        conn.close()


def test_the_v1_fixture_is_what_its_script_makes(tmp_path: Path) -> None:
    out = tmp_path / "v1.sqlite"
    subprocess.run([sys.executable, str(FIXTURES / "make_v1.py"), str(out)], check=True)
    made, kept = sqlite3.connect(out), sqlite3.connect(FIXTURES / "v1.sqlite")
    try:
        assert list(made.iterdump()) == list(kept.iterdump())
    finally:
        made.close()
        kept.close()


@pytest.mark.parametrize("version", SHIPPED)
def test_migrates_to_current_with_data_intact(version: int, tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    shutil.copyfile(FIXTURES / f"v{version}.sqlite", path)
    before = counts(path)
    store = Store.open(path, lambda: datetime(2026, 3, 21, 9, 0, tzinfo=UTC))
    try:
        assert schema_version(store.db) == len(MIGRATIONS)
        assert store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        _reads_as_before(store)
        _keeps_working(store)
    finally:
        store.close()
    after = counts(path)
    changed = {t: after[t] - before[t] for t in TABLES if after[t] != before[t]}
    assert changed.pop("story_tokens") > 0  # the new story's tokens; nothing old was lost
    assert changed == {"articles": 1, "stories": 1, "matches": 1, "alerts": 1}
    fresh = tmp_path / "fresh.db"
    Store.open(fresh).close()
    assert schema_of(path) == schema_of(fresh)  # the same schema as a new database


def _reads_as_before(store: Store) -> None:
    """The data of the old version, read through today's store."""
    titles = [v.title for v in store.recent_alerts(101, limit=10)]
    assert titles == ["MEPs call Belarus a satellite state of Russia"] * 2
    view = store.alert_view(1)
    assert view is not None and view.state == "sent" and view.countries == ("BY", "RU")
    assert [name for name, _ in view.other_sources] == ["Test Wire"]
    assert [v.id for v in store.failed_alerts()] == [6, 3]
    assert sorted(a.id for a in store.search_articles('"satellite state"')) == [1, 2]
    assert store.subscriptions(-3001, 77) == ["ep-resolutions", "eu-sanctions"]
    assert [w.query for w in store.watches(101)] == ['@country:BY /s "satellite state"']
    assert store.muted_rules(-3001, datetime(2026, 3, 21, 8, 0, tzinfo=UTC)) == {
        "pack:eu-sanctions"
    }
    chat = store.get_chat(101)
    assert chat is not None and (chat.quiet_start, chat.quiet_end) == (22, 7)
    assert sorted(s.id for s in store.list_sources()) == ["admin-added", "ep-press", "test-wire"]
    assert store.outbox_counts() == {"sent": 2, "dead": 1, "pending": 1, "muted": 1, "failed": 1}
    assert [d["outcome"] for d in store.delivery_log(3)] == ["retry", "dead"]


def _keeps_working(store: Store) -> None:
    """New articles, matches and alerts on the upgraded file, and retention can shrink it."""
    entry = FeedEntry(
        "test-wire",
        "tw-new",
        "https://wire.example.org/new",
        "UN Security Council renews Libya panel",
        "The Security Council renewed the mandate of the panel of experts on Libya.",
        None,
    )
    article = store.add_article(entry)
    assert article is not None
    match = Match("pack:un-sanctions", "UN sanctions", str(article.id), (), ("LY",), "x", (), "y")
    assert len(store.record_match(article, match, [Recipient(101, 0)])) == 1
    assert auto_vacuum_mode(store.db) != INCREMENTAL  # an old file: converted by run / prune
    from bot.ops.maintenance import ensure_incremental_vacuum

    ensure_incremental_vacuum(store)
    assert auto_vacuum_mode(store.db) == INCREMENTAL
    assert store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
