"""Digests: one message per chat (and topic) per period, grouping the chat's pending alerts.

A chat whose digest is ``hourly`` or ``daily`` gets no individual alerts (the
outbox worker skips it). An hourly digest goes when an hour has passed since
``last_digest_at`` (or it never had one); a daily one at the chat's
``digest_hour`` (local time), once a day. Its due alerts are formatted with
`format_digest`, sent and marked sent together; then ``last_digest_at`` moves to
now. Quiet hours hold digests too; muted alerts are kept out as in the outbox.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

from bot.delivery.errors import classify
from bot.delivery.format import format_digest
from bot.delivery.lifecycle import WorkerLifecycle
from bot.delivery.outbox import Backoff, Clock, DeliveryReport, record_failure
from bot.delivery.quiet import quiet_until
from bot.delivery.sender import MessageSender, Outgoing, Sender
from bot.delivery.timefmt import zone
from bot.models import AlertView, Chat
from bot.store import Store

PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def digest_due(chat: Chat, now: datetime) -> bool:
    """Whether the chat's digest is due: an hour since the last, or the daily hour passed."""
    if chat.digest == "daily":
        return chat.last_digest_at is None or chat.last_digest_at < last_daily_slot(chat, now)
    period = PERIODS.get(chat.digest)
    if period is None:
        return False
    return chat.last_digest_at is None or now - chat.last_digest_at >= period


def last_daily_slot(chat: Chat, now: datetime) -> datetime:
    """The latest moment at or before `now` when the chat's daily digest was scheduled."""
    tz = zone(chat.timezone)
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), time(chat.digest_hour % 24), tzinfo=tz)
    if slot > local:
        slot = datetime.combine(
            local.date() - timedelta(days=1), time(chat.digest_hour % 24), tzinfo=tz
        )
    return slot


def next_daily_slot(chat: Chat, now: datetime) -> datetime:
    """When the chat's next daily digest goes (for the replies that say so)."""
    return last_daily_slot(chat, now) + timedelta(days=1)


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
                if digest_due(chat, now) and quiet_until(chat, now) is None:
                    await self._digest(chat, now, report)
        return report

    async def _digest(self, chat: Chat, now: datetime, report: DeliveryReport) -> None:
        views = self._collect(chat, now, report)
        groups: dict[int, list[AlertView]] = {}
        for view in views:
            groups.setdefault(view.thread_id, []).append(view)
        delivered_all = True
        for thread_id, items in groups.items():
            delivered_all &= await self._send_group(chat, thread_id, items, report)
        if delivered_all:
            self.store.update_chat_settings(chat.id, last_digest_at=now)

    def _collect(self, chat: Chat, now: datetime, report: DeliveryReport) -> list[AlertView]:
        views = []
        for alert_id in self.store.due_digest_alert_ids(chat.id, now):
            view = self.store.alert_view(alert_id)
            if view is None:
                continue
            if view.muted:
                self.store.mark_muted(view.id, "story or rules muted in this chat")
                report.muted += 1
                continue
            views.append(view)
        return views

    async def _send_group(
        self, chat: Chat, thread_id: int, views: list[AlertView], report: DeliveryReport
    ) -> bool:
        """Send one digest message; True when it arrived and its alerts are marked sent."""
        html = format_digest(views, chat.digest, tz=chat.timezone, now=self.clock())
        out = Outgoing(chat.id, thread_id, html, silent=all(v.priority == "low" for v in views))
        try:
            message_id = await self.sender.send(out)
        except Exception as exc:  # classified and recorded on every alert in the digest
            failure = classify(exc)
            if failure.kind == "migrated" and failure.new_chat_id:
                self.store.migrate_chat(chat.id, failure.new_chat_id)
                self.store.move_chat_alerts(chat.id, failure.new_chat_id)
                return False  # the alerts follow the chat; the next run sends them
            pause = record_failure(
                self.store, views, chat.id, failure, self.backoff, self.clock(), report, self.rand
            )
            self.paused_until = pause or self.paused_until
            return False
        with self.store.transaction():  # all or none: a crash cannot half-mark a digest
            for view in views:
                self.store.mark_sent(view.id, message_id, outcome="digest")
        report.sent += len(views)
        return True
