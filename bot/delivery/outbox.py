"""The outbox worker: delivers due alerts, one recorded step at a time.

Guarantees: every send is recorded in the store right after Telegram answers,
so a crash can repeat at most the message that was in flight, never lose one;
every failure ends as a retry with backoff or as a dead alert that admins see
(`store.failed_alerts()`), never as silence.

Delivery modes:
* quiet hours hold non-urgent alerts (next_attempt_at moves to the window's end);
  urgent ones come through, without sound;
* old items (published days before they were alerted) come without sound;
* an alert whose story, or every one of its rules, is muted becomes ``muted`` when it
  comes due: not sent, but listed by /recent (muting means "not these", not "later");
* digest chats get no individual messages: `bot.delivery.digest` sends them;
* a sent alert that gained a copy or an official lead (`edit_due`) has its message
  edited in place (editMessageText; edits make no sound), or, when it cannot be
  edited, gets a short silent reply.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.delivery.edits import AlertEditor
from bot.delivery.errors import Failure, classify
from bot.delivery.format import alert_keyboard, format_alert
from bot.delivery.htmlsplit import TELEGRAM_LIMIT
from bot.delivery.lifecycle import WorkerLifecycle
from bot.delivery.quiet import quiet_until
from bot.delivery.ratelimit import Pacer, Pacing
from bot.delivery.sender import MessageSender, Outgoing, Sender, is_group
from bot.delivery.timefmt import is_old
from bot.errors import DeliveryError
from bot.models import AlertView, Chat
from bot.store import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff for transient errors, then the dead letter."""

    base: float = 5.0  # seconds before the first retry
    cap: float = 1800.0  # never wait longer than this between attempts
    max_attempts: int = 10  # attempts before an alert is dead
    jitter: float = 0.1  # +- fraction, so retries of many alerts spread out

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        raw = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return timedelta(seconds=raw * (1 + self.jitter * (2 * rand() - 1)))


@dataclass
class DeliveryReport:
    """What one run of a worker did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0
    muted: int = 0
    edited: int = 0  # sent alerts whose message was brought up to date
    deferred: int = 0  # due but not allowed yet by the pacing
    paused: bool = False  # a RetryAfter is being honoured
    errors: list[str] = field(default_factory=list)

    def total(self) -> int:
        """Alerts this run touched."""
        return self.sent + self.retried + self.dead + self.held + self.muted


class OutboxWorker(WorkerLifecycle):
    """Drains the alert outbox into Telegram."""

    def __init__(
        self,
        store: Store,
        bot: MessageSender,
        clock: Clock,
        *,
        pacing: Pacing | None = None,
        backoff: Backoff | None = None,
        batch: int = 30,  # per run; the app runs the worker every second, Telegram allows ~30/s
        per_chat: int = 3,
        part_gap: float = 1.0,
        message_limit: int = TELEGRAM_LIMIT,
        max_wait: float = 0.25,
        rand: Callable[[], float] = random.random,
        on_report: Callable[[DeliveryReport], None] | None = None,
    ) -> None:
        self.store = store
        self.on_report = on_report  # metrics (bot/ops/metrics.py)
        self.sender = Sender(bot, part_gap=part_gap, limit=message_limit)
        self.clock = clock
        self.pacer = Pacer(pacing or Pacing())
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.per_chat = per_chat  # alerts of one chat considered per run (fairness)
        self.max_wait = max_wait  # seconds a run may wait for a chat that is almost allowed
        self.rand = rand
        self.editor = AlertEditor(store, bot, self.pacer)
        super().__init__()

    async def run_forever(self, interval: float = 1.0, busy_pause: float = 0.01) -> None:
        """Deliver until stop(): again almost at once while alerts are going out, else every `interval`.

        A fixed one-second tick skips the next tick whenever a run of ~30 sends takes
        a second, which halves the rate (measured in bench/fanout); running again as
        soon as a busy run ends (after 10 ms) keeps the worker at the pacing limit instead.
        """
        while not self.stopping:
            try:
                report = await self.run_once()
            except DeliveryError as exc:
                log.error("outbox: %s", exc)
                report = DeliveryReport(paused=True)
            except Exception:  # a bug in one run must not end delivery for good
                log.exception("outbox: run failed")
                report = DeliveryReport(paused=True)
            busy = (report.sent or report.edited or report.deferred) and not report.paused
            await self.nap(busy_pause if busy else interval)

    # -- one pass ---------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> DeliveryReport:
        """Send what is due now (at most `limit`, default the batch size)."""
        report = DeliveryReport()
        now = self.clock()
        with self.running() as allowed:
            if not allowed:
                return report  # stopping, or a run is already going (overlapping job)
            if self.paused(now):
                report.paused = True
                return report
            await self._run(now, limit or self.batch, report)
            if not report.paused and not self.stopping:
                pause = await self.editor.run_once(self.clock, report)
                if pause is not None:
                    self.paused_until = pause
        if self.on_report is not None:
            self.on_report(report)
        return report

    async def _run(self, now: datetime, limit: int, report: DeliveryReport) -> None:
        chats: dict[int, Chat] = {}
        nearly: list[tuple[AlertView, Chat, float]] = []  # allowed within max_wait seconds
        for alert_id in self.store.due_alert_ids(now, limit, self.per_chat):
            if self.stopping or report.paused or not self.pacer.global_ready(self.clock()):
                break
            view = self.store.alert_view(alert_id)
            if view is None or view.state not in ("pending", "failed"):
                continue  # handled meanwhile (chat killed, migrated, admin)
            chat = chats.get(view.chat_id) or self._chat(view.chat_id)
            chats[chat.id] = chat
            if not self._admissible(view, chat, now, report):
                continue
            wait = self.pacer.chat_wait(chat.id, is_group(chat), self.clock())
            if wait > 0:
                waiting = any(c.id == chat.id for _, c, _ in nearly)
                if wait <= self.max_wait and not waiting:
                    nearly.append((view, chat, wait))
                else:
                    report.deferred += 1
                continue
            await self._deliver(view, chat, now, report)
            chats.pop(chat.id, None)  # reread: a delivery may have changed the chat
            await asyncio.sleep(0)  # let command replies in between alerts
        await self._send_nearly_ready(nearly, report)

    async def _send_nearly_ready(
        self, nearly: list[tuple[AlertView, Chat, float]], report: DeliveryReport
    ) -> None:
        """Chats whose pause ends within `max_wait`: wait once, then send what is allowed.

        Without this a job that runs every second would find a chat 0.99 s after
        its last message and skip it for a whole interval, halving the rate.
        """
        if not nearly or self.stopping or report.paused:
            report.deferred += len(nearly)
            return
        await asyncio.sleep(max(wait for _, _, wait in nearly))
        for view, chat, _ in nearly:
            now = self.clock()
            ready = self.pacer.chat_ready(chat.id, is_group(chat), now)
            if self.stopping or report.paused or not ready or not self.pacer.global_ready(now):
                report.deferred += 1
                continue
            await self._deliver(view, chat, now, report)

    def _chat(self, chat_id: int) -> Chat:
        return self.store.get_chat(chat_id) or Chat(id=chat_id)

    def _admissible(
        self, view: AlertView, chat: Chat, now: datetime, report: DeliveryReport
    ) -> bool:
        """Decide holds and drops before sending; True when the alert may go now."""
        if not chat.active:
            report.dead += self.store.kill_chat_alerts(chat.id, "chat is inactive")
            return False
        if view.muted:
            self.store.mark_muted(view.id, "story or rules muted in this chat")
            report.muted += 1
            return False
        until = quiet_until(chat, now) if not comes_through_quiet(view) else None
        if until is not None:
            self.store.hold_alert(view.id, until, "quiet hours")
            report.held += 1
            return False
        return True

    async def _deliver(
        self, view: AlertView, chat: Chat, now: datetime, report: DeliveryReport
    ) -> None:
        """Send one alert and record the result; follows a migrated chat once.

        The alert already names every rule that fired on its story in this chat and
        every copy of it (`bot.store.matches`): one message per story, not per pack.
        """
        try:
            out = Outgoing(
                chat_id=chat.id,
                thread_id=view.thread_id,
                html=format_alert(view),
                keyboard=alert_keyboard(view.id),
                silent=silent(view, quiet_until(chat, now) is not None),
            )
        except Exception as exc:  # a formatting bug must not block the queue behind it
            log.exception("outbox: cannot format alert %s", view.id)
            failure = Failure("permanent", f"cannot format: {type(exc).__name__}: {exc}")
            self._record_failure(view, chat.id, failure, report)
            return

        async def part_done(part: int, total: int, message_id: int, resumable: bool) -> None:
            # Counted from when Telegram answered: the next send starts after it, so the
            # gap Telegram sees between two arrivals is never shorter than the interval.
            self.pacer.record(out.chat_id, is_group(chat), self.clock())
            if part < total and resumable:
                self.store.mark_part_sent(view.id, part, message_id)

        for _ in range(3):  # a migrated chat is retried at its new id
            try:
                message_id = await self.sender.send(
                    out, skip=self.store.parts_sent(view.id), on_part=part_done
                )
            except Exception as exc:  # every failure is classified and recorded
                failure = classify(exc)
                if failure.kind == "migrated" and failure.new_chat_id:
                    self._migrate(out.chat_id, failure.new_chat_id)
                    out = replace(out, chat_id=failure.new_chat_id)
                    continue
                self._record_failure(view, out.chat_id, failure, report)
                return
            self.store.mark_sent(view.id, message_id, links_shown=view.links)
            for note in self.sender.notes:
                self.store.log_delivery(view.id, "fallback", note)
            report.sent += 1
            return
        self._record_failure(
            view, out.chat_id, Failure("permanent", "chat keeps migrating"), report
        )

    def _migrate(self, old_id: int, new_id: int) -> None:
        log.info("outbox: chat %s migrated to %s", old_id, new_id)
        self.store.migrate_chat(old_id, new_id)
        self.store.move_chat_alerts(old_id, new_id)

    def _record_failure(
        self, view: AlertView, chat_id: int, failure: Failure, report: DeliveryReport
    ) -> None:
        pause = record_failure(
            self.store, [view], chat_id, failure, self.backoff, self.clock(), report, self.rand
        )
        if pause is not None:
            self.paused_until = pause


def comes_through_quiet(view: AlertView) -> bool:
    """Urgent alerts are not held by quiet hours (old items are never urgent)."""
    return view.priority == "urgent" and not is_old(view.published, view.created)


def silent(view: AlertView, quiet: bool) -> bool:
    """Whether the alert goes out without a notification sound."""
    return view.priority == "low" or quiet or is_old(view.published, view.created)


def record_failure(
    store: Store,
    views: list[AlertView],
    chat_id: int,
    failure: Failure,
    backoff: Backoff,
    now: datetime,
    report: DeliveryReport,
    rand: Callable[[], float] = random.random,
) -> datetime | None:
    """Record a failed send of these alerts; returns until when to pause after a RetryAfter."""
    report.errors.append(failure.reason)
    if failure.kind == "fatal":
        raise DeliveryError(f"cannot deliver at all: {failure.reason}")
    if failure.kind == "flood":
        until = now + timedelta(seconds=failure.retry_after)
        for view in views:
            store.mark_retry(view.id, failure.reason, until, count=False)
        report.paused = True
        report.retried += len(views)
        return until
    if failure.kind == "gone":
        log.info("delivery: chat %s unreachable (%s); deactivated", chat_id, failure.reason)
        store.set_chat_active(chat_id, False)
        report.dead += store.kill_chat_alerts(chat_id, failure.reason)
        return None
    for view in views:
        if failure.kind == "transient" and view.attempts + 1 < backoff.max_attempts:
            delay = backoff.delay(view.attempts + 1, rand)
            store.mark_retry(view.id, failure.reason, now + delay)
            report.retried += 1
        else:  # permanent, unsplittable, migrating in circles, or out of attempts
            store.mark_dead(view.id, failure.reason)
            report.dead += 1
            log.warning("delivery: alert %s is dead: %s", view.id, failure.reason)
    return None
