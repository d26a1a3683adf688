"""Evaluates one query AST over one analysed document, given where each term occurred.

Semantics (documented in docs/ARCHITECTURE.md terms):

* At the top level AND, OR and NOT look at the whole document (title and text).
* `A /s B` holds when one sentence satisfies both A and B; inside it, AND/OR/NOT of the
  operands are judged within that sentence (`(a OR b) /s (c -d)`: a sentence with a or b,
  with c and without d). `/p` is the same with paragraphs. The title is its own sentence
  and paragraph; units never span fields.
* `A NEAR/n B` holds when a span of A and a span of B in the same field are at most n
  word positions apart (adjacent words are 1 apart). An operand's spans: a term's
  occurrences; OR, the union; AND, one span covering a span of every side where those
  are themselves at most n apart (`(a b) NEAR/3 c`: a, b and c close together); a
  proximity operator, the span covering what satisfied it. NOT inside a NEAR operand is
  judged in the enclosing scope.
* `title:X` / `text:X` evaluate X within one field.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import nsmallest
from typing import ClassVar, NamedTuple, assert_never

from bot.matching.analysis import FIELDS, Analyzed
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
    anchored,
    leaves,
)
from bot.models import Field


class RawWitness(NamedTuple):
    """One occurrence of a term, before it becomes a `Witness` with original offsets."""

    label: str  # the term as written in the query
    field: Field
    start: int  # first token
    end: int  # token after the last


class Span(NamedTuple):
    """What satisfied a node: a token range of one field and the occurrences inside it.

    A NamedTuple, not a dataclass: spans are made and compared by the thousand per
    document, and a tuple's creation, hashing and sorting are the cheapest there are."""

    field: Field
    start: int  # first token
    end: int  # token after the last
    witnesses: tuple[RawWitness, ...]


# None = whole document; otherwise one field and a token range [lo, hi) in it.
Region = tuple[Field, int, int] | None
Result = list[Span] | None  # None: false; []: true without positional evidence (NOT)

MAX_SPANS = 64  # combinations kept per node inside NEAR operands: bounds the work


@dataclass
class Evaluator:
    """Evaluates nodes for one document; `occurrences` gives a leaf's spans in the document."""

    doc: Analyzed
    occurrences: Callable[[Term | Prefix | Entity], list[Span]]  # sorted by (field, start)
    # Within node -> the leaves of each anchored side; shareable across documents
    anchor_leaves: dict[Within, list[list[Term | Prefix | Entity]]] = field(default_factory=dict)
    # node, or (node, NEAR distance) -> result over the whole document (nodes hash once:
    # query._cached_hash; the engine's are interned, so a lookup hits by identity)
    memo: dict[Node | tuple[Node, int], Result] = field(default_factory=dict)
    # id(occurrence list) -> its (field, start) keys, see leaf_in: lists cannot be keys,
    # and every list asked about is held by `occurrences`' cache as long as this evaluator
    keys: dict[int, list[tuple[Field, int]]] = field(default_factory=dict)
    # (leaf, unit) -> (field, unit index) -> the leaf's spans wholly inside that unit
    grouped: dict[tuple[Term | Prefix | Entity, str], dict[tuple[Field, int], list[Span]]] = field(
        default_factory=dict
    )
    # Whole-document /s and /p between terms and ORs of terms take the grouped path;
    # False forces the unit-by-unit path (tests compare the two).
    FAST_WITHIN: ClassVar[bool] = True

    def holds(self, node: Node) -> Result:
        """The evidence that `node` holds over the whole document, or None."""
        return self.eval(node, None, None)

    def eval(self, node: Node, region: Region, joined: int | None) -> Result:
        """Evaluate `node` within `region`; inside NEAR/n, `joined` = n asks for covering spans."""
        if region is None:
            # Rules share sub-queries (the engine interns equal subtrees), and an OR may
            # repeat one inside NEAR: evaluate each (node, NEAR distance) once per document.
            key = node if joined is None else (node, joined)
            if key in self.memo:
                return self.memo[key]
            result = self.compute(node, None, joined)
            self.memo[key] = result
            return result
        return self.compute(node, region, joined)

    def compute(self, node: Node, region: Region, joined: int | None) -> Result:
        """Evaluate without the document-level memo."""
        if isinstance(node, LEAF_TYPES):
            every = self.occurrences(node)
            if region is None:
                return every or None  # shared, never mutated: results are always new lists
            return self.leaf_in(every, region) or None
        if isinstance(node, Or):
            return self.eval_or(node, region, joined)
        if isinstance(node, And):
            return self.eval_and(node, region, joined)
        if isinstance(node, Not):
            return [] if self.eval(node.child, region, None) is None else None
        if isinstance(node, Scope):
            return self.eval_scope(node, region, joined)
        if isinstance(node, Within):
            return self.eval_within(node, region, joined)
        if isinstance(node, Near):
            return self.eval_near(node, region)
        assert_never(node)  # isinstance, not `match`: this is the hot path

    def leaf_in(self, every: list[Span], region: tuple[Field, int, int]) -> list[Span]:
        """The spans (sorted by field and start) that lie inside `region`, by bisection."""
        keys = self.keys.get(id(every))
        if keys is None:
            keys = self.keys[id(every)] = [(s.field, s.start) for s in every]
        field, lo, hi = region
        first, last = bisect_left(keys, (field, lo)), bisect_left(keys, (field, hi))
        return [s for s in every[first:last] if s.end <= hi]

    def eval_or(self, node: Or, region: Region, joined: int | None) -> Result:
        out: list[Span] = []
        found = False
        for child in node.children:
            got = self.eval(child, region, joined)
            if got is not None:
                found = True
                out.extend(got)  # one list: adding them up would copy it per child
        if joined is not None and len(node.children) > 1:
            # Inside NEAR only a span's extent counts: equal extents from several
            # alternatives ((a NEAR/5 b) | (a NEAR/6 b)) are one candidate, not many.
            first: dict[tuple[Field, int, int], Span] = {}
            for span in out:
                first.setdefault((span.field, span.start, span.end), span)
            out = list(first.values())
        return out if found else None

    def eval_and(self, node: And, region: Region, joined: int | None) -> Result:
        results: list[list[Span]] = []
        for child in node.children:
            got = self.eval(child, region, joined)
            if got is None:
                return None
            results.append(got)
        positive = [r for r in results if r]
        if joined is None:
            return [s for r in positive for s in r]
        if not positive:
            return []
        acc = positive[0]
        for spans in positive[1:]:
            acc = _best(_join_near(acc, spans, joined))
            if not acc:
                return None  # the sides are in different fields: no covering span
        return acc

    def eval_scope(self, node: Scope, region: Region, joined: int | None) -> Result:
        if region is None:
            region = (node.field, 0, len(self.doc.fields[node.field].tokens))
        elif region[0] != node.field:
            return None
        return self.eval(node.child, region, joined)

    def eval_within(self, node: Within, region: Region, joined: int | None) -> Result:
        if region is None and joined is None and self.FAST_WITHIN:
            lterms, rterms = _terms_of(node.left), _terms_of(node.right)
            if lterms is not None and rterms is not None:
                return self.within_terms(lterms, rterms, node.unit)
        out: list[Span] = []
        found = False
        for unit in self.units(node, region):
            left = self.eval(node.left, unit, None)
            if left is None:
                continue
            right = self.eval(node.right, unit, None)
            if right is None:
                continue
            found = True
            spans = left + right
            if joined is not None and spans:
                lo = min(s.start for s in spans)
                hi = max(s.end for s in spans)
                out.append(Span(unit[0], lo, hi, tuple(w for s in spans for w in s.witnesses)))
            else:
                out.extend(spans)
        return out if found else None

    def within_terms(
        self, left: list[Term | Prefix | Entity], right: list[Term | Prefix | Entity], unit: str
    ) -> Result:
        """/s or /p over the whole document when each side is a term or an OR of terms.

        A side holds in a unit iff one of its terms occurs wholly inside it, and then
        contributes exactly those occurrences: the same spans as trying unit by unit
        (in another order, which only a NEAR operand would see, and those never come here).
        """
        lefts, rights = self.by_unit(left, unit), self.by_unit(right, unit)
        common = sorted(lefts.keys() & rights.keys())
        if not common:
            return None
        return [s for key in common for s in lefts[key]] + [
            s for key in common for s in rights[key]
        ]

    def by_unit(
        self, terms: list[Term | Prefix | Entity], unit: str
    ) -> dict[tuple[Field, int], list[Span]]:
        """The terms' occurrences grouped by the sentence/paragraph wholly containing them."""
        if len(terms) == 1:
            return self.grouped_leaf(terms[0], unit)
        merged: dict[tuple[Field, int], list[Span]] = {}
        for term in terms:
            for key, spans in self.grouped_leaf(term, unit).items():
                merged.setdefault(key, []).extend(spans)
        return merged

    def grouped_leaf(
        self, leaf: Term | Prefix | Entity, unit: str
    ) -> dict[tuple[Field, int], list[Span]]:
        """One term's occurrences by containing unit (cached per document)."""
        cached = self.grouped.get((leaf, unit))
        if cached is not None:
            return cached
        groups: dict[tuple[Field, int], list[Span]] = {}
        for span in self.occurrences(leaf):
            ft = self.doc.fields[span.field]
            owner = ft.sentence_of if unit == "s" else ft.paragraph_of
            ranges = ft.sentence_tokens if unit == "s" else ft.paragraph_tokens
            index = owner[span.start]
            lo, hi = ranges[index]
            if lo <= span.start and span.end <= hi:
                groups.setdefault((span.field, index), []).append(span)
        self.grouped[(leaf, unit)] = groups
        return groups

    def units(self, node: Within, region: Region) -> list[tuple[Field, int, int]]:
        """Sentences/paragraphs of the region worth trying: those holding an anchoring term."""
        fields = FIELDS if region is None else (region[0],)
        wanted = self.anchor_tokens(node, region)
        out: list[tuple[Field, int, int]] = []
        for name in fields:
            ft = self.doc.fields[name]
            ranges = ft.sentence_tokens if node.unit == "s" else ft.paragraph_tokens
            owner = ft.sentence_of if node.unit == "s" else ft.paragraph_of
            indexes: list[int]
            if wanted is not None:
                indexes = sorted({owner[tok] for f, tok in wanted if f == name})
            elif region is None:
                indexes = list(range(len(ranges)))
            elif region[1] < region[2]:  # only the units that overlap the region
                indexes = list(range(owner[region[1]], owner[region[2] - 1] + 1))
            else:
                indexes = []
            for index in indexes:
                lo, hi = ranges[index]
                if region is not None:
                    lo, hi = max(lo, region[1]), min(hi, region[2])
                if lo < hi:
                    out.append((name, lo, hi))
        return out

    def anchor_tokens(self, node: Within, region: Region) -> set[tuple[Field, int]] | None:
        """Token positions of the terms of an anchored side inside the region (None: every
        unit may do). Inside a region only that region's occurrences are looked at
        (bisection): a /s chain tried unit by unit stays linear in the document."""
        sides = self.anchor_leaves.get(node)
        if sides is None:
            sides = [leaves(side) for side in (node.left, node.right) if anchored(side)]
            self.anchor_leaves[node] = sides
        if not sides:
            return None
        # The side with fewer occurrences names fewer units to try.
        side = min(sides, key=lambda ls: sum(len(self.occurrences(leaf)) for leaf in ls))
        if region is None:
            return {(s.field, s.start) for leaf in side for s in self.occurrences(leaf)}
        inside = (self.leaf_in(self.occurrences(leaf), region) for leaf in side)
        return {(s.field, s.start) for spans in inside for s in spans}

    def eval_near(self, node: Near, region: Region) -> Result:
        left = self.eval(node.left, region, node.distance)
        if not left:
            return None
        right = self.eval(node.right, region, node.distance)
        if not right:
            return None
        return _best(_join_near(left, right, node.distance)) or None


def _terms_of(node: Node) -> list[Term | Prefix | Entity] | None:
    """The terms of a term or an OR of terms (nested ORs too); None for anything else."""
    if isinstance(node, LEAF_TYPES):
        return [node]
    if isinstance(node, Or):
        found: list[Term | Prefix | Entity] = []
        for child in node.children:
            terms = _terms_of(child)
            if terms is None:
                return None
            found.extend(terms)
        return found
    return None


def _join_near(left: list[Span], right: list[Span], distance: int) -> list[Span]:
    """Merged pairs of spans at most `distance` apart: for each left span at most five
    candidates, so the work is O((|left| + |right|) log), never all pairs.

    Exact for whether any pair is near: of the right spans starting at or after a left
    span, the first is the closest; of those starting before it, the one reaching furthest
    (a running maximum of ends per field). The tightest merged span of all pairs is kept
    too, which nested NEAR and AND build on: a pair is "forward" from the side that starts
    first, and for each span the forward partner ending first is found by a range minimum
    over the other side's ends (so a later-starting, shorter span is not missed).
    """
    ordered = sorted(right, key=_place)
    keys = [(s.field, s.start) for s in ordered]
    furthest = _furthest_reach(ordered)
    least = _MinEnd(ordered)
    backward = _tightest_from_right(left, ordered, distance)
    out: list[Span] = []
    append = out.append
    new = tuple.__new__  # Span(...) runs a Python-level __new__: twice the cost here
    for index, a in enumerate(left):
        field, lo, hi, seen = a
        at = bisect_left(keys, (field, lo))
        upto = bisect_right(keys, (field, hi - 1 + distance))
        picked: set[int] = set()
        if at < upto:  # forward partners: all near; the first and the one ending first
            picked.update((at, least.argmin(at, upto)))
        if at > 0 and ordered[at - 1].field == field:
            for i in (at - 1, furthest[at - 1]):
                if lo - ordered[i].end + 1 <= distance:
                    picked.add(i)
        extra = backward.get(index)
        if extra is not None:
            picked.add(extra)
        for i in sorted(picked):
            b = ordered[i]
            append(new(Span, (field, min(lo, b.start), max(hi, b.end), seen + b.witnesses)))
    return out


def _tightest_from_right(
    left: list[Span], ordered: list[Span], distance: int
) -> dict[int, int]:
    """For left spans that start after a right span they are near: left index -> the right
    span (index in `ordered`) whose forward partner it is with the earliest end."""
    lefts = sorted(range(len(left)), key=lambda i: _place(left[i]))
    spans = [left[i] for i in lefts]
    keys = [(s.field, s.start) for s in spans]
    least = _MinEnd(spans)
    best: dict[int, tuple[int, int]] = {}  # left index -> (merged width, right index)
    for r, b in enumerate(ordered):
        lo = bisect_right(keys, (b.field, b.start))  # strictly after b: b is "backward"
        hi = bisect_right(keys, (b.field, b.end - 1 + distance))
        if lo >= hi:
            continue
        j = least.argmin(lo, hi)
        width = max(b.end, spans[j].end) - b.start
        i = lefts[j]
        if i not in best or width < best[i][0]:
            best[i] = (width, r)
    return {i: r for i, (_, r) in best.items()}


class _MinEnd:
    """Range minimum of span ends (sparse table): the index ending first in [lo, hi)."""

    def __init__(self, spans: list[Span]) -> None:
        self.ends = [s.end for s in spans]
        row = list(range(len(spans)))
        self.rows = [row]
        step = 1
        while 2 * step <= len(spans):  # row k covers [i, i + 2**k)
            prev = self.rows[-1]
            ends = self.ends
            row = [
                x if ends[x] <= ends[y] else y
                for x, y in zip(prev, prev[step:], strict=False)
            ]
            self.rows.append(row)
            step *= 2

    def argmin(self, lo: int, hi: int) -> int:
        """The index in [lo, hi) (non-empty) whose span ends first (the first on ties)."""
        k = (hi - lo).bit_length() - 1
        x, y = self.rows[k][lo], self.rows[k][hi - (1 << k)]
        return x if self.ends[x] <= self.ends[y] else y


def _furthest_reach(ordered: list[Span]) -> list[int]:
    """For each position, the index of the span with the largest end among the spans of the
    same field up to it (spans sorted by field and start)."""
    best: list[int] = []
    for index, span in enumerate(ordered):
        if index and ordered[index - 1].field == span.field:
            prev = best[-1]
            best.append(index if span.end > ordered[prev].end else prev)
        else:
            best.append(index)
    return best


def _best(spans: list[Span]) -> list[Span]:
    """Keep the tightest spans so that nested AND/NEAR stays bounded."""
    if len(spans) <= MAX_SPANS:
        return spans
    return nsmallest(MAX_SPANS, spans, key=_tightness)  # sorted, like sorted()[:MAX_SPANS]


def _tightness(span: Span) -> tuple[int, int]:
    return (span.end - span.start, span.start)


def _place(span: Span) -> tuple[Field, int]:
    return (span.field, span.start)
