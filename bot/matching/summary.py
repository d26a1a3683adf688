"""Extractive summary, highlights, explanation line and country ranking for one match."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, assert_never

from bot.matching.acts import Verdict
from bot.matching.analysis import Analyzed
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
)
from bot.matching.text import words
from bot.models import Field, Witness

SUMMARY_LIMIT = 400
MAX_SENTENCES = 3
ELLIPSIS = "…"

SentenceKey = tuple[Field, int]


class Details(NamedTuple):
    """What the summarizer adds to a match's witnesses."""

    countries: tuple[str, ...]
    summary: str
    highlights: tuple[tuple[int, int], ...]  # offsets into `summary`
    explanation: str


@dataclass(frozen=True)
class _Shared:
    """What every match with the same witnesses has in common."""

    witnesses: tuple[Witness, ...]  # kept alive: the cache is keyed by their ids
    summary: str
    highlights: tuple[tuple[int, int], ...]
    countries: tuple[str, ...]
    explainer: _Explainer
    explained: dict[Node, str]  # node -> explanation


class Summarizer:
    """Builds the evidence of one document's matches; equal witnesses share the work.

    Many rules fire on the same evidence (a country and a measure word), and everything
    but the explanation depends only on the witnesses, so it is computed once per set.
    """

    def __init__(self, doc: Analyzed, countries: Callable[[], Mentions]) -> None:
        self.doc = doc
        self._countries = countries
        self._mentions: Mentions | None = None
        # by witness ids and verdict: hashing witness values costs more
        self._shared: dict[tuple[object, ...], _Shared] = {}
        # (chosen, ids of their witnesses) -> (those witnesses, summary, highlights)
        self._summaries: dict[tuple[tuple[SentenceKey, ...], tuple[int, ...]], tuple[
            tuple[Witness, ...], str, tuple[tuple[int, int], ...]]] = {}  # fmt: skip
        self._ranked: dict[tuple[tuple[SentenceKey, ...], tuple[str, ...]], tuple[str, ...]] = {}

    def details(
        self, node: Node, witnesses: tuple[Witness, ...], verdict: Verdict | None = None
    ) -> Details:
        """The countries, summary, highlights and explanation of a match carried by `witnesses`;
        `verdict` (the act layer's) names the act sentence, which leads, and its roles."""
        ids = (*map(id, witnesses), verdict)
        shared = self._shared.get(ids)
        if shared is None or shared.witnesses != witnesses:
            shared = self._shared[ids] = self._share(witnesses, verdict)
        explanation = shared.explained.get(node)
        if explanation is None:
            explained = None
            if verdict is not None and verdict.new:
                explained = in_one_sentence(witnesses, verdict.sentence)
            if explained is None:
                explained = shared.explainer.explain(node, None) or ""
            explanation = in_words(explained, verdict)
            shared.explained[node] = explanation
        return Details(shared.countries, shared.summary, shared.highlights, explanation)

    def _share(self, witnesses: tuple[Witness, ...], verdict: Verdict | None) -> _Shared:
        chosen = rank_sentences(witnesses, verdict.sentence if verdict else None)
        # The witnesses of the chosen sentences, lead first, then the others: the stable
        # sort by sentence rank, without a key function per witness.
        groups: dict[SentenceKey, list[Witness]] = {key: [] for key in chosen}
        rest: list[Witness] = []
        for w in witnesses:
            group = groups.get((w.field, w.sentence))
            (rest if group is None else group).append(w)
        shown = tuple(w for key in chosen for w in groups[key])
        # The summary reads only the chosen sentences' witnesses; other matches that
        # chose the same sentences for the same evidence there share it.
        key = (tuple(chosen), tuple(map(id, shown)))
        done = self._summaries.get(key)
        if done is None or done[0] != shown:
            done = self._summaries[key] = (shown, *summarize(self.doc, chosen, shown))
        return _Shared(
            witnesses,
            done[1],
            done[2],
            self._rank_countries(chosen, witnesses, verdict),
            _Explainer(shown + tuple(rest)),
            {},
        )

    def _rank_countries(
        self, chosen: list[SentenceKey], witnesses: tuple[Witness, ...], verdict: Verdict | None
    ) -> tuple[str, ...]:
        if verdict is not None and (verdict.actors or verdict.targets):
            return roles_first(verdict, witnesses)
        if self._mentions is None:
            self._mentions = self._countries()
        codes = tuple(w.term for w in witnesses if w.term.startswith("@country:"))
        key = (tuple(chosen), codes)
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = rank_countries(self._mentions, chosen, witnesses)
        return found


def _key(w: Witness) -> SentenceKey:
    return (w.field, w.sentence)


def rank_sentences(
    witnesses: Sequence[Witness], lead: SentenceKey | None = None
) -> list[SentenceKey]:
    """Sentences that carried the match, most distinct terms first (text before title).

    `lead` (the act sentence, when the act layer found one) goes first whatever its
    count. After the lead, a sentence is added only if it also combines two or more
    terms or sits next to one already chosen: a lone mention far away is not what
    carried it.
    """
    terms: dict[SentenceKey, set[str]] = {}
    hits: dict[SentenceKey, int] = {}
    for w in witnesses:
        key = (w.field, w.sentence)
        seen = terms.get(key)
        if seen is None:
            terms[key] = {w.term}
            hits[key] = 1
        else:
            seen.add(w.term)
            hits[key] += 1
    keys = [k for k in terms if k[0] == "text"] or list(terms)
    keys.sort(key=lambda k: (-len(terms[k]), -hits[k], k[1]))
    if lead is not None and lead in terms:
        keys = [lead] + [k for k in keys if k != lead]
    chosen = keys[:1]
    picked = set(chosen)
    for key in keys[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if len(terms[key]) >= 2 or _next_to(key, picked):
            chosen.append(key)
            picked.add(key)
    if len(chosen) < MAX_SENTENCES:
        # Neighbours of the lead may have been skipped before the lead's other picks.
        lead = chosen[0] if chosen else None
        for key in keys:
            if len(chosen) >= MAX_SENTENCES or lead is None:
                break
            if key not in picked and _next_to(key, picked):
                chosen.append(key)
                picked.add(key)
    return chosen


def _next_to(key: SentenceKey, picked: set[SentenceKey]) -> bool:
    """Whether a sentence right before or after `key` (same field) was picked."""
    return (key[0], key[1] - 1) in picked or (key[0], key[1] + 1) in picked


def summarize(
    doc: Analyzed, chosen: Sequence[SentenceKey], witnesses: Sequence[Witness]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Join the chosen sentences within SUMMARY_LIMIT; highlights are offsets into the result."""
    parts: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    for index, key in enumerate(chosen):
        ft = doc.fields[key[0]]
        if key[1] >= len(ft.sentences):
            continue
        start, end = ft.sentences[key[1]]
        spans = [(w.start - start, w.end - start, w.surface) for w in witnesses if _key(w) == key]
        sep = " " if parts else ""
        room = SUMMARY_LIMIT - length - len(sep)
        if index > 0 and end - start > room:
            continue  # a later sentence that does not fit is left out, not cut
        piece, shift = _trim(ft.original[start:end], [s[0] for s in spans], max(room, 0))
        parts.append(sep + piece)
        base = length + len(sep)
        for lo, hi, surface in spans:
            # A highlight cut off by the trimming is dropped rather than pointing at '…'.
            if lo + shift >= 0 and piece[lo + shift : hi + shift] == surface:
                marks.append((base + lo + shift, base + hi + shift))
        length += len(sep) + len(piece)
    return "".join(parts), tuple(sorted(set(marks)))


def _trim(text: str, starts: Sequence[int], limit: int) -> tuple[str, int]:
    """Cut `text` to about `limit` chars on word boundaries, keeping the first highlight."""
    if len(text) <= limit:
        return text, 0
    first = min(starts, default=0)
    begin = 0
    if first + 40 > limit:
        begin = max(0, first - limit // 4)
        while 0 < begin < first and not text[begin - 1].isspace():
            begin += 1
    head = ELLIPSIS if begin > 0 else ""
    if len(text) - begin <= limit - len(head):
        return head + text[begin:], len(head) - begin
    budget = max(limit - len(head) - len(ELLIPSIS), 1)
    cut = begin + budget
    while cut > begin and not text[cut].isspace():
        cut -= 1
    if cut <= begin:
        cut = begin + budget  # one huge word: cut inside it
    return head + text[begin:cut].rstrip() + ELLIPSIS, len(head) - begin


def explain(node: Node, witnesses: Sequence[Witness]) -> str | None:
    """The satisfied part of the query in surfaces: 'European Parliament + resolution /s Belarus'.

    Each term shows its first witness in `witnesses` order (callers put the lead sentence
    first); both sides of a proximity operator are shown from one shared sentence if any.
    """
    return _Explainer(witnesses).explain(node, None)


class _Explainer:
    """Looks surfaces up by term, overall or within one sentence."""

    def __init__(self, witnesses: Sequence[Witness]) -> None:
        self.first: dict[str, str] = {}
        self.groups: dict[SentenceKey, dict[str, str]] = {}
        for w in witnesses:
            self.first.setdefault(w.term, w.surface)
            self.groups.setdefault((w.field, w.sentence), {}).setdefault(w.term, w.surface)

    def explain(self, node: Node, key: SentenceKey | None) -> str | None:
        surfaces = self.first if key is None else self.groups[key]
        match node:
            case Term() | Prefix() | Entity():
                return surfaces.get(node.label)
            case Not():
                return None
            case Scope():
                inner = self.explain(node.child, key)
                return f"{_group(inner)} in the {node.field}" if inner else None
            case Or():
                for child in node.children:  # the first child that explains itself
                    shown = self.explain(child, key)
                    if shown:
                        return shown
                return None
            case And():
                found = _without_repeats([e for c in node.children if (e := self.explain(c, key))])
                if len(found) == 1:
                    return found[0]
                return " + ".join(map(_group, found)) or None
            case Within() | Near():
                return self.close(node, key)
            case _:
                assert_never(node)

    def close(self, node: Within | Near, key: SentenceKey | None) -> str | None:
        """Both sides from one shared sentence if any, else each where it was found."""
        for group in self.groups if key is None else (key,):
            left, right = self.explain(node.left, group), self.explain(node.right, group)
            if left and right:
                return _close(node, left, right)
        left, right = self.explain(node.left, key), self.explain(node.right, key)
        if not (left and right):
            return left or right
        return _close(node, left, right)


def _without_repeats(parts: list[str]) -> list[str]:
    """Drop a part that another part already shows ('EU + EU NEAR/12 sanctions' -> the latter)."""
    kept: list[str] = []
    for part in parts:
        shown_elsewhere = any(
            other != part and f" {other} ".find(f" {part} ") >= 0 for other in parts
        )
        if not shown_elsewhere and part not in kept:
            kept.append(part)
    return kept


def _close(node: Within | Near, left: str, right: str) -> str:
    """Terms that had to be close, in words: 'EU + adopted in one sentence'."""
    match node:
        case Within():
            unit = "sentence" if node.unit == "s" else "paragraph"
            return f"{_group(left)} + {_group(right)} in one {unit}"
        case Near():
            return f"{_group(left)} within {node.distance} words of {_group(right)}"
        case _:
            assert_never(node)


_COMPOUND = (" + ", " within ", " in one ", " in the ")


def _group(text: str) -> str:
    return f"({text})" if any(op in text for op in _COMPOUND) else text


MAX_SHOWN = 5  # terms named in a sentence explanation: it must fit a phone's line or two
_ARTICLES = frozenset(("the", "a", "an"))  # 'The Council' is shown by 'Council of the EU'


def in_one_sentence(witnesses: Sequence[Witness], key: SentenceKey) -> str | None:
    """A pack's explanation: the terms that met in the act sentence, in reading order
    ('EU + adopted + restrictive measures in one sentence'); None if fewer than two."""
    shown: dict[str, str] = {}
    for w in sorted((w for w in witnesses if _key(w) == key), key=lambda w: w.start):
        shown.setdefault(w.surface.casefold(), w.surface)
    folded = {k: " " + " ".join(w for w in words(k) if w not in _ARTICLES) + " " for k in shown}
    # 'EU' inside 'EU-Außenminister' is shown by it
    kept = [
        v for k, v in shown.items() if not any(o != k and folded[k] in f for o, f in folded.items())
    ]
    if len(kept) < 2:
        return None
    surfaces = kept[:MAX_SHOWN]
    where = "the title" if key[0] == "title" else "one sentence"
    return f"{' + '.join(surfaces)} in {where}"


def in_words(explained: str, verdict: Verdict | None) -> str:
    """The explanation line: never one bare word, and the act layer's finding when a pack's."""
    if explained and not any(op in explained for op in _COMPOUND):
        explained = f"mentions {explained}"
    if verdict is not None and verdict.new:
        when = f" ({verdict.when})" if verdict.when else ""
        explained = f"{explained}; a new act{when}" if explained else f"a new act{when}"
    return explained


def roles_first(verdict: Verdict, witnesses: Sequence[Witness]) -> tuple[str, ...]:
    """Who acts, whom it hits, then the query's own countries."""
    asked = [w.term.split(":", 1)[1] for w in witnesses if w.term.startswith("@country:")]
    return tuple(dict.fromkeys((*verdict.actors, *verdict.targets, *asked)))


@dataclass(frozen=True)
class Mentions:
    """Where a document mentions countries: computed once, shared by all its matches."""

    by_frequency: tuple[str, ...]  # most mentioned first, ties by first mention
    by_sentence: Mapping[SentenceKey, Counter[str]]


def country_mentions(
    doc: Analyzed, positions: Mapping[str, Sequence[tuple[Field, int]]]
) -> Mentions:
    """Index country mentions (code -> token positions) by sentence and by frequency."""
    by_sentence: dict[SentenceKey, Counter[str]] = {}
    first: dict[str, tuple[int, int]] = {}
    for code, places in positions.items():
        for field, tok in places:
            key = (field, doc.fields[field].sentence_of[tok])
            by_sentence.setdefault(key, Counter())[code] += 1
            order = (0 if field == "title" else 1, tok)
            first[code] = min(first.get(code, order), order)
    ranked = sorted(positions, key=lambda c: (-len(positions[c]), first[c], c))
    return Mentions(tuple(ranked), by_sentence)


def rank_countries(
    mentions: Mentions, chosen: Sequence[SentenceKey], witnesses: Sequence[Witness]
) -> tuple[str, ...]:
    """ISO2 codes: matched @country terms, then those in the summary (most mentioned first).

    Places the item mentions elsewhere are left out: a country named in passing is not
    what the alert is about."""
    in_query = dict.fromkeys(
        w.term.split(":", 1)[1] for w in witnesses if w.term.startswith("@country:")
    )
    in_summary: Counter[str] = Counter()
    for key in chosen:
        in_summary.update(mentions.by_sentence.get(key, {}))
    base = {code: i for i, code in enumerate(mentions.by_frequency)}
    rest = sorted(
        (c for c in mentions.by_frequency if c not in in_query and in_summary[c]),
        key=lambda c: (-in_summary[c], base[c]),
    )
    return tuple(in_query) + tuple(rest)
