"""Per-rule plans, made at compile time, that decide cheaply which rules fire on a document.

Per document every leaf (term, wildcard, entity) gets bit masks, one list of each
indexed by leaf id: `field_bits`, the fields holding an occurrence (1 title, 2 text);
`sentence_bits`, the sentences wholly containing one; `paragraph_bits`, the paragraphs
(units numbered across the document, title first); `token_bits`, the token positions
its occurrences cover (for NEAR). `units` holds the document's own masks (every
sentence of the title, ...: `UnitMasks`). The rules' required clauses, as bitsets over
rules indexed by leaf, give the rules that can hold at all. Of those:

* a conjunction of leaves and OR-groups of leaves (CNF) holds exactly then;
* a rule of AND/OR/NOT, title:/text:, /s, /p and NEAR (EXPR) holds when a generated
  Python expression over the masks is true, e.g. for ``(a /s (b OR c)) AND d``
  ``(sentence_bits[3] & (sentence_bits[7] | sentence_bits[9])) and field_bits[12]``:
  inside a unit AND/OR/NOT are &, |, and the complement within the units in scope,
  exactly as `evaluator` judges them per unit. NEAR between terms or ORs of terms
  compares widened token masks (`near_covers`); a document-level NEAR of compound
  operands asks the evaluator (`near(k)`, memoised per document);
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
from typing import NamedTuple, assert_never

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


class UnitMasks(NamedTuple):
    """One document's units as bit masks (units numbered across fields, title first)."""

    title_sentences: int
    text_sentences: int
    title_paragraphs: int
    text_paragraphs: int
    all_sentences: int
    all_paragraphs: int
    title_tokens: int  # token positions in the token_bits numbering (see GAP)
    text_tokens: int


# Their indexes, which the generated code uses (`units[k]`).
TITLE_S, TEXT_S, TITLE_P, TEXT_P, ALL_S, ALL_P, TITLE_T, TEXT_T = range(len(UnitMasks._fields))
_UNIV = {("s", None): ALL_S, ("s", "title"): TITLE_S, ("s", "text"): TEXT_S}
_UNIV |= {("p", None): ALL_P, ("p", "title"): TITLE_P, ("p", "text"): TEXT_P}
_FIELD_BIT: dict[Field, int] = {"title": 1, "text": 2}
_FIELD_TOKENS: dict[Field, int] = {"title": TITLE_T, "text": TEXT_T}
# In the token masks the text's tokens start this far after the title's: no NEAR
# distance (at most MAX_NEAR) can bridge the gap, so one mask serves both fields.
GAP = MAX_NEAR + 1
_ONE = re.compile("1")

Masks = list[int]  # one mask per leaf id
# The generated functions' parameters, in order (see `_compile`).
EXPR_PARAMS = (
    "field_bits", "sentence_bits", "paragraph_bits", "units", "near", "token_bits",
    "near_covers",
)  # fmt: skip
# field_bits, sentence_bits, paragraph_bits, units, near(k), token_bits, near_covers
# -> whether the rule holds
Expr = Callable[
    [
        Masks,
        Masks,
        Masks,
        UnitMasks,
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
        self.unit_leaves: set[int] = set()  # leaves read per sentence or paragraph
        self.near_leaves: set[int] = set()  # leaves read as token_bits (NEAR)

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
                return f"(units[{_UNIV[unit, field]}] & ~{inner})"
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
            return f"near_covers({left}, {right}, {node.distance})"
        if field is not None:
            raise _Unsupported  # NEAR of compound operands within a field
        return f"near({self.near_ids.setdefault(node, len(self.near_ids))})"

    def cover(self, node: Node, field: Field | None) -> str:
        """The token positions covered by a leafy node's occurrences (token_bits)."""
        if isinstance(node, Or):
            return "(" + " | ".join(self.cover(c, field) for c in node.children) + ")"
        assert isinstance(node, LEAF_TYPES)
        lid = self.leaf_ids[node]
        self.near_leaves.add(lid)
        if field is None:
            return f"token_bits[{lid}]"
        return f"(token_bits[{lid}] & units[{_FIELD_TOKENS[field]}])"

    def leaf(self, lid: int, unit: str, field: Field | None) -> str:
        if unit == "d":
            if field is None:
                return f"field_bits[{lid}]"
            return f"(field_bits[{lid}] & {_FIELD_BIT[field]})"
        self.unit_leaves.add(lid)
        masks = "sentence_bits" if unit == "s" else "paragraph_bits"
        if field is None:
            return f"{masks}[{lid}]"
        return f"({masks}[{lid}] & units[{_UNIV[unit, field]}])"


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


class FieldUnits(NamedTuple):
    """One field's sentences and paragraphs, as `Layout.masks` looks occurrences up."""

    bit: int  # the field's bit in field_bits
    sentence_starts: Sequence[int]  # first token of each sentence (bisected)
    sentences: Sequence[tuple[int, int]]  # token range of each sentence
    sentence_offset: int  # the field's first sentence in the document's numbering
    paragraph_starts: Sequence[int]
    paragraphs: Sequence[tuple[int, int]]
    paragraph_offset: int


@dataclass(frozen=True)
class Layout:
    """One document's units: per field where its sentences and paragraphs are."""

    fields: Mapping[Field, FieldUnits]
    units: UnitMasks
    base: Mapping[Field, int]  # where each field's tokens start in token_bits

    @classmethod
    def of(cls, doc: Analyzed) -> Layout:
        """Number sentences and paragraphs across the document, the title first."""
        title, text = doc.fields["title"], doc.fields["text"]
        ts, tp = len(title.sentence_tokens), len(title.paragraph_tokens)
        title_s, text_s = _nonempty(title.sentence_tokens, 0), _nonempty(text.sentence_tokens, ts)
        title_p = _nonempty(title.paragraph_tokens, 0)
        text_p = _nonempty(text.paragraph_tokens, tp)
        base: dict[Field, int] = {"title": 0, "text": len(title.tokens) + GAP}
        units = UnitMasks(
            title_s,
            text_s,
            title_p,
            text_p,
            title_s | text_s,
            title_p | text_p,
            (1 << len(title.tokens)) - 1,
            ((1 << len(text.tokens)) - 1) << base["text"],
        )
        fields = {
            name: FieldUnits(
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
        """Field, sentence and paragraph bits of occurrences (field, first token, end
        token): only units that wholly contain an occurrence."""
        in_fields = in_sentences = in_paragraphs = 0
        for field, lo, hi in places:
            bit, s_starts, sentences, s_offset, p_starts, paragraphs, p_offset = self.fields[field]
            in_fields |= bit
            # The last unit starting at or before the occurrence is the only candidate.
            unit = bisect_right(s_starts, lo) - 1
            if unit >= 0 and hi <= sentences[unit][1]:
                in_sentences |= 1 << (unit + s_offset)
            unit = bisect_right(p_starts, lo) - 1
            if unit >= 0 and hi <= paragraphs[unit][1]:
                in_paragraphs |= 1 << (unit + p_offset)
        return in_fields, in_sentences, in_paragraphs

    def cover(self, places: Iterable[tuple[Field, int, int]]) -> int:
        """token_bits: the token positions covered by occurrences, fields `GAP` apart."""
        covered = 0
        base = self.base
        for field, lo, hi in places:
            covered |= ((1 << (hi - lo)) - 1) << (lo + base[field])
        return covered


def _nonempty(ranges: Sequence[tuple[int, int]], offset: int) -> int:
    """Units with at least one token (the evaluator never tries an empty one)."""
    return sum(1 << (i + offset) for i, (lo, hi) in enumerate(ranges) if lo < hi)


def field_mask(places: Iterable[tuple[Field, int, int]]) -> int:
    """Field bits alone, for a literal no rule reads per unit."""
    in_fields = 0
    for field, _, _ in places:
        in_fields |= _FIELD_BIT[field]
        if in_fields == 3:
            break
    return in_fields


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
    params = ", ".join(EXPR_PARAMS)
    for first in range(0, len(expressions), COMPILE_CHUNK):
        source = "".join(
            f"def e{i}({params}):\n    return {expressions[i]}\n"
            for i in range(first, min(first + COMPILE_CHUNK, len(expressions)))
        )
        exec(compile(source, "<rule plans>", "exec"), namespace)
    return [namespace[f"e{i}"] for i in range(len(expressions))]  # type: ignore[misc]
