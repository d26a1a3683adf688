"""The query cost model: what it accepts and refuses, and the linear NEAR join it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench.corpus import make_rules, make_world
from bot.errors import QueryCostError, QuerySyntaxError
from bot.matching.cost import PACK_LIMITS, USER_LIMITS, query_cost
from bot.matching.evaluator import RawWitness, Span, _join_near
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.matching.packs import load_packs
from bot.matching.query import MAX_DEPTH, parse_query

ROOT = Path(__file__).resolve().parent.parent

# The shapes the issue reports, as an attacker sends them (each under 500 characters).
OR_OF_NEARS = (
    "(" + "|".join(["(the NEAR/100 of)"] * 13) + ") NEAR/100 ("
    + "|".join(["(of NEAR/100 the)"] * 13) + ")"
)  # fmt: skip
SIXTY_THE = "(" + "|".join(["the"] * 60) + ") NEAR/100 (" + "|".join(["the"] * 60) + ")"
DISTINCT = [f"w{i}" for i in range(20)]
MANY_NEARS = " | ".join(f"(({a} NEAR/50 {b}) NEAR/50 ({b} NEAR/40 {a}))" for a, b in zip(
    DISTINCT[::2], DISTINCT[1::2], strict=True
))  # fmt: skip
NESTED_UNITS = "((a b c d) /s (e f g h)) /p ((a NEAR/9 e) /s (b NEAR/9 f)) /p ((c d) /s (g h))"
ATTACKS = [OR_OF_NEARS, SIXTY_THE, f"({MANY_NEARS}) NEAR/80 ({MANY_NEARS})", NESTED_UNITS * 5]

EVERYDAY = [
    '"European Parliament" resolution /s @country:BY',
    "sanction* NEAR/5 (@country:RU OR @country:BY) -football",
    'title:(embargo OR "asset freeze") @body:OFAC',
    "(sanctions OR embargo OR restrictions) NEAR/10 (Iran OR Syria OR Belarus OR Russia)",
    "(asset* freeze*) NEAR/5 (oligarch* OR bank*) /p (EU OR Council)",
    '@body:EP /s (resolution* NEAR/20 (sanction* OR "restrictive measures"))',
]


@pytest.fixture(scope="module")
def resolver() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize("query", ATTACKS)
def test_the_attack_shapes_are_refused_for_chats_with_a_reason(query: str) -> None:
    with pytest.raises(QueryCostError) as caught:
        parse_query(query, limits=USER_LIMITS)
    assert caught.value.message.startswith("this query could be too slow: ")
    assert "times what one rule may use" in caught.value.message
    assert caught.value.expected  # what to change


def test_or_inside_near_gets_the_advice_to_move_the_or_out() -> None:
    with pytest.raises(QueryCostError) as caught:
        parse_query(OR_OF_NEARS, limits=USER_LIMITS)
    assert "OR outside" in caught.value.expected


@pytest.mark.parametrize("query", EVERYDAY)
def test_everyday_queries_are_well_within_the_chat_limits(
    query: str, resolver: Gazetteer
) -> None:
    cost = query_cost(parse_query(query, resolver=resolver, limits=USER_LIMITS))
    assert cost.per_token * 2 <= USER_LIMITS.per_token, cost
    assert cost.per_document * 2 <= USER_LIMITS.per_document, cost


def test_generated_watches_all_pass_the_chat_limits(resolver: Gazetteer) -> None:
    for rule in make_rules(2000, world=make_world()):
        parse_query(rule.query, resolver=resolver, limits=USER_LIMITS)


def test_shipped_packs_leave_room_under_the_pack_limits(resolver: Gazetteer) -> None:
    for pack in load_packs(ROOT / "rules"):
        cost = query_cost(parse_query(pack.query, terms=pack.terms, resolver=resolver))
        assert cost.per_token * 3 <= PACK_LIMITS.per_token, (pack.id, cost)
        assert cost.explain * 3 <= PACK_LIMITS.explain, (pack.id, cost)


def test_the_cost_error_is_a_syntax_error_so_every_caller_reports_it() -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query(SIXTY_THE, limits=USER_LIMITS)


@pytest.mark.parametrize("op", ["NEAR/5", "/s", "/p"])
def test_long_proximity_chains_are_refused_not_a_recursion_error(op: str) -> None:
    ok = f" {op} ".join(["ab"] * (MAX_DEPTH + 1))  # MAX_DEPTH operators
    parse_query(ok)
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse_query(f" {op} ".join(["ab"] * 1500))


def test_chains_inside_parentheses_add_up() -> None:
    chain = " /s ".join(["ab"] * 30)  # 29 levels; four of them nested: 116
    query = chain
    for _ in range(3):
        query = f"({query}) /s {chain}"
    assert len(query) < 1000
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse_query(query)


# -- the NEAR join: linear, and exact about whether any pair is near ------------------------

_spans = st.lists(
    st.tuples(st.sampled_from(["title", "text"]), st.integers(0, 60), st.integers(1, 4)),
    min_size=1,
    max_size=30,
)


def _made(raw: list[tuple[str, int, int]], label: str) -> list[Span]:
    return sorted(
        {Span(f, lo, lo + w, (RawWitness(label, f, lo, lo + w),)) for f, lo, w in raw},
        key=lambda s: (s[0], s[1], s[2]),
    )


def _gap(a: tuple, b: tuple) -> int:
    return max(b[1] - a[2] + 1, a[1] - b[2] + 1, 0)


@settings(max_examples=300, deadline=None)
@given(_spans, _spans, st.integers(1, 12))
# found by a clean CI run: the right span starting third ends first (the tightest pair)
@example([("title", 28, 4)], [("title", 30, 4), ("title", 31, 3), ("title", 32, 1)], 1)
# and its mirror: the tightest partner starts before, behind two wider ones
@example([("title", 28, 4)], [("title", 27, 13), ("title", 26, 19), ("title", 25, 4)], 1)
def test_join_finds_a_near_pair_exactly_when_one_exists(
    left_raw: list[tuple[str, int, int]], right_raw: list[tuple[str, int, int]], distance: int
) -> None:
    left, right = _made(left_raw, "a"), _made(right_raw, "b")
    pairs = [(a, b) for a in left for b in right if a[0] == b[0] and _gap(a, b) <= distance]
    joined = _join_near(left, right, distance)
    assert bool(joined) == bool(pairs)
    assert len(joined) <= 5 * len(left)  # never all pairs
    for span in joined:
        assert any(span[:3] == (a[0], min(a[1], b[1]), max(a[2], b[2])) for a, b in pairs)
    if pairs:  # the tightest pair is among them: nested NEAR builds on it
        tightest = min(max(a[2], b[2]) - min(a[1], b[1]) for a, b in pairs)
        assert min(s[2] - s[1] for s in joined) == tightest


def test_a_pack_over_the_pack_limits_is_a_pack_error(tmp_path: Path) -> None:
    from bot.errors import PackError
    from bot.matching.packs import load_pack

    side = " | ".join(f"(a{i} NEAR/5 b{i})" for i in range(200))
    pack = tmp_path / "heavy.yaml"
    pack.write_text(f"id: heavy\nname: Heavy\nquery: '({side}) NEAR/50 ({side})'\n", "utf-8")
    with pytest.raises(PackError, match="could be too slow"):
        load_pack(pack)
