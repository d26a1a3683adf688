"""Rule plans: which shapes are decided from masks, and the mask helpers themselves."""

from __future__ import annotations

import pytest

from bot.matching.analysis import analyze
from bot.matching.engine import Engine
from bot.matching.plan import CNF, EXPR, GENERAL, Layout, Plans, near_covers, rule_indexes
from bot.matching.query import leaves, parse_query
from bot.models import Document, Rule
from tests.test_engine import DenyResolver, FakeResolver


def kind_of(query: str) -> int:
    node = parse_query(query, resolver=FakeResolver())
    plans = Plans([node], {leaf: i for i, leaf in enumerate(dict.fromkeys(leaves(node)))})
    return plans.kinds[0]


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("sanctions", CNF),
        ("sanctions (Belarus OR Russia) embargo*", CNF),
        ("(sanctions embargo) OR Russia", EXPR),
        ("sanctions -Russia", EXPR),
        ("title:sanctions Russia", EXPR),
        ("(@body:EP /s resolution*) AND @country:BY", EXPR),
        ("(a /s b) /s c", EXPR),
        ("(a /p b) /s c", EXPR),
        ("a NEAR/3 (b OR c)", EXPR),
        ("title:(a NEAR/3 b)", EXPR),
        ("(a /s b) /p c", GENERAL),  # a paragraph holding such a sentence
        ("(a b) NEAR/3 c", EXPR),  # the evaluator answers for that NEAR, memoised
        ("title:((a b) NEAR/3 c)", GENERAL),  # NEAR of a compound operand in a field
        ("(a NEAR/3 b) /s c", GENERAL),  # NEAR inside a unit
    ],
)
def test_each_shape_gets_the_cheapest_exact_plan(query: str, kind: int) -> None:
    assert kind_of(query) == kind


def test_near_covers_widen_by_the_distance_in_both_directions() -> None:
    at = 1 << 10
    assert near_covers(at, 1 << 15, 5) and near_covers(at, 1 << 5, 5)
    assert not near_covers(at, 1 << 16, 5) and not near_covers(at, 1 << 4, 5)
    assert not near_covers(0, 1 << 10, 5) and not near_covers(at, 0, 5)
    assert near_covers(1, 1 << 100, 100) and not near_covers(1, 1 << 101, 100)


def test_rule_indexes_are_the_set_bits_in_order() -> None:
    assert rule_indexes(0) == []
    assert rule_indexes(0b1011) == [0, 1, 3]
    assert rule_indexes(1 << 9_999) == [9_999]


def test_layout_numbers_units_title_first_and_skips_tokenless_ones() -> None:
    layout = Layout.of(analyze(Document(id="d", title="— —", text="One two. Three!\n\nFour.")))
    title_s, text_s, title_p, text_p, all_s, all_p, title_t, text_t = layout.units
    assert title_s == 0 and title_p == 0 and title_t == 0  # a title without words
    assert text_s == 0b1110 and text_p == 0b110  # unit 0 is the (empty) title's
    assert all_s == text_s and all_p == text_p
    assert text_t == 0b1111 << layout.base["text"]


def test_documents_without_title_words_or_text_agree_with_the_evaluator() -> None:
    queries = ["c AND (-a /s -b)", "title:(-a) c", "c NEAR/2 d", "(c /p -d) AND c"]
    engine = Engine.compile(
        [Rule(key=f"r{i}", name=q, query=q) for i, q in enumerate(queries)], FakeResolver()
    )
    docs = [("—", "c here. d there."), ("", "c"), ("c d", ""), ("...", "\n\n! c ?\n\nd")]
    fired = 0
    for title, text in docs:
        doc = Document(id="d", title=title, text=text)
        assert engine.match(doc) == engine.match(doc, exhaustive=True)
        fired += len(engine.match(doc))
    assert fired >= 5


def test_deny_phrases_apply_to_conjunctions_and_expressions_alike() -> None:
    queries = ["sanctions @country:GN", "sanctions -@country:GE", "@country:GN NEAR/3 farm"]
    engine = Engine.compile(
        [Rule(key=f"r{i}", name=q, query=q) for i, q in enumerate(queries)], DenyResolver()
    )

    def keys(text: str) -> set[str]:
        doc = Document(id="d", title="", text=text)
        assert engine.match(doc) == engine.match(doc, exhaustive=True)
        return {m.rule_key for m in engine.match(doc)}

    assert keys("Sanctions hit a guinea pig farm in Atlanta, Georgia.") == {"r1"}
    assert keys("Sanctions on Guinea; a farm in Georgia.") == {"r0", "r2"}
