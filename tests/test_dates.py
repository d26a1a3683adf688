"""Time expressions in the languages of the region, resolved against the publication date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.matching.dates import TimeMark, Timing, judge_timing, time_marks
from bot.matching.lexicon import Lexicon, load_lexicon
from bot.matching.text import token_spans

REF = date(2025, 5, 20)


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon()


def marks(lex: Lexicon, text: str, ref: date | None = REF) -> list[TimeMark]:
    tokens, _, _ = token_spans(text)
    return time_marks(tokens, 0, len(tokens), lex, ref)


def timing(lex: Lexicon, text: str, ref: date | None = REF) -> Timing:
    tokens, starts, ends = token_spans(text)
    found = time_marks(tokens, 0, len(tokens), lex, ref)
    return judge_timing(found, tokens, ref, text, starts, ends)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("On 24 February 2025 the Council adopted", date(2025, 2, 24), date(2025, 2, 24)),
        ("On February 24, 2025, the Council adopted", date(2025, 2, 24), date(2025, 2, 24)),
        ("Am 24. Februar 2025 hat die EU beschlossen", date(2025, 2, 24), date(2025, 2, 24)),
        ("el 24 de febrero de 2025 la UE aprobó", date(2025, 2, 24), date(2025, 2, 24)),
        ("24 февраля 2025 года Совет ЕС утвердил", date(2025, 2, 24), date(2025, 2, 24)),
        ("the decision of 24.02.2025", date(2025, 2, 24), date(2025, 2, 24)),
        ("в феврале 2022 года ЕС ввел", date(2022, 2, 1), date(2022, 2, 28)),
        ("w lutym 2022 roku UE nałożyła", date(2022, 2, 1), date(2022, 2, 28)),
        ("in 2014 the EU imposed", date(2014, 1, 1), date(2014, 12, 31)),
    ],
)
def test_calendar_expressions_in_several_languages(
    lex: Lexicon, text: str, first: date, last: date
) -> None:
    (mark,) = [m for m in marks(lex, text) if m.kind == "date"]
    assert (mark.first, mark.last) == (first, last)


def test_day_and_month_take_the_year_that_is_not_ahead(lex: Lexicon) -> None:
    (march_10,) = marks(lex, "On March 10 leaders agreed", ref=date(2025, 3, 3))
    assert march_10.first == date(2024, 3, 10)  # 10 March 2025 is still ahead on 3 March
    (feb_24,) = marks(lex, "On February 24 the Council approved", ref=date(2025, 3, 20))
    assert feb_24.first == date(2025, 2, 24)


def test_month_alone_is_the_last_such_month_and_needs_a_preposition(lex: Lexicon) -> None:
    (february,) = marks(lex, "the EU adopted it in February", ref=REF)
    assert february.first == date(2025, 2, 1)
    (june,) = marks(lex, "in June the bloc", ref=REF)
    assert june.first == date(2024, 6, 1)  # June 2025 has not come yet
    assert marks(lex, "May the EU impose more?") == []  # the modal, not the month
    assert marks(lex, "Demonstrators march on parliament") == []


def test_anchors_and_past_markers(lex: Lexicon) -> None:
    assert [m.kind for m in marks(lex, "The Council today adopted")] == ["anchor"]
    assert [m.kind for m in marks(lex, "Рада ЄС у понеділок ухвалила")] == ["anchor"]
    assert [m.kind for m in marks(lex, "Wcześniej sankcje nałożyła Wielka Brytania")] == ["past"]
    assert [m.kind for m in marks(lex, "the EU had already imposed them last year")][-1] == "past"


def test_since_until_events_and_legal_numbers_are_not_the_act_s_date(lex: Lexicon) -> None:
    roles = {
        m.role for m in marks(lex, "sanctions in place since 2014 were extended until 31 July 2025")
    }
    assert roles == {"since", "until"}
    (event,) = marks(lex, "the invasion in February 2022 had begun")
    assert event.role == "event"
    # 'after the invasion' itself tells the past, like 'last year'
    assert [m.kind for m in marks(lex, "after the invasion in February 2022 the EU")] == [
        "past",
        "date",
    ]
    assert marks(lex, "Council Decision 2014/512 amended") == []
    assert marks(lex, "resolution 1518 (2003) committee") == []


def test_timing_old_dates_are_background_anchors_win(lex: Lexicon) -> None:
    assert timing(lex, "In February 2022 the EU imposed sanctions").background
    assert timing(lex, "last March the EU added him to its list").background
    fresh = timing(lex, "On 18 May the Council adopted the package")
    assert not fresh.background and fresh.anchored
    mixed = timing(lex, "The Council today renewed the sanctions first introduced in 2014")
    assert not mixed.background and mixed.anchored and mixed.reason == "today"
    # 'in February' read on 3 March is weeks ago: the middle of the month counts
    assert timing(lex, "в феврале Евросоюз утвердил пакет", ref=date(2025, 3, 3)).background


def test_without_a_publication_date_a_bare_year_still_dates_the_past(lex: Lexicon) -> None:
    assert timing(lex, "sanctions imposed in 2022 closed the airspace", ref=None).background
    full = timing(lex, "On 24 February 2025 the Council adopted", ref=None)
    assert not full.background  # a full date cannot be judged without a reference
    assert not timing(lex, "EU bans Russian LNG from 2027", ref=None).background
