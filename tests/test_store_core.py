"""The store's core tables on a real SQLite file: migrations, chats, subscriptions, alerts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, Match, Recipient, Witness
from bot.store import Store
from bot.store.db import schema_version
from bot.store.schema import MIGRATIONS

NOW = datetime(2026, 9, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "bot.db", clock=lambda: NOW)
    yield s
    s.close()


def _article(store: Store, story: int = 1, guid: str = "g1") -> Article:
    with store.transaction():
        store.db.execute(
            "INSERT OR IGNORE INTO stories (id, fingerprint, created) VALUES (?, 'f', ?)",
            [story, store.now()],
        )
        cur = store.db.execute(
            "INSERT INTO articles (source_id, guid, url, canonical_url, title, text, published, "
            "fetched, content_hash, story_id) VALUES ('src', ?, ?, ?, 'T', 'body', NULL, ?, ?, ?)",
            [guid, f"https://x.test/{guid}", f"https://x.test/{guid}", store.now(), guid, story],
        )
    return Article(
        id=int(cur.lastrowid or 0),
        source_id="src",
        guid=guid,
        url=f"https://x.test/{guid}",
        canonical_url=f"https://x.test/{guid}",
        title="T",
        text="body",
        published=None,
        fetched=NOW,
        content_hash=guid,
        story_id=story,
    )


def _match(doc_id: str, key: str = "pack:eu") -> Match:
    return Match(
        rule_key=key,
        rule_name="EU sanctions",
        doc_id=doc_id,
        witnesses=(Witness("sanction*", "text", 0, 0, 4, "body"),),
        countries=("BY",),
        summary="body",
        highlights=((0, 4),),
        explanation="sanctions",
    )


def test_migrations_are_applied_once_and_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    Store.open(path).close()
    store = Store.open(path)  # second open must not re-run migration 1
    assert schema_version(store.db) == len(MIGRATIONS)
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_subscriptions_are_unique_and_per_topic(store: Store) -> None:
    store.upsert_chat(10, "supergroup", "Analysts")
    assert store.subscribe(10, ["eu", "un"]) == ["eu", "un"]
    assert store.subscribe(10, ["eu"]) == []  # already there
    assert store.subscribe(10, ["eu"], thread_id=5) == ["eu"]
    assert store.subscriptions(10) == ["eu", "un"]
    assert store.subscriptions(10, 5) == ["eu"]
    assert store.subscribers("eu") == [Recipient(10, 0), Recipient(10, 5)]
    assert store.unsubscribe(10, ["un", "nope"]) == ["un"]
    assert store.subscriptions(10) == ["eu"]


def test_inactive_chats_receive_nothing(store: Store) -> None:
    store.upsert_chat(10)
    store.subscribe(10, ["eu"])
    store.set_chat_active(10, False)
    assert store.subscribers("eu") == []
    store.upsert_chat(10)  # the user came back with /start
    assert store.subscribers("eu") == [Recipient(10, 0)]


def test_record_match_creates_one_alert_per_chat_rule_story(store: Store) -> None:
    store.upsert_chat(10)
    store.upsert_chat(11)
    first = _article(store, story=1, guid="a")
    ids = store.record_match(first, _match("a"), [Recipient(10), Recipient(11)])
    assert len(ids) == 2
    # the same story from another outlet: no second alert to the same chat
    second = _article(store, story=1, guid="b")
    assert store.record_match(second, _match("b"), [Recipient(10)]) == []
    # the same match again: nothing is matched twice
    assert store.record_match(first, _match("a"), [Recipient(10)]) == []
    view = store.alert_view(ids[0])
    assert view is not None
    assert view.chat_id == 10 and view.countries == ("BY",) and view.highlights == ((0, 4),)
    assert view.other_sources == (("src", "https://x.test/b"),)
    assert store.alert_view(ids[0], chat_id=11) is None  # another chat's alert stays hidden


def test_uniqueness_is_enforced_in_sql(store: Store) -> None:
    _article(store, guid="dup")
    with pytest.raises(sqlite3.IntegrityError):
        _article(store, guid="dup")


def test_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    store.upsert_chat(10)
    with pytest.raises(RuntimeError), store.transaction():
        store.subscribe(10, ["eu"])
        raise RuntimeError("crash in the middle")
    assert store.subscriptions(10) == []


def test_watches_and_mutes(store: Store) -> None:
    store.upsert_chat(10)
    watch = store.add_watch(10, "sanction* /s @country:BY", user_id=99)
    assert watch.rule_key == f"watch:{watch.id}"
    assert store.count_watches(10) == 1
    assert store.remove_watch(11, watch.id) is False  # not that chat's rule
    assert store.remove_watch(10, watch.id) is True
    store.mute(10, "pack:eu", NOW + timedelta(hours=24))
    assert store.muted_rules(10, NOW) == {"pack:eu"}
    assert store.muted_rules(10, NOW + timedelta(hours=25)) == set()


def test_chat_migration_moves_subscriptions_and_watches(store: Store) -> None:
    store.upsert_chat(-100, "group", "Team")
    store.subscribe(-100, ["eu"])
    store.add_watch(-100, "embargo")
    store.update_chat_settings(-100, digest="daily", timezone="Europe/Vilnius")
    store.migrate_chat(-100, -1001)
    new = store.get_chat(-1001)
    assert new is not None and new.type == "supergroup" and new.digest == "daily"
    assert new.timezone == "Europe/Vilnius"
    assert store.subscriptions(-1001) == ["eu"]
    assert [w.query for w in store.watches(-1001)] == ["embargo"]
    old = store.get_chat(-100)
    assert old is not None and not old.active


def test_unknown_chat_setting_is_refused(store: Store) -> None:
    store.upsert_chat(10)
    with pytest.raises(ValueError, match="unknown chat settings"):
        store.update_chat_settings(10, active=0)
