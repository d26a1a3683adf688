"""The outbox worker against a fake bot raising Telegram's errors, over a real SQLite store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.decide import Backoff
from bot.delivery.format import format_alert, split_html, validate_telegram_html
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import Pacing
from bot.errors import DeliveryError
from bot.models import Match, Recipient
from bot.store import Store
from tests.support.clock import FakeClock, settled
from tests.support.delivery import FakeBot, add_alerts, gated_bot, open_store

A, B = 1001, 1002


@pytest.fixture
def store(delivery_store: Store) -> Store:
    s = delivery_store
    s.upsert_chat(A, "private")
    s.upsert_chat(B, "private")
    return s


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


def worker(store: Store, bot: FakeBot, clock: FakeClock, **kw: Any) -> OutboxWorker:
    kw.setdefault("pacing", Pacing.unlimited())
    kw.setdefault("part_gap", 0)
    kw.setdefault("rand", lambda: 0.5)  # no jitter: backoff times are exact
    return OutboxWorker(store, bot, clock, **kw)


def states(store: Store) -> dict[str, int]:
    return store.outbox_counts()


async def test_due_alerts_are_sent_once_with_buttons_and_no_preview(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    ids = add_alerts(store, [Recipient(A), Recipient(B)], count=2)
    w = worker(store, bot, clock)
    report = await w.run_once()
    assert report.sent == 4 and states(store) == {"sent": 4}
    first = bot.sent[0]
    assert first.kwargs["parse_mode"] == ParseMode.HTML
    assert first.kwargs["link_preview_options"].is_disabled is True
    buttons = first.kwargs["reply_markup"].inline_keyboard[0]
    assert [b.callback_data for b in buttons] == [f"d:{ids[0]}", f"m:{ids[0]}"]
    assert "message_thread_id" not in first.kwargs
    # idempotent: nothing is due any more
    assert (await w.run_once()).sent == 0 and len(bot.sent) == 4
    view = store.alert_view(ids[0])
    assert view is not None and view.state == "sent" and view.attempts == 1
    assert [r["outcome"] for r in store.delivery_log(ids[0])] == ["sent"]


async def test_forum_topic_and_silent_low_priority(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A, thread_id=7)], priority="low")
    await worker(store, bot, clock).run_once()
    assert bot.sent[0].kwargs["message_thread_id"] == 7
    assert bot.sent[0].kwargs["disable_notification"] is True


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("retry_after", [3, timedelta(seconds=3)])
async def test_retry_after_pauses_and_does_not_count_as_an_attempt(
    store: Store, bot: FakeBot, clock: FakeClock, retry_after: Any
) -> None:
    (alert,) = add_alerts(store, [Recipient(A)])
    bot.fail(RetryAfter(retry_after))
    w = worker(store, bot, clock)
    report = await w.run_once()
    assert report.paused and report.retried == 1
    view = store.alert_view(alert)
    assert view is not None and view.state == "failed" and view.attempts == 0
    clock.advance(2)
    assert (await w.run_once()).paused and bot.sent == []  # still waiting
    clock.advance(1)
    assert (await w.run_once()).sent == 1
    view = store.alert_view(alert)
    assert view is not None and view.state == "sent" and view.attempts == 1


@pytest.mark.parametrize(
    "error",
    [
        Forbidden("Forbidden: bot was blocked by the user"),
        BadRequest("Chat not found"),
    ],
)
async def test_unreachable_chat_is_deactivated_and_its_alerts_dead(
    store: Store, bot: FakeBot, clock: FakeClock, error: Exception
) -> None:
    add_alerts(store, [Recipient(A), Recipient(B)], count=3)
    bot.fail(error, chat_id=A)
    report = await worker(store, bot, clock).run_once()
    chat = store.get_chat(A)
    assert chat is not None and not chat.active
    assert report.dead == 3 and report.sent == 3
    assert bot.texts(A) == [] and len(bot.texts(B)) == 3
    failed = store.failed_alerts()
    assert len(failed) == 3 and all(v.chat_id == A and v.state == "dead" for v in failed)
    assert all(str(error) in (v.last_error or "") for v in failed)


async def test_migrated_group_moves_and_resends(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    store.upsert_chat(-5, "group", "Old group")
    ids = add_alerts(store, [Recipient(-5)], count=2)
    bot.fail(ChatMigrated(-1005), chat_id=-5)
    report = await worker(store, bot, clock).run_once()
    assert report.sent == 2
    assert bot.texts(-5) == [] and len(bot.texts(-1005)) == 2
    old, new = store.get_chat(-5), store.get_chat(-1005)
    assert old is not None and not old.active
    assert new is not None and new.active
    for alert_id in ids:
        view = store.alert_view(alert_id)
        assert view is not None and view.chat_id == -1005 and view.state == "sent"


async def test_unparsable_html_is_resent_as_plain_text(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    (alert,) = add_alerts(store, [Recipient(A)], title="Tom & Jerry <sanctions>")
    bot.fail(BadRequest("Can't parse entities: unsupported start tag"))
    await worker(store, bot, clock).run_once()
    (sent,) = bot.sent
    assert "parse_mode" not in sent.kwargs
    assert "\nTom & Jerry <sanctions> (https://" in sent.text  # the headline, unescaped
    assert "<b>" not in sent.text
    assert sent.kwargs["reply_markup"] is not None
    outcomes = [r["outcome"] for r in store.delivery_log(alert)]
    assert outcomes == ["sent", "fallback"]


async def test_too_long_is_split_further_and_buttons_go_last(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A)])
    bot.fail(BadRequest("Message is too long"))
    await worker(store, bot, clock).run_once()
    assert len(bot.sent) >= 2
    assert all("reply_markup" not in s.kwargs for s in bot.sent[:-1])
    assert bot.sent[-1].kwargs["reply_markup"] is not None
    assert all(validate_telegram_html(s.text) == [] for s in bot.sent)
    assert states(store) == {"sent": 1}


@pytest.mark.parametrize(
    "error",
    [TimedOut(), NetworkError("Bad Gateway"), NetworkError("Internal Server Error (500)")],
)
async def test_transient_errors_back_off_then_dead_letter(
    store: Store, bot: FakeBot, clock: FakeClock, error: Exception
) -> None:
    (alert,) = add_alerts(store, [Recipient(A)])
    backoff = Backoff(base=10, cap=40, max_attempts=4, jitter=0)
    w = worker(store, bot, clock, backoff=backoff)
    bot.fail(*[error] * 4)
    waits = []
    for _ in range(3):
        before = clock.now
        assert (await w.run_once()).retried == 1
        view = store.alert_view(alert)
        assert view is not None and view.state == "failed"
        assert [v.id for v in store.failed_alerts()] == [alert]  # failing is visible too
        due = store.db.execute("SELECT next_attempt_at FROM alerts WHERE id = ?", [alert])
        waits.append(due.fetchone()[0])
        clock.advance(1)
        assert (await w.run_once()).total() == 0  # not due yet
        clock.now = before + timedelta(seconds=41)  # past every wait (the cap is 40)
    assert [w_[11:19] for w_ in waits] == ["12:00:10", "12:01:01", "12:02:02"]  # +10, +20, +40
    assert (await w.run_once()).dead == 1
    view = store.alert_view(alert)
    assert view is not None and view.state == "dead" and view.attempts == 4
    assert [v.id for v in store.failed_alerts()] == [alert]
    assert bot.sent == []


async def test_other_bad_requests_are_dead_at_once(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    (alert,) = add_alerts(store, [Recipient(A, thread_id=9)])
    bot.fail(BadRequest("Message thread not found"))
    assert (await worker(store, bot, clock).run_once()).dead == 1
    view = store.alert_view(alert)
    assert (
        view is not None and view.state == "dead" and "thread not found" in (view.last_error or "")
    )
    chat = store.get_chat(A)
    assert chat is not None and chat.active  # the chat itself is fine


async def test_unexpected_exceptions_are_retried_not_fatal(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A)], count=2)
    bot.fail(RuntimeError("boom"))
    report = await worker(store, bot, clock).run_once()
    assert report.retried == 1 and report.sent == 1


async def test_invalid_token_stops_and_touches_nothing(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    (alert,) = add_alerts(store, [Recipient(A)])
    bot.fail(InvalidToken("Unauthorized"))
    w = worker(store, bot, clock)
    with pytest.raises(DeliveryError):
        await w.run_once()
    view = store.alert_view(alert)
    assert view is not None and view.state == "pending" and view.attempts == 0
    assert (await w.run_once()).sent == 1  # a later run (fixed token) goes on


async def test_inactive_chat_alerts_become_dead(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A)], count=2)
    store.set_chat_active(A, False)
    report = await worker(store, bot, clock).run_once()
    assert report.dead == 2 and bot.sent == []
    assert {v.last_error for v in store.failed_alerts()} == {"chat is inactive"}


async def test_quiet_hours_hold_normal_alerts_until_the_window_ends(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    # 12:00 UTC is 21:00 in Tokyo: inside a 20-07 window that wraps midnight.
    store.update_chat_settings(A, timezone="Asia/Tokyo", quiet_start=20, quiet_end=7)
    (normal,) = add_alerts(store, [Recipient(A)])
    (urgent,) = add_alerts(store, [Recipient(A)], priority="urgent")
    w = worker(store, bot, clock)
    report = await w.run_once()
    assert report.sent == 1 and report.held == 1
    assert "report number" in bot.sent[0].text and bot.sent[0].text.startswith("🚨")
    due = store.db.execute("SELECT next_attempt_at FROM alerts WHERE id = ?", [normal]).fetchone()
    assert due[0] == "2026-11-27T22:00:00+00:00"  # 07:00 in Tokyo
    clock.advance(9 * 3600)
    assert (await w.run_once()).sent == 0  # 06:00 in Tokyo: still quiet
    clock.advance(3600)
    assert (await w.run_once()).sent == 1
    assert {store.alert_view(i).state for i in (normal, urgent)} == {"sent"}  # type: ignore[union-attr]


async def test_muted_rule_alerts_are_dropped_not_delayed(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    store.mute(A, "pack:eu", clock.now + timedelta(hours=24))
    muted = add_alerts(store, [Recipient(A), Recipient(B)])
    other = add_alerts(store, [Recipient(A)], rule_key="pack:un", rule_name="UN")
    w = worker(store, bot, clock)
    report = await w.run_once()
    assert report.muted == 1 and report.sent == 2
    assert len(bot.texts(A)) == 1 and "UN" in bot.texts(A)[0]
    clock.advance(25 * 3600)  # the mute is over: the dropped alert does not come back
    assert (await w.run_once()).sent == 0
    assert store.alert_view(muted[0]).state == "muted"  # type: ignore[union-attr]
    assert store.alert_view(other[0]).state == "sent"  # type: ignore[union-attr]


async def test_pacing_spaces_messages_per_chat_and_per_group(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    store.upsert_chat(-7, "supergroup", "Group")
    add_alerts(store, [Recipient(A), Recipient(-7)], count=25)
    w = worker(store, bot, clock, pacing=Pacing(1.0, 20, 25), batch=100)
    first = await w.run_once()
    assert first.sent == 2 and first.deferred == 4  # one per chat per second; 3 looked at
    for _ in range(30):
        clock.advance(1)
        await w.run_once()
    assert len(bot.texts(A)) == 25  # private: one a second
    assert len(bot.texts(-7)) == 20  # group: 20 a minute
    clock.advance(30)
    for _ in range(5):
        clock.advance(1)
        await w.run_once()
    assert len(bot.texts(-7)) == 25


async def test_global_pacing_caps_a_run(store: Store, bot: FakeBot, clock: FakeClock) -> None:
    chats = [Recipient(2000 + n) for n in range(40)]
    for r in chats:
        store.upsert_chat(r.chat_id)
    add_alerts(store, chats)
    w = worker(store, bot, clock, pacing=Pacing(1.0, 20, 25), batch=100)
    assert (await w.run_once()).sent == 25
    # A run that finds the overall limit used up defers (the loop comes back in moments
    # instead of after its idle interval: 24 instead of 29 msg/s in bench/fanout).
    again = await w.run_once()
    assert again.sent == 0 and again.deferred >= 1
    clock.advance(1)
    assert (await w.run_once()).sent == 15


async def test_restart_resumes_a_split_message_after_the_last_recorded_part(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = open_store(tmp_path / "bot.db", clock)
    store.upsert_chat(A)
    (alert,) = add_alerts(store, [Recipient(A)])

    class Crash(BaseException):
        pass

    crashing = FakeBot()

    async def send(chat_id: int | str, text: str, **kwargs: Any) -> Any:
        if len(crashing.sent) == 2:  # the process dies while sending the third part
            raise Crash()
        return await FakeBot.send_message(crashing, chat_id, text, **kwargs)

    crashing.send_message = send  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await worker(store, crashing, clock, message_limit=120).run_once()
    assert store.parts_sent(alert) == 2
    store.close()

    reopened = open_store(tmp_path / "bot.db", clock)
    fresh = FakeBot()
    await worker(reopened, fresh, clock, message_limit=120).run_once()
    total = len(crashing.sent) + len(fresh.sent)
    view = reopened.alert_view(alert)
    assert view is not None and view.state == "sent"
    assert total == len(split_html(format_alert(view), 120))  # every part exactly once
    assert [s.text for s in crashing.sent + fresh.sent] == split_html(format_alert(view), 120)


async def test_stop_lets_the_send_in_flight_finish_and_be_recorded(
    store: Store, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A)], count=3)
    gate = asyncio.Event()
    entered = asyncio.Event()
    slow = gated_bot(entered, gate)
    w = worker(store, slow, clock)
    run = asyncio.create_task(w.run_once())
    await asyncio.wait_for(entered.wait(), 20)
    stopping = asyncio.create_task(w.stop())
    at_stop: list[dict[str, int]] = []  # what the store shows when stop() returns
    stopping.add_done_callback(lambda _: at_stop.append(states(store)))
    await settled(lambda: w.stopping)  # stop() began; it returns only once nothing is in flight
    assert not stopping.done()  # waits for the message in flight
    gate.set()
    await asyncio.wait_for(stopping, 20)
    assert at_stop == [{"sent": 1, "pending": 2}]  # recorded before stop() returned
    report = await run
    assert report.sent == 1 and len(slow.sent) == 1
    assert states(store) == {"sent": 1, "pending": 2}
    assert (await w.run_once()).sent == 0  # stopped: takes nothing new


async def test_one_chats_backlog_does_not_hold_up_the_others(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A)], count=60)  # older than B's alert
    add_alerts(store, [Recipient(B)])
    w = worker(store, bot, clock, pacing=Pacing(1.0, 20, 25), batch=20)
    report = await w.run_once()
    assert report.sent == 2
    assert len(bot.texts(B)) == 1


async def test_a_formatting_bug_dead_letters_the_alert_not_the_queue(
    store: Store, bot: FakeBot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = add_alerts(store, [Recipient(A)], count=2)

    def broken(view: Any) -> str:
        if view.id == first:
            raise KeyError("bad highlight")
        return format_alert(view)

    monkeypatch.setattr("bot.delivery.outbox.format_alert", broken)
    report = await worker(store, bot, clock).run_once()
    assert report.dead == 1 and report.sent == 1
    (failed,) = store.failed_alerts()
    assert failed.id == first and "cannot format" in (failed.last_error or "")


async def test_one_story_fired_by_two_rules_arrives_once_naming_both(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    [first] = add_alerts(store, [Recipient(A)], rule_key="pack:ep", rule_name="EP resolutions")
    view = store.alert_view(first)
    assert view is not None
    article = store.get_article(view.article_id)
    assert article is not None
    second_match = Match(
        rule_key="pack:calls",
        rule_name="Calls for sanctions",
        doc_id=str(article.id),
        witnesses=(),
        countries=("RU",),
        summary=view.summary,
        highlights=(),
        explanation="x",
    )
    # The second rule joins A's alert for the story (no second alert); B gets its own.
    [second_b] = store.record_match(article, second_match, [Recipient(A), Recipient(B)])
    report = await worker(store, bot, clock).run_once()
    to_a = [m for m in bot.sent if m.chat_id == A]
    assert len(to_a) == 1, "one message per story and chat"
    assert "EP resolutions" in to_a[0].text and "Calls for sanctions" in to_a[0].text
    assert [m.chat_id for m in bot.sent].count(B) == 1  # B only has the second rule
    assert report.sent == 2
    for alert_id in (first, second_b):
        sent = store.alert_view(alert_id)
        assert sent is not None and sent.state == "sent"
    assert store.count_alerts(A) == 1


async def test_run_forever_goes_again_at_once_while_busy_and_stops_cleanly(
    store: Store, bot: FakeBot, clock: FakeClock
) -> None:
    add_alerts(store, [Recipient(A), Recipient(B)], count=3)
    w = worker(store, bot, clock, batch=2)
    task = asyncio.create_task(w.run_forever(interval=30, busy_pause=0))
    # Three batches are needed; with a 30 s idle wait between busy runs this would time out.
    for _ in range(200):
        if states(store) == {"sent": 6}:
            break
        await asyncio.sleep(0.01)
    assert states(store) == {"sent": 6}
    await w.stop()
    await asyncio.wait_for(task, timeout=5)  # stop() cuts the 30 s idle wait short
    assert len(bot.sent) == 6
