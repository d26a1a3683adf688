"""Digests: one message per chat (and topic) per period, grouping the chat's pending alerts.

A chat whose digest is ``hourly`` or ``daily`` gets no individual alerts (the
outbox worker leaves them here). An hourly digest goes when an hour has passed since
``last_digest_at`` (or it never had one); a daily one at the chat's
``digest_hour`` (local time), once a day (`hours.digest_due`). Its due alerts are
formatted with `format_digest`, sent and marked sent together; then ``last_digest_at``
moves to now. Quiet hours hold digests too; muted alerts are kept out as in the outbox.
When is `decide.decide_digest` (and `decide.decide` for each alert); this carries it out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import assert_never

from bot.delivery.decide import (
    AlertState,
    Backoff,
    Digest,
    DigestLater,
    DigestNow,
    Drop,
    FollowMigration,
    Hold,
    Mute,
    Send,
    Settlement,
    Skip,
    Wait,
    after_failure,
    decide,
    decide_digest,
    digest_silent,
)
from bot.delivery.errors import classify
from bot.delivery.format import format_digest
from bot.delivery.lifecycle import WorkerLifecycle
from bot.delivery.outbox import Clock, DeliveryReport, settle
from bot.delivery.sender import MessageSender, Outgoing, Sender
from bot.models import AlertView, Chat
from bot.store import Store


class DigestWorker(WorkerLifecycle):
    """Sends the digests that are due."""

    def __init__(
        self,
        store: Store,
        bot: MessageSender,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        part_gap: float = 1.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.sender = Sender(bot, part_gap=part_gap)
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.rand = rand
        super().__init__()

    async def run_once(self) -> DeliveryReport:
        """Send every digest that is due now."""
        report = DeliveryReport()
        now = self.clock()
        with self.running() as allowed:
            if not allowed:
                return report
            if self.paused(now):
                report.paused = True
                return report
            for chat in self.store.active_chats():
                if report.paused or self.stopping:
                    break
                decision = decide_digest(chat, now)
                match decision:
                    case DigestNow():
                        await self._digest(chat, now, report)
                    case DigestLater():
                        pass
                    case _:
                        assert_never(decision)
        return report

    async def _digest(self, chat: Chat, now: datetime, report: DeliveryReport) -> None:
        views = self._collect(chat, now, report)
        groups: dict[int, list[AlertView]] = {}
        for view in views:
            groups.setdefault(view.thread_id, []).append(view)
        delivered_all = True
        for thread_id, items in groups.items():
            delivered_all &= await self._send_group(chat, thread_id, items, report)
        if delivered_all and (views or chat.digest == "daily"):
            # A daily slot is spent even when it had nothing to send; an hourly period
            # starts only with a digest that went, so a run that found nothing does not
            # make the first alert of a quiet spell wait an hour.
            self.store.update_chat_settings(chat.id, last_digest_at=now)

    def _collect(self, chat: Chat, now: datetime, report: DeliveryReport) -> list[AlertView]:
        views = []
        for alert_id in self.store.due_digest_alert_ids(chat.id, now):
            view = self.store.alert_view(alert_id)
            if view is None:
                continue
            decision = decide(AlertState.of(view), chat, now)
            match decision:
                case Digest():
                    views.append(view)
                case Mute(reason=reason):
                    self.store.mark_muted(view.id, reason)
                    report.muted += 1
                case Send() | Hold() | Drop() | Wait() | Skip():
                    pass  # not a digest alert any more (the chat changed meanwhile)
                case _:
                    assert_never(decision)
        return views

    async def _send_group(
        self, chat: Chat, thread_id: int, views: list[AlertView], report: DeliveryReport
    ) -> bool:
        """Send one digest message; True when it arrived and its alerts are marked sent."""
        html = format_digest(views, chat.digest, tz=chat.timezone, now=self.clock())
        silent = digest_silent([AlertState.of(v) for v in views])
        out = Outgoing(chat.id, thread_id, html, silent=silent)
        try:
            message_id = await self.sender.send(out)
        except Exception as exc:  # classified, planned and recorded on every alert in it
            failure = classify(exc)
            now = self.clock()
            failed: list[tuple[AlertView, Settlement]] = []
            for view in views:
                plan = after_failure(
                    failure, attempts=view.attempts, now=now, backoff=self.backoff, draw=self.rand()
                )
                match plan:
                    case FollowMigration(new_chat_id=new_id):
                        self.store.migrate_chat(chat.id, new_id)
                        self.store.move_chat_alerts(chat.id, new_id)
                        return False  # the alerts follow the chat; the next run sends them
                    case _:
                        failed.append((view, plan))
            pause = settle(self.store, chat.id, failure.reason, failed, report)
            self.paused_until = pause or self.paused_until
            return False
        with self.store.transaction():  # all or none: a crash cannot half-mark a digest
            for view in views:
                self.store.mark_sent(view.id, message_id, outcome="digest")
        report.sent += len(views)
        return True
