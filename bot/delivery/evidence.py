"""The sentences of a match as a reader wants them: the lead, the rest in reading order, context.

A match's summary is its sentences joined lead first (`bot.matching.summary`), with
highlight offsets into the joined text. Here it is taken apart again: the lead stays
first, the other sentences follow in the order the article has them, and the detailed
view adds the article's sentences around them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.matching.text import sentence_spans

ELLIPSIS = "…"
CONTEXT_LIMIT = 1400  # characters of context in the detailed view
_WORD_RUN = re.compile(r"\w(?:[\w'’\-.]*\w)?(?:\s+\w(?:[\w'’\-.]*\w)?)*", re.UNICODE)

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Sentence:
    """One sentence with its highlighted spans (offsets into `text`)."""

    text: str
    spans: Spans = ()
    position: int = -1  # where it starts in the article text; -1 when not found


def split_summary(summary: str, highlights: Sequence[tuple[int, int]]) -> list[Sentence]:
    """The summary's sentences, lead first, each with its own highlights."""
    out = []
    for start, end in sentence_spans(summary) or [(0, len(summary))]:
        spans = tuple(
            (max(a, start) - start, min(b, end) - start)
            for a, b in highlights
            if min(b, end) > max(a, start)
        )
        out.append(Sentence(summary[start:end], spans))
    return [s for s in out if s.text.strip()]


def locate(sentences: Sequence[Sentence], article: str) -> list[Sentence]:
    """The sentences with their position in the article (as far as they can be found)."""
    located = []
    for s in sentences:
        core = s.text.strip().strip(ELLIPSIS).strip()
        position = article.find(core[:120]) if core else -1
        located.append(Sentence(s.text, s.spans, position))
    return located


def reading_order(sentences: Sequence[Sentence]) -> list[Sentence]:
    """Sentences in the article's order; those that were not found keep their place at the end."""
    found = sorted((s for s in sentences if s.position >= 0), key=lambda s: s.position)
    return found + [s for s in sentences if s.position < 0]


def context(
    article: str, evidence: Sequence[Sentence], limit: int = CONTEXT_LIMIT
) -> list[Sentence]:
    """The evidence sentences and their neighbours in the article, in reading order.

    A gap between two shown sentences is marked by a sentence that is just '…'.
    """
    spans = sentence_spans(article)
    if not spans:
        return list(evidence)
    by_start = {s.position: s for s in evidence if s.position >= 0}
    chosen: set[int] = set()
    for index, (start, end) in enumerate(spans):
        if any(start <= p < end for p in by_start):
            chosen.update({index - 1, index, index + 1})
    out: list[Sentence] = []
    used = 0
    previous = None
    for index in sorted(i for i in chosen if 0 <= i < len(spans)):
        start, end = spans[index]
        own = next((s for p, s in by_start.items() if start <= p < end), None)
        sentence = own or Sentence(article[start:end], (), start)
        if used + len(sentence.text) > limit and out:
            break
        if previous is not None and index != previous + 1:
            out.append(Sentence(ELLIPSIS))
        out.append(sentence)
        used += len(sentence.text)
        previous = index
    return out


def word_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The runs of words inside text[start:end], so bold never takes in brackets or quotes."""
    return [(start + m.start(), start + m.end()) for m in _WORD_RUN.finditer(text[start:end])]
