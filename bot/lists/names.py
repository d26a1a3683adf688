"""Name watching across spellings and scripts: `@name:"Lukashenko"` finds Lukashenka too.

Libraries, not rules of our own: anyascii brings any script to ASCII (ЛУКАШЭНКА ->
LUKAShENKA), jellyfish's NYSIIS and Metaphone codes and Jaro-Winkler similarity
absorb the vowel and digraph differences between romanisations (Lukashenko,
Lukashenka, Łukaszenka, Lukašenka all code to LACASANC), rapidfuzz finds close
spellings in the vocabulary of every listed name quickly, and cyrtranslit writes a
Latin query in Cyrillic for the news that use that script.

The automaton matches literal spellings, so a query expands into the spellings the
lists themselves carry for the entries whose names match it (every list gives a
person's names in several romanisations and scripts), plus the query's own forms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import cyrtranslit
import jellyfish
from anyascii import anyascii
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from bot.lists.model import ListedEntity
from bot.matching.text import fold
from bot.models import EntityResolver, ListedMention

_TOKEN = re.compile(r"\w+")
MAX_VARIANTS = 60
MIN_MENTION_CHARS = 8  # a listed name shorter than this is too common to cross-link


def tokens(text: str) -> list[str]:
    """Lower-case ASCII word tokens of a name in any script."""
    return _TOKEN.findall(anyascii(text).lower())


@lru_cache(maxsize=65536)
def _codes(token: str) -> tuple[str, str]:
    return jellyfish.nysiis(token), jellyfish.metaphone(token)


def token_match(query: str, candidate: str, *, strict: bool = True) -> bool:
    """Whether two ASCII name tokens are spellings of one name part."""
    if query == candidate:
        return True
    if len(query) <= 2 or len(candidate) <= 2:
        return not strict and query[:1] == candidate[:1]
    if fuzz.ratio(query, candidate) >= 88:
        return True
    similarity = JaroWinkler.similarity(query, candidate)
    q_nysiis, q_meta = _codes(query)
    c_nysiis, c_meta = _codes(candidate)
    if q_nysiis == c_nysiis and similarity >= 0.8:
        return True
    if q_meta == c_meta and similarity >= (0.85 if strict else 0.75):
        return True
    return not strict and similarity >= 0.8


def name_match(query: str, name: str) -> list[int] | None:
    """Positions of the name's tokens that spell the query's, or None when it does not."""
    wanted = tokens(query)
    have = tokens(name)
    if not wanted or len(wanted) > len(have):
        return None
    longest = max(range(len(wanted)), key=lambda i: len(wanted[i]))
    used: list[int] = []
    for index, token in enumerate(wanted):
        strict = index == longest
        found = next(
            (
                j
                for j, cand in enumerate(have)
                if j not in used and token_match(token, cand, strict=strict)
            ),
            None,
        )
        if found is None:
            return None
        used.append(found)
    return used


def own_forms(query: str) -> list[str]:
    """The query as written, in ASCII, and (for Latin queries) in Cyrillic."""
    forms = [query]
    ascii_form = anyascii(query)
    if ascii_form != query:
        forms.append(ascii_form)
    elif query.isascii():
        cyrillic = cyrtranslit.to_cyrillic(query, "ru")
        if not re.search(r"[A-Za-z]", cyrillic):
            forms.append(cyrillic)  # only when every letter found a Cyrillic one
    return forms


@dataclass(frozen=True)
class _Listed:
    label: str  # list label
    names: tuple[str, ...]


class NameIndex:
    """Every name of every entry currently listed, searchable by spelling."""

    def __init__(self, entries: Iterable[tuple[str, ListedEntity]] = ()) -> None:
        self._entries: list[_Listed] = []
        by_token: dict[str, set[int]] = defaultdict(set)
        by_code: dict[str, set[str]] = defaultdict(set)
        for label, entity in entries:
            names = tuple(dict.fromkeys(n.value for n in entity.names))
            index = len(self._entries)
            self._entries.append(_Listed(label, names))
            for name in names:
                for token in tokens(name):
                    by_token[token].add(index)
                    if len(token) > 2:
                        by_code[_codes(token)[0]].add(token)
        self._by_token = dict(by_token)
        self._by_code = dict(by_code)
        self._vocabulary = list(self._by_token)
        self._automaton: ahocorasick.Automaton | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def candidates(self, token: str) -> set[int]:
        """Entries with a name token close to `token` (phonetic bucket + close spellings)."""
        close = set(self._by_code.get(_codes(token)[0], ())) if len(token) > 2 else set()
        if len(token) > 2 and self._vocabulary:
            found = process.extract(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=88, limit=50
            )
            close.update(str(f[0]) for f in found)
        close.add(token)
        return {i for t in close for i in self._by_token.get(t, ())}

    def variants(self, query: str) -> tuple[str, ...]:
        """The query's spellings: its own forms plus what the lists write for matching names."""
        found = dict.fromkeys(own_forms(query))
        wanted = tokens(query)
        if wanted and self._entries:
            longest = max(wanted, key=len)
            for index in sorted(self.candidates(longest)):
                for name in self._entries[index].names:
                    for variant in _spans(query, name):
                        found.setdefault(variant)
                if len(found) >= MAX_VARIANTS:
                    break
        return tuple(found)[:MAX_VARIANTS]

    def mentions(self, text: str) -> list[ListedMention]:
        """Listed entries whose full name (of 2+ words, 8+ letters) the text contains."""
        automaton = self._build_automaton()
        if automaton is None:
            return []
        folded = fold(text)
        hits: dict[str, set[str]] = {}
        for end, (key, indexes) in automaton.iter(folded):
            start = end - len(key) + 1
            before = folded[start - 1] if start > 0 else " "
            after = folded[end + 1] if end + 1 < len(folded) else " "
            if before.isalnum() or after.isalnum():
                continue  # inside a longer word
            for index in indexes:
                entry = self._entries[index]
                hits.setdefault(entry.names[0], set()).add(entry.label)
        return [ListedMention(name, tuple(sorted(labels))) for name, labels in sorted(hits.items())]

    def _build_automaton(self) -> ahocorasick.Automaton | None:
        if self._automaton is None and self._entries:
            owners: dict[str, set[int]] = defaultdict(set)
            for index, entry in enumerate(self._entries):
                for name in entry.names:
                    for key in _mention_keys(name):
                        owners[key].add(index)  # several entries (lists) share a spelling
            if owners:
                automaton = ahocorasick.Automaton()
                for key, indexes in owners.items():
                    automaton.add_word(key, (key, tuple(sorted(indexes))))
                automaton.make_automaton()
                self._automaton = automaton
        return self._automaton


def _mention_keys(name: str) -> list[str]:
    """Folded forms of a name as prose writes it: 'LAST, First Middle' -> 'first last'."""
    last, comma, given = name.partition(",")
    if comma:
        surname = _TOKEN.findall(fold(last))
        first = _TOKEN.findall(fold(given))[:1]
        if not surname or not first:
            return []
        keys = [" ".join([*first, *surname]), " ".join([*surname, *first])]
    else:
        keys = [" ".join(_TOKEN.findall(fold(name)))]
    return [k for k in keys if len(k) >= MIN_MENTION_CHARS and " " in k]


def _spans(query: str, name: str) -> list[str]:
    """The parts of `name` that spell the query, as written, in both name orders."""
    positions = name_match(query, name)
    if positions is None:
        return []
    words = _TOKEN.findall(name)
    picked = [words[p] for p in sorted(positions) if p < len(words)]
    if not picked:
        return []
    spans = [" ".join(picked)]
    if len(picked) > 1:
        spans.append(" ".join(reversed(picked)))
    return spans


class ListResolver:
    """The gazetteer plus `@name` (spellings from the lists) and `@program` (list codes)."""

    def __init__(self, base: EntityResolver, index: Callable[[], NameIndex] | None = None) -> None:
        self.base = base
        self._load = index
        self._index: NameIndex | None = None
        self._cache: dict[str, tuple[str, ...]] = {}

    def use_index(self, load: Callable[[], NameIndex]) -> None:
        """Where the name index comes from (the store's listed entries)."""
        self._load = load
        self.refresh()

    def refresh(self) -> None:
        """Forget the index and the expansions: a list changed."""
        self._index = None
        self._cache.clear()

    def rebuild(self, index: NameIndex) -> None:
        """Use this index from now on (built by the caller, inside its transaction)."""
        self._index = index
        self._cache.clear()

    def index(self) -> NameIndex:
        """The current index (built on first use after a refresh)."""
        if self._index is None:
            self._index = self._load() if self._load is not None else NameIndex()
        return self._index

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        """Surface forms of `@kind:code`; KeyError for unknown kinds and codes."""
        if kind == "name":
            if not tokens(code):
                raise KeyError("a name needs letters")
            if code not in self._cache:
                self._cache[code] = self.index().variants(code)
            return self._cache[code]
        if kind == "program":
            return (code,)
        return self.base.names(kind, code)

    def country_names(self) -> Mapping[str, tuple[str, ...]]:
        """ISO2 -> names, from the gazetteer."""
        return self.base.country_names()

    def exclusions(self, kind: str, code: str) -> tuple[str, ...]:
        """The gazetteer's deny phrases (none for names and programmes)."""
        if kind in ("name", "program"):
            return ()
        exclusions = getattr(self.base, "exclusions", None)
        return tuple(exclusions(kind, code)) if callable(exclusions) else ()

    def __getattr__(self, attr: str) -> object:
        # kinds(), codes(), display_name()... of the gazetteer stay reachable.
        return getattr(self.base, attr)
