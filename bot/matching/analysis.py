"""One document read once: tokens of each field with their sentence and paragraph."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from bot.matching.text import paragraph_spans, sentence_spans, tokenize
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
    sentence_of: tuple[int, ...]  # token index -> sentence index within the field
    paragraph_of: tuple[int, ...]
    sentences: tuple[tuple[int, int], ...]  # original character spans
    sentence_tokens: tuple[tuple[int, int], ...]  # token range [lo, hi) per sentence
    paragraph_tokens: tuple[tuple[int, int], ...]


def analyze_field(field: Field, text: str) -> FieldText:
    """Tokenise and segment one field; the title is a single sentence and paragraph."""
    tokens = tokenize(text)
    starts = tuple(t.start for t in tokens)
    if field == "title":
        sentences = [(0, len(text))] if text.strip() else []
        paragraphs = list(sentences)
    else:
        paragraphs = paragraph_spans(text)
        sentences = [s for p in paragraphs for s in sentence_spans(text, p[0], p[1])]
    sentence_of = _assign(starts, sentences)
    paragraph_of = _assign(starts, paragraphs)
    return FieldText(
        field=field,
        original=text,
        tokens=tuple(t.text for t in tokens),
        starts=starts,
        ends=tuple(t.end for t in tokens),
        sentence_of=sentence_of,
        paragraph_of=paragraph_of,
        sentences=tuple(sentences),
        sentence_tokens=_ranges(sentence_of, len(sentences)),
        paragraph_tokens=_ranges(paragraph_of, len(paragraphs)),
    )


def _assign(starts: tuple[int, ...], spans: list[tuple[int, int]]) -> tuple[int, ...]:
    """For each token start, the index of the span containing it (spans are sorted)."""
    if not spans:
        return tuple(0 for _ in starts)
    span_starts = [s for s, _ in spans]
    # A token that starts in a gap (cannot happen for word chars) goes to the span before.
    return tuple(max(bisect_right(span_starts, pos) - 1, 0) for pos in starts)


def _ranges(owner: tuple[int, ...], count: int) -> tuple[tuple[int, int], ...]:
    """Token range [lo, hi) of each unit, given each token's unit (non-decreasing)."""
    lo = [0] * count
    hi = [0] * count
    seen = [False] * count
    for i, unit in enumerate(owner):
        if not seen[unit]:
            seen[unit] = True
            lo[unit] = i
        hi[unit] = i + 1
    return tuple(zip(lo, hi, strict=True))


@dataclass(frozen=True)
class Analyzed:
    """Both fields of a document, analysed."""

    doc: Document
    fields: dict[Field, FieldText]

    def stream(self) -> tuple[str, dict[int, tuple[Field, int]]]:
        """One string ' tok tok \\n tok ' over both fields; the space before each token -> token."""
        parts: list[str] = []
        owners: dict[int, tuple[Field, int]] = {}
        pos = 0
        for name in FIELDS:
            for i, tok in enumerate(self.fields[name].tokens):
                owners[pos] = (name, i)
                parts.append(" ")
                parts.append(tok)
                pos += 1 + len(tok)
            # The line break keeps phrases from running from the title into the text.
            parts.append(" \n")
            pos += 2
        return "".join(parts), owners


def analyze(doc: Document) -> Analyzed:
    """Read a document once: both fields tokenised and segmented."""
    return Analyzed(doc, {name: analyze_field(name, getattr(doc, name) or "") for name in FIELDS})
