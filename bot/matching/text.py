"""Text normalisation with offsets back to the original, word tokens, sentences, paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

_WORD = re.compile(r"\w+")
_WORD_SPLIT = re.compile(r"(\w+)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PARAGRAPH_BREAK = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
# A sentence may end after ., ! ? or … optionally followed by closing quotes/brackets.
_OPENERS = "\"'“‘«([¿¡"
# The lookahead also captures the gap to the next sentence's first character: the
# whitespace, then any opening quotes or brackets (\s is str.isspace()). The second
# lookahead is a period glued to the next sentence ("journalists.Announcing", a lost
# space in scraped text): its gap is empty and _is_boundary vets it. One pattern that
# starts with a character class: the regex engine skips to those characters in C.
_TERMINATOR = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=(\s+[" + re.escape(_OPENERS) + r"]*)|()[^\W\d_])")
# Words that end with a period without ending the sentence ("No. 5", "Res. 2653", "Mr. Smith").
_ABBREVIATION_WORDS = """
    mr mrs ms dr prof st sr jr no nos nr art arts para paras res doc docs vol vols p pp
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    gen col lt maj capt cpt sgt adm gov sen rep pres amb rev hon messrs mme mlle
    inc ltd co corp plc llc bros dept est approx fig figs cf vs v etc al ed eds
    e.g i.e u.s u.k u.n e.u a.m p.m ca op cit ibid viz
"""
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# Words before a German ordinal ('das 17. Sanktionspaket'); Polish, Czech and Slovak
# ordinals are followed by a lower-case word and need no list.
_ORDINAL_BEFORE = frozenset(
    [
        "das",
        "der",
        "die",
        "den",
        "dem",
        "des",
        "am",
        "im",
        "zum",
        "zur",
        "vom",
        "beim",
        "ab",
        "bis",
        "seit",
        "ihr",
        "ihres",
        "sein",
        "seines",
        "ein",
        "einem",
    ]
)


class _FoldTable(dict[int, str]):
    """Lazily computed per-character fold: NFKC, casefold, accents and format chars dropped."""

    def __missing__(self, code: int) -> str:
        folded = unicodedata.normalize("NFKC", chr(code)).casefold()
        decomposed = unicodedata.normalize("NFKD", folded)
        # Marks (accents, combining signs) and format characters (soft hyphen, ZWJ, bidi
        # controls) carry no letters: dropping them makes "Bélarus"/"sanc\xadtions" match.
        kept = "".join(c for c in decomposed if unicodedata.category(c)[0] != "M")
        kept = "".join(c for c in kept if unicodedata.category(c) != "Cf")
        result = unicodedata.normalize("NFC", kept)
        self[code] = result
        return result


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Normalise text for matching: NFKC, casefold, accents and format characters removed."""
    if text.isascii():
        return text.lower()
    # Only the non-ASCII runs need the table; lower() on folded output changes nothing
    # but ASCII letters, and never a length (no folded character expands under lower()).
    return _NON_ASCII.sub(_fold_run, text).lower()


def _fold_run(run: re.Match[str]) -> str:
    return run.group().translate(_TABLE)


@dataclass(frozen=True)
class Normalized:
    """Normalised text with, for each of its characters, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None: identity map (every char folded to exactly one)
    ends: tuple[int, ...] | None

    def start(self, index: int) -> int:
        """Original offset where normalised character `index` starts."""
        if self.starts is None:
            return index
        return self.starts[index] if index < len(self.starts) else len(self.original)

    def end(self, index: int) -> int:
        """Original offset just after normalised character `index`."""
        if self.ends is None:
            return index + 1
        return self.ends[index]


def normalize(text: str) -> Normalized:
    """Fold `text` and keep the map from normalised offsets back to original ones."""
    folded = fold(text)
    if text.isascii() or all(len(_TABLE[ord(c)]) == 1 for c in set(text)):
        return Normalized(text, folded, None, None)
    starts: list[int] = []
    for i, ch in enumerate(text):
        starts.extend([i] * len(_TABLE[ord(ch)]))
    # A character ends where the next produced character's source begins, so dropped
    # characters (combining accents) stay attached to the letter before them.
    ends = [len(text)] * len(starts)
    for j in range(len(starts) - 2, -1, -1):
        ends[j] = starts[j + 1] if starts[j + 1] != starts[j] else ends[j + 1]
    return Normalized(text, folded, tuple(starts), tuple(ends))


@dataclass(frozen=True)
class Token:
    """One word: its normalised form and its original character span."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Word tokens on Unicode word boundaries, normalised, with original offsets."""
    texts, starts, ends = token_spans(text)
    return [Token(t, a, b) for t, a, b in zip(texts, starts, ends, strict=True)]


def token_spans(text: str) -> tuple[list[str], list[int], list[int]]:
    """Normalised tokens with their original start and end offsets, as parallel lists."""
    norm = normalize(text)
    # split() alternates separators and words; the running sum of piece lengths gives
    # every word's offsets without a Python-level step per match.
    pieces = _WORD_SPLIT.split(norm.text)
    offsets = list(accumulate(map(len, pieces), initial=0))
    texts, starts, ends = pieces[1::2], offsets[1:-1:2], offsets[2::2]
    if norm.starts is None:  # identity map: the common case, kept fast
        return texts, starts, ends
    return texts, [norm.start(i) for i in starts], [norm.end(i - 1) for i in ends]


def words(text: str) -> tuple[str, ...]:
    """The normalised word tokens of `text` (no offsets): how query terms are read."""
    return tuple(_WORD.findall(fold(text)))


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs as (start, end) offsets: text between line breaks, blank ones skipped."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        _add_trimmed(text, pos, m.start(), spans)
        pos = m.end()
    _add_trimmed(text, pos, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    kept = piece.strip()  # str.strip() removes exactly the str.isspace() characters
    if kept:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(kept)))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as offsets into `text`, surviving abbreviations."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _TERMINATOR.finditer(text, start, stop):
        gap = m.group(1)
        if gap is None:  # glued: 'journalists.Announcing' (a single period, no gap)
            ends = m.end() == m.start() + 1 and _is_glued_boundary(text, m.start(), stop)
        else:
            ends = _is_boundary(text, m.start(), m.end() + len(gap), stop)
        if ends:
            # _add_trimmed, inlined: this runs for every sentence of every document.
            piece = text[pos : m.end()]
            kept = piece.strip()
            if kept:
                lead = pos + len(piece) - len(piece.lstrip())
                spans.append((lead, lead + len(kept)))
            pos = m.end()
    _add_trimmed(text, pos, stop, spans)
    return spans


def _is_boundary(text: str, mark: int, nxt: int, stop: int) -> bool:
    """Whether the terminator at `mark` ends a sentence; `nxt` is where the next one would start."""
    if nxt >= stop:
        return False
    if text[nxt].islower():
        return False  # "e.g. the", "he said? no"
    if text[mark] != "." or text[mark : mark + 2] == "..":
        return True
    return not _is_abbreviation(text, mark)


def _is_glued_boundary(text: str, period: int, stop: int) -> bool:
    """'journalists.Announcing': a lower-case word, a period, a capitalised word.

    Not 'example.com/News', 'name@mail.Org', 'U.S.Treasury', 'St.Petersburg', 'e.g.The'."""
    nxt = period + 1
    if period < 2 or text[period] != "." or nxt >= stop:
        return False
    if not (text[period - 1].islower() and text[period - 2].islower()):
        return False
    if not (text[nxt].isupper() and nxt + 1 < stop and text[nxt + 1].islower()):
        return False
    run_start = text.rfind(" ", 0, period) + 1
    run_end = text.find(" ", nxt)
    run = text[run_start : run_end if run_end >= 0 else len(text)]
    if "/" in run or "@" in run or "www" in run.casefold():
        return False
    return not _is_abbreviation(text, period)


def _is_abbreviation(text: str, period: int) -> bool:
    # The run of non-space characters before the period: the last whitespace-separated
    # piece after the last plain space (found in C rather than character by character).
    before = text[text.rfind(" ", 0, period) + 1 : period]
    run = "" if not before or before[-1].isspace() else before.rsplit(None, 1)[-1]
    written = run.lstrip(_OPENERS)
    if len(written) == 1 and written.isupper():
        return True  # an initial: "J. Smith"
    word = written.casefold()
    if not word:
        return False
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # dotted abbreviation: "U.S.", "e.g."
    if word.isdigit() and len(word) <= 3:
        return _ordinal(text, period - len(run))
    return word in ABBREVIATIONS


def _ordinal(text: str, start: int) -> bool:
    """'das 17. Sanktionspaket', 'am 24. Februar': a German ordinal after an article."""
    previous = text[: max(start - 1, 0)].rsplit(None, 1)
    return bool(previous) and previous[-1].casefold() in _ORDINAL_BEFORE
