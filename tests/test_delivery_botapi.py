"""Fault injection: a real telegram.Bot and a real SQLite outbox against the Bot API test server.

For every scripted fault the invariant is the same: each alert ends either
delivered exactly once (one message carrying its title in its chat) or dead and
listed by `store.failed_alerts()`; nothing stays pending, nothing is silent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery.decide import Backoff
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import Pacing
from bot.models import Recipient
from bot.store import Store
from bot.store.base import utcnow
from tests.support.botapi import BotApiServer, RateLimits
from tests.support.clock import FakeClock
from tests.support.delivery import add_alerts, open_store

# PTB builds RetryAfter from the 429 answer and warns about its int form.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

A, B, C = 11, 12, 13  # private chats
GROUP, SUPER = -21, -1000021


@pytest.fixture
def server(bot_api_server: BotApiServer) -> BotApiServer:
    for chat in (A, B, C):
        bot_api_server.add_chat(chat, "private")
    return bot_api_server


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=0.5, write_timeout=2.0, connect_timeout=2.0)
    async with Bot(server.token, base_url=server.base_url, request=request) as b:
        yield b


@pytest.fixture
def store(delivery_store: Store) -> Store:
    s = delivery_store
    for chat in (A, B, C):
        s.upsert_chat(chat)
    return s


def make_worker(store: Store, bot: Bot, clock: Any, **kw: Any) -> OutboxWorker:
    kw.setdefault("pacing", Pacing.unlimited())
    kw.setdefault("backoff", Backoff(base=1, cap=8, max_attempts=4))
    kw.setdefault("part_gap", 0)
    return OutboxWorker(store, bot, clock, **kw)


async def drain(worker: OutboxWorker, store: Store, clock: FakeClock, rounds: int = 40) -> None:
    """Run the worker, moving the fake clock past waits, until nothing is pending or failing."""
    for _ in range(rounds):
        await worker.run_once(limit=100)
        counts = store.outbox_counts()
        if not counts.get("pending") and not counts.get("failed"):
            return
        clock.advance(10)
    raise AssertionError(f"outbox did not settle: {store.outbox_counts()}")


def audit(store: Store, server: BotApiServer, alert_ids: list[int]) -> dict[str, int]:
    """Check the invariant and return counts: delivered once, dead and visible, nothing else."""
    failed = {v.id for v in store.failed_alerts(limit=10_000)}
    messages = server.sent()
    delivered = dead = 0
    for alert_id in alert_ids:
        view = store.alert_view(alert_id)
        assert view is not None
        carrying = [m for m in messages if m.chat_id == view.chat_id and view.title in m.plain]
        if view.state == "sent":
            assert len(carrying) == 1, (alert_id, [m.chat_id for m in carrying])
            assert carrying[0].thread_id == (view.thread_id or None)
            delivered += 1
        else:
            assert view.state == "dead", (alert_id, view.state)
            assert alert_id in failed and view.last_error
            assert carrying == []
            dead += 1
    assert len(messages) == delivered  # no stray or duplicate messages
    return {"delivered": delivered, "dead": dead}


async def test_happy_path_sends_html_with_buttons_and_no_preview(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=3)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 6, "dead": 0}
    first = server.sent(A)[0]
    assert first.parse_mode == "HTML"
    assert first.link_preview_options == {"is_disabled": True}
    assert [b["callback_data"] for b in first.buttons()] == [f"d:{ids[0]}", f"m:{ids[0]}"]


async def test_429_retry_after_is_honoured(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=3)
    server.fail("sendMessage", "retry_after", times=3, retry_after=5)
    worker = make_worker(store, bot, clock)
    report = await worker.run_once()
    assert report.paused and report.sent == 0
    assert worker.paused_until == clock.now + timedelta(seconds=5)
    clock.advance(4)
    assert (await worker.run_once()).paused  # honoured: no request while waiting
    assert server.stats()["requests"]["sendMessage"] == 1
    await drain(worker, store, clock)
    assert audit(store, server, ids) == {"delivered": 6, "dead": 0}
    assert server.stats()["answered_429"] == 3
    assert all(v.attempts == 1 for v in map(store.alert_view, ids) if v)  # 429s are not attempts


async def test_403_blocked_deactivates_the_chat(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=3)
    server.fail("sendMessage", "blocked", chat_id=A)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 3, "dead": 3}
    chat = store.get_chat(A)
    assert chat is not None and not chat.active
    assert all("blocked" in (v.last_error or "") for v in store.failed_alerts())


async def test_400_chat_not_found_deactivates_the_chat(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    store.upsert_chat(77)  # a chat the server has never heard of
    ids = add_alerts(store, [Recipient(77), Recipient(B)], count=2)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 2, "dead": 2}
    chat = store.get_chat(77)
    assert chat is not None and not chat.active


async def test_400_cant_parse_entities_falls_back_to_plain_text(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A)], count=2, title="Q&A on <sanctions> and more")
    server.fail("sendMessage", "parse_entities", times=1)
    await drain(make_worker(store, bot, clock), store, clock)
    messages = server.sent(A)
    assert [m.parse_mode for m in messages].count(None) == 1
    plain = next(m for m in messages if m.parse_mode is None)
    assert "Q&A on <sanctions> and more" in plain.text and "<b>" not in plain.text
    # Both alerts share the title, so check the message ids the store recorded instead.
    assert store.outbox_counts() == {"sent": 2} and len(messages) == 2
    recorded = {v.id: v for v in store.recent_alerts(A, limit=10)}
    stored_ids = store.db.execute("SELECT message_id FROM alerts ORDER BY id").fetchall()
    assert sorted(m.message_id for m in messages) == sorted(r[0] for r in stored_ids)
    assert set(recorded) == set(ids)


async def test_migrate_to_chat_id_moves_the_group_and_resends(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    server.add_chat(GROUP, "group", title="Old group")
    server.add_chat(SUPER, "supergroup", title="New supergroup")
    store.upsert_chat(GROUP, "group", "Old group")
    ids = add_alerts(store, [Recipient(GROUP)], count=3)
    server.fail("sendMessage", "migrate", chat_id=GROUP, migrate_to=SUPER)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 3, "dead": 0}
    assert server.sent(GROUP) == [] and len(server.sent(SUPER)) == 3
    old, new = store.get_chat(GROUP), store.get_chat(SUPER)
    assert old is not None and not old.active and new is not None and new.active


async def test_500_is_retried_with_backoff(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=2)
    server.fail("sendMessage", "server_error", times=3)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 4, "dead": 0}
    logs = [r["outcome"] for i in ids for r in store.delivery_log(i)]
    assert logs.count("retry") == 3


async def test_persistent_500_ends_dead_and_visible(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=2)
    server.fail("sendMessage", "server_error", chat_id=A, times=100)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 2, "dead": 2}
    assert all(v.attempts == 4 for v in store.failed_alerts())


async def test_timeouts_not_processed_are_retried_once_delivered(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=2)
    server.fail("sendMessage", "timeout", times=2, hold=1.0, process=False)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 4, "dead": 0}
    assert sum(r["outcome"] == "retry" for i in ids for r in store.delivery_log(i)) == 2


async def test_timeouts_processed_by_the_server_may_repeat_but_never_lose(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    """Telegram got it but we never heard: resending is the only way not to lose it."""
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=2)
    server.fail("sendMessage", "timeout", times=2, hold=1.0, process=True)
    await drain(make_worker(store, bot, clock), store, clock)
    await server.wait_until(lambda: len(server.messages) >= 6, timeout=20)
    views = [store.alert_view(i) for i in ids]
    per_alert = [sum(v.title in m.plain for m in server.sent(v.chat_id)) for v in views if v]
    assert all(v is not None and v.state == "sent" for v in views)
    assert all(n >= 1 for n in per_alert)
    assert sum(per_alert) - len(ids) == 2  # duplicates bounded by the timeouts


async def test_message_too_long_is_split_further(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A)])
    server.fail("sendMessage", "bad_request", description="Bad Request: message is too long")
    await drain(make_worker(store, bot, clock), store, clock)
    messages = server.sent(A)
    assert len(messages) >= 2 and store.outbox_counts() == {"sent": 1}
    assert messages[-1].buttons() and not messages[0].buttons()
    view = store.alert_view(ids[0])
    assert view is not None and view.title in "".join(m.plain for m in messages)


async def test_forum_topics_and_a_deleted_topic(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    server.add_chat(-300, "supergroup", title="Forum", is_forum=True)
    server.add_chat(-301, "supergroup", title="Not a forum")
    store.upsert_chat(-300, "supergroup")
    store.upsert_chat(-301, "supergroup")
    ids = add_alerts(store, [Recipient(-300, 4), Recipient(-301, 9)], count=2)
    await drain(make_worker(store, bot, clock), store, clock)
    assert audit(store, server, ids) == {"delivered": 2, "dead": 2}
    assert {m.thread_id for m in server.sent(-300)} == {4}
    chat = store.get_chat(-301)
    assert chat is not None and chat.active  # a bad topic is not a dead chat


async def test_every_fault_at_once(
    server: BotApiServer, bot: Bot, store: Store, clock: FakeClock
) -> None:
    server.add_chat(GROUP, "group")
    server.add_chat(SUPER, "supergroup")
    store.upsert_chat(GROUP, "group")
    ids = add_alerts(store, [Recipient(A), Recipient(B), Recipient(C), Recipient(GROUP)], count=5)
    server.fail("sendMessage", "retry_after", times=2, retry_after=2)
    server.fail("sendMessage", "server_error", chat_id=B, times=2)
    server.fail("sendMessage", "parse_entities", chat_id=C, times=1)
    server.fail("sendMessage", "timeout", chat_id=C, times=1, hold=1.0, process=False)
    server.fail("sendMessage", "blocked", chat_id=A)
    server.fail("sendMessage", "migrate", chat_id=GROUP, migrate_to=SUPER)
    await drain(make_worker(store, bot, clock), store, clock)
    counts = audit(store, server, ids)
    assert counts == {"delivered": 15, "dead": 5}
    print(f"every fault at once: {counts}, server stats {server.stats()['errors']}")


async def test_real_clock_pacing_stays_within_telegram_limits(
    server: BotApiServer, bot: Bot, tmp_path: Path
) -> None:
    """Without AIORateLimiter the worker's own pacing keeps the server's flood checker quiet."""
    server.enforce_limits(RateLimits(per_chat_per_second=1.0, group_per_minute=20))
    server.add_chat(GROUP, "group")
    store = open_store(tmp_path / "real.db", utcnow)
    for chat in (A, B, GROUP):
        store.upsert_chat(chat, "group" if chat < 0 else "private")
    ids = add_alerts(store, [Recipient(A), Recipient(B), Recipient(GROUP)], count=3)
    worker = make_worker(store, bot, utcnow, pacing=Pacing(per_chat_interval=1.05))
    for _ in range(200):
        await worker.run_once()
        if store.outbox_counts() == {"sent": 9}:
            break
        await asyncio.sleep(0.05)
    assert store.outbox_counts() == {"sent": 9}
    assert server.stats()["rate_violations"] == 0
    assert audit(store, server, ids) == {"delivered": 9, "dead": 0}
