"""Start/stop bookkeeping shared by the delivery workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

log = logging.getLogger(__name__)


class WorkerLifecycle:
    """One run at a time, a pause after a RetryAfter, and a stop that waits for the send in flight."""

    def __init__(self) -> None:
        self.paused_until: datetime | None = None
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._stop_requested = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """Whether stop() was called."""
        return self._stopping

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no new work; wait until the send in flight is recorded."""
        self._stopping = True
        self._stop_requested.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("%s: a send was still in flight after %.0fs", type(self).__name__, timeout)

    async def nap(self, seconds: float) -> None:
        """Sleep between runs, waking at once when stop() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_requested.wait(), seconds)

    def paused(self, now: datetime) -> bool:
        """Whether a RetryAfter is still being honoured at `now` (clears an expired one)."""
        if self.paused_until is not None and now < self.paused_until:
            return True
        self.paused_until = None
        return False

    @contextmanager
    def running(self) -> Iterator[bool]:
        """Yields False when this run must not start (stopping, or another run is going)."""
        if self._stopping or not self._idle.is_set():
            yield False
            return
        self._idle.clear()
        try:
            yield True
        finally:
            self._idle.set()
