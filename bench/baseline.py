"""The naive matcher the engine is measured against: every rule, one by one, with `re`.

Each query is parsed with the engine's public parser (bot.matching.query) and every
leaf becomes one compiled regular expression over the folded text (the same
normalisation and sentence/paragraph splitting as the engine, so that the two must
agree on every match). The boolean structure is plain Python over regions: the
document's fields, their sentences or paragraphs, and token windows for NEAR/n.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import assert_never

from bot.matching.query import (
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
    parse_query,
)
from bot.matching.text import fold, paragraph_spans, sentence_spans, words
from bot.models import Document, EntityResolver, Rule

_WORD = re.compile(r"\w+")


def near_ok(a: tuple[int, int], b: tuple[int, int], distance: int) -> bool:
    """Whether two occurrences (first, last token index) are at most `distance` words apart.

    The gap is counted from the end of the earlier occurrence to the start of the
    later one, so adjacent words are 1 apart and overlapping occurrences 0.
    """
    gap = b[0] - a[1] if b[0] >= a[0] else a[0] - b[1]
    return gap <= distance


@dataclass
class Region:
    """A field, a paragraph of it or a sentence of it: original and folded text."""

    field: str
    original: str
    kind: str = "field"  # field | p | s
    units: dict[str, list[Region]] = field(default_factory=dict)

    @cached_property
    def text(self) -> str:
        return fold(self.original)

    @cached_property
    def token_starts(self) -> list[int]:
        return [m.start() for m in _WORD.finditer(self.text)]

    def occurrences(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """(first, last) token index of each occurrence of a leaf pattern."""
        starts = self.token_starts
        return [
            (bisect_right(starts, m.start()) - 1, bisect_right(starts, m.end() - 1) - 1)
            for m in pattern.finditer(self.text)
        ]

    def unit(self, kind: str) -> list[Region]:
        """The sentences ('s') or paragraphs ('p') inside this region."""
        if kind not in self.units:
            self.units[kind] = self._split(kind)
        return self.units[kind]

    def _split(self, kind: str) -> list[Region]:
        if self.field == "title":  # the title is one sentence and one paragraph
            return [self] if self.original.strip() else []
        if self.kind == "s" or (self.kind == "p" and kind == "p"):
            return [self]  # a sentence's paragraph, within it, is the sentence itself
        text = self.original
        paragraphs = paragraph_spans(text) if self.kind == "field" else [(0, len(text))]
        if kind == "p":
            return [Region(self.field, text[a:b], "p") for a, b in paragraphs]
        spans = [s for p in paragraphs for s in sentence_spans(text, p[0], p[1])]
        return [Region(self.field, text[a:b], "s") for a, b in spans]


def regions(doc: Document) -> list[Region]:
    """The two fields of a document."""
    return [Region("title", doc.title or ""), Region("text", doc.text or "")]


Check = Callable[[Sequence[Region]], bool]
Occur = Callable[[Region], list[tuple[int, int]]]


def _phrase(tokens: Iterable[str]) -> str:
    return r"\W+".join(re.escape(t) for t in tokens)


class Translator:
    """Turns a parsed query into nested Python closures over compiled regexes."""

    def __init__(self, resolver: EntityResolver) -> None:
        self.resolver = resolver
        self.cache: dict[str, re.Pattern[str]] = {}

    def pattern(self, leaf: Term | Prefix | Entity) -> re.Pattern[str]:
        """One compiled regex for a leaf (shared between rules, like a real translator would)."""
        key = repr(leaf)
        if key not in self.cache:
            match leaf:
                case Term():
                    body = _phrase(leaf.words)
                case Prefix():
                    body = re.escape(leaf.stem) + r"\w*"
                case Entity():
                    names = {words(n) for n in self.resolver.names(leaf.kind, leaf.code)}
                    alts = sorted((_phrase(n) for n in names if n), key=len, reverse=True)
                    body = "(?:" + "|".join(alts) + ")"
                case _:
                    assert_never(leaf)
            self.cache[key] = re.compile(r"(?<!\w)" + body + r"(?!\w)")
        return self.cache[key]

    def name_pattern(self, name: str) -> re.Pattern[str] | None:
        """The regex of one entity name, None for a name without words."""
        tokens = words(name)
        if not tokens:
            return None
        key = "name:" + " ".join(tokens)
        if key not in self.cache:
            self.cache[key] = re.compile(r"(?<!\w)" + _phrase(tokens) + r"(?!\w)")
        return self.cache[key]

    def check(self, node: Node) -> Check:
        """A predicate over a list of regions: does the node hold there."""
        match node:
            case Term() | Prefix() | Entity():
                pat = self.pattern(node)
                return lambda rs: any(pat.search(r.text) for r in rs)
            case And():
                parts = [self.check(c) for c in node.children]
                return lambda rs: all(p(rs) for p in parts)
            case Or():
                parts = [self.check(c) for c in node.children]
                return lambda rs: any(p(rs) for p in parts)
            case Not():
                inner = self.check(node.child)
                return lambda rs: not inner(rs)
            case Scope():
                inner, name = self.check(node.child), node.field
                return lambda rs: inner([r for r in rs if r.field == name])
            case Within():
                return self._within(node)
            case Near():
                return self._near(node)
            case _:
                assert_never(node)

    def _within(self, node: Within) -> Check:
        left, right, unit = self.check(node.left), self.check(node.right), node.unit
        # Cheap necessary condition first, valid only when neither side negates.
        monotone = not (_has_not(node.left) or _has_not(node.right))

        def check(rs: Sequence[Region]) -> bool:
            if monotone and not (left(rs) and right(rs)):
                return False
            units = [u for r in rs for u in r.unit(unit)]
            return any(left([u]) and right([u]) for u in units)

        return check

    def _near(self, node: Near) -> Check:
        left, right, n = self.occurrences(node.left), self.occurrences(node.right), node.distance

        def check(rs: Sequence[Region]) -> bool:
            for r in rs:
                a = left(r)
                if not a:
                    continue
                b = right(r)
                if any(near_ok(x, y, n) for x in a for y in b):
                    return True
            return False

        return check

    def occurrences(self, node: Node) -> Occur:
        """Token spans of a NEAR operand (a leaf or an OR of leaves)."""
        if isinstance(node, Entity):
            # One pattern per name: overlapping names ("Council of the EU", "EU") each count.
            pats = [self.name_pattern(n) for n in self.resolver.names(node.kind, node.code)]
            return lambda r: [o for p in pats if p is not None for o in r.occurrences(p)]
        if isinstance(node, Term | Prefix):
            pat = self.pattern(node)
            return lambda r: r.occurrences(pat)
        if isinstance(node, Or):
            parts = [self.occurrences(c) for c in node.children]
            return lambda r: [o for p in parts for o in p(r)]
        if isinstance(node, Scope):
            inner, name = self.occurrences(node.child), node.field
            return lambda r: inner(r) if r.field == name else []
        raise NotImplementedError(f"baseline: NEAR over {type(node).__name__} is not translated")


def _has_not(node: Node) -> bool:
    match node:
        case Not():
            return True
        case Term() | Prefix() | Entity():
            return False
        case And() | Or() | Scope() | Near() | Within():
            return any(_has_not(c) for c in children(node))
        case _:
            assert_never(node)


@dataclass
class Baseline:
    """All rules as (key, predicate), evaluated one after another on every document."""

    checks: list[tuple[str, Check]]
    patterns: int

    @classmethod
    def compile(cls, rules: Sequence[Rule], resolver: EntityResolver) -> Baseline:
        """Parse and translate every rule."""
        translator = Translator(resolver)
        checks = [
            (r.key, translator.check(parse_query(r.query, terms=r.terms, resolver=resolver)))
            for r in rules
        ]
        return cls(checks, len(translator.cache))

    def match(self, doc: Document) -> list[str]:
        """Keys of the rules that hold on `doc`."""
        rs = regions(doc)
        return [key for key, check in self.checks if check(rs)]
