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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.errors import QueryCostError
from bot.matching.evaluator import MAX_SPANS
from bot.matching.query import (
    LEAF_TYPES,
    And,
    Entity,
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


# Packs and every rule the engine compiles: several times the heaviest shipped pack.
PACK_LIMITS = CostLimits(per_token=20_000, per_document=100_000, explain=1_000_000)
# What one chat's /watch or /test may ask for: a few times a heavy hand-written query.
USER_LIMITS = CostLimits(per_token=500, per_document=5_000, explain=100_000)


@dataclass(frozen=True)
class Affine:
    """A bound a·n + b in the number of tokens n."""

    per_token: int = 0
    fixed: int = 0

    def __add__(self, other: Affine) -> Affine:
        return Affine(self.per_token + other.per_token, self.fixed + other.fixed)

    def times(self, k: int) -> Affine:
        """The bound multiplied by a constant."""
        return Affine(self.per_token * k, self.fixed * k)

    def per_unit(self) -> Affine:
        """The bound when it may apply once per unit, with as many units as tokens."""
        return Affine(self.per_token + self.fixed, 0)


@dataclass(frozen=True)
class Cost:
    """The bounds of one node: spans it passes on, work to evaluate it, its size."""

    spans: Affine
    work: Affine
    nodes: int


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
    cost = _cost(node, _Where())
    return QueryCost(cost.work.per_token, cost.work.fixed, _explain(node))


def check_cost(node: Node, query: str = "", limits: CostLimits = PACK_LIMITS) -> None:
    """Raise QueryCostError when the query could be too slow, saying what to change."""
    problem = query_cost(node).problem(limits)
    if problem is not None:
        raise QueryCostError(f"this query could be too slow: {problem}", 0, _advice(node), query)


@dataclass(frozen=True)
class _Where:
    """How the evaluator reaches a node: inside NEAR/`joined`, within a region (a field
    scope or a unit), tried unit by unit (so per-document bounds hold per unit)."""

    joined: int | None = None
    region: bool = False
    per_unit: bool = False

    def near(self, distance: int) -> _Where:
        return _Where(distance, self.region, self.per_unit)

    def plain(self) -> _Where:
        return _Where(None, self.region, self.per_unit)


def _cost(node: Node, at: _Where) -> Cost:
    """Bounds of `node` evaluated as `at` says."""
    if isinstance(node, LEAF_TYPES):
        density = 2 if isinstance(node, Entity) else 1
        return Cost(Affine(density), Affine(density), 1)
    if isinstance(node, Not):
        inner = _cost(node.child, at.plain())
        return Cost(Affine(), inner.work, inner.nodes + 1)
    if isinstance(node, Scope):
        inner = _cost(node.child, _Where(at.joined, True, at.per_unit))
        return Cost(inner.spans, inner.work, inner.nodes + 1)
    if isinstance(node, Or):
        parts = [_cost(c, at) for c in node.children]
        spans = _sum(p.spans for p in parts)
        if all(isinstance(c, LEAF_TYPES) for c in node.children):
            spans = Affine(min(spans.per_token, _co_occurring(node.children)))
        return Cost(spans, _sum(p.work for p in parts) + spans, _nodes(parts))
    if isinstance(node, And):
        return _and(node, at)
    if isinstance(node, Near):
        left, right = _cost(node.left, at.near(node.distance)), _cost(node.right, at.near(node.distance))
        join = (left.spans + right.spans).times(JOIN_STEPS)
        nodes = left.nodes + right.nodes + 1
        # Each left span yields at most JOIN_PAIRS merged spans.
        return Cost(_kept(at, left.spans.times(JOIN_PAIRS)), left.work + right.work + join, nodes)
    return _within(node, at)


def _and(node: And, at: _Where) -> Cost:
    parts = [_cost(c, at) for c in node.children]
    spans = _sum(p.spans for p in parts)
    work = _sum(p.work for p in parts) + spans
    if at.joined is None:
        return Cost(spans, work, _nodes(parts))
    # Inside NEAR the sides are joined one after the other, each result kept to MAX_SPANS.
    made = parts[0].spans.times(JOIN_PAIRS ** (len(parts) - 1))
    joins = spans.times(JOIN_STEPS) + _kept(at, made).times(JOIN_STEPS * len(parts))
    return Cost(_kept(at, made), work + joins, _nodes(parts))


def _within(node: Within, at: _Where) -> Cost:
    grouped = at.joined is None and not at.region and _leafy(node.left) and _leafy(node.right)
    inner = _Where(None, True, True) if not grouped else _Where()
    left, right = _cost(node.left, inner), _cost(node.right, inner)
    nodes = left.nodes + right.nodes + 1
    spans = left.spans + right.spans
    work = left.work + right.work + spans.times(GROUP_STEPS)
    if not grouped:
        # Tried unit by unit: a step per operand node in each of up to one unit per token.
        work = (work + Affine(0, nodes)).per_unit()
        spans = spans.per_unit()
    return Cost(Affine(1) if at.joined is not None else spans, work, nodes)


def _co_occurring(leaves: Sequence[Node]) -> int:
    """How many of these terms can occur starting at one token (OR-ed words mostly cannot).

    Two phrases both start at a token only if one is a prefix of the other; a wildcard
    and a word only if the word starts with its stem; an entity may meet anything."""
    terms = {leaf.words for leaf in leaves if isinstance(leaf, Term)}
    stems = [leaf.stem for leaf in leaves if isinstance(leaf, Prefix)]
    entities = sum(1 for leaf in leaves if isinstance(leaf, Entity))
    chain = max((sum(t[:k] in terms for k in range(1, len(t) + 1)) for t in terms), default=0)
    nested = max((sum(s.startswith(o) for o in stems) for s in stems), default=0)
    # Equal terms written twice are one key in the automaton but two lists of spans.
    repeats = sum(1 for leaf in leaves if isinstance(leaf, Term)) - len(terms)
    return chain + repeats + nested + 2 * entities


def _kept(at: _Where, made: Affine) -> Affine:
    """What a NEAR join keeps: MAX_SPANS per document, or per unit when tried unit by
    unit, and never more than it `made` (units partition the document)."""
    if at.per_unit:
        return Affine(min(MAX_SPANS, made.per_token + made.fixed), 0)
    return Affine(0, MAX_SPANS)


def _leafy(node: Node) -> bool:
    if isinstance(node, Or):
        return all(_leafy(c) for c in node.children)
    return isinstance(node, LEAF_TYPES)


def _sum(parts: Iterable[Affine]) -> Affine:
    total = Affine()
    for part in parts:
        total = total + part
    return total


def _nodes(parts: list[Cost]) -> int:
    return sum(p.nodes for p in parts) + 1


def _explain(node: Node) -> int:
    """Explaining a match: each outermost NEAR, /s or /p looks at its operands once per
    sentence with evidence; everything else is looked at once."""
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Near, Within)):
            total += EXPLAIN_GROUPS * _size(current)
        else:
            total += 1
            stack.extend(children(current))
    return total


def _size(node: Node) -> int:
    count, stack = 0, [node]
    while stack:
        count += 1
        stack.extend(children(stack.pop()))
    return count


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
