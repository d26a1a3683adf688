"""One document read once: tokens of each field with their sentence and paragraph."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from operator import add

from bot.matching.text import paragraph_spans, sentence_spans, token_spans
from bot.models import Document, Field

FIELDS: tuple[Field, ...] = ("title", "text")


@dataclass(frozen=True)
class FieldText:
    """A field's tokens (normalised) with original offsets and their sentence/paragraph."""

    field: Field
    original: str
    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    sentences: tuple[tuple[int, int], ...]  # original character spans
    sentence_tokens: tuple[tuple[int, int], ...]  # token range [lo, hi) per sentence
    paragraph_tokens: tuple[tuple[int, int], ...]

    # Built on first use: deciding which rules fire does not need them (see plan.Layout).
    @cached_property
    def sentence_of(self) -> tuple[int, ...]:
        """Token index -> sentence index within the field."""
        return _owners(self.sentence_tokens, len(self.tokens))

    @cached_property
    def paragraph_of(self) -> tuple[int, ...]:
        """Token index -> paragraph index within the field."""
        return _owners(self.paragraph_tokens, len(self.tokens))


def analyze_field(field: Field, text: str) -> FieldText:
    """Tokenise and segment one field; the title is a single sentence and paragraph."""
    tokens, starts, ends = token_spans(text)
    if field == "title":
        sentences = [(0, len(text))] if text.strip() else []
        paragraphs = list(sentences)
    else:
        paragraphs = paragraph_spans(text)
        sentences = [s for p in paragraphs for s in sentence_spans(text, p[0], p[1])]
    sentence_tokens = _token_ranges(starts, sentences)
    paragraph_tokens = _token_ranges(starts, paragraphs)
    return FieldText(
        field=field,
        original=text,
        tokens=tuple(tokens),
        starts=tuple(starts),
        ends=tuple(ends),
        sentences=tuple(sentences),
        sentence_tokens=sentence_tokens,
        paragraph_tokens=paragraph_tokens,
    )


def _token_ranges(starts: list[int], spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Token range [lo, hi) of each character span (spans sorted and disjoint)."""
    return tuple((bisect_left(starts, a), bisect_left(starts, b)) for a, b in spans)


def _owners(ranges: tuple[tuple[int, int], ...], count: int) -> tuple[int, ...]:
    """Each token's unit; a token outside every unit (cannot happen for word characters)
    belongs to the unit before it."""
    owner = [-1] * count
    for unit, (lo, hi) in enumerate(ranges):
        owner[lo:hi] = [unit] * (hi - lo)
    if -1 not in owner:
        return tuple(owner)  # the usual case: every token is in a unit
    last = 0
    for i, unit in enumerate(owner):
        if unit < 0:
            owner[i] = last
        else:
            last = unit
    return tuple(owner)


@dataclass(frozen=True)
class Analyzed:
    """Both fields of a document, analysed."""

    doc: Document
    fields: dict[Field, FieldText]

    def stream(self) -> tuple[str, list[int], int]:
        """One string ' tok tok \n tok ' over both fields, the offset of the space before
        each token (title tokens, then text tokens) and the number of title tokens, to map
        automaton hits back to tokens."""
        pieces: list[str] = []
        spaces: list[int] = []
        offset = 0
        for name in FIELDS:
            tokens = self.fields[name].tokens
            # The line break keeps phrases from running from the title into the text.
            piece = " " + " ".join(tokens) + " \n" if tokens else " \n"
            # Token i's space sits after i earlier spaces and the earlier tokens' letters.
            letters = accumulate(map(len, tokens), initial=0)
            spaces.extend(map(add, letters, range(offset, offset + len(tokens))))
            pieces.append(piece)
            offset += len(piece)
        return "".join(pieces), spaces, len(self.fields["title"].tokens)


def analyze(doc: Document) -> Analyzed:
    """Read a document once: both fields tokenised and segmented."""
    return Analyzed(doc, {name: analyze_field(name, getattr(doc, name) or "") for name in FIELDS})
