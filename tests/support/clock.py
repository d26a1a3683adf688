"""The one fake clock of the tests: moved by hand, or running from a start the test picks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday, 12:00 UTC: what most tests assume
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # where `monotonic()` counts from


class FakeClock:
    """`clock()` is the time (aware UTC). It stands still unless `running` (then it moves
    with the real time, so pacing and timeouts work); `advance()` and `now = …` jump it."""

    def __init__(
        self,
        start: datetime = START,
        *,
        running: bool = False,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = start
        self._timer = timer if running else None
        self._started = timer() if running else 0.0

    @property
    def now(self) -> datetime:
        """The current fake time."""
        if self._timer is None:
            return self._base
        return self._base + timedelta(seconds=self._timer() - self._started)

    @now.setter
    def now(self, moment: datetime) -> None:
        self._base = moment
        if self._timer is not None:
            self._started = self._timer()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        """Jump forward by `seconds` (and/or timedelta keywords: hours=1, days=200)."""
        self._base += timedelta(seconds=seconds, **delta)

    def monotonic(self) -> float:
        """The same time as seconds on a float timer (for token buckets and budgets)."""
        return (self.now - EPOCH).total_seconds()


async def settled(condition: Callable[[], bool], *, steps: int = 10_000) -> None:
    """Let other tasks run, without a timer, until `condition()` holds (event-driven waiting:
    a test asserts what has not happened only after what must happen first did)."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"not reached after {steps} event-loop steps")
