"""The outbox worker: delivers due alerts, one recorded step at a time.

It reads an alert and its chat, asks `bot.delivery.decide` what to do (`decide`, and
`after_failure` when a send fails), and carries the answer out: the policy lives
there, as a table of decisions, not here.

Guarantees: every send is recorded in the store right after Telegram answers,
so a crash can repeat at most the message that was in flight, never lose one;
every failure ends as a retry with backoff or as a dead alert that admins see
(`store.failed_alerts()`), never as silence.

What it carries out (see decide.py for when): send (silently in quiet hours, for old
items and low priority), hold until the quiet window ends, mark muted (listed by /recent,
never sent later), kill the alerts of an inactive chat, leave digest chats to
`bot.delivery.digest`, wait for the pacing; after a failure retry at T, dead, deactivate
the chat, follow a migration, or stop. Then due edits (`AlertEditor`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import assert_never

from bot.delivery.decide import (
    KEEPS_MIGRATING,
    AlertDecision,
    AlertState,
    Backoff,
    Deactivate,
    Digest,
    Drop,
    FollowMigration,
    GiveUp,
    Halt,
    Hold,
    Mute,
    Pace,
    RetryAt,
    Send,
    Settlement,
    Skip,
    Wait,
    after_failure,
    decide,
)
from bot.delivery.edits import AlertEditor
from bot.delivery.errors import Failure, classify
from bot.delivery.format import alert_keyboard, format_alert
from bot.delivery.htmlsplit import TELEGRAM_LIMIT
from bot.delivery.lifecycle import WorkerLifecycle
from bot.delivery.ratelimit import Pacer, Pacing
from bot.delivery.sender import MessageSender, Outgoing, Sender, is_group
from bot.errors import DeliveryError
from bot.models import AlertView, Chat
from bot.store import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


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
            if self.stopping or report.paused:
                break
            if not self.pacer.global_ready(self.clock()):
                # The overall limit, not an idle queue: counted as deferred so that the
                # loop runs again in moments rather than after its idle interval.
                report.deferred += 1
                break
            view = self.store.alert_view(alert_id)
            if view is None:
                continue  # gone meanwhile
            chat = chats.get(view.chat_id) or self._chat(view.chat_id)
            chats[chat.id] = chat
            pace = Pace(
                wait=self.pacer.chat_wait(chat.id, is_group(chat), self.clock()),
                max_wait=self.max_wait,
                queued=any(c.id == chat.id for _, c, _ in nearly),
            )
            decision = decide(AlertState.of(view), chat, now, pace)
            if await self._carry_out(decision, view, chat, report, nearly):
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
            if self.stopping or report.paused:
                report.deferred += 1
                continue
            pace = Pace(  # no second wait: what is not allowed now goes to the next run
                wait=self.pacer.chat_wait(chat.id, is_group(chat), now),
                overall_ready=self.pacer.global_ready(now),
            )
            await self._carry_out(decide(AlertState.of(view), chat, now, pace), view, chat, report)

    async def _carry_out(
        self,
        decision: AlertDecision,
        view: AlertView,
        chat: Chat,
        report: DeliveryReport,
        nearly: list[tuple[AlertView, Chat, float]] | None = None,
    ) -> bool:
        """Do what `decide` said; True when a message was attempted. `nearly`: where this
        run keeps the alerts it waits for (none on the second look)."""
        match decision:
            case Send(silent=silent):
                await self._deliver(view, chat, silent, report)
                return True
            case Wait(seconds=seconds, brief=True) if nearly is not None:
                nearly.append((view, chat, seconds))
            case Hold(until=until, reason=reason):
                self.store.hold_alert(view.id, until, reason)
                report.held += 1
            case Mute(reason=reason):
                self.store.mark_muted(view.id, reason)
                report.muted += 1
            case Drop(reason=reason):
                report.dead += self.store.kill_chat_alerts(chat.id, reason)
            case Wait():
                report.deferred += 1
            case Digest() | Skip():
                pass  # the digest worker's, or handled meanwhile (chat killed, migrated, admin)
            case _:
                assert_never(decision)
        return False

    def _chat(self, chat_id: int) -> Chat:
        return self.store.get_chat(chat_id) or Chat(id=chat_id)

    async def _deliver(
        self, view: AlertView, chat: Chat, silent: bool, report: DeliveryReport
    ) -> None:
        """Send one alert and record the result; follows a migrated chat.

        The alert already names every rule that fired on its story in this chat and
        every copy of it (`bot.store.matches`): one message per story, not per pack.
        """
        try:
            out = Outgoing(
                chat_id=chat.id,
                thread_id=view.thread_id,
                html=format_alert(view),
                keyboard=alert_keyboard(view.id),
                silent=silent,
            )
        except Exception as exc:  # a formatting bug must not block the queue behind it
            log.exception("outbox: cannot format alert %s", view.id)
            failure = Failure("permanent", f"cannot format: {type(exc).__name__}: {exc}")
            self._failed(view, chat.id, failure, 0, report)
            return

        async def part_done(part: int, total: int, message_id: int, resumable: bool) -> None:
            # Counted from when Telegram answered: the next send starts after it, so the
            # gap Telegram sees between two arrivals is never shorter than the interval.
            self.pacer.record(out.chat_id, is_group(chat), self.clock())
            if part < total and resumable:
                self.store.mark_part_sent(view.id, part, message_id)

        migrations = 0
        while True:
            try:
                message_id = await self.sender.send(
                    out, skip=self.store.parts_sent(view.id), on_part=part_done
                )
            except Exception as exc:  # every failure is classified, planned and recorded
                again = self._failed(view, out.chat_id, classify(exc), migrations, report)
                if again is None:
                    return
                out, migrations = replace(out, chat_id=again), migrations + 1
                continue
            self.store.mark_sent(view.id, message_id, links_shown=view.links)
            for note in self.sender.notes:
                self.store.log_delivery(view.id, "fallback", note)
            report.sent += 1
            return

    def _failed(
        self,
        view: AlertView,
        chat_id: int,
        failure: Failure,
        migrations: int,
        report: DeliveryReport,
    ) -> int | None:
        """Carry out `after_failure`'s plan; returns the chat id to send to again (migrated)."""
        plan = after_failure(
            failure,
            attempts=view.attempts,
            now=self.clock(),
            backoff=self.backoff,
            draw=self.rand(),
            migrations=migrations,
        )
        match plan:
            case FollowMigration(new_chat_id=new_id, resend=resend):
                self._migrate(chat_id, new_id)
                if resend:
                    return new_id
                self._settle(view, new_id, KEEPS_MIGRATING.reason, KEEPS_MIGRATING, report)
            case RetryAt() | GiveUp() | Deactivate() | Halt():
                self._settle(view, chat_id, failure.reason, plan, report)
            case _:
                assert_never(plan)
        return None

    def _migrate(self, old_id: int, new_id: int) -> None:
        log.info("outbox: chat %s migrated to %s", old_id, new_id)
        self.store.migrate_chat(old_id, new_id)
        self.store.move_chat_alerts(old_id, new_id)

    def _settle(
        self, view: AlertView, chat_id: int, reason: str, plan: Settlement, report: DeliveryReport
    ) -> None:
        pause = settle(self.store, chat_id, reason, [(view, plan)], report)
        if pause is not None:
            self.paused_until = pause


def settle(
    store: Store,
    chat_id: int,
    reason: str,
    failed: Sequence[tuple[AlertView, Settlement]],
    report: DeliveryReport,
) -> datetime | None:
    """Record what `after_failure` planned for these alerts (one failed send of `chat_id`);
    returns until when to pause after a RetryAfter."""
    report.errors.append(reason)
    pause: datetime | None = None
    deactivated = False
    for view, plan in failed:
        match plan:
            case Halt(reason=why):
                raise DeliveryError(f"cannot deliver at all: {why}")
            case RetryAt(at=at, reason=why, counts=counts, pause=pausing):
                store.mark_retry(view.id, why, at, count=counts)
                report.retried += 1
                if pausing:
                    report.paused = True
                    pause = at
            case Deactivate(reason=why):
                if deactivated:
                    continue  # the first one killed every alert of the chat
                log.info("delivery: chat %s unreachable (%s); deactivated", chat_id, why)
                store.set_chat_active(chat_id, False)
                report.dead += store.kill_chat_alerts(chat_id, why)
                deactivated = True
            case GiveUp(reason=why):
                store.mark_dead(view.id, why)
                report.dead += 1
                log.warning("delivery: alert %s is dead: %s", view.id, why)
            case _:
                assert_never(plan)
    return pause
