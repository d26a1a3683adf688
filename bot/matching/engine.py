"""All rules compiled into one Aho-Corasick automaton and per-rule plans.

Every literal (a word, a phrase, a wildcard stem, each name of an entity, each country
name) becomes one key over the document's token stream ' tok tok tok ', so a key
' european parliament ' can only match whole consecutive tokens and a wildcard key
' sanction' only a token prefix: the spaces are the word boundaries. From the hits each
query term gets bit masks of the fields, sentences and paragraphs it occurs in, and the
rules' plans (`plan.Plans`) decide from those which rules fire; the few shapes they do
not cover are asked of the span evaluator (`evaluator.Evaluator`), which also builds a
match's witnesses. A Match is a `lazy.LazyMatch`: its witnesses, summary, highlights,
explanation and countries are built when first read, once per document for all of its
matches (`summary.Summarizer`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple, assert_never

import ahocorasick

from bot.errors import QuerySyntaxError
from bot.matching.acts import DocActs, Judge, Verdict
from bot.matching.analysis import Analyzed, analyze
from bot.matching.evaluator import Evaluator, RawWitness, Span
from bot.matching.lazy import Evidence, LazyMatch
from bot.matching.lexicon import load_lexicon
from bot.matching.plan import Layout, Plans, field_mask, near_covers, rule_indexes
from bot.matching.query import (
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
    asserted_leaves,
    leaves,
    parse_query,
)
from bot.matching.summary import Summarizer, country_mentions
from bot.matching.text import words
from bot.models import Document, EntityResolver, Field, Match, Rule, Witness

MAX_WITNESSES = 200
# literal id -> (field, first token, end token) of each occurrence in one document
Found = dict[int, list[tuple[Field, int, int]]]


@dataclass(frozen=True)
class _Literal:
    key: str
    width: int  # tokens covered; a wildcard stem covers 1


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its parsed (interned) query."""

    rule: Rule
    node: Node


class _Literals:
    """Interns automaton keys; a key is shared by every rule and country that uses it."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.items: list[_Literal] = []

    def phrase(self, tokens: tuple[str, ...]) -> int:
        return self._add(" " + " ".join(tokens) + " ", len(tokens))

    def prefix(self, stem: str) -> int:
        return self._add(" " + stem, 1)

    def _add(self, key: str, width: int) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.items)
            self.items.append(_Literal(key, width))
        return found


class Engine:
    """The compiled matcher over a fixed set of rules."""

    def __init__(
        self,
        compiled: list[CompiledRule],
        literals: _Literals,
        leaf_literals: dict[Leaf, tuple[int, ...]],
        country_literals: dict[int, tuple[str, ...]],
        deny: Mapping[tuple[str, str], tuple[int, ...]] | None = None,
        resolver: EntityResolver | None = None,
    ) -> None:
        self._compiled = compiled
        self._resolver = resolver
        # Rules whose matches the act layer judges (packs); the others match as written.
        self._gated = frozenset(i for i, c in enumerate(compiled) if c.rule.act is not None)
        self._deny = deny or {}
        self._literals = literals.items
        self._leaf_literals = leaf_literals
        self._country_literals = country_literals
        self._automaton = ahocorasick.Automaton()
        for lit_id, lit in enumerate(literals.items):
            # The value carries what the scan needs, so a hit costs no further lookups.
            self._automaton.add_word(lit.key, (lit_id, len(lit.key) - 1, lit.width))
        if literals.items:
            self._automaton.make_automaton()
        self._anchor_leaves: dict[Within, list[list[Leaf]]] = {}
        self._asserted: dict[str, tuple[Leaf, ...]] = {}  # rule key -> its asserted terms
        self.rules: Mapping[str, Rule] = MappingProxyType({c.rule.key: c.rule for c in compiled})
        # Leaves numbered for the per-document masks; plans decide which rules fire.
        self._leaves = list(leaf_literals)
        leaf_ids = {leaf: i for i, leaf in enumerate(self._leaves)}
        self._plans = Plans([c.node for c in compiled], leaf_ids)
        self._lit_leaves: list[tuple[int, ...]] = [() for _ in literals.items]
        for leaf, lid in leaf_ids.items():
            for lit_id in leaf_literals[leaf]:
                self._lit_leaves[lit_id] += (lid,)
        self._unit_literals = frozenset(
            lit_id for lid in self._plans.unit_leaves for lit_id in leaf_literals[self._leaves[lid]]
        )
        self._near_literals = frozenset(
            lit_id for lid in self._plans.near_leaves for lit_id in leaf_literals[self._leaves[lid]]
        )
        self._deny_leaves = frozenset(
            lid
            for leaf, lid in leaf_ids.items()
            if isinstance(leaf, Entity) and self._deny.get((leaf.kind, leaf.code))
        )

    @classmethod
    def compile(
        cls, rules: Sequence[Rule], resolver: EntityResolver, *, countries: bool = True
    ) -> Engine:
        """Parse every rule and build the shared automaton; errors name the rule key.

        `countries=False` leaves out the gazetteer's country names, which only the
        evidence of a match reads (its countries): for deciding alone, e.g. dry runs."""
        literals = _Literals()
        names_cache: dict[tuple[str, str], tuple[int, ...]] = {}
        leaf_literals: dict[Leaf, tuple[int, ...]] = {}
        compiled: list[CompiledRule] = []
        seen: set[str] = set()
        interned: dict[Node, Node] = {}
        deny: dict[tuple[str, str], tuple[int, ...]] = {}
        for rule in rules:
            if rule.key in seen:
                raise QuerySyntaxError(f"rule {rule.key}: duplicate rule key", 0, "unique keys")
            seen.add(rule.key)
            node = _intern(_parse_rule(rule, resolver), interned)
            for leaf in leaves(node):
                if leaf not in leaf_literals:
                    leaf_literals[leaf] = _leaf_ids(leaf, literals, resolver, names_cache)
                    if isinstance(leaf, Entity):
                        _deny_ids(leaf.kind, leaf.code, resolver, literals, deny)
            compiled.append(CompiledRule(rule, node))
        country_literals: dict[int, set[str]] = {}
        for code, names in resolver.country_names().items() if countries else ():
            _deny_ids("country", code, resolver, literals, deny)
            for name in names:
                tokens = words(name)
                if tokens:
                    country_literals.setdefault(literals.phrase(tokens), set()).add(code)
        by_literal = {k: tuple(sorted(v)) for k, v in country_literals.items()}
        return cls(compiled, literals, leaf_literals, by_literal, deny, resolver)

    @cached_property
    def judge(self) -> Judge:
        """The act layer (built on first use: only documents that fired a rule need it)."""
        if self._resolver is None:
            raise RuntimeError("the act layer needs the engine's resolver")
        return Judge(load_lexicon(), self._resolver)

    def match(self, doc: Document, *, exhaustive: bool = False) -> list[Match]:
        """Every rule that fires on `doc`, in rule order.

        `exhaustive` asks the span evaluator about every rule instead of using the plans:
        slow, and the reference the plans must agree with."""
        return self.match_analyzed(analyze(doc), exhaustive=exhaustive)

    def match_analyzed(self, analyzed: Analyzed, *, exhaustive: bool = False) -> list[Match]:
        """`match` of a document already analysed (several engines can share the reading)."""
        doc = analyzed.doc
        state = _DocState(self, analyzed, self._scan(analyzed))
        if exhaustive:
            holds = state.evaluator.holds
            fired = [i for i, c in enumerate(self._compiled) if holds(c.node) is not None]
        else:
            fired = self._fired(state)
        compiled, deferred, doc_id = self._compiled, LazyMatch.deferred, doc.id
        if self._gated:  # only rules that fired are judged, never every article x rule
            gated, verdict = self._gated, state.verdict
            fired = [i for i in fired if i not in gated or verdict(compiled[i]) is not None]
        return [deferred(compiled[i], doc_id, state) for i in fired]

    def _fired(self, state: _DocState) -> list[int]:
        """Indexes of the rules that hold, decided from the leaves' masks (see plan.py)."""
        layout = Layout.of(state.analyzed)
        masks = self._masks(state, layout)
        field_bits, sentence_bits, paragraph_bits = masks.fields, masks.sentences, masks.paragraphs
        token_bits, units = masks.tokens, layout.units
        plans = self._plans
        exprs, nears = plans.exprs, plans.near_list

        def near(k: int) -> bool:
            return state.evaluator.holds(nears[k]) is not None

        possible = plans.possible(masks.present)
        # Conjunctions hold exactly when possible; the others are checked one by one.
        fired = rule_indexes(possible & plans.cnf)
        checked = rule_indexes(possible & ~plans.cnf)
        for index in checked:
            expr = exprs[index]
            if expr is not None:
                if expr(
                    field_bits, sentence_bits, paragraph_bits, units, near, token_bits, near_covers
                ):
                    fired.append(index)
            elif state.evaluator.holds(self._compiled[index].node) is not None:
                fired.append(index)
        if checked:
            fired.sort()
        return fired

    def _masks(self, state: _DocState, layout: Layout) -> _LeafMasks:
        """Per leaf id its field, sentence, paragraph and token masks (see plan.py)."""
        count = self._plans.leaf_count
        field_bits, sentence_bits = [0] * count, [0] * count
        paragraph_bits, token_bits = [0] * count, [0] * count
        present: list[int] = []
        pending: set[int] = set()
        lit_leaves, unit_literals, deny = self._lit_leaves, self._unit_literals, self._deny_leaves
        near_literals = self._near_literals
        for lit_id, places in state.found.items():
            lids = lit_leaves[lit_id]
            if not lids:
                continue
            if lit_id in unit_literals:
                in_fields, in_sentences, in_paragraphs = layout.masks(places)
            else:
                in_fields, in_sentences, in_paragraphs = field_mask(places), 0, 0
            covered = layout.cover(places) if lit_id in near_literals else 0
            for lid in lids:
                if lid in deny:
                    pending.add(lid)  # its names may sit inside deny phrases: see its spans
                    continue
                if not field_bits[lid]:
                    present.append(lid)
                field_bits[lid] |= in_fields
                sentence_bits[lid] |= in_sentences
                paragraph_bits[lid] |= in_paragraphs
                token_bits[lid] |= covered
        for lid in pending:
            spans = state.occurrences(self._leaves[lid])
            if spans:
                places = [(sp.field, sp.start, sp.end) for sp in spans]
                field_bits[lid], sentence_bits[lid], paragraph_bits[lid] = layout.masks(places)
                token_bits[lid] = layout.cover(places)
                present.append(lid)
        return _LeafMasks(field_bits, sentence_bits, paragraph_bits, token_bits, present)

    def _scan(self, analyzed: Analyzed) -> dict[int, list[tuple[Field, int, int]]]:
        """One automaton pass: literal id -> (field, first token, end token) occurrences."""
        found: dict[int, list[tuple[Field, int, int]]] = {}
        if not self._literals:
            return found
        stream, spaces, titled = analyzed.stream()
        count = len(spaces)
        for end, (lit_id, back, width) in self._automaton.iter(stream):
            # Every key starts with the space before a token: find which token.
            first = bisect_left(spaces, end - back)
            if first == count or spaces[first] != end - back:
                continue
            field: Field = "title" if first < titled else "text"
            if first >= titled:
                first -= titled
            places = found.get(lit_id)
            if places is None:
                found[lit_id] = [(field, first, first + width)]
            else:
                places.append((field, first, first + width))
        return found

    def asserted(self, key: str, node: Node) -> tuple[Leaf, ...]:
        """The asserted terms of rule `key` (whose node is `node`), each once; cached."""
        found = self._asserted.get(key)
        if found is None:
            found = self._asserted[key] = tuple(dict.fromkeys(asserted_leaves(node)))
        return found

    def occurrences(self, leaf: Leaf, found: Found) -> list[Span]:
        """Where `leaf` occurs in a scanned document, entity names inside deny phrases left out."""
        spans = _leaf_spans(leaf, self._leaf_literals[leaf], found)
        if isinstance(leaf, Entity) and (deny := self._deny.get((leaf.kind, leaf.code))):
            spans = [s for s in spans if not _covered(s.field, s.start, s.end, deny, found)]
        return spans

    def countries(
        self, found: dict[int, list[tuple[Field, int, int]]]
    ) -> dict[str, list[tuple[Field, int]]]:
        """ISO2 code -> token positions where one of its names occurs."""
        out: dict[str, list[tuple[Field, int]]] = {}
        for lit_id, places in found.items():
            codes = self._country_literals.get(lit_id, ())
            for field, lo, hi in places if codes else ():
                for code in codes:
                    deny = self._deny.get(("country", code))
                    if not (deny and _covered(field, lo, hi, deny, found)):
                        out.setdefault(code, []).append((field, lo))
        return out


class _LeafMasks(NamedTuple):
    """One document's masks per leaf id (see plan.py) and the ids of the leaves present."""

    fields: list[int]
    sentences: list[int]
    paragraphs: list[int]
    tokens: list[int]
    present: list[int]


class _DocState:
    """One document's scan and evaluator, shared by its matches to build their details.

    Nothing it holds points back at it (closures, not bound methods), so a document's
    state is freed as soon as its matches are, without waiting for the cycle collector.
    """

    def __init__(self, engine: Engine, analyzed: Analyzed, found: Found) -> None:
        self.engine = engine
        self.analyzed = analyzed
        self.found = found
        self.occurrences = _occurrences(engine, found)
        self.made: dict[RawWitness, Witness] = {}  # rules share terms: build each witness once
        self.verdicts: dict[str, Verdict | None] = {}  # rule key -> the act layer's verdict

    # Most documents need neither until a match's details are read.
    @cached_property
    def evaluator(self) -> Evaluator:
        """The span evaluator over this document (memoised sub-results)."""
        return Evaluator(self.analyzed, self.occurrences, self.engine._anchor_leaves)

    @cached_property
    def summarizer(self) -> Summarizer:
        """Builds this document's Matches, sharing work among them."""
        engine, analyzed, found = self.engine, self.analyzed, self.found
        return Summarizer(analyzed, lambda: country_mentions(analyzed, engine.countries(found)))

    @cached_property
    def acts(self) -> DocActs:
        """The act layer's reading of this document."""
        return self.engine.judge.document(self.analyzed)

    def verdict(self, compiled: CompiledRule) -> Verdict | None:
        """Whether a rule that fired (and has an act policy) reports a new act, and where."""
        rule = compiled.rule
        if rule.key not in self.verdicts:
            result = self.evaluator.holds(compiled.node)
            verdict = None
            if result is not None and rule.act is not None:
                witnesses = _witnesses(
                    self.analyzed, self.raw_witnesses(rule.key, compiled.node, result), self.made
                )
                verdict = self.acts.accept(rule.act, witnesses)
            self.verdicts[rule.key] = verdict
        return self.verdicts[rule.key]

    def raw_witnesses(self, key: str, node: Node, spans: list[Span]) -> set[RawWitness]:
        """The raw witnesses of a rule that holds: those of its spans, and every other
        occurrence of its asserted terms in the sentences those spans touch.

        The evaluator keeps only the spans it needs to decide (issue 11's bounds), so a
        sentence can be carried by fewer of its terms than it holds; what the act layer
        ranks and what the explanation shows is the sentence's whole evidence.
        """
        raw: set[RawWitness] = {w for span in spans for w in span.witnesses}
        fields = self.analyzed.fields
        carried = {(w.field, fields[w.field].sentence_of[w.start]) for w in raw}
        for leaf in self.engine.asserted(key, node):
            for field, lo, _hi, found in self.occurrences(leaf):
                if (field, fields[field].sentence_of[lo]) in carried:
                    raw.update(found)
        return raw

    def evidence_of(self, rule: Rule, node: Node) -> Evidence:
        """The evidence of a rule that fired: witnesses, countries, summary, explanation."""
        result = self.evaluator.holds(node)
        if result is None:
            raise RuntimeError(f"rule {rule.key} was reported as a match but does not hold")
        witnesses = _witnesses(self.analyzed, self.raw_witnesses(rule.key, node, result), self.made)
        if rule.act is not None and rule.key in self.verdicts:
            verdict = self.verdicts[rule.key]
        else:
            verdict = self.acts.lead(witnesses)
        details = self.summarizer.details(node, witnesses, verdict)
        return Evidence(
            witnesses,
            details.countries,
            details.summary,
            details.highlights,
            details.explanation,
            verdict.actors if verdict else (),
            verdict.targets if verdict else (),
        )


def _occurrences(engine: Engine, found: Found) -> Callable[[Leaf], list[Span]]:
    """A leaf's spans in the scanned document, cached per leaf."""
    cache: dict[Leaf, list[Span]] = {}

    def occurrences(leaf: Leaf) -> list[Span]:
        spans = cache.get(leaf)
        if spans is None:
            spans = cache[leaf] = engine.occurrences(leaf, found)
        return spans

    return occurrences


def _parse_rule(rule: Rule, resolver: EntityResolver) -> Node:
    try:
        return parse_query(rule.query, terms=rule.terms, resolver=resolver)
    except QuerySyntaxError as err:
        raise QuerySyntaxError(
            f"rule {rule.key}: {err.message}", err.position, err.expected, err.query
        ) from None


def _deny_ids(
    kind: str,
    code: str,
    resolver: EntityResolver,
    literals: _Literals,
    deny: dict[tuple[str, str], tuple[int, ...]],
) -> None:
    """Literals of the phrases in which the entity's names do not mean it ('guinea pig').

    `exclusions(kind, code)` is optional on a resolver (the gazetteer has it)."""
    if (kind, code) in deny:
        return
    exclusions = getattr(resolver, "exclusions", None)
    phrases: tuple[str, ...] = ()
    if callable(exclusions):
        try:
            phrases = tuple(exclusions(kind, code))
        except KeyError:
            phrases = ()
    ids = {literals.phrase(tokens) for tokens in map(words, phrases) if tokens}
    deny[(kind, code)] = tuple(sorted(ids))


def _covered(
    field: Field,
    lo: int,
    hi: int,
    deny: tuple[int, ...],
    found: dict[int, list[tuple[Field, int, int]]],
) -> bool:
    """Whether the token span lies inside an occurrence of one of the `deny` literals."""
    return any(
        f == field and dlo <= lo and hi <= dhi for d in deny for f, dlo, dhi in found.get(d, ())
    )


def _leaf_ids(
    leaf: Leaf,
    literals: _Literals,
    resolver: EntityResolver,
    cache: dict[tuple[str, str], tuple[int, ...]],
) -> tuple[int, ...]:
    match leaf:
        case Term():
            return (literals.phrase(leaf.words),)
        case Prefix():
            return (literals.prefix(leaf.stem),)
        case Entity():
            return _entity_ids(leaf, literals, resolver, cache)
        case _:
            assert_never(leaf)


def _entity_ids(
    leaf: Entity,
    literals: _Literals,
    resolver: EntityResolver,
    cache: dict[tuple[str, str], tuple[int, ...]],
) -> tuple[int, ...]:
    """One literal per name of the entity (shared by every rule naming it)."""
    key = (leaf.kind, leaf.code)
    if key not in cache:
        try:
            names = resolver.names(leaf.kind, leaf.code)
        except KeyError:
            names = ()
        ids = {literals.phrase(w) for w in map(words, names) if w}
        cache[key] = tuple(sorted(ids))
    return cache[key]


def _leaf_spans(
    leaf: Leaf, ids: tuple[int, ...], found: dict[int, list[tuple[Field, int, int]]]
) -> list[Span]:
    label = leaf.label
    spans: list[Span] = []
    seen: set[tuple[Field, int, int]] = set()
    for lit_id in ids:
        for occ in found.get(lit_id, ()):
            if occ not in seen:
                seen.add(occ)
                field, lo, hi = occ
                witness = _new(RawWitness, (label, field, lo, hi))
                spans.append(_new(Span, (field, lo, hi, (witness,))))
    spans.sort(key=_EXTENT)  # the evaluator bisects by (field, start)
    return spans


def _intern(node: Node, table: dict[Node, Node]) -> Node:
    """The canonical instance of `node` (children first), so equal subtrees share an id."""
    match node:
        case Term() | Prefix() | Entity():
            pass
        case And():
            node = And(tuple(_intern(c, table) for c in node.children))
        case Or():
            node = Or(tuple(_intern(c, table) for c in node.children))
        case Not():
            node = Not(_intern(node.child, table))
        case Scope():
            node = Scope(node.field, _intern(node.child, table))
        case Near():
            node = Near(_intern(node.left, table), _intern(node.right, table), node.distance)
        case Within():
            node = Within(_intern(node.left, table), _intern(node.right, table), node.unit)
        case _:
            assert_never(node)
    return table.setdefault(node, node)


# Span(...) and RawWitness(...) run a Python-level __new__; where spans are made by the
# thousand per document, tuple.__new__ makes the same NamedTuple at half the cost.
_new = tuple.__new__
_IN_FIELD = itemgetter(2, 3, 0)  # RawWitness: (start, end, label)
_EXTENT = itemgetter(0, 1, 2)  # Span: (field, start, end)


def _witnesses(
    analyzed: Analyzed, raw: set[RawWitness], made: dict[RawWitness, Witness]
) -> tuple[Witness, ...]:
    """Raw witnesses -> Witness with original offsets, deduplicated, in reading order."""
    # Title first, then text; within a field by (start, end, term): C-level sort keys.
    title = [w for w in raw if w.field == "title"]
    text = [w for w in raw if w.field != "title"]
    ordered = (sorted(title, key=_IN_FIELD) + sorted(text, key=_IN_FIELD))[:MAX_WITNESSES]
    out: list[Witness] = []
    for item in ordered:
        wit = made.get(item)
        if wit is None:
            label, field, lo, hi = item
            ft = analyzed.fields[field]
            start, end = ft.starts[lo], ft.ends[hi - 1]
            wit = made[item] = Witness(
                label, field, ft.sentence_of[lo], start, end, ft.original[start:end]
            )
        out.append(wit)
    return tuple(out)
