"""ArticlesMixin and SourcesMixin on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserInputError
from bot.models import FeedEntry, Source
from bot.store import Store
from tests.support.clock import FakeClock

LONG = "The Council today adopted a further package of restrictive measures. " * 3


def entry(source: str, guid: str, url: str, title: str, text: str = LONG) -> FeedEntry:
    return FeedEntry(source, guid, url, title, text, datetime(2026, 11, 27, 9, tzinfo=UTC))


def test_add_and_read_back(store: Store) -> None:
    art = store.add_article(entry("ep", "1", "https://ep.example/a?utm_source=x", "Title one"))
    assert art is not None and art.canonical_url == "https://ep.example/a"
    assert store.get_article(art.id) == art
    assert art.published == datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert store.count_articles() == 1


def test_duplicates_by_guid_url_and_hash(store: Store) -> None:
    assert store.add_article(entry("ep", "1", "https://ep.example/a", "One")) is not None
    # same guid, new URL (re-published item)
    assert store.add_article(entry("ep", "1", "https://ep.example/b", "One again", "x")) is None
    # same canonical URL from another source, tracking parameters added
    assert (
        store.add_article(entry("un", "9", "https://EP.example/a?fbclid=z", "Other", "y")) is None
    )
    # same content under a new guid and URL
    assert store.add_article(entry("ep", "2", "https://ep.example/c", "ONE ")) is None
    # short texts do not dedup by hash (recurring headline)
    assert store.add_article(entry("ep", "3", "https://ep.example/d", "Briefing", "")) is not None
    assert store.add_article(entry("ep", "4", "https://ep.example/e", "Briefing", "")) is not None
    assert store.count_articles() == 3


def test_near_duplicate_from_another_source_joins_the_story(store: Store, clock: FakeClock) -> None:
    a = store.add_article(
        entry("council", "1", "https://c.example/1", "Council adopts new sanctions against Belarus")
    )
    b = store.add_article(
        entry(
            "media",
            "7",
            "https://m.example/7",
            "Belarus: Council adopts new sanctions against regime",
            "Report text",
        )
    )
    same_source = store.add_article(
        entry(
            "council",
            "2",
            "https://c.example/2",
            "Council adopts new sanctions against Belarus",
            "Corrigendum",
        )
    )
    assert a and b and same_source
    assert b.story_id == a.story_id
    assert same_source.story_id != a.story_id  # a source's own follow-up is its own item
    clock.now += timedelta(hours=73)
    late = store.add_article(
        entry(
            "other",
            "1",
            "https://o.example/1",
            "Council adopts new sanctions against Belarus",
            "Late",
        )
    )
    assert late and late.story_id not in (a.story_id, same_source.story_id)
    assert [x.id for x in store.story_articles(a.story_id)] == [a.id, b.id]


def test_linkless_items_are_told_apart_by_guid(store: Store) -> None:
    assert store.add_article(entry("un", "a", "", "First", "one"))
    assert store.add_article(entry("un", "b", "", "Second", "two"))
    assert store.add_article(entry("un", "a", "", "First", "one")) is None


def test_add_article_inside_callers_transaction_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        assert store.add_article(entry("ep", "1", "https://ep.example/a", "One")) is not None
        raise RuntimeError("pipeline failed after storing")
    assert store.count_articles() == 0
    assert store.add_article(entry("ep", "1", "https://ep.example/a", "One")) is not None


def test_articles_since(store: Store, clock: FakeClock) -> None:
    store.add_article(entry("ep", "1", "https://ep.example/1", "Old"))
    clock.now += timedelta(hours=1)
    mark = clock.now
    store.add_article(entry("ep", "2", "https://ep.example/2", "New", "different"))
    assert [a.title for a in store.articles_since(mark)] == ["New"]


@pytest.fixture
def searchable(store: Store) -> Store:
    rows = [
        ("European Parliament resolution on Belarus", "Calls Belarus a satellite state of Russia."),
        ("Council sanctions Iran", "New listings over drones supplied to Russia."),
        ("UN Security Council briefing", "Statements on Sudan and the humanitarian situation."),
        ("Sanktionen gegen Weißrussland", "Der Rat verhängt Sanktionen."),
    ]
    for i, (title, text) in enumerate(rows):
        store.add_article(entry("s", str(i), f"https://s.example/{i}", title, text))
    return store


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("belarus", {"European Parliament resolution on Belarus"}),
        ('"satellite state"', {"European Parliament resolution on Belarus"}),
        ('"state satellite"', set()),
        ("russia -iran", {"European Parliament resolution on Belarus"}),
        ("sudan OR drones", {"UN Security Council briefing", "Council sanctions Iran"}),
        ("sanction*", {"Council sanctions Iran"}),
        ("sank*", {"Sanktionen gegen Weißrussland"}),
        ("weissrussland OR weißrussland", {"Sanktionen gegen Weißrussland"}),
        ("council NOT AND", set()),  # operators typed as words are just words
        ("col:umn ( ) ^ {near} NEAR(a b)", set()),
    ],
)
def test_search(searchable: Store, query: str, titles: set[str]) -> None:
    assert {a.title for a in searchable.search_articles(query)} == titles


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed',
        "",
        "   ",
        "-belarus",
        "OR belarus",
        "belarus OR",
        "a OR OR b",
        "x" * 501,
        "!!! ...",
    ],
)
def test_malformed_search_is_user_error(searchable: Store, query: str) -> None:
    with pytest.raises(UserInputError):
        searchable.search_articles(query)


def test_search_paging(searchable: Store) -> None:
    page1 = searchable.search_articles("council OR sanktionen", limit=1)
    page2 = searchable.search_articles("council OR sanktionen", limit=1, offset=1)
    assert len(page1) == len(page2) == 1 and page1[0].id != page2[0].id


SOURCES = [
    Source("ep", "EP", "https://ep.example/rss", tier="official"),
    Source("gn", "News", "https://news.example/rss", kind="atom"),
]


def test_sources_sync_keeps_health_and_disables_dropped(store: Store, clock: FakeClock) -> None:
    store.sync_sources(SOURCES)
    store.record_poll_failure("ep", "HTTP 503", clock.now + timedelta(minutes=4))
    store.sync_sources([Source("ep", "European Parliament", "https://ep.example/rss2")])
    (ep,) = store.list_sources(enabled_only=True)
    assert (ep.name, ep.url) == ("European Parliament", "https://ep.example/rss2")
    health = {h.id: h for h in store.source_health()}
    assert health["ep"].consecutive_failures == 1 and health["ep"].last_error == "HTTP 503"
    assert health["ep"].next_poll_at == clock.now + timedelta(minutes=4)
    assert not health["gn"].enabled


def test_admin_added_sources(store: Store) -> None:
    store.sync_sources(SOURCES)
    added = Source("mine", "Mine", "https://mine.example/feed", selectors={})
    store.add_source(added, added_by=42)
    with pytest.raises(UserInputError, match="already exists"):
        store.add_source(added, added_by=42)
    with pytest.raises(UserInputError, match="http and https"):
        store.add_source(Source("bad", "Bad", "file:///etc/passwd"), added_by=42)
    store.sync_sources(SOURCES)  # a catalog sync leaves admin sources alone
    assert store.get_source("mine") == added
    assert store.remove_source("mine") and not store.remove_source("mine")


def test_poll_bookkeeping(store: Store, clock: FakeClock) -> None:
    store.sync_sources(SOURCES)
    assert store.validators("ep") is not None and store.validators("zz") is None
    assert (
        store.record_poll_success("ep", '"v1"', "Fri, 27 Nov 2026 10:00:00 GMT", "h1", 5, False)
        is False
    )
    v = store.validators("ep")
    assert v and (v.etag, v.last_modified, v.body_hash) == (
        '"v1"',
        "Fri, 27 Nov 2026 10:00:00 GMT",
        "h1",
    )
    store.record_poll_success("ep", None, None, None, 0, True)  # 304 keeps the validators
    assert store.validators("ep") == v
    for n in (1, 2, 3):
        assert store.record_poll_failure("ep", "timed out after 10s", clock.now) == n
    assert store.mark_failure_reported("ep") is True
    assert store.mark_failure_reported("ep") is False  # told once
    assert store.record_poll_success("ep", '"v2"', None, "h2", 1, False) is True
    health = store.get_source_health("ep")
    assert health and health.consecutive_failures == 0 and health.items_seen == 6
    assert not health.failure_reported and health.last_success == clock.now


def test_search_ranks_the_newest_hits_only(store: Store) -> None:
    from bot.store.articles import SEARCH_WINDOW

    def add(n: int, title: str) -> int:
        art = store.add_article(
            entry("wire", f"g{n}", f"https://wire.example/{n}", title, f"Item {n} on trade {n}.")
        )
        assert art is not None
        return art.id

    old_strong = add(0, "Embargo embargo embargo: the oldest, most relevant item")
    for n in range(1, SEARCH_WINDOW):
        add(n, f"Weekly digest {n} mentions an embargo among many other trade topics")
    new_strong = add(SEARCH_WINDOW, "Embargo embargo embargo: a new, very relevant item")
    add(SEARCH_WINDOW + 1, "Latest digest mentions an embargo among many other trade topics")
    found = [a.id for a in store.search_articles("embargo", limit=5)]
    assert found[0] == new_strong  # best match among the newest hits comes first
    assert old_strong not in found  # older than the ranked window
    pages = [
        a.id
        for offset in range(0, SEARCH_WINDOW, 50)
        for a in store.search_articles("embargo", limit=50, offset=offset)
    ]
    assert len(pages) == len(set(pages)) == SEARCH_WINDOW  # pages in the window never repeat
