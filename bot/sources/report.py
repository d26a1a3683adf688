"""What one parse produced, and whether that is a working source or a failing one.

"ok, 0 items" hid every broken source: a JSON API whose fields moved, a listing
whose markup changed, a feed of document numbers. A body that held items none
of which could be read, or whose items all lack a title or a date, is a failure
with a reason an admin can act on; one bad item among good ones is only counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.errors import SourceError
from bot.models import FeedEntry, Source

# "T10-0279/2025", "TA-10-2025-0279", "32026R1234": identifiers, not titles.
_REFERENCE = re.compile(r"[\w./()\-:]+")
MAX_PROBLEMS = 3


def looks_like_reference(title: str) -> bool:
    """Whether a title is only a document number (no words, digits inside)."""
    return bool(_REFERENCE.fullmatch(title)) and any(ch.isdigit() for ch in title)


@dataclass
class Tally:
    """Counts kept while items are read (mutable, local to one parse)."""

    raw_items: int = 0
    skipped: int = 0
    titled: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, problem: str) -> None:
        """One item dropped, with why."""
        self.skipped += 1
        if problem not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass(frozen=True)
class ParseReport:
    """Entries parsed from one body, with how many items it held and how many were dropped."""

    entries: tuple[FeedEntry, ...]
    raw_items: int = 0
    skipped: int = 0
    titled: int = 0  # entries whose title came from the title field itself
    problems: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: Sequence[FeedEntry], tally: Tally) -> ParseReport:
        """Freeze a tally with its entries."""
        return cls(
            tuple(entries), tally.raw_items, tally.skipped, tally.titled, tuple(tally.problems)
        )


def check_usable(report: ParseReport, source: Source) -> None:
    """SourceError when the body's items are unusable as a whole (see the module doc)."""
    mapped = source.kind in ("json", "html")
    hint = ": check the source's field mapping" if mapped else ""
    if report.raw_items and not report.entries:
        why = f" ({'; '.join(report.problems)})" if report.problems else ""
        raise SourceError(f"none of the {report.raw_items} items could be read{why}{hint}")
    if not report.entries:
        return  # an empty feed or list is a quiet day, not a failure
    count = len(report.entries)
    if not report.titled:
        raise SourceError(f"none of the {count} items has a title{hint}")
    if all(looks_like_reference(e.title) for e in report.entries):
        raise SourceError(f"the {count} items have document numbers, not titles{hint}")
    if all(e.published is None for e in report.entries):
        raise SourceError(f"none of the {count} items has a date{hint}")
