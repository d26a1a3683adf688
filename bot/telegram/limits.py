"""Per-user and per-chat limits on the commands that cost the bot real work.

Token buckets: each user and each chat has a bucket per expensive command that holds a
few tokens and refills at a steady rate; a command takes one, and when there is none the
reply says when to try again. One user also has at most one expensive command running at
a time. `CommandLimits.wrap` is applied to every command where the handlers are
registered; it also strips bidi controls from the arguments (bot.textsafe), and turns a
worker job that waited too long for a thread (bot.workers.Busy) into "busy, try again".
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.telegram import views
from bot.telegram.context import Reply, Where
from bot.textsafe import strip_bidi
from bot.workers import Busy

if TYPE_CHECKING:
    from bot.runtime import Runtime

CommandFn = Callable[["Runtime", Where, str], Reply | Awaitable[Reply]]
MAX_KEYS = 10_000  # buckets kept; full (idle) ones are dropped beyond this


@dataclass(frozen=True)
class Rate:
    """A bucket of `burst` tokens refilled at `per_minute`."""

    burst: float
    per_minute: float
    what: str  # for the reply: "tests", "searches"


# A dry run or a search costs up to a few seconds of a worker: a handful in a row, then
# a steady trickle. A chat's bucket is twice a user's: groups have several people. New
# users set up several rules in a row, so /watch allows a longer burst than /test.
RATES: Mapping[str, Rate] = {
    "test": Rate(3, 6, "tests"),
    "watch": Rate(6, 6, "new rules"),
    "search": Rate(5, 12, "searches"),
}
CHAT_FACTOR = 2
BUSY_RETRY_S = 5


class TokenBuckets:
    """Buckets by key; `wait(key)` is 0 when a token is there, else seconds until one is."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, at)

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.rate.burst, now))
        return min(self.rate.burst, tokens + (now - at) * self.rate.per_minute / 60)

    def wait(self, key: Hashable) -> float:
        """Seconds until `key` has a token (0: now)."""
        tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) * 60 / self.rate.per_minute

    def take(self, key: Hashable) -> None:
        """Use one token of `key` (callers check `wait` first)."""
        now = self.clock()
        self._buckets[key] = (self._tokens(key, now) - 1, now)
        if len(self._buckets) > MAX_KEYS:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.rate.burst]:
            del self._buckets[key]


class CommandLimits:
    """The buckets of every rated command, and who has an expensive command running."""

    def __init__(
        self, rates: Mapping[str, Rate] = RATES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.users = {name: TokenBuckets(rate, clock) for name, rate in rates.items()}
        chat_rates = {
            n: Rate(r.burst * CHAT_FACTOR, r.per_minute * CHAT_FACTOR, r.what)
            for n, r in rates.items()
        }
        self.chats = {name: TokenBuckets(rate, clock) for name, rate in chat_rates.items()}
        self.running: set[Hashable] = set()

    def wrap(self, name: str, fn: CommandFn) -> CommandFn:
        """`fn` behind this command's limits (if it has any), with bidi-free arguments."""
        if name not in self.users:

            def plain(rt: Runtime, w: Where, args: str) -> Reply | Awaitable[Reply]:
                return fn(rt, w, strip_bidi(args))

            return plain

        async def limited(rt: Runtime, w: Where, args: str) -> Reply:
            user = ("user", w.user_id if w.user_id is not None else w.chat_id)
            refusal = self._refusal(name, user, w.chat_id)
            if refusal is not None:
                return refusal
            self.running.add(user)
            try:
                result = fn(rt, w, strip_bidi(args))
                return await result if inspect.isawaitable(result) else result
            except Busy:  # its worker job waited too long behind other people's
                return Reply(views.busy(BUSY_RETRY_S))
            finally:
                self.running.discard(user)

        return limited

    def _refusal(self, name: str, user: Hashable, chat_id: int) -> Reply | None:
        """Why the command may not run now (taking the tokens when it may)."""
        if user in self.running:
            return Reply(views.still_working())
        users, chats = self.users[name], self.chats[name]
        wait = max(users.wait(user), chats.wait(("chat", chat_id)))
        if wait > 0:
            return Reply(views.try_again_later(users.rate.what, math.ceil(wait)))
        users.take(user)
        chats.take(("chat", chat_id))
        return None
