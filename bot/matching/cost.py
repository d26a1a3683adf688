"""The cost model: a bound, computed from the query alone, on the work one rule can cause.

What is bounded is what `evaluator.Evaluator` does for one document of n tokens when it
decides the rule or builds a match's evidence (the plans in `plan.py` do less), plus
what `summary` does to explain a match. Every figure is an affine bound `a·n + b`:

* spans: how many spans a node hands to its parent. A term or wildcard occurs at most
  once per token (an entity, whose names may start at the same token, twice); OR and
  AND pass on their children's spans; NEAR and AND-inside-NEAR keep at most MAX_SPANS.
* work: steps to evaluate the node. NEAR joins each left span with its closest right
  spans (O(|left| + |right|) with a log factor); /s and /p between terms group their
  occurrences by unit; any other /s or /p is tried unit by unit, each try costing a
  step per node of its operands, and whatever its operands keep per unit (a NEAR's
  MAX_SPANS) becomes a cost per token, as there may be a unit per token.

A query is accepted when its per-token work, its per-document work and its explanation
work stay within the limits below, so that matching any accepted rule is linear in the
article's length with a small constant. Every parsed query must stay within PACK_LIMITS
(several times the heaviest shipped pack); a chat's /watch and /test within the tighter
USER_LIMITS. tests/test_cost.py checks both against the shipped packs and the shapes
that used to stall the bot, and that the bound holds against measured work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from bot.errors import QueryCostError
from bot.matching.evaluator import MAX_SPANS
from bot.matching.query import (
    LEAF_TYPES,
    And,
    Entity,
    Leaf,
    Near,
    Node,
    Not,
    Or,
    Prefix,
    Scope,
    Term,
    Within,
    children,
)

# Work is counted in steps of about one microsecond of CPU on a slow shared core: building
# one occurrence is a step; a NEAR join costs JOIN_STEPS per span it compares (the span
# and its closest neighbours); grouping a span by sentence GROUP_STEPS.
JOIN_STEPS = 5
JOIN_PAIRS = 5  # merged spans per left span at most (evaluator._join_near)
GROUP_STEPS = 3
EXPLAIN_GROUPS = 200  # engine.MAX_WITNESSES: witnesses, hence sentences, per match


@dataclass(frozen=True)
class CostLimits:
    """How much work one rule may cost: per token, per document, per explanation."""

    per_token: int
    per_document: int
    explain: int


# Packs and every rule the engine compiles: several times the heaviest shipped pack
# (other-sanctions since issue 12's fourteen languages: 4,021 / 128 / 383,002; explaining
# its match on a 54,000-character item takes a few ms).
PACK_LIMITS = CostLimits(per_token=20_000, per_document=100_000, explain=2_000_000)
# What one chat's /watch or /test may ask for: a few times a heavy hand-written query.
USER_LIMITS = CostLimits(per_token=500, per_document=5_000, explain=100_000)


# A bound a·n + b in the number of tokens n, as (a, b): plain tuples, since every rule
# the engine compiles is costed (10,000 rules: a few hundred ms).
Bound = tuple[int, int]
# The bounds of one node: spans it passes on, work to evaluate it, nodes in its subtree,
# work to explain it (see _explained).
Cost = tuple[Bound, Bound, int, int]
ZERO: Bound = (0, 0)


def _add(x: Bound, y: Bound) -> Bound:
    return (x[0] + y[0], x[1] + y[1])


def _times(x: Bound, k: int) -> Bound:
    return (x[0] * k, x[1] * k)


def _per_unit(x: Bound) -> Bound:
    """The bound when it may apply once per unit, with as many units as tokens."""
    return (x[0] + x[1], 0)


@dataclass(frozen=True)
class QueryCost:
    """The whole query's bounds, as the limits are checked."""

    per_token: int
    per_document: int
    explain: int

    def problem(self, limits: CostLimits) -> str | None:
        """Which limit the query exceeds, in words, or None."""
        ratios = [
            (self.per_token / limits.per_token, "checking each article"),
            (self.per_document / limits.per_document, "combining its NEAR results"),
            (self.explain / limits.explain, "explaining an alert"),
        ]
        ratio, what = max(ratios)
        if ratio <= 1:
            return None
        return f"{what} could take {ratio:.1f} times what one rule may use"


def query_cost(node: Node) -> QueryCost:
    """The bounds of a parsed query (see the module docstring)."""
    _, work, _, explain = _cost(node, None, False, False)
    return QueryCost(work[0], work[1], explain)


def check_cost(node: Node, query: str = "", limits: CostLimits = PACK_LIMITS) -> None:
    """Raise QueryCostError when the query could be too slow, saying what to change."""
    problem = query_cost(node).problem(limits)
    if problem is not None:
        raise QueryCostError(f"this query could be too slow: {problem}", 0, _advice(node), query)


def _cost(node: Node, joined: int | None, region: bool, per_unit: bool) -> Cost:
    """Bounds of `node` as the evaluator reaches it: inside NEAR/`joined` (covering spans
    wanted), within a region (a field scope or a unit), tried unit by unit (so that
    per-document bounds hold per unit)."""
    match node:
        case Term() | Prefix():
            return (1, 0), (1, 0), 1, 1
        case Entity():  # several names may start at one token
            return (2, 0), (2, 0), 1, 1
        case Not():
            _, work, nodes, explain = _cost(node.child, None, region, per_unit)
            return ZERO, work, nodes + 1, explain + 1
        case Scope():
            spans, work, nodes, explain = _cost(node.child, joined, True, per_unit)
            return spans, work, nodes + 1, explain + 1
        case Or():
            return _or(node, joined, region, per_unit)
        case And():
            return _and(node, joined, region, per_unit)
        case Near():
            return _near(node, region, per_unit)
        case Within():
            return _within(node, joined, region)
        case _:
            assert_never(node)


def _near(node: Near, region: bool, per_unit: bool) -> Cost:
    left = _cost(node.left, node.distance, region, per_unit)
    right = _cost(node.right, node.distance, region, per_unit)
    join = _times(_add(left[0], right[0]), JOIN_STEPS)
    work = _add(_add(left[1], right[1]), join)
    nodes = left[2] + right[2] + 1
    # Each left span yields at most JOIN_PAIRS merged spans.
    return _kept(per_unit, _times(left[0], JOIN_PAIRS)), work, nodes, _explained(nodes)


def _or(node: Or, joined: int | None, region: bool, per_unit: bool) -> Cost:
    spans, work, nodes, explain = ZERO, ZERO, 1, 1
    for child in node.children:
        c_spans, c_work, c_nodes, c_explain = _cost(child, joined, region, per_unit)
        spans, work = _add(spans, c_spans), _add(work, c_work)
        nodes, explain = nodes + c_nodes, explain + c_explain
    terms = [c for c in node.children if isinstance(c, LEAF_TYPES)]
    if len(terms) == len(node.children):
        spans = (min(spans[0], _co_occurring(terms)), 0)
    return spans, _add(work, spans), nodes, explain


def _and(node: And, joined: int | None, region: bool, per_unit: bool) -> Cost:
    parts = [_cost(c, joined, region, per_unit) for c in node.children]
    spans, work = ZERO, ZERO
    for c_spans, c_work, _, _ in parts:
        spans, work = _add(spans, c_spans), _add(work, c_work)
    work = _add(work, spans)
    nodes = sum(p[2] for p in parts) + 1
    explain = sum(p[3] for p in parts) + 1
    if joined is None:
        return spans, work, nodes, explain
    # Inside NEAR the sides are joined one after the other, each result kept to MAX_SPANS.
    kept = _kept(per_unit, _times(parts[0][0], JOIN_PAIRS ** (len(parts) - 1)))
    joins = _add(_times(spans, JOIN_STEPS), _times(kept, JOIN_STEPS * len(parts)))
    return kept, _add(work, joins), nodes, explain


def _within(node: Within, joined: int | None, region: bool) -> Cost:
    grouped = joined is None and not region and _leafy(node.left) and _leafy(node.right)
    inner = not grouped  # unit by unit: its operands are evaluated in a region, per unit
    l_spans, l_work, l_nodes, _ = _cost(node.left, None, inner, inner)
    r_spans, r_work, r_nodes, _ = _cost(node.right, None, inner, inner)
    nodes = l_nodes + r_nodes + 1
    spans = _add(l_spans, r_spans)
    work = _add(_add(l_work, r_work), _times(spans, GROUP_STEPS))
    if not grouped:
        # Tried unit by unit: a step per operand node in each of up to one unit per token.
        work = _per_unit(_add(work, (0, nodes)))
        spans = _per_unit(spans)
    return ((1, 0) if joined is not None else spans), work, nodes, _explained(nodes)


def _explained(nodes: int) -> int:
    """Explaining a NEAR, /s or /p looks at its operands once per sentence with evidence
    when it is outermost (nested ones look within that sentence only, counted here)."""
    return EXPLAIN_GROUPS * nodes


def _co_occurring(leaves: Sequence[Leaf]) -> int:
    """How many of these terms can occur starting at one token (OR-ed words mostly cannot).

    Two phrases both start at a token only if one is a prefix of the other; a wildcard
    and a word only if the word starts with its stem; an entity may meet anything."""
    written: list[tuple[str, ...]] = []
    stems: list[str] = []
    entities = 0
    for leaf in leaves:
        match leaf:
            case Term():
                written.append(leaf.words)
            case Prefix():
                stems.append(leaf.stem)
            case Entity():
                entities += 1
            case _:
                assert_never(leaf)
    terms = set(written)
    chain = max((sum(t[:k] in terms for k in range(1, len(t) + 1)) for t in terms), default=0)
    nested = max((sum(s.startswith(o) for o in stems) for s in stems), default=0)
    # Equal terms written twice are one key in the automaton but two lists of spans.
    repeats = len(written) - len(terms)
    return chain + repeats + nested + 2 * entities


def _kept(per_unit: bool, made: Bound) -> Bound:
    """What a NEAR join keeps: MAX_SPANS per document, or per unit when tried unit by
    unit, and never more than it `made` (units partition the document)."""
    if per_unit:
        return (min(MAX_SPANS, made[0] + made[1]), 0)
    return (0, MAX_SPANS)


def _leafy(node: Node) -> bool:
    if isinstance(node, Or):
        return all(_leafy(c) for c in node.children)
    return isinstance(node, LEAF_TYPES)


def _advice(node: Node) -> str:
    """What to change, for the shape that costs the most."""
    if _has_or_in_near(node):
        return (
            "fewer alternatives inside NEAR (put the OR outside: (a NEAR/5 c) OR "
            "(b NEAR/5 c)), or /s instead of NEAR"
        )
    return "fewer terms, fewer nested /s, /p and NEAR, or two separate rules"


def _has_or_in_near(node: Node) -> bool:
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, in_near = stack.pop()
        if in_near and isinstance(current, Or):
            leafy = all(isinstance(c, LEAF_TYPES) for c in current.children)
            if not leafy or len(set(current.children)) < len(current.children):
                return True  # compound alternatives, or the same term more than once
        inside = in_near or isinstance(current, Near)
        stack.extend((c, inside) for c in children(current))
    return False
