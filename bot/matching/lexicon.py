"""The act layer's word lists (data/acts.yaml) as phrase tables over normalised tokens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from bot.errors import ConfigError
from bot.matching.text import words

V = TypeVar("V")
MIN_STEM = 3  # a prefix shorter than this would match half the language


class PhraseTable(Generic[V]):
    """Phrases of normalised words, the last one optionally a prefix ('call* for' is not)."""

    def __init__(self, entries: Iterable[tuple[str, V]]) -> None:
        # first word -> [(following words, last word is a prefix, value)], longest first
        self._exact: dict[str, list[tuple[tuple[str, ...], bool, V]]] = {}
        # first three letters of a one-word prefix -> [(stem, value)]
        self._stems: dict[str, list[tuple[str, V]]] = {}
        for text, value in entries:
            self._add(text, value)
        for options in self._exact.values():
            options.sort(key=lambda o: -len(o[0]))

    def _add(self, text: str, value: V) -> None:
        pieces = text.split()
        tokens: list[str] = []
        for piece in pieces:
            tokens.extend(words(piece))
        if not tokens:
            raise ConfigError(f"acts.yaml: {text!r} has no words")
        prefix = text.rstrip().endswith("*")
        if prefix and len(tokens) == 1:
            stem = tokens[0]
            if len(stem) < MIN_STEM:
                raise ConfigError(f"acts.yaml: prefix {text!r} is shorter than {MIN_STEM} letters")
            self._stems.setdefault(stem[:MIN_STEM], []).append((stem, value))
            return
        self._exact.setdefault(tokens[0], []).append((tuple(tokens[1:]), prefix, value))

    def starts(self, token: str) -> bool:
        """Whether some phrase may start with `token` (a dict lookup, before match_at)."""
        return token in self._exact or (bool(self._stems) and token[:MIN_STEM] in self._stems)

    def _candidates(self, tokens: Sequence[str], lo: int, hi: int) -> list[int]:
        # Most tokens start no phrase: filter them with set lookups before any Python call.
        exact, stems = self._exact, self._stems
        if not stems:
            return [i for i in range(lo, hi) if tokens[i] in exact]
        return [i for i in range(lo, hi) if tokens[i] in exact or tokens[i][:MIN_STEM] in stems]

    def match_at(self, tokens: Sequence[str], i: int, hi: int) -> tuple[int, V] | None:
        """The longest phrase starting at token `i` (ending before `hi`): (end, value)."""
        token = tokens[i]
        for rest, prefix, value in self._exact.get(token, ()):
            end = i + 1 + len(rest)
            if end > hi:
                continue
            if not rest:
                return end, value
            if not prefix:  # slices compare in C: this runs for every candidate token
                if tuple(tokens[i + 1 : end]) == rest:
                    return end, value
            elif tuple(tokens[i + 1 : end - 1]) == rest[:-1] and tokens[end - 1].startswith(
                rest[-1]
            ):
                return end, value
        for stem, value in self._stems.get(token[:MIN_STEM], ()):
            if token.startswith(stem):
                return i + 1, value
        return None

    def find(self, tokens: Sequence[str], lo: int, hi: int) -> list[tuple[int, int, V]]:
        """Non-overlapping occurrences in tokens[lo:hi], left to right, longest first."""
        out: list[tuple[int, int, V]] = []
        after = lo  # phrases do not overlap: skip starts inside the last one found
        for i in self._candidates(tokens, lo, hi):
            if i < after:
                continue
            hit = self.match_at(tokens, i, hi)
            if hit is not None:
                out.append((i, hit[0], hit[1]))
                after = hit[0]
        return out

    def ends_at(self, tokens: Sequence[str], end: int, lo: int, reach: int = 4) -> bool:
        """Whether some phrase ends exactly at `end` (starting at or after `lo`)."""
        return any(
            (hit := self.match_at(tokens, start, end)) is not None and hit[0] == end
            for start in self._candidates(tokens, max(lo, end - reach), end)
        )

    def within(self, tokens: Sequence[str], lo: int, hi: int) -> bool:
        """Whether any phrase occurs in tokens[lo:hi]."""
        return any(
            self.match_at(tokens, i, hi) is not None for i in self._candidates(tokens, lo, hi)
        )


@dataclass(frozen=True)
class Roles:
    """Words around a name that tell whether it acts, is aimed at, or is only mentioned."""

    target_before: PhraseTable[bool]
    reason_before: PhraseTable[bool]
    agent_before: PhraseTable[bool]
    agent_after_participle: frozenset[str]
    attribution: PhraseTable[bool]
    government_nouns: PhraseTable[bool]
    target_nouns: PhraseTable[bool]
    private_nouns: PhraseTable[bool]
    location_before: PhraseTable[bool]
    votes: PhraseTable[bool]
    measure_nouns: PhraseTable[bool]
    sanctioned_states: frozenset[str]  # codes: 'Iran sanctions' are sanctions on Iran
    participle_endings: tuple[str, ...]
    joiners: frozenset[str]  # words that join names into one subject ('and', 'alongside')
    coordinators: frozenset[str]  # 'and' before a second verb of the same subject
    articles: frozenset[str]  # skipped between a preposition and a name
    object_markers: frozenset[str]  # Persian 'را' marks the object
    object_phrase_breaks: frozenset[str]  # words that end the phrase 'را' marks
    auxiliaries_first: frozenset[str]  # German auxiliaries before a final participle
    noun_like: frozenset[str]  # act verbs that are as often nouns ('list', 'ban', 'target')


@dataclass(frozen=True)
class Lexicon:
    """Every word list of the act layer, compiled."""

    months: PhraseTable[int]
    ambiguous_months: frozenset[str]
    month_before: frozenset[str]
    year_words: frozenset[str]
    weekdays: PhraseTable[bool]
    anchors: PhraseTable[bool]
    past: PhraseTable[bool]
    recap: PhraseTable[bool]
    headings: frozenset[tuple[str, ...]]
    since: PhraseTable[bool]
    until: PhraseTable[bool]
    events: PhraseTable[bool]
    verbs: PhraseTable[bool]
    verb_words: tuple[str, ...]  # the entries `verbs` was built from
    measures: PhraseTable[bool]
    participle_endings: tuple[str, ...]  # longest first
    pluperfect: frozenset[str]
    pluperfect_after: frozenset[str]  # Persian: the auxiliary follows the verb
    triggers: PhraseTable[bool]  # 'came two days after', 'nachdem': what follows is context
    relatives: frozenset[str]  # 'the package, which the EU approved': a described measure
    modals: PhraseTable[bool]
    threats: PhraseTable[bool]
    courts: PhraseTable[bool]
    rulings: PhraseTable[bool]
    opinion_titles: PhraseTable[bool]
    commentary_titles: PhraseTable[bool]
    guide_titles: PhraseTable[bool]  # anywhere in a title: 'how to', 'what you need to know'?
    commentary_phrases: PhraseTable[bool]
    calls: PhraseTable[bool]
    roles: Roles
    actor_names: tuple[tuple[str, str], ...]  # (phrase or '@body:ID', actor code)


_ROLE_LISTS = (
    "target_before", "reason_before", "agent_before", "attribution",
    "government_nouns", "target_nouns", "private_nouns", "location_before", "votes",
)  # fmt: skip


def load_lexicon(data_dir: Path | None = None) -> Lexicon:
    """Read acts.yaml (bundled, or from `data_dir`) and compile its tables."""
    if data_dir is not None:
        text = (data_dir / "acts.yaml").read_text(encoding="utf-8")
    else:
        text = resources.files("bot.matching").joinpath("data", "acts.yaml").read_text("utf-8")
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(raw, dict):
        raise ConfigError("acts.yaml: expected a mapping of word lists")
    return _compile(raw)


def _compile(raw: Mapping[str, Any]) -> Lexicon:
    roles = _section(raw, "roles")
    return Lexicon(
        months=PhraseTable(
            (name, int(month)) for month, names in _section(raw, "months").items() for name in names
        ),
        ambiguous_months=_singles(_list(raw, "ambiguous_months")),
        month_before=_singles(_list(raw, "month_before")),
        year_words=_singles(_list(raw, "year_words")),
        weekdays=_table(_list(raw, "weekdays")),
        anchors=_table(_list(raw, "anchors")),
        past=_table(_list(raw, "past_markers")),
        recap=_table(_list(raw, "recap_openers")),
        headings=frozenset(words(h) for h in _list(raw, "background_headings")),
        since=_table(_list(raw, "since_words")),
        until=_table(_list(raw, "until_words")),
        events=_table(_list(raw, "events")),
        verbs=_table(_list(raw, "act_verbs")),
        verb_words=tuple(_list(raw, "act_verbs")),
        measures=_table(_list(raw, "measure_nouns")),
        participle_endings=_endings(raw),
        pluperfect=_singles(_list(raw, "pluperfect")),
        pluperfect_after=_singles(_list(raw, "pluperfect_after")),
        triggers=_table(_list(raw, "trigger_clauses")),
        relatives=_singles(_list(raw, "relatives")),
        modals=_table(_list(raw, "modals")),
        threats=_table(_list(raw, "threats")),
        courts=_table(_list(raw, "court_words")),
        rulings=_table(_list(raw, "rulings")),
        opinion_titles=_table(_list(raw, "opinion_titles")),
        commentary_titles=_table(_list(raw, "commentary_titles")),
        guide_titles=_table(_list(raw, "guide_titles")),
        commentary_phrases=_table(_list(raw, "commentary_phrases")),
        calls=_table(_list(raw, "call_words")),
        roles=Roles(
            **{name: _table(_list(roles, name)) for name in _ROLE_LISTS},
            measure_nouns=_table(_list(raw, "measure_nouns")),
            sanctioned_states=frozenset(_list(roles, "sanctioned_states")),
            participle_endings=_endings(raw),
            joiners=_singles(_list(roles, "joiners")),
            coordinators=_singles(_list(roles, "coordinators")),
            articles=_singles(_list(roles, "articles")),
            object_markers=_singles(_list(roles, "object_markers")),
            object_phrase_breaks=_singles(_list(roles, "object_phrase_breaks")),
            auxiliaries_first=_singles(_list(roles, "auxiliaries_first")),
            noun_like=_singles(_list(roles, "noun_like")),
            agent_after_participle=_singles(_list(roles, "agent_after_participle")),
        ),
        actor_names=tuple(
            (str(name), str(code))
            for code, names in _section(raw, "actor_names").items()
            for name in names
        ),
    )


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"acts.yaml: {key} must be a mapping")
    return value


def _list(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad = [v for v in value if not isinstance(v, str)] if isinstance(value, list) else value
        raise ConfigError(f"acts.yaml: {key} must be a list of words (quote {bad!r})")
    return value


def _table(items: Iterable[str]) -> PhraseTable[bool]:
    return PhraseTable((item, True) for item in items)


def _endings(raw: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(_list(raw, "participle_endings"), key=len, reverse=True))


def _singles(items: Iterable[str]) -> frozenset[str]:
    return frozenset(w for item in items for w in words(item))
