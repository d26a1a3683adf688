"""Digests, quiet-hour windows and error classification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.digest import DigestWorker
from bot.delivery.errors import classify, seconds
from bot.delivery.hours import digest_due, in_window, next_daily_slot, quiet_until
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import Pacing, make_rate_limiter
from bot.models import Chat, Recipient
from bot.store import Store
from tests.support.clock import FakeClock, settled
from tests.support.delivery import FakeBot, add_alerts, gated_bot

D, P = 3001, 3002  # a digest chat and a plain one


@pytest.fixture
def store(delivery_store: Store, clock: FakeClock) -> Store:
    s = delivery_store
    s.upsert_chat(D)
    s.upsert_chat(P)
    s.update_chat_settings(D, digest="hourly", last_digest_at=clock.now)
    return s


def digest_worker(store: Store, bot: FakeBot, clock: FakeClock) -> DigestWorker:
    return DigestWorker(store, bot, clock, part_gap=0, rand=lambda: 0.5)


async def test_digest_chat_gets_one_grouped_message_per_period(
    store: Store, clock: FakeClock
) -> None:
    bot = FakeBot()
    outbox = OutboxWorker(store, bot, clock, pacing=Pacing.unlimited(), part_gap=0)
    digests = digest_worker(store, bot, clock)
    add_alerts(store, [Recipient(D), Recipient(P)], count=3)
    add_alerts(store, [Recipient(D)], count=2, rule_key="pack:un", rule_name="UN Council")
    assert (await outbox.run_once()).sent == 3  # only the plain chat
    assert bot.texts(D) == []
    assert (await digests.run_once()).sent == 0  # the hour is not over
    clock.advance(3600)
    report = await digests.run_once()
    assert report.sent == 5
    (digest,) = bot.texts(D)
    assert "Hourly digest</b>: 5 alerts" in digest
    assert "<b>EU measures</b> (3)" in digest and "<b>UN Council</b> (2)" in digest
    chat = store.get_chat(D)
    assert chat is not None and chat.last_digest_at == clock.now
    assert store.outbox_counts() == {"sent": 8}
    # the next period starts empty; nothing is sent twice
    clock.advance(3600)
    assert (await digests.run_once()).sent == 0 and len(bot.texts(D)) == 1
    add_alerts(store, [Recipient(D)])
    clock.advance(3600)
    assert (await digests.run_once()).sent == 1 and len(bot.texts(D)) == 2


async def test_a_digest_run_with_nothing_to_send_does_not_start_a_period(
    store: Store, clock: FakeClock
) -> None:
    """/digest hourly, then the first alert: it must not wait an hour for an empty run."""
    store.update_chat_settings(D, last_digest_at=None)
    bot = FakeBot()
    digests = digest_worker(store, bot, clock)
    assert (await digests.run_once()).sent == 0  # due, but nothing to send
    chat = store.get_chat(D)
    assert chat is not None and chat.last_digest_at is None
    add_alerts(store, [Recipient(D)])
    assert (await digests.run_once()).sent == 1 and len(bot.texts(D)) == 1
    # a daily digest's slot is spent even when empty: a later alert waits for the next
    store.update_chat_settings(D, digest="daily", digest_hour=8, last_digest_at=None)
    assert (await digests.run_once()).sent == 0
    chat = store.get_chat(D)
    assert chat is not None and chat.last_digest_at == clock.now
    add_alerts(store, [Recipient(D)])
    assert (await digests.run_once()).sent == 0 and len(bot.texts(D)) == 1


async def test_digest_per_topic_respects_mutes_and_quiet_hours(
    store: Store, clock: FakeClock
) -> None:
    bot = FakeBot()
    add_alerts(store, [Recipient(D, 5), Recipient(D, 6)], count=2)
    add_alerts(store, [Recipient(D, 5)], rule_key="pack:muted", rule_name="Muted")
    store.mute(D, "pack:muted", clock.now + timedelta(days=1))
    store.update_chat_settings(D, quiet_start=11, quiet_end=14)  # UTC; now is 13:00 then
    clock.advance(3600)
    assert (await digest_worker(store, bot, clock).run_once()).sent == 0  # quiet
    clock.advance(3600)
    report = await digest_worker(store, bot, clock).run_once()
    assert report.sent == 4 and report.muted == 1
    topics = sorted(s.kwargs["message_thread_id"] for s in bot.sent)
    assert topics == [5, 6]
    assert all("Muted" not in t for t in bot.texts(D))


async def test_digest_failure_keeps_alerts_for_the_next_run(store: Store, clock: FakeClock) -> None:
    bot = FakeBot()
    add_alerts(store, [Recipient(D)], count=2)
    clock.advance(3600)
    bot.fail(TimedOut())
    digests = digest_worker(store, bot, clock)
    report = await digests.run_once()
    assert report.retried == 2 and bot.sent == []
    chat = store.get_chat(D)
    assert chat is not None and chat.last_digest_at is not None
    assert chat.last_digest_at < clock.now  # not advanced: the digest is still due
    clock.advance(60)
    assert (await digests.run_once()).sent == 2


async def test_digest_to_a_blocked_chat_kills_its_alerts(store: Store, clock: FakeClock) -> None:
    bot = FakeBot()
    add_alerts(store, [Recipient(D)], count=2)
    clock.advance(3600)
    bot.fail(Forbidden("Forbidden: bot was blocked by the user"))
    report = await digest_worker(store, bot, clock).run_once()
    assert report.dead == 2
    assert len(store.failed_alerts()) == 2


def test_digest_due() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert digest_due(Chat(1, digest="hourly"), now)  # never sent
    assert not digest_due(Chat(1, digest="hourly", last_digest_at=now - timedelta(minutes=59)), now)
    assert digest_due(Chat(1, digest="hourly", last_digest_at=now - timedelta(hours=1)), now)
    assert not digest_due(Chat(1, digest="off"), now)


def test_daily_digest_goes_at_the_chat_hour_in_its_time_zone() -> None:
    # A daily digest is sent once a day at the chat's hour (default 08:00, local time).
    chat = Chat(1, digest="daily", timezone="Europe/Berlin", digest_hour=8)
    slot = datetime(2026, 1, 1, 7, tzinfo=UTC)  # 08:00 CET
    sent_yesterday = replace(chat, last_digest_at=slot - timedelta(hours=20))
    assert not digest_due(sent_yesterday, slot - timedelta(minutes=1))
    assert digest_due(sent_yesterday, slot)
    assert not digest_due(replace(chat, last_digest_at=slot), slot + timedelta(hours=23))
    assert digest_due(replace(chat, last_digest_at=slot), slot + timedelta(hours=24))
    assert next_daily_slot(chat, slot + timedelta(hours=1)) == slot + timedelta(days=1)


@pytest.mark.parametrize(
    ("hour", "start", "end", "quiet"),
    [
        (23, 22, 7, True),
        (3, 22, 7, True),
        (7, 22, 7, False),
        (12, 22, 7, False),
        (22, 22, 7, True),
        (13, 12, 14, True),
        (14, 12, 14, False),
        (5, 5, 5, False),  # an empty window
    ],
)
def test_quiet_window_wraps_midnight(hour: int, start: int, end: int, quiet: bool) -> None:
    assert in_window(hour, start, end) is quiet


def test_quiet_until_follows_the_chat_time_zone_and_dst() -> None:
    chat = Chat(1, timezone="Europe/Berlin", quiet_start=22, quiet_end=7)
    # 30 March 2025: Berlin switches to summer time at 02:00; 07:00 CEST is 05:00 UTC.
    now = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)  # 00:30 CET
    assert quiet_until(chat, now) == datetime(2025, 3, 30, 5, 0, tzinfo=UTC)
    assert quiet_until(chat, datetime(2025, 3, 30, 12, tzinfo=UTC)) is None
    assert quiet_until(Chat(1, timezone="No/Such_Zone", quiet_start=0, quiet_end=1),
                       datetime(2025, 1, 1, 0, 30, tzinfo=UTC)) == datetime(2025, 1, 1, 1, tzinfo=UTC)  # fmt: skip


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: RetryAfter(5), "flood"),
        (lambda: RetryAfter(timedelta(seconds=5)), "flood"),
        (lambda: Forbidden("Forbidden: bot was kicked from the group chat"), "gone"),
        (lambda: BadRequest("Chat not found"), "gone"),
        (lambda: BadRequest("Bad Request: user is deactivated"), "gone"),
        (lambda: BadRequest("Bad Request: have no rights to send a message"), "gone"),
        (lambda: BadRequest("Bad Request: need administrator rights in the channel chat"), "gone"),
        (lambda: BadRequest("Bad Request: CHAT_WRITE_FORBIDDEN"), "gone"),
        (lambda: ChatMigrated(-100123), "migrated"),
        (
            lambda: BadRequest(
                "Can't parse entities: can't find end tag corresponding to start tag b"
            ),
            "markup",
        ),
        (lambda: BadRequest("Message is too long"), "too_long"),
        (lambda: BadRequest("Message thread not found"), "permanent"),
        (lambda: TimedOut(), "transient"),
        (lambda: NetworkError("Bad Gateway"), "transient"),
        (lambda: NetworkError("httpx.ConnectError: connection refused"), "transient"),
        (lambda: InvalidToken("Unauthorized"), "fatal"),
        (lambda: Conflict("terminated by other getUpdates request"), "fatal"),
        (lambda: ValueError("a bug"), "transient"),
    ],
)
def test_classify(make: Callable[[], Exception], kind: str) -> None:
    failure = classify(make())
    assert failure.kind == kind
    if kind == "flood":
        assert failure.retry_after == 5
    if kind == "migrated":
        assert failure.new_chat_id == -100123


def test_retry_after_seconds_accepts_both_forms() -> None:
    assert seconds(3) == 3.0 and seconds(timedelta(milliseconds=1500)) == 1.5


def test_rate_limiter_factory() -> None:
    limiter = make_rate_limiter()
    assert limiter._max_retries == 2
    assert limiter._group_max_rate == 20


async def test_digest_stop_waits_for_the_digest_in_flight(store: Store, clock: FakeClock) -> None:
    add_alerts(store, [Recipient(D)], count=2)
    clock.advance(3600)
    gate, entered = asyncio.Event(), asyncio.Event()
    slow = gated_bot(entered, gate)
    digests = digest_worker(store, slow, clock)
    run = asyncio.create_task(digests.run_once())
    await asyncio.wait_for(entered.wait(), 20)
    stopping = asyncio.create_task(digests.stop())
    at_stop: list[dict[str, int]] = []  # what the store shows when stop() returns
    stopping.add_done_callback(lambda _: at_stop.append(store.outbox_counts()))
    await settled(lambda: digests.stopping)  # stop() began; it returns only after the digest
    assert not stopping.done()
    gate.set()
    await asyncio.wait_for(stopping, 20)
    assert at_stop == [{"sent": 2}]  # the digest was recorded before stop() returned
    assert (await run).sent == 2
    assert store.outbox_counts() == {"sent": 2}
    add_alerts(store, [Recipient(D)])
    clock.advance(3600)
    assert (await digests.run_once()).sent == 0  # stopped
