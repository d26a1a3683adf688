"""Smoke test of bench/: each benchmark's core at a tiny size, checked for consistency (never timing)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench import fanout, latency, polling
from bench import store as store_bench
from bench.baseline import Baseline, near_ok
from bench.corpus import make_articles, make_rules, make_world
from bench.fuzz import Fuzzer, disagreements
from bench.matching import compare
from bot.matching.engine import Engine
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.models import Document, Rule
from bot.store import Store


@pytest.fixture(scope="module")
def resolver() -> Gazetteer:
    return load_gazetteer()


def test_generators_are_deterministic_and_realistic() -> None:
    world = make_world()
    docs = make_articles(5, world=world)
    assert docs == make_articles(5, world=make_world())
    assert all(2500 <= len(d.text.encode()) <= 4500 for d in docs)
    assert all("\n\n" in d.text for d in docs)
    rules = make_rules(50, world=world)
    assert [r.query for r in rules] == [r.query for r in make_rules(50, world=make_world())]
    assert len({r.key for r in rules}) == 50
    queries = " ".join(r.query for r in rules)
    for operator in ("NEAR/", "/s", "/p", "@country:", "@body:", "*", "title:", '"'):
        assert operator in queries


def test_engine_and_regex_baseline_agree_on_generated_rules(resolver: Gazetteer) -> None:
    world = make_world()
    cmp = compare(make_rules(150, world=world), make_articles(40, world=world), resolver)
    assert cmp.identical, cmp.differences()
    articles_with_matches = {doc for doc, _ in cmp.engine}
    assert len(cmp.engine) > 20 and len(articles_with_matches) > 10  # not a vacuous agreement


CASES = [
    # (query, title, text, expected)
    ("sanction* /s Belarus", "", "New sanctions were adopted. Belarus objected.", False),
    ("sanction* /s Belarus", "", "New sanctions on Belarus were adopted.", True),
    (
        "sanction* /p Belarus",
        "",
        "New sanctions were adopted. Belarus objected.\n\nOther news.",
        True,
    ),
    ("sanction* /p Belarus", "", "New sanctions were adopted.\n\nBelarus objected.", False),
    ("embargo NEAR/2 Iran", "", "An embargo on Iran.", True),
    ("embargo NEAR/6 Iran", "", "An embargo was put on the oil of Iran.", False),
    ("embargo NEAR/7 Iran", "", "An embargo was put on the oil of Iran.", True),
    ("Iran NEAR/7 embargo", "", "An embargo was put on the oil of Iran.", True),
    ('"asset freeze" AND NOT Russia', "", "An asset freeze for Syria.", True),
    ('"asset freeze" AND NOT Russia', "", "An asset freeze for Russia.", False),
    ("title:(@country:BY) AND sanction*", "Belarus news", "Sanctions adopted.", True),
    ("title:(@country:BY) AND sanction*", "Other news", "Sanctions on Belarus.", False),
    (
        "@body:EP /s resolution*",
        "",
        "The European Parliament adopted resolutions on Belarus.",
        True,
    ),
    ("@country:BY", "", "Talks in Minsk.", True),
    ('"restrictive measures"', "", "Restrictive, measures differ.", True),
    ('"restrictive measures"', "", "Restrictive policy measures.", False),
    ("Bélarus", "", "BELARUS and belarus.", True),
    # /s inside /p: the sentence must be inside the paragraph, not the paragraph itself
    ("Minsk /p (sanction* /s embargo)", "", "Minsk talks. Sanctions now. An embargo later.", False),
    ("Minsk /p (sanction* /s embargo)", "", "Minsk talks. Sanctions and an embargo.", True),
    ("Minsk /p (sanction* /s embargo)", "", "Minsk talks.\n\nSanctions and an embargo.", False),
    ("(sanction* -embargo) /s Minsk", "", "Sanctions in Minsk. An embargo elsewhere.", True),
]


@pytest.mark.parametrize(("query", "title", "text", "expected"), CASES)
def test_baseline_semantics_on_hand_made_cases(
    resolver: Gazetteer, query: str, title: str, text: str, expected: bool
) -> None:
    rules = [Rule(key="watch:1", name="r", query=query)]
    doc = Document(id="1", title=title, text=text)
    assert (Baseline.compile(rules, resolver).match(doc) == ["watch:1"]) is expected
    assert (len(Engine.compile(rules, resolver).match(doc)) == 1) is expected


def test_engine_and_baseline_agree_on_random_nested_queries(resolver: Gazetteer) -> None:
    fuzz = Fuzzer(11)
    rules = fuzz.rules(400, resolver)
    docs = [fuzz.document(i) for i in range(40)]
    total, diffs = disagreements(rules, docs, resolver)
    assert total > 1000
    assert diffs == []


def test_near_distance_counts_gaps_between_occurrences() -> None:
    assert near_ok((0, 0), (1, 1), 1)
    assert not near_ok((0, 0), (2, 2), 1)
    assert near_ok((3, 4), (0, 1), 2)  # either order; a phrase is measured from its edge
    assert near_ok((0, 2), (1, 1), 1)  # overlapping


def test_store_queries_and_baselines_agree(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    counts = store_bench.populate(store, 600)
    assert store.count_articles() == 600 and counts["alerts"] > 0
    chat = int(
        store.db.execute(
            "SELECT chat_id FROM alerts GROUP BY chat_id ORDER BY count(*) DESC"
        ).fetchone()[0]
    )
    real = [v.id for v in store.recent_alerts(chat, limit=5)]
    naive = [v.id for v in store_bench._naive_recent(store, chat, 5)]
    assert real and real == naive
    hits = store.search_articles("Belarus", limit=10)
    like = store_bench._like_search(store, "Belarus", limit=10)
    assert hits and like
    assert all("belarus" in (a.title + a.text).lower() for a in hits)
    store.close()


def test_polling_cold_stores_everything_and_warm_is_all_304(tmp_path: Path) -> None:
    data = asyncio.run(polling.measure(feeds=6, items=3, seq_feeds=2, tmp=tmp_path))
    assert data["articles_stored"] == (6 + 2) * 3
    assert data["cold"]["outcomes"] == {"ok": 6} and data["sequential_cold"]["outcomes"] == {
        "ok": 2
    }
    assert data["warm"]["outcomes"] == {"not_modified": 6}
    assert data["warm_latency"]["outcomes"] == {"not_modified": 6}


def test_fanout_delivers_one_message_per_chat(tmp_path: Path) -> None:
    async def both() -> list[dict[str, object]]:
        server = fanout.BotApiProcess.start()
        try:
            return [
                await fanout.one_run(server, "off", 8, False, None, tmp_path),
                await fanout.one_run(server, "on", 3, True, None, tmp_path),
            ]
        finally:
            server.stop()

    off, on = asyncio.run(both())
    assert off["sent"] == off["alerts"] == off["send_requests"] == 8
    assert on["sent"] == on["alerts"] == 3 and on["answered_429"] == 0


def test_latency_every_item_reaches_its_chat(tmp_path: Path) -> None:
    data = asyncio.run(latency.measure(2, tmp_path))
    assert data["delivered"] == 2
    assert all(x > 0 for x in data["latencies_s"])
