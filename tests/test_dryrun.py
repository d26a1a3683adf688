"""Dry runs (/test, /watch): index candidates only, the same count as matching everything,
a time budget that ends them early and says so."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bench.corpus import make_articles, make_rules, make_world
from bot.dryrun import candidate_expression, dry_run, parse_chat_query
from bot.errors import QueryCostError
from bot.matching.engine import Engine
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.models import FeedEntry, Rule
from bot.store import Store

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WEEK = NOW - timedelta(days=7)


@pytest.fixture(scope="module")
def resolver() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    clock = [NOW]
    store = Store.open(tmp_path_factory.mktemp("dry") / "d.db", clock=lambda: clock[0])
    docs = make_articles(300, world=make_world())
    for index, doc in enumerate(docs):
        # Every 30 minutes from 10 days ago: about half of them in the last 7 days.
        clock[0] = NOW - timedelta(days=10) + timedelta(minutes=30 * index)
        store.add_article(
            FeedEntry("wire", f"g{index}", f"https://x.test/{index}", doc.title, doc.text, NOW)
        )
    yield store
    store.close()


def _everything(store: Store, query: str, resolver: Gazetteer) -> int:
    engine = Engine.compile([Rule(key="watch:x", name="x", query=query)], resolver)
    return sum(1 for a in store.articles_since(WEEK) if engine.match(a.document()))


QUERIES = [
    "sanctions",
    "@country:BY",
    '"asset freeze" /s @country:RU',
    "embargo* NEAR/5 (@country:IR OR @country:SY)",
    "title:(ban OR embargo) -@country:RU",
    "(sanctions OR embargo) AND NOT @body:UN",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_count_is_what_matching_every_article_gives(
    stocked: Store, resolver: Gazetteer, query: str
) -> None:
    result = dry_run(stocked, resolver, query, WEEK)
    assert result.complete
    assert result.matched == _everything(stocked, query, resolver)
    assert result.matched or query.startswith("title:")  # most of them match something
    assert all(a.fetched >= WEEK for a in result.newest)
    assert [a.id for a in result.newest] == sorted((a.id for a in result.newest), reverse=True)


def test_generated_watches_count_the_same_through_the_index(
    stocked: Store, resolver: Gazetteer
) -> None:
    counted = 0
    for rule in make_rules(40, world=make_world()):
        result = dry_run(stocked, resolver, rule.query, WEEK)
        assert result.matched == _everything(stocked, rule.query, resolver), rule.query
        counted += result.matched
    assert counted > 20  # not a vacuous agreement


def test_only_candidates_are_read(
    stocked: Store, resolver: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    original = stocked.articles_by_ids
    monkeypatch.setattr(stocked, "articles_by_ids", lambda ids: read.extend(ids) or original(ids))
    result = dry_run(stocked, resolver, '"Vinro Shipping" OR "Ardent Maritime"', WEEK)
    in_window = len(stocked.articles_since(WEEK))
    assert len(read) == result.candidates < in_window


def test_the_time_budget_stops_it_and_says_how_far_it_got(
    stocked: Store, resolver: Gazetteer
) -> None:
    ticks = itertools.count()
    result = dry_run(stocked, resolver, "the", WEEK, budget_s=10, timer=lambda: next(ticks))
    assert not result.complete
    assert 0 < result.checked < result.candidates
    assert result.matched <= result.checked


def test_a_costly_query_is_refused_before_any_article_is_read(
    stocked: Store, resolver: Gazetteer
) -> None:
    with pytest.raises(QueryCostError):
        sixty = "(" + "|".join(["the"] * 60) + ")"
        dry_run(stocked, resolver, f"{sixty} NEAR/100 {sixty}", WEEK)


def test_the_candidate_expression_needs_every_required_clause(resolver: Gazetteer) -> None:
    node = parse_chat_query('"asset freeze" /s (Iran OR tanker*) -football', resolver)
    expression = candidate_expression(node, resolver)
    assert expression == '("asset freeze") AND ("iran" OR "Iran" OR "tanker"*)'
    assert candidate_expression(parse_chat_query("@country:BY", resolver), resolver).count(
        " OR "
    ) > 5  # every name of Belarus
