"""Whether two differently titled reports are the same event, for one chat's alerts.

Stories group copies whose headlines nearly agree. Outlets paraphrase an official
release ("Council adopts 19th package of … sanctions" / "EU adopts 19th package of
sanctions against Russia, targeting LNG"), so a chat would still get one alert per
outlet. Within one chat, a report joins an earlier alert when the same rule fired,
within a day and a half, about the same country (its targets, or its two main
countries), and the headlines share most of their significant words
(fewer when they share an identifying number such as "19th" or "2795") with no
conflicting numbers ("19th" against "20th", resolution 2795 against 2796).

Deliberately strict: merging two different acts hides one of them, which is worse
than a second alert. Two acts of one body on one target on one day with similar
headlines (a package and a prolongation) are told apart by their wording, and
the merged alert lists every headline in its details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sources.dedup import title_tokens

WINDOW = timedelta(hours=36)
MIN_SHARED = 4
MIN_OVERLAP = 0.6  # shared / size of the smaller headline
# A shared identifying number ("19th", "2795") is strong evidence: fewer words suffice.
MIN_SHARED_WITH_NUMBER = 3
MIN_OVERLAP_WITH_NUMBER = 0.4
_NUMBER = re.compile(r"\d")
_YEAR = re.compile(r"(19|20)\d\d")


@dataclass(frozen=True)
class Report:
    """What the comparison reads of one alerted item."""

    title: str
    rule_keys: frozenset[str]
    created: datetime
    places: frozenset[str] = frozenset()  # ISO2: its targets, else its two main countries


def places(targets: tuple[str, ...], countries: tuple[str, ...]) -> frozenset[str]:
    """What a report is about: the act's targets when known, else its two main countries."""
    return frozenset(targets or countries[:2])


def same_event(earlier: Report, later: Report) -> bool:
    """Whether `later` reports the event `earlier` was alerted for."""
    if not earlier.rule_keys & later.rule_keys:
        return False
    if abs(later.created - earlier.created) > WINDOW:
        return False
    if earlier.places and later.places and not earlier.places & later.places:
        return False  # the same measures against Iran and against Belarus are two events
    left, right = set(title_tokens(earlier.title)), set(title_tokens(later.title))
    if not left or not right:
        return False
    numbers_left = {t for t in left if _NUMBER.search(t)}
    numbers_right = {t for t in right if _NUMBER.search(t)}
    if numbers_left and numbers_right and not numbers_left & numbers_right:
        return False  # "19th package" is not "20th package"
    shared = len(left & right)
    overlap = shared / min(len(left), len(right))
    if any(not _YEAR.fullmatch(t) for t in numbers_left & numbers_right):
        return shared >= MIN_SHARED_WITH_NUMBER and overlap >= MIN_OVERLAP_WITH_NUMBER
    return shared >= MIN_SHARED and overlap >= MIN_OVERLAP
