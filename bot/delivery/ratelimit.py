"""Telegram's flood limits: the app's AIORateLimiter, and the worker's own pacing.

Two layers, on purpose:

* `make_rate_limiter()` gives the Application an `AIORateLimiter` that throttles
  every request of the bot (≈30 msg/s overall, 20 msg/min per group) and sleeps
  through a RetryAfter before retrying.
* `Pacer` is the outbox worker's own bookkeeping, so the worker never bursts
  past Telegram's limits even with a plain `telegram.Bot` (tests, the CLI, or an
  app built without the limiter): at most one message per chat per
  `per_chat_interval`, `group_per_minute` per group and `global_per_second`
  overall. An alert that is not allowed yet is simply left due for the next
  run, so the worker never sleeps while holding the queue and command replies
  are never stuck behind a backlog of alerts: the worker sends one message at a
  time and yields to the event loop between messages, so a reply joins the
  limiter's queue behind at most one alert.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram.ext import AIORateLimiter


def make_rate_limiter(
    overall_per_second: float = 29, group_per_minute: float = 20, max_retries: int = 2
) -> AIORateLimiter:
    """The limiter for `ApplicationBuilder().rate_limiter(...)`: a margin under Telegram's limits."""
    return AIORateLimiter(
        overall_max_rate=overall_per_second,
        overall_time_period=1,
        group_max_rate=group_per_minute,
        group_time_period=60,
        max_retries=max_retries,
    )


@dataclass(frozen=True)
class Pacing:
    """The worker's own send limits; 0 disables a limit."""

    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    group_per_minute: int = 20
    global_per_second: int = 29

    @classmethod
    def unlimited(cls) -> Pacing:
        """No pacing (tests, or when the limiter alone is trusted)."""
        return cls(0.0, 0, 0)


class Pacer:
    """Remembers recent sends and says whether another one is allowed now."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self._last: dict[int, datetime] = {}
        self._groups: dict[int, deque[datetime]] = {}
        self._recent: deque[datetime] = deque()

    def chat_ready(self, chat_id: int, is_group: bool, now: datetime) -> bool:
        """Whether a message to this chat now stays within the per-chat and group limits."""
        return self.chat_wait(chat_id, is_group, now) <= 0

    def chat_wait(self, chat_id: int, is_group: bool, now: datetime) -> float:
        """Seconds until a message to this chat is allowed (0 when it is allowed now)."""
        p = self.pacing
        wait = 0.0
        last = self._last.get(chat_id)
        if p.per_chat_interval and last is not None:
            wait = p.per_chat_interval - (now - last).total_seconds()
        if is_group and p.group_per_minute:
            window = self._trim(self._groups.get(chat_id, deque()), now, 60)
            if len(window) >= p.group_per_minute:
                wait = max(wait, 60 - (now - window[0]).total_seconds())
        return max(0.0, wait)

    def global_ready(self, now: datetime) -> bool:
        """Whether one more message now stays within the overall limit."""
        if not self.pacing.global_per_second:
            return True
        return len(self._trim(self._recent, now, 1)) < self.pacing.global_per_second

    def record(self, chat_id: int, is_group: bool, now: datetime) -> None:
        """A message went to the chat at `now`."""
        self._last[chat_id] = now
        self._recent.append(now)
        if is_group:
            self._groups.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _trim(times: deque[datetime], now: datetime, seconds: float) -> deque[datetime]:
        while times and now - times[0] >= timedelta(seconds=seconds):
            times.popleft()
        return times
