"""Dates found inside free text: listings print "September 04, 2026 - Sanctions List
Updates", "4 Sep 2026", "04.09.2026" or "1 декабря 2026" rather than a clean field."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier januar stycznia styczeń января январь січня",
        "february feb février februar lutego luty февраля февраль лютого",
        "march mar mars märz marca marzec марта март березня",
        "april apr avril kwietnia kwiecień апреля апрель квітня",
        "may mai maja maj мая май травня",
        "june jun juin juni czerwca czerwiec июня июнь червня",
        "july jul juillet juli lipca lipiec июля июль липня",
        "august aug août sierpnia sierpień августа август серпня",
        "september sep sept septembre września wrzesień сентября сентябрь вересня",
        "october oct octobre oktober października październik октября октябрь жовтня",
        "november nov novembre listopada listopad ноября ноябрь листопада",
        "december dec décembre dezember grudnia grudzień декабря декабрь грудня",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = "(" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[,\s|–-]+(?:at\s+|в\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d))?"
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_MONTH_FIRST = re.compile(
    r"(?<!\w)" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)" + _TIME, re.IGNORECASE
)
_DAY_FIRST = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|\.)?(?:\s+of)?\s+" + _MONTH + r",?\s+(\d{4})(?!\d)" + _TIME,
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})([./])(\d{1,2})\2(\d{4})(?![\d.])" + _TIME)


def find_date(text: str, *, month_first: bool = False) -> datetime | None:
    """The first date written anywhere in text, as aware UTC; None when there is none.

    `month_first` reads an ambiguous 09/02/2026 the US way (September 2); day-first
    otherwise. Dotted dates are always day-first.
    """
    if not text:
        return None
    found: list[tuple[int, datetime]] = []
    numeric = _from_us_numeric if month_first else _from_numeric
    for pattern, build in (
        (_ISO, _from_iso),
        (_MONTH_FIRST, _from_month_first),
        (_DAY_FIRST, _from_day_first),
        (_NUMERIC, numeric),
    ):
        for match in pattern.finditer(text):
            moment = build(match)
            if moment is not None:
                found.append((match.start(), moment))
                break
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _from_iso(m: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, zone = m.groups()
    text = f"{year}-{month}-{day}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if zone:
        text += "+00:00" if zone == "Z" else zone
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_month_first(m: re.Match[str]) -> datetime | None:
    name, day, year, hour, minute, second = m.groups()
    return _build(int(year), _MONTHS[name.lower()], int(day), hour, minute, second)


def _from_day_first(m: re.Match[str]) -> datetime | None:
    day, name, year, hour, minute, second = m.groups()
    return _build(int(year), _MONTHS[name.lower()], int(day), hour, minute, second)


def _from_numeric(m: re.Match[str]) -> datetime | None:
    first, separator, second_part, year, hour, minute, second = m.groups()
    day, month = int(first), int(second_part)
    # Dots are day-first everywhere they are used; slashes are too in Europe, and a
    # US month-first date shows itself when its "day" cannot be a month.
    if separator == "/" and month > 12 >= day:
        day, month = month, day
    return _build(int(year), month, day, hour, minute, second)


def _from_us_numeric(m: re.Match[str]) -> datetime | None:
    first, separator, second_part, year, hour, minute, second = m.groups()
    month, day = int(first), int(second_part)
    if separator == "." or month > 12 >= day:
        day, month = month, day
    return _build(int(year), month, day, hour, minute, second)


def _build(
    year: int, month: int, day: int, hour: str | None, minute: str | None, second: str | None
) -> datetime | None:
    try:
        return datetime(
            year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=UTC
        )
    except ValueError:
        return None
