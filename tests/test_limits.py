"""Token buckets on the expensive commands: per user, per chat, one at a time; bidi-free args."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.telegram.context import Reply, Where
from bot.telegram.limits import CHAT_FACTOR, RATES, CommandLimits, Rate, TokenBuckets
from tests.support.clock import EPOCH, FakeClock


def timer_clock() -> FakeClock:
    """The fake clock, read as a float timer (`monotonic`) that starts at 1000.0 s."""
    return FakeClock(EPOCH + timedelta(seconds=1000))


def _where(user: int, chat: int | None = None) -> Where:
    return Where(chat if chat is not None else user, 0, "private", "", user)


def test_a_bucket_allows_a_burst_then_refills_steadily() -> None:
    clock = timer_clock()
    bucket = TokenBuckets(Rate(3, 6, "tests"), clock.monotonic)
    for _ in range(3):
        assert bucket.wait("u") == 0
        bucket.take("u")
    assert bucket.wait("u") == pytest.approx(10.0)  # 6 a minute: one every 10 s
    clock.advance(4)
    assert bucket.wait("u") == pytest.approx(6.0)
    clock.advance(6)
    assert bucket.wait("u") == 0
    assert bucket.wait("someone else") == 0


async def _call(limits: CommandLimits, name: str, w: Where, args: str = "q") -> str:
    def fn(rt: object, where: Where, arguments: str) -> Reply:
        return Reply("done")

    result = limits.wrap(name, fn)(None, w, args)  # type: ignore[arg-type]
    reply = await result if asyncio.iscoroutine(result) else result
    assert isinstance(reply, Reply)
    return reply.text


async def test_expensive_commands_say_when_to_try_again() -> None:
    clock = timer_clock()
    limits = CommandLimits(clock=clock.monotonic)
    burst = int(RATES["test"].burst)
    for _ in range(burst):
        assert await _call(limits, "test", _where(1)) == "done"
    refused = await _call(limits, "test", _where(1))
    assert "Try again in 10 s" in refused
    assert await _call(limits, "test", _where(2)) == "done"  # another user
    assert await _call(limits, "search", _where(1)) == "done"  # another command
    assert await _call(limits, "start", _where(1)) == "done"  # not limited at all
    clock.advance(10)
    assert await _call(limits, "test", _where(1)) == "done"


async def test_a_group_has_a_bucket_of_its_own() -> None:
    limits = CommandLimits(clock=timer_clock().monotonic)
    group = -100
    allowed = int(RATES["watch"].burst * CHAT_FACTOR)
    users = iter(range(1, 100))
    for _ in range(allowed):
        assert await _call(limits, "watch", _where(next(users), group)) == "done"
    assert "Try again" in await _call(limits, "watch", _where(next(users), group))


async def test_one_expensive_command_per_user_at_a_time() -> None:
    limits = CommandLimits(clock=timer_clock().monotonic)
    gate = asyncio.Event()

    async def slow(rt: object, where: Where, args: str) -> Reply:
        await gate.wait()
        return Reply("slow done")

    wrapped = limits.wrap("test", slow)
    first = asyncio.ensure_future(wrapped(None, _where(1), "q"))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    second = await wrapped(None, _where(1), "q")  # type: ignore[arg-type]
    assert isinstance(second, Reply) and "still working" in second.text
    gate.set()
    assert (await first).text == "slow done"  # type: ignore[union-attr]


async def test_arguments_reach_commands_without_bidi_controls() -> None:
    limits = CommandLimits(clock=timer_clock().monotonic)
    seen: list[str] = []

    def fn(rt: object, where: Where, args: str) -> Reply:
        seen.append(args)
        return Reply("ok")

    for name in ("test", "start"):
        result = limits.wrap(name, fn)(None, _where(1), "a\u202eb\u2066c\u2069")  # type: ignore[arg-type]
        if asyncio.iscoroutine(result):
            await result
    assert seen == ["abc", "abc"]
