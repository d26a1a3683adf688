"""Per-rule plans, made at compile time, that decide cheaply which rules fire on a document.

Per document every leaf (term, wildcard, entity) gets bit masks: F, the fields holding
an occurrence (1 title, 2 text); S, the sentences wholly containing one; P, the
paragraphs (units numbered across the document, title first); C, the token positions
its occurrences cover (for NEAR). The rules' required clauses, as bitsets over rules
indexed by leaf, give the rules that can hold at all. Of those:

* a conjunction of leaves and OR-groups of leaves (CNF) holds exactly then;
* a rule of AND/OR/NOT, title:/text:, /s, /p and NEAR (EXPR) holds when a generated
  Python expression over the masks is true, e.g. ``(S[3] & (S[7] | S[9])) and F[12]``
  for ``(a /s (b OR c)) AND d``: inside a unit AND/OR/NOT are &, |, and the complement
  within the units in scope, exactly as `evaluator` judges them per unit. NEAR between
  terms or ORs of terms compares widened C masks; a document-level NEAR of compound
  operands asks the evaluator (memoised per document);
* anything else (NEAR inside a unit, NEAR of compound operands in a field scope, /s
  inside /p) is GENERAL: the engine asks `Evaluator` about the whole rule.

The generated code holds only integers and fixed operators (never text from a query),
and is compiled once per engine.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import assert_never

from bot.matching.analysis import FIELDS, Analyzed
from bot.matching.query import (
    LEAF_TYPES,
    MAX_NEAR,
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
from bot.models import Field

CNF, EXPR, GENERAL = 0, 1, 2
# Indexes into the per-document unit masks U (see `Layout.units`).
TITLE_S, TEXT_S, TITLE_P, TEXT_P, ALL_S, ALL_P, TITLE_T, TEXT_T = range(8)
_UNIV = {("s", None): ALL_S, ("s", "title"): TITLE_S, ("s", "text"): TEXT_S}
_UNIV |= {("p", None): ALL_P, ("p", "title"): TITLE_P, ("p", "text"): TEXT_P}
_FIELD_BIT: dict[Field, int] = {"title": 1, "text": 2}
_FIELD_TOKENS: dict[Field, int] = {"title": TITLE_T, "text": TEXT_T}
# In the cover masks C the text's tokens start this far after the title's: no NEAR
# distance (at most MAX_NEAR) can bridge the gap, so one mask serves both fields.
GAP = MAX_NEAR + 1
_ONE = re.compile("1")

Masks = list[int]
# F, S, P, U, near(k), C, near_covers -> whether the rule holds
Expr = Callable[
    [
        Masks,
        Masks,
        Masks,
        tuple[int, ...],
        Callable[[int], bool],
        Masks,
        Callable[[int, int, int], int],
    ],
    object,
]


class _Unsupported(Exception):
    """The node needs span-level evaluation."""


class _Codegen:
    """Writes one rule as an expression over the masks, or raises _Unsupported."""

    def __init__(self, leaf_ids: Mapping[Leaf, int], near_ids: dict[Near, int]) -> None:
        self.leaf_ids = leaf_ids
        self.near_ids = near_ids
        self.unit_leaves: set[int] = set()  # leaves read as S or P: need those masks
        self.near_leaves: set[int] = set()  # leaves read as C (token cover)

    def gen(self, node: Node, unit: str, field: Field | None) -> str:
        """`unit` is 'd' (a truth over the document or one field) or 's'/'p' (a mask)."""
        match node:
            case Term() | Prefix() | Entity():
                return self.leaf(self.leaf_ids[node], unit, field)
            case And() | Or():
                parts = [self.gen(c, unit, field) for c in node.children]
                if unit == "d":
                    op = " and " if isinstance(node, And) else " or "
                else:
                    op = " & " if isinstance(node, And) else " | "
                return "(" + op.join(parts) + ")"
            case Not():
                inner = self.gen(node.child, unit, field)
                if unit == "d":
                    return f"(not {inner})"
                return f"(U[{_UNIV[unit, field]}] & ~{inner})"
            case Scope():
                if field is not None and field != node.field:
                    return "0"  # a unit or field of the other field: never holds
                return self.gen(node.child, unit, node.field)
            case Within():
                return self.within(node, unit, field)
            case Near():
                return self.near(node, unit, field)
            case _:
                assert_never(node)

    def within(self, node: Within, unit: str, field: Field | None) -> str:
        """Both sides in one unit: the AND of their unit masks."""
        # Inside a sentence, a paragraph clipped to it is that sentence.
        inner = node.unit if unit in ("d", node.unit) else "s"
        if unit == "p" and inner == "s":
            raise _Unsupported  # a paragraph holding such a sentence: rare, spans do it
        left, right = self.gen(node.left, inner, field), self.gen(node.right, inner, field)
        return f"({left} & {right})"

    def near(self, node: Near, unit: str, field: Field | None) -> str:
        """Widened cover masks for leafy operands, else the evaluator (memoised) via N(k)."""
        if unit != "d":
            raise _Unsupported  # NEAR judged inside a unit
        if _leafy(node.left) and _leafy(node.right):
            # Spans of leaves and ORs of leaves are just their occurrences: some pair of
            # them is at most n apart iff one side's cover, widened by n, meets the other's.
            left, right = self.cover(node.left, field), self.cover(node.right, field)
            return f"Z({left}, {right}, {node.distance})"
        if field is not None:
            raise _Unsupported  # NEAR of compound operands within a field
        return f"N({self.near_ids.setdefault(node, len(self.near_ids))})"

    def cover(self, node: Node, field: Field | None) -> str:
        """The token positions covered by a leafy node's occurrences (C masks)."""
        if isinstance(node, Or):
            return "(" + " | ".join(self.cover(c, field) for c in node.children) + ")"
        assert isinstance(node, LEAF_TYPES)
        lid = self.leaf_ids[node]
        self.near_leaves.add(lid)
        return f"C[{lid}]" if field is None else f"(C[{lid}] & U[{_FIELD_TOKENS[field]}])"

    def leaf(self, lid: int, unit: str, field: Field | None) -> str:
        if unit == "d":
            return f"F[{lid}]" if field is None else f"(F[{lid}] & {_FIELD_BIT[field]})"
        self.unit_leaves.add(lid)
        masks = "S" if unit == "s" else "P"
        if field is None:
            return f"{masks}[{lid}]"
        return f"({masks}[{lid}] & U[{_UNIV[unit, field]}])"


def _leafy(node: Node) -> bool:
    """A leaf or an OR of leafy nodes."""
    if isinstance(node, Or):
        return all(_leafy(c) for c in node.children)
    return isinstance(node, LEAF_TYPES)


def near_covers(left: int, right: int, distance: int) -> int:
    """Nonzero iff a position in `right` is at most `distance` from one in `left`."""
    if not (left and right):
        return 0
    # Smear `left` upwards by 2*distance (doubling steps), then shift it down by distance:
    # every covered position p becomes p-distance..p+distance.
    reach, done = 2 * distance, 0
    while done < reach:
        step = min(done + 1, reach - done)
        left |= left << step
        done += step
    return (left >> distance) & right


def is_cnf(node: Node, top: bool = True) -> bool:
    """A leaf, an OR of leaves, or (at the top) an AND of those: holds iff each clause does."""
    if isinstance(node, LEAF_TYPES):
        return True
    if isinstance(node, Or):
        return all(is_cnf(c, False) and not isinstance(c, And) for c in node.children)
    return top and isinstance(node, And) and all(is_cnf(c, top) for c in node.children)


def required(node: Node, leaf_ids: Mapping[Leaf, int]) -> list[frozenset[int]] | None:
    """Clauses (leaf id sets) each of which a matching document must contain one of.

    None means no constraint (a negated part). Proximity implies AND; an OR needs one
    leaf of any of its children, so its clause is the union of theirs.
    """
    match node:
        case Term() | Prefix() | Entity():
            return [frozenset((leaf_ids[node],))]
        case Not():
            return None
        case Scope():
            return required(node.child, leaf_ids)
        case Or():
            parts = [required(c, leaf_ids) for c in node.children]
            if any(not p for p in parts):
                return None
            return [frozenset().union(*(c for p in parts if p for c in p))]
        case And() | Near() | Within():
            return [c for side in children(node) for c in (required(side, leaf_ids) or ())]
        case _:
            assert_never(node)


@dataclass(frozen=True)
class Layout:
    """One document's units: per field (bit, sentence/paragraph first tokens, ranges, offsets)."""

    fields: Mapping[Field, tuple[int, Sequence[int], Sequence[tuple[int, int]], int,
                                 Sequence[int], Sequence[tuple[int, int]], int]]  # fmt: skip
    units: tuple[int, ...]  # U: TITLE_S, TEXT_S, TITLE_P, TEXT_P, ALL_S, ALL_P, TITLE_T, TEXT_T
    base: Mapping[Field, int]  # where each field's tokens start in the cover masks C

    @classmethod
    def of(cls, doc: Analyzed) -> Layout:
        """Number sentences and paragraphs across the document, the title first."""
        title, text = doc.fields["title"], doc.fields["text"]
        ts, tp = len(title.sentence_tokens), len(title.paragraph_tokens)
        masks = (
            _nonempty(title.sentence_tokens, 0),
            _nonempty(text.sentence_tokens, ts),
            _nonempty(title.paragraph_tokens, 0),
            _nonempty(text.paragraph_tokens, tp),
        )
        base: dict[Field, int] = {"title": 0, "text": len(title.tokens) + GAP}
        tokens = ((1 << len(title.tokens)) - 1, ((1 << len(text.tokens)) - 1) << base["text"])
        units = (*masks, masks[0] | masks[1], masks[2] | masks[3], *tokens)
        fields = {
            name: (
                _FIELD_BIT[name],
                [lo for lo, _ in ft.sentence_tokens],
                ft.sentence_tokens,
                0 if name == "title" else ts,
                [lo for lo, _ in ft.paragraph_tokens],
                ft.paragraph_tokens,
                0 if name == "title" else tp,
            )
            for name, ft in doc.fields.items()
        }
        return cls(fields, units, base)

    def masks(self, places: Iterable[tuple[Field, int, int]]) -> tuple[int, int, int]:
        """F, S, P of occurrences (field, first token, end token): whole-unit ones only."""
        f = s = p = 0
        for field, lo, hi in places:
            bit, s_first, s_range, s_off, p_first, p_range, p_off = self.fields[field]
            f |= bit
            # The last unit starting at or before the occurrence is the only candidate.
            unit = bisect_right(s_first, lo) - 1
            if unit >= 0 and hi <= s_range[unit][1]:
                s |= 1 << (unit + s_off)
            unit = bisect_right(p_first, lo) - 1
            if unit >= 0 and hi <= p_range[unit][1]:
                p |= 1 << (unit + p_off)
        return f, s, p

    def cover(self, places: Iterable[tuple[Field, int, int]]) -> int:
        """C: the token positions covered by occurrences, fields `GAP` apart."""
        c = 0
        base = self.base
        for field, lo, hi in places:
            c |= ((1 << (hi - lo)) - 1) << (lo + base[field])
        return c


def _nonempty(ranges: Sequence[tuple[int, int]], offset: int) -> int:
    """Units with at least one token (the evaluator never tries an empty one)."""
    return sum(1 << (i + offset) for i, (lo, hi) in enumerate(ranges) if lo < hi)


def field_mask(places: Iterable[tuple[Field, int, int]]) -> int:
    """F alone, for a literal no rule reads per unit."""
    f = 0
    for place in places:
        f |= _FIELD_BIT[place[0]]
        if f == 3:
            break
    return f


def rule_indexes(bits: int) -> list[int]:
    """The positions of the set bits, ascending (rule order)."""
    return [m.start() for m in _ONE.finditer(bin(bits)[:1:-1])]


assert FIELDS == ("title", "text")  # the layout numbers title units first


class Plans:
    """Every rule's plan and the bitsets that select the rules a document can satisfy."""

    def __init__(self, nodes: Sequence[Node], leaf_ids: Mapping[Leaf, int]) -> None:
        self.leaf_count = len(leaf_ids)
        self.near_nodes: dict[Near, int] = {}
        codegen = _Codegen(leaf_ids, self.near_nodes)
        self.kinds: list[int] = []
        self.exprs: list[Expr | None] = []
        sources: dict[str, int] = {}  # equal expressions share one function
        expr_of: list[int] = []
        for node in nodes:
            kind, index = CNF, -1
            if not is_cnf(node):
                try:
                    text = codegen.gen(node, "d", None)
                    kind, index = EXPR, sources.setdefault(text, len(sources))
                except _Unsupported:
                    kind = GENERAL
            self.kinds.append(kind)
            expr_of.append(index)
        functions = _compile(list(sources))
        self.exprs = [functions[i] if i >= 0 else None for i in expr_of]
        self.cnf = _bitset((i for i, k in enumerate(self.kinds) if k == CNF), len(nodes))
        self.unit_leaves = frozenset(codegen.unit_leaves)
        self.near_leaves = frozenset(codegen.near_leaves)
        self.near_list = list(self.near_nodes)
        self._index_clauses(nodes, leaf_ids)

    def _index_clauses(self, nodes: Sequence[Node], leaf_ids: Mapping[Leaf, int]) -> None:
        """Bitsets: per leaf and position k, the rules whose k-th required clause has it."""
        per_rule: list[list[frozenset[int]]] = []
        for node in nodes:
            per_rule.append(list(dict.fromkeys(required(node, leaf_ids) or ())))
        width = max((len(c) for c in per_rule), default=0)
        members: list[dict[int, list[int]]] = [{} for _ in range(self.leaf_count)]
        lacking: list[list[int]] = [[] for _ in range(width)]
        for rule, clauses in enumerate(per_rule):
            for k, clause in enumerate(clauses):
                for lid in clause:
                    members[lid].setdefault(k, []).append(rule)
            for k in range(len(clauses), width):
                lacking[k].append(rule)  # rules with fewer than k+1 clauses pass position k
        size = len(nodes)
        self.lacking = [_bitset(rules, size) for rules in lacking]
        self.positions = [
            tuple((k, _bitset(rules, size)) for k, rules in m.items()) for m in members
        ]
        self.everyone = (1 << size) - 1

    def possible(self, present: Iterable[int]) -> int:
        """Bitset of the rules each of whose required clauses has a present leaf."""
        acc = [0] * len(self.lacking)
        positions = self.positions
        for lid in present:
            for k, bits in positions[lid]:
                acc[k] |= bits
        result = self.everyone
        for k, lacking in enumerate(self.lacking):
            result &= acc[k] | lacking
        return result


def _bitset(indexes: Iterable[int], size: int) -> int:
    """An int with the given bits set, built in one go (not one big-int op per bit)."""
    raw = bytearray((size + 7) // 8)
    for i in indexes:
        raw[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(raw, "little")


COMPILE_CHUNK = 500  # functions per compile(): the parser's memory grows with the source


def _compile(expressions: Sequence[str]) -> list[Expr]:
    """One function per expression, compiled in chunks (expressions hold only ints)."""
    namespace: dict[str, object] = {"__builtins__": {}}
    for first in range(0, len(expressions), COMPILE_CHUNK):
        source = "".join(
            f"def e{i}(F, S, P, U, N, C, Z):\n    return {expressions[i]}\n"
            for i in range(first, min(first + COMPILE_CHUNK, len(expressions)))
        )
        exec(compile(source, "<rule plans>", "exec"), namespace)
    return [namespace[f"e{i}"] for i in range(len(expressions))]  # type: ignore[misc]
