"""Time expressions in a sentence, and whether they date an act to now or to the past.

Read on normalised tokens (see text.py): '24 February 2025', 'February 24', 'в феврале
2022 года', 'w lutym', 'el 24 de febrero de 2025', '24.02.2025', 'in 2022', 'last March',
weekdays ('on Monday'), 'today', 'last year', 'already'. A calendar expression is resolved
against the reference date (the publication date) to the interval it names; 'February'
published in May is the last February, 'March 6' published on March 3 the year before.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.matching.lexicon import Lexicon

# An act dated more than this before publication is background, not news.
WINDOW = timedelta(days=14)
# Words before a year that make it the number of a legal act, not a date.
_LEGAL = frozenset(
    [
        "decision",
        "regulation",
        "resolution",
        "no",
        "nr",
        "number",
        "law",
        "decree",
        "directive",
        "order",
        "act",
        "article",
        "указ",
        "постановление",
        "постанова",
        "закон",
        "ustawa",
        "rozporządzenie",
        "verordnung",
        "beschluss",
        "décret",
        "règlement",
        "decreto",
        "reglamento",
        "قرار",
    ]
)
_CONNECTORS = frozenset(("de", "of", "del", "do", "da", "the"))
Kind = Literal["anchor", "past", "date"]
Role = Literal["act", "since", "until", "event"]


@dataclass(frozen=True)
class TimeMark:
    """One time expression: tokens [start, end) of the field."""

    start: int
    end: int
    kind: Kind  # anchor: now (today, on Monday); past: earlier (last year); date: calendar
    role: Role = "act"  # since/until a date, or the date of an event ('the 2022 invasion')
    first: date | None = None  # the interval a calendar expression names, when resolvable
    last: date | None = None
    precise: bool = False  # names a day (a full date, or day and month)


def time_marks(
    tokens: Sequence[str], lo: int, hi: int, lex: Lexicon, reference: date | None
) -> list[TimeMark]:
    """Every time expression in tokens[lo:hi], resolved against `reference` where it can be."""
    marks: list[TimeMark] = []
    taken: set[int] = set()
    for start, end, _ in lex.anchors.find(tokens, lo, hi):
        marks.append(TimeMark(start, end, "anchor"))
        taken.update(range(start, end))
    for start, end, _ in lex.weekdays.find(tokens, lo, hi):
        if start not in taken:
            marks.append(TimeMark(start, end, "anchor"))
            taken.update(range(start, end))
    for start, end, _ in lex.past.find(tokens, lo, hi):
        if start not in taken:
            marks.append(TimeMark(start, end, "past"))
            taken.update(range(start, end))
    # A calendar expression starts with a number or a month's name: test only those tokens.
    months = lex.months
    after = lo
    for i in range(lo, hi):
        token = tokens[i]
        if i < after or i in taken or not (token[:1].isdigit() or months.starts(token)):
            continue
        found = _calendar(tokens, i, hi, lex, reference)
        if found is not None:
            mark = _with_role(found, tokens, lo, lex)
            marks.append(mark)
            taken.update(range(mark.start, mark.end))
            after = mark.end
    marks.sort(key=lambda m: m.start)
    return marks


def _calendar(
    tokens: Sequence[str], i: int, hi: int, lex: Lexicon, ref: date | None
) -> TimeMark | None:
    """A calendar expression starting at token i."""
    day = _day(tokens[i])
    if day is not None and i + 1 < hi:
        j = i + 1
        while j < hi - 1 and tokens[j] in _CONNECTORS:
            j += 1  # '24 de febrero', '24th of February'
        month = lex.months.match_at(tokens, j, hi)
        if month is not None:  # 24 February [2025]
            end, m = month
            year, end = _year_after(tokens, end, hi, lex)
            return _dated(i, end, year, m, day, ref)
        numeric = _numeric(tokens, i, hi)
        if numeric is not None:
            return numeric
    month = lex.months.match_at(tokens, i, hi)
    if month is not None:
        end, m = month
        if end < hi and (day := _day(tokens[end])) is not None and _year(tokens[end]) is None:
            year, stop = _year_after(tokens, end + 1, hi, lex)  # February 24[, 2025]
            return _dated(i, stop, year, m, day, ref)
        year, stop = _year_after(tokens, end, hi, lex)
        if year is not None:  # February 2022, febrero de 2022
            return _month_mark(i, stop, year, m)
        if _month_alone(tokens, i, lex):  # in February, last March
            past = i > 0 and tokens[i - 1] in ("last", "прошлом", "минулого", "zeszłym", "ubiegłym")
            return _month_only(i, end, m, ref, past)
        return None
    year = _year(tokens[i])
    if year is not None and not _legal_number(tokens, i, hi):
        end = i + 1
        if end < hi and tokens[end] in lex.year_words:
            end += 1
        return TimeMark(i, end, "date", first=date(year, 1, 1), last=date(year, 12, 31))
    return None


def _with_role(mark: TimeMark, tokens: Sequence[str], lo: int, lex: Lexicon) -> TimeMark:
    """Since/until a date, or the date of an event named right before or after it."""
    start = mark.start
    if lex.since.ends_at(tokens, start, lo, 2):
        role: Role = "since"
    elif lex.until.ends_at(tokens, start, lo, 2):
        role = "until"
    elif lex.events.within(tokens, max(lo, start - 4), start) or (
        mark.end < len(tokens) and lex.events.match_at(tokens, mark.end, mark.end + 1)
    ):
        role = "event"
    else:
        return mark
    return TimeMark(mark.start, mark.end, mark.kind, role, mark.first, mark.last, mark.precise)


def _day(token: str) -> int | None:
    digits = token[:-2] if token[-2:] in ("st", "nd", "rd", "th") else token
    if digits.isdigit() and len(digits) <= 2 and 1 <= int(digits) <= 31:
        return int(digits)
    return None


def _year(token: str) -> int | None:
    if len(token) == 4 and token.isdigit() and 1990 <= int(token) <= 2039:
        return int(token)
    return None


def _year_after(tokens: Sequence[str], i: int, hi: int, lex: Lexicon) -> tuple[int | None, int]:
    """A year right after a month (skipping 'de', 'of'): (year, end) or (None, i)."""
    j = i
    while j < hi and tokens[j] in _CONNECTORS:
        j += 1
    if j < hi and (year := _year(tokens[j])) is not None:
        end = j + 1
        if end < hi and tokens[end] in lex.year_words:
            end += 1
        return year, end
    return None, i


def _numeric(tokens: Sequence[str], i: int, hi: int) -> TimeMark | None:
    """24.02.2025 (three number tokens) as a date."""
    if i + 2 >= hi:
        return None
    d, m, y = tokens[i], tokens[i + 1], tokens[i + 2]
    year = _year(y)
    if year is None or not (m.isdigit() and 1 <= int(m) <= 12 and len(m) <= 2):
        return None
    return _dated(i, i + 3, year, int(m), int(d), None)


def _legal_number(tokens: Sequence[str], i: int, hi: int) -> bool:
    """'Decision 2014/512', 'resolution 2231 (2015)': a year that is part of a number."""
    if i + 1 < hi and tokens[i + 1].isdigit():
        return True
    if i > 0 and tokens[i - 1] in _LEGAL:
        return True
    return i > 1 and tokens[i - 1].isdigit() and tokens[i - 2] in _LEGAL


def _month_alone(tokens: Sequence[str], i: int, lex: Lexicon) -> bool:
    return i > 0 and tokens[i - 1] in lex.month_before


def _dated(start: int, end: int, year: int | None, m: int, d: int, ref: date | None) -> TimeMark:
    if year is None:
        year = _year_for(m, d, ref)
    if year is None:
        return TimeMark(start, end, "date", precise=True)
    try:
        day = date(year, m, d)
    except ValueError:
        return TimeMark(start, end, "date")
    return TimeMark(start, end, "date", first=day, last=day, precise=True)


def _year_for(m: int, d: int, ref: date | None) -> int | None:
    """The year of 'March 6' seen on `ref`: this year, unless that is still ahead."""
    if ref is None:
        return None
    try:
        candidate = date(ref.year, m, d)
    except ValueError:
        return None
    return ref.year if candidate <= ref + timedelta(days=3) else ref.year - 1


def _month_mark(start: int, end: int, year: int, m: int) -> TimeMark:
    last = calendar.monthrange(year, m)[1]
    return TimeMark(start, end, "date", first=date(year, m, 1), last=date(year, m, last))


def _month_only(start: int, end: int, m: int, ref: date | None, past: bool) -> TimeMark:
    if ref is None:
        return TimeMark(start, end, "past" if past else "date")
    year = ref.year if (m < ref.month or (m == ref.month and not past)) else ref.year - 1
    return _month_mark(start, end, year, m)


@dataclass(frozen=True)
class Timing:
    """What a sentence's time expressions say about its act."""

    background: bool  # dated well before publication, or told as past
    anchored: bool  # dated to now: today, a weekday, a date of the last days
    reason: str  # the words that decided it, for the explanation ('' if nothing did)


def judge_timing(
    marks: Sequence[TimeMark], tokens: Sequence[str], ref: date | None, field_text: str,
    starts: Sequence[int], ends: Sequence[int],
) -> Timing:  # fmt: skip
    """Anchors win; otherwise an old act date or a past marker makes the sentence background."""

    def shown(mark: TimeMark) -> str:
        return field_text[starts[mark.start] : ends[mark.end - 1]]

    for mark in marks:
        if mark.kind == "anchor":
            return Timing(False, True, shown(mark))
    acts = [m for m in marks if m.kind == "date" and m.role == "act"]
    for mark in acts:
        point = _point(mark)
        if point is not None and ref is not None and point >= ref - WINDOW:
            return Timing(False, mark.precise, shown(mark))
    for mark in acts:
        if _old(mark, ref):
            return Timing(True, False, shown(mark))
    for mark in marks:
        if mark.kind == "past" or (mark.role == "since" and mark.kind == "date"):
            return Timing(True, False, shown(mark))
    return Timing(False, False, "")


def _point(mark: TimeMark) -> date | None:
    """The day a mark stands for: itself, or the middle of the month or year it names
    ('in February' read on March 3 is weeks ago, not 'the 28th')."""
    if mark.first is None or mark.last is None:
        return None
    if mark.precise:
        return mark.last
    return mark.first + (mark.last - mark.first) / 2


def _old(mark: TimeMark, ref: date | None) -> bool:
    point = _point(mark)
    if point is None:
        return False
    if ref is not None:
        return point < ref - WINDOW
    # Without a publication date a year or month alone ('in 2022') still dates the past:
    # news of a new act names the day.
    return not mark.precise
