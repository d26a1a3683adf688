"""The ingest step on a real SQLite file with the shipped packs: store, match, queue alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import data_dir
from bot.models import FeedEntry, Source
from bot.pipeline import Pipeline
from bot.registry import RuleRegistry
from bot.runtime import load_rules
from bot.store import Store

NOW = datetime(2026, 9, 18, 12, 0, tzinfo=UTC)
SOURCE = Source(id="wire", name="Test wire", url="https://wire.test/rss", tier="media")
OTHER = Source(id="other", name="Other outlet", url="https://other.test/rss", tier="media")
SEED = (data_dir("seeds") / "articles" / "belarus-satellite-state.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules() -> tuple[object, list[object]]:
    return load_rules(data_dir("rules"))  # type: ignore[return-value]


@pytest.fixture
def parts(tmp_path: Path, rules: tuple) -> Iterator[tuple[Store, RuleRegistry, Pipeline]]:  # type: ignore[type-arg]
    resolver, packs = rules
    store = Store.open(tmp_path / "p.db", clock=lambda: NOW)
    store.sync_sources([SOURCE, OTHER])
    registry = RuleRegistry(store, packs, resolver)
    yield store, registry, Pipeline(store, registry)
    store.close()


def _entry(guid: str, title: str, text: str, source: Source = SOURCE) -> FeedEntry:
    return FeedEntry(
        source_id=source.id,
        guid=guid,
        url=f"https://{source.id}.test/{guid}",
        title=title,
        text=text,
        published=NOW,
    )


BELARUS = _entry("b1", "Lukashenko flies to Sochi for talks with Putin", SEED.replace("\n", "\n\n"))
MONITOR = _entry(
    "m1", "This monitor's 8K resolution is wasted on games", "The resolution is superb."
)


def test_subscribed_chat_gets_one_alert_and_reingest_adds_nothing(parts: tuple) -> None:  # type: ignore[type-arg]
    store, registry, pipeline = parts
    store.upsert_chat(10)
    store.subscribe(10, registry.pack_ids())
    first = pipeline.ingest(SOURCE, [BELARUS, MONITOR])
    assert first.seen == 2 and first.new_articles == 2
    assert first.alerts >= 1
    views = store.recent_alerts(10, limit=20)
    assert {v.title for v in views} == {BELARUS.title}
    assert any("satellite state" in v.summary for v in views)
    assert all("BY" in v.countries for v in views)
    again = pipeline.ingest(SOURCE, [BELARUS, MONITOR])
    assert (again.new_articles, again.alerts) == (0, 0)
    assert store.count_alerts(10) == len(views)


def test_unsubscribed_chat_gets_nothing(parts: tuple) -> None:  # type: ignore[type-arg]
    store, _registry, pipeline = parts
    store.upsert_chat(11)
    result = pipeline.ingest(SOURCE, [BELARUS])
    assert result.matches >= 1 and result.alerts == 0
    assert store.count_alerts(11) == 0


def test_a_watch_alerts_only_its_own_chat_and_topic(parts: tuple) -> None:  # type: ignore[type-arg]
    store, registry, pipeline = parts
    store.upsert_chat(20)
    store.upsert_chat(21)
    watch = store.add_watch(20, '"satellite state" /s @country:BY', thread_id=7)
    registry.invalidate()
    pipeline.ingest(SOURCE, [BELARUS])
    [view] = store.recent_alerts(20)
    assert view.rule_key == watch.rule_key and view.thread_id == 7
    assert store.count_alerts(21) == 0


def test_same_story_from_a_second_outlet_gives_no_second_alert(parts: tuple) -> None:  # type: ignore[type-arg]
    store, registry, pipeline = parts
    store.upsert_chat(30)
    store.subscribe(30, registry.pack_ids())
    pipeline.ingest(SOURCE, [BELARUS])
    # a near-duplicate: the same story rewritten slightly by another outlet
    copy = _entry(
        "c1",
        "Lukashenko flies to Sochi for talks with Putin - Other Outlet",
        BELARUS.text + "\n\nReporting by Other Outlet.",
        source=OTHER,
    )
    result = pipeline.ingest(OTHER, [copy])
    assert result.alerts == 0
    views = store.recent_alerts(30, limit=20)
    assert len({v.story_id for v in views}) == 1
    detail = store.alert_view(views[0].id)
    assert detail is not None and ("Other outlet", copy.url) in detail.other_sources


def test_the_store_is_handed_a_match_whose_evidence_is_built(
    parts: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """record_match gets a plain Match of values: reading its fields runs no evaluator."""
    from bot.matching.lazy import LazyMatch
    from bot.models import Match

    store, registry, pipeline = parts
    store.upsert_chat(12)
    store.subscribe(12, registry.pack_ids())
    handed: list[Match] = []
    record = store.record_match

    def spy(article, match, recipients, priority="normal"):  # type: ignore[no-untyped-def]
        handed.append(match)
        return record(article, match, recipients, priority)

    monkeypatch.setattr(store, "record_match", spy)
    assert pipeline.ingest(SOURCE, [BELARUS]).alerts >= 1
    assert handed and all(type(m) is Match for m in handed)
    assert all(not isinstance(m, LazyMatch) for m in handed)
    assert any("satellite state" in m.summary for m in handed)
    assert all("BY" in m.countries and m.witnesses for m in handed)
