"""One alert per story and chat in the store: joining, the official lead, same-event
grouping, per-chat numbers, edits due, held alerts, mutes, and migration 2 on old data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Article, FeedEntry, Match, Recipient, Source
from bot.store import Store
from bot.store.db import connect, schema_version
from bot.store.sameevent import Report, same_event
from bot.store.schema import MIGRATIONS

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COUNCIL = Source("council", "Council of the EU", "https://c.example/feed", tier="official")
WIRE = Source("wire", "Daily Wire", "https://w.example/feed")
OTHER = Source("other", "Other Wire", "https://o.example/feed")
TEXT = (
    "The Council today adopted a 19th package of restrictive measures against Russia, "
    "including an asset freeze on 69 individuals."
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "bot.db", clock=lambda: NOW)
    s.sync_sources([COUNCIL, WIRE, OTHER])
    for chat in (1, 2):
        s.upsert_chat(chat)
    yield s
    s.close()


def _article(store: Store, source: Source, title: str, text: str = TEXT) -> Article:
    n = store.count_articles() + 1
    entry = FeedEntry(source.id, f"g{n}", f"https://{source.id}.example/{n}", title, text, NOW)
    article = store.add_article(entry)
    assert article is not None
    return article


def _match(article: Article, key: str = "pack:eu", countries: tuple[str, ...] = ("RU",)) -> Match:
    return Match(key, key.split(":")[1], str(article.id), (), countries, TEXT, (), "why")


def test_copies_join_the_story_alert_and_the_official_copy_leads(store: Store) -> None:
    title = "Council adopts 19th package of sanctions against Russia"
    media = _article(store, WIRE, title)
    [first] = store.record_match(media, _match(media), [Recipient(1)])
    store.mark_sent(first, 77, links_shown=1)
    # The official text verbatim: kept as the Council's copy, in the same story.
    official = _article(store, COUNCIL, title)
    assert official.story_id == media.story_id
    assert store.record_match(official, _match(official), [Recipient(1), Recipient(2)]) != []
    view = store.alert_view(first)
    assert view is not None
    assert view.source_name == "Council of the EU" and view.tier == "official"
    assert [s.name for s in view.sources] == ["Council of the EU", "Daily Wire"]
    assert store.due_edit_ids() == [first]  # the sent message must show the new lead
    assert store.count_alerts(1) == 1 and store.count_alerts(2) == 1


def test_a_second_rule_joins_before_sending_and_raises_the_priority(store: Store) -> None:
    article = _article(store, WIRE, "MEPs call Belarus a satellite state of Russia")
    [alert] = store.record_match(article, _match(article, "pack:calls"), [Recipient(1)], "low")
    assert store.record_match(article, _match(article, "pack:ep"), [Recipient(1)], "urgent") == []
    view = store.alert_view(alert)
    assert view is not None and view.priority == "urgent"
    assert view.rules == ("calls", "ep") and store.alert_rule_keys(alert) == [
        "pack:calls",
        "pack:ep",
    ]
    assert store.due_edit_ids() == []  # not sent yet: it will go out with both


def test_a_paraphrased_report_of_the_same_event_joins_but_other_events_do_not(
    store: Store,
) -> None:
    council = _article(
        store,
        COUNCIL,
        "Russia's war of aggression against Ukraine: Council adopts 19th package of economic "
        "and individual sanctions",
    )
    [alert] = store.record_match(council, _match(council), [Recipient(1)])
    wire = _article(
        store, WIRE, "EU adopts 19th package of sanctions against Russia, targeting LNG"
    )
    assert wire.story_id != council.story_id  # the headlines differ too much for one story
    assert store.record_match(wire, _match(wire), [Recipient(1)]) == []
    iran = _article(store, OTHER, "Iran: EU adopts new sanctions over drone deliveries")
    assert store.record_match(iran, _match(iran, countries=("IR",)), [Recipient(1)]) != []
    twentieth = _article(store, OTHER, "Brussels agrees 20th round of Russia sanctions")
    assert store.record_match(twentieth, _match(twentieth), [Recipient(1)]) != []
    view = store.alert_view(alert)
    assert view is not None and [s.name for s in view.sources] == [
        "Council of the EU",
        "Daily Wire",
    ]


@pytest.mark.parametrize(
    ("earlier", "later", "same"),
    [
        ("Council adopts 19th package of sanctions on Russia", "EU agrees 19th Russia package", True),
        ("EU adopts 19th sanctions package on Russia", "EU adopts 20th sanctions package on Russia", False),
        ("Security Council adopts resolution 2795 on Libya", "UN renews Libya inspections, resolution 2795", True),
        ("EU prolongs economic sanctions against Russia", "Council adopts 19th package of sanctions against Russia", False),
        ("Council lists nine officials over human rights abuses", "EU sanctions nine officials over abuses", False),
    ],
)  # fmt: skip
def test_same_event(earlier: str, later: str, same: bool) -> None:
    rules = frozenset({"pack:eu"})
    a = Report(earlier, rules, NOW, frozenset({"RU"}))
    b = Report(later, rules, NOW + timedelta(hours=2), frozenset({"RU"}))
    assert same_event(a, b) is same
    assert not same_event(a, Report(later, rules, NOW, frozenset({"IR"})))  # another target
    assert not same_event(a, Report(earlier, frozenset({"pack:un"}), NOW))  # another rule
    assert not same_event(a, Report(earlier, rules, NOW + timedelta(hours=40)))  # too late


def test_numbers_are_per_chat_and_never_reused(store: Store) -> None:
    first = store.add_watch(1, "alpha")
    second = store.add_watch(1, "bravo")
    other = store.add_watch(2, "charlie")
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert store.remove_watch(1, second.id)
    assert store.add_watch(1, "delta").number == 3
    assert store.watch_by_number(1, 1) == first and store.watch_by_number(1, 2) is None


def test_a_copy_that_joins_during_the_send_makes_the_edit_due(store: Store) -> None:
    a = _article(store, WIRE, "Council adopts 19th package of sanctions against Russia")
    [alert] = store.record_match(a, _match(a), [Recipient(1)])
    shown = store.alert_view(alert)
    assert shown is not None and shown.links == 1
    b = _article(store, OTHER, "Council adopts 19th package of sanctions against Russia")
    store.record_match(b, _match(b), [Recipient(1)])  # while the message is in flight
    store.mark_sent(alert, 5, links_shown=shown.links)
    assert store.due_edit_ids() == [alert]
    store.mark_edited(alert, 5)
    assert store.due_edit_ids() == []


def test_release_held_and_story_mutes(store: Store) -> None:
    a = _article(store, WIRE, "Council adopts 19th package of sanctions against Russia")
    [alert] = store.record_match(a, _match(a), [Recipient(1)])
    store.hold_alert(alert, NOW + timedelta(hours=5), "quiet hours")
    assert store.due_alert_ids(NOW) == []
    assert store.release_held(1) == 1
    assert store.due_alert_ids(NOW) == [alert]
    store.mute(1, f"alert:{alert}", NOW + timedelta(days=1))
    assert store.alert_muted(alert, 1)
    assert store.unmute(1, [f"alert:{alert}", "pack:nope"]) == [f"alert:{alert}"]
    assert not store.alert_muted(alert, 1)


def test_migration_2_numbers_and_links_what_an_old_database_has(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    conn.executescript(
        "INSERT INTO chats (id, created) VALUES (5, 'x'), (6, 'x');"
        "INSERT INTO stories (id, fingerprint, created) VALUES (1, 'f', 'x');"
        "INSERT INTO articles (id, source_id, guid, url, canonical_url, title, text, fetched, "
        "content_hash, story_id) VALUES (1, 's', 'g', 'u', 'u', 'T', 'x', 'x', 'h', 1);"
        "INSERT INTO matches (id, article_id, rule_key, rule_name, summary, explanation, created) "
        "VALUES (1, 1, 'pack:a', 'A', 's', 'e', 'x'), (2, 1, 'pack:b', 'B', 's', 'e', 'x');"
        "INSERT INTO alerts (id, chat_id, rule_key, story_id, match_id, next_attempt_at, created) "
        "VALUES (10, 5, 'pack:a', 1, 1, 'x', 'x'), (11, 6, 'pack:a', 1, 1, 'x', 'x'),"
        " (12, 5, 'pack:b', 1, 2, 'x', 'x');"
        "INSERT INTO watches (id, chat_id, query, created) VALUES (7, 6, 'q', 'x'), (8, 6, 'r', 'x');"
    )
    conn.close()
    db = connect(path)
    assert schema_version(db) == len(MIGRATIONS)
    numbers = db.execute("SELECT id, number FROM alerts ORDER BY id").fetchall()
    assert numbers == [(10, 1), (11, 1), (12, 2)]
    assert db.execute("SELECT count(*) FROM alert_matches").fetchone()[0] == 3
    assert db.execute("SELECT number FROM watches ORDER BY id").fetchall() == [(1,), (2,)]
    seqs = db.execute("SELECT id, alert_seq, watch_seq FROM chats ORDER BY id").fetchall()
    assert seqs == [(5, 2, 0), (6, 1, 2)]
