"""Retention on a real SQLite file: exactly the old never-alerted articles go, with what hangs off them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, FeedEntry, Match, Recipient
from bot.store import Store
from bot.store.retention import (
    INCREMENTAL,
    Pacing,
    Pruner,
    RetentionPolicy,
    auto_vacuum_mode,
    enable_incremental_vacuum,
)
from bot.store.schema import MIGRATIONS
from tests.support.clock import FakeClock

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
FAST = Pacing(pause=0.0)


@pytest.fixture
def clock() -> FakeClock:
    """The shared store (tests/conftest.py) runs on this clock, at T0."""
    return FakeClock(T0)


def add(store: Store, source: str, guid: str, title: str, text: str) -> Article:
    entry = FeedEntry(source, guid, f"https://{source}.example.org/{guid}", title, text, None)
    article = store.add_article(entry)
    assert article is not None
    return article


def match_for(article: Article, rule: str = "pack:eu-sanctions") -> Match:
    return Match(rule, "EU sanctions", str(article.id), (), ("BY",), article.title, (), "x")


def alert(store: Store, article: Article, chat: int = 1) -> int:
    (alert_id,) = store.record_match(article, match_for(article), [Recipient(chat, 0)])
    store.mark_sent(alert_id, 4242)
    return alert_id


def rows(store: Store, sql: str) -> set[tuple[object, ...]]:
    return {tuple(r) for r in store.db.execute(sql).fetchall()}


def snapshot(store: Store) -> dict[str, set[tuple[object, ...]]]:
    return {
        "articles": rows(store, "SELECT id FROM articles"),
        "fts": rows(store, "SELECT rowid FROM articles_fts"),
        "stories": rows(store, "SELECT id FROM stories"),
        "story_tokens": rows(store, "SELECT token, story_id FROM story_tokens"),
        "matches": rows(store, "SELECT id, article_id FROM matches"),
        "alerts": rows(store, "SELECT id, story_id FROM alerts"),
        "deliveries": rows(store, "SELECT id, alert_id FROM deliveries"),
    }


@dataclass
class World:
    unalerted: Article  # old, never alerted, own story: goes with its story and match
    lone_alerted: Article  # old, alerted: stays
    sibling: Article  # old, never alerted itself, but in the alerted story: stays
    shared_old: Article  # old, unalerted, in a story that a recent article keeps alive
    recent: Article  # recent: stays
    shared_recent: Article
    alert_id: int


def build(store: Store, clock: FakeClock) -> World:
    unalerted = add(
        store,
        "wire",
        "u1",
        "Harbour authority publishes dredging tender",
        "The port of Rotterdam tendered dredging works. Quokka marmalade festival notes.",
    )
    # A match with no recipient (nobody subscribed when it fired) is still a dependent row.
    store.record_match(unalerted, match_for(unalerted, "pack:other"), [])
    lone_alerted = add(
        store,
        "wire",
        "a1",
        "Council freezes assets of Belarusian officials over crackdown",
        "The Council of the EU adopted an asset freeze. Zebrafinch accord text.",
    )
    alert_id = alert(store, lone_alerted)
    sibling = add(
        store,
        "other",
        "a2",
        "Council freezes assets of Belarusian officials over crackdown",
        "Another outlet reports the EU asset freeze against Belarusian officials today.",
    )
    assert sibling.story_id == lone_alerted.story_id
    shared_old = add(
        store,
        "wire",
        "s1",
        "Ministers discuss fisheries quotas in Brussels meeting",
        "Fisheries ministers met. Pangolin lantern evening was mentioned.",
    )
    clock.now = T0 + timedelta(days=200)
    shared_recent = add(
        store,
        "wire",
        "s2",
        "Weather service warns of storms on the coast",
        "Storm warnings were issued for the coast this weekend.",
    )
    # Put the recent article into the old story: the story must survive its old member.
    store.db.execute(
        "UPDATE articles SET story_id = ? WHERE id = ?", [shared_old.story_id, shared_recent.id]
    )
    recent = add(
        store,
        "wire",
        "r1",
        "Parliament debates budget for next year",
        "Members of parliament debated the budget. Capybara orchestra review.",
    )
    return World(unalerted, lone_alerted, sibling, shared_old, recent, shared_recent, alert_id)


def test_prune_removes_exactly_old_unalerted_articles_and_their_rows(
    store: Store, clock: FakeClock
) -> None:
    w = build(store, clock)
    before = snapshot(store)
    pruner = Pruner(store.db, RetentionPolicy(timedelta(days=180)), clock, pacing=FAST)

    plan = pruner.plan()
    assert snapshot(store) == before  # a dry run changes nothing
    assert (plan.unalerted.articles, plan.unalerted.stories, plan.unalerted.matches) == (2, 1, 1)
    assert plan.kept_alerted == 2

    report = pruner.prune()
    after = snapshot(store)
    assert report.unalerted == plan.unalerted

    gone = {k: before[k] - after[k] for k in before}
    assert gone["articles"] == {(w.unalerted.id,), (w.shared_old.id,)}
    assert gone["fts"] == gone["articles"]
    assert gone["stories"] == {(w.unalerted.story_id,)}
    assert gone["story_tokens"] == {
        t for t in before["story_tokens"] if t[1] == w.unalerted.story_id
    }
    assert gone["story_tokens"]  # the story had tokens, and they went
    assert gone["matches"] == {m for m in before["matches"] if m[1] == w.unalerted.id}
    assert gone["alerts"] == set() and gone["deliveries"] == set()
    assert all(after[k] <= before[k] for k in before)  # nothing added

    # The FTS index agrees with its content table, and search no longer finds them.
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert store.search_articles("Quokka") == []
    assert store.search_articles("Pangolin") == []
    assert [a.id for a in store.search_articles("Zebrafinch")] == [w.lone_alerted.id]
    assert [a.id for a in store.search_articles("Capybara")] == [w.recent.id]
    view = store.alert_view(w.alert_id)
    assert view is not None and view.other_sources  # the alert still shows its story
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []

    again = pruner.prune()
    assert again.unalerted.articles == 0  # idempotent


def test_alerted_stories_go_after_their_own_longer_retention(
    store: Store, clock: FakeClock
) -> None:
    w = build(store, clock)
    policy = RetentionPolicy(timedelta(days=180), alerted=timedelta(days=365))
    pruner = Pruner(store.db, policy, clock, pacing=FAST)
    pruner.prune()
    assert store.alert_view(w.alert_id) is not None  # 200 days: still inside 365

    clock.now = T0 + timedelta(days=400)
    plan = pruner.plan()
    assert (plan.alerted.stories, plan.alerted.articles, plan.alerted.alerts) == (1, 2, 1)
    assert plan.alerted.deliveries == 1
    report = pruner.prune()
    assert report.alerted == plan.alerted
    assert store.alert_view(w.alert_id) is None
    left = snapshot(store)
    assert left["deliveries"] == set() and left["alerts"] == set()
    assert (w.lone_alerted.id,) not in left["articles"] and (w.sibling.id,) not in left["articles"]
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_alerted_story_with_an_undelivered_alert_is_kept(store: Store, clock: FakeClock) -> None:
    article = add(store, "wire", "p1", "EU lists new entities", "The Council listed entities.")
    (alert_id,) = store.record_match(article, match_for(article), [Recipient(7, 0)])
    clock.now = T0 + timedelta(days=1000)
    policy = RetentionPolicy(timedelta(days=180), alerted=timedelta(days=365))
    Pruner(store.db, policy, clock, pacing=FAST).prune()
    assert store.alert_view(alert_id) is not None  # still pending: never dropped unsent


def test_many_batches_and_space_is_returned(store: Store, clock: FakeClock) -> None:
    assert auto_vacuum_mode(store.db) == INCREMENTAL  # new databases are created so
    filler = "Sanctions and resolutions in a long text that takes room on disk. " * 40
    with store.transaction():
        for i in range(600):
            add(store, "wire", f"g{i}", f"Item number {i} about topic {i * 7}", f"{i} {filler}")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clock.now = T0 + timedelta(days=181)
    pacing = Pacing(pause=0.0, first_batch=25, max_batch=50)
    report = Pruner(store.db, RetentionPolicy(), clock, pacing=pacing).prune()
    assert report.unalerted.articles == 600 and report.unalerted.stories == 600
    assert report.batches > 12  # 600 in batches of at most 50
    assert store.count_articles() == 0
    assert int(store.db.execute("PRAGMA freelist_count").fetchone()[0]) == 0
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert report.bytes_after < report.bytes_before


def test_existing_database_without_auto_vacuum_is_converted_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)  # a database made by the first release: no auto-vacuum
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert auto_vacuum_mode(store.db) == 0
        assert enable_incremental_vacuum(store.db) is not None
        assert auto_vacuum_mode(store.db) == INCREMENTAL
        assert enable_incremental_vacuum(store.db) is None  # already done: no rewrite
    finally:
        store.close()


def test_rows_of_later_tables_follow_their_articles(store: Store, clock: FakeClock) -> None:
    # Tables added after retention was written (issues 13 and 15) point at articles too:
    # an article joined into another story's alert is alerted, and a list change keeps
    # its history when its old, never-alerted item goes.
    lead = add(store, "wire", "e1", "EU adopts 19th package of sanctions", "Lead report text.")
    alert_id = alert(store, lead)
    joined = add(store, "other", "e2", "Brussels hits LNG in new round", "Joined report text.")
    assert joined.story_id != lead.story_id
    store.record_match(joined, match_for(joined, "pack:other"), [])
    (match_id,) = store.db.execute(
        "SELECT id FROM matches WHERE article_id = ?", [joined.id]
    ).fetchone()
    store.db.execute(
        "INSERT INTO alert_matches (alert_id, match_id, added) VALUES (?, ?, ?)",
        [alert_id, match_id, T0.isoformat()],
    )
    item = add(store, "list", "c1", "Sanctions list change on OFAC SDN", "KAVALENKA added.")
    release = add(store, "press", "p1", "Treasury targets network", "Names KAVALENKA.")
    version = store.db.execute(
        "INSERT INTO list_versions (source_id, fetched, content_hash, entities) "
        "VALUES ('ofac', ?, 'h', 1)",
        [T0.isoformat()],
    ).lastrowid
    store.db.execute(
        "INSERT INTO list_changes (version_id, source_id, entity_id, change, data, article_id, "
        "announced_by) VALUES (?, 'ofac', '1', 'added', '{}', ?, ?)",
        [version, item.id, release.id],
    )
    store.db.execute(
        "INSERT INTO article_listings (article_id, name, lists) VALUES (?, 'KAVALENKA', '[]')",
        [release.id],
    )
    clock.now = T0 + timedelta(days=200)

    Pruner(store.db, RetentionPolicy(timedelta(days=180)), clock, pacing=FAST).prune()

    left = {r[0] for r in store.db.execute("SELECT id FROM articles")}
    assert joined.id in left and lead.id in left  # both carried by the alert
    assert item.id not in left and release.id not in left
    change = store.db.execute("SELECT article_id, announced_by FROM list_changes").fetchone()
    assert tuple(change) == (None, None)  # the list's history stays, unlinked
    assert store.db.execute("SELECT count(*) FROM article_listings").fetchone()[0] == 0
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []

    policy = RetentionPolicy(timedelta(days=180), alerted=timedelta(days=365))
    clock.now = T0 + timedelta(days=400)
    Pruner(store.db, policy, clock, pacing=FAST).prune()
    assert store.db.execute("SELECT count(*) FROM alert_matches").fetchone()[0] == 0
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
