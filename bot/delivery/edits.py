"""Keeping a sent alert up to date: edit its message when a copy or an official lead joins it.

Telegram edits make no sound, which is what a later copy of old news deserves. A
message that cannot be edited (deleted, too old, split into parts) gets a short
silent reply naming the new copies instead; an edit that keeps failing for a
transient reason is given up after a few tries, never retried forever. When to do
which is `decide.decide_edit` and `decide.after_edit_failure`; this carries it out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, assert_never

from telegram import ReplyParameters
from telegram.constants import ParseMode

from bot.delivery.decide import (
    AlertState,
    Edit,
    GiveUpEdit,
    LeaveUnedited,
    Pace,
    PauseEdits,
    ReplyInstead,
    RetryEdit,
    UpToDate,
    Wait,
    after_edit_failure,
    decide_edit,
)
from bot.delivery.errors import Failure, classify
from bot.delivery.format import alert_keyboard, format_alert, format_also, no_link_preview
from bot.delivery.htmlsplit import split_html
from bot.delivery.ratelimit import Pacer
from bot.delivery.sender import MessageSender, is_group
from bot.models import AlertView, Chat

if TYPE_CHECKING:
    from bot.delivery.outbox import DeliveryReport
    from bot.store import Store

BATCH = 10


class AlertEditor:
    """Applies due edits (`store.due_edit_ids`) within the delivery pacing."""

    def __init__(self, store: Store, bot: MessageSender, pacer: Pacer) -> None:
        self.store = store
        self.bot = bot
        self.pacer = pacer

    async def run_once(
        self, clock: Callable[[], datetime], report: DeliveryReport
    ) -> datetime | None:
        """Edit what is due and allowed now; returns until when to pause after a RetryAfter."""
        for alert_id in self.store.due_edit_ids(BATCH):
            view = self.store.alert_view(alert_id)
            if view is None or view.message_id is None:
                continue
            chat = self.store.get_chat(view.chat_id) or Chat(id=view.chat_id)
            now = clock()
            html = format_alert(view)
            pace = Pace(
                wait=self.pacer.chat_wait(chat.id, is_group(chat), now),
                overall_ready=self.pacer.global_ready(now),
            )
            decision = decide_edit(AlertState.of(view), chat, pace, parts=len(split_html(html)))
            match decision:
                case LeaveUnedited(note=note):
                    self.store.mark_edited(view.id, None, note)
                    continue
                case Wait():
                    continue  # the next run
                case ReplyInstead() | Edit():
                    pause = await self._update(view, chat, html, decision, now)
                case _:
                    assert_never(decision)
            self.pacer.record(chat.id, is_group(chat), clock())
            if pause is not None:
                return pause
            report.edited += 1
        return None

    async def _update(
        self,
        view: AlertView,
        chat: Chat,
        html: str,
        how: ReplyInstead | Edit,
        now: datetime,
    ) -> datetime | None:
        try:
            match how:
                case ReplyInstead(note=note):
                    await self._reply(view)
                    self.store.mark_edited(view.id, view.message_id, note)
                    return None
                case Edit():
                    await self.bot.edit_message_text(
                        html,
                        chat_id=chat.id,
                        message_id=view.message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=alert_keyboard(view.id, muted=view.muted),
                        link_preview_options=no_link_preview(),
                    )
                case _:
                    assert_never(how)
        except Exception as exc:  # classified and planned: every outcome is recorded
            return await self._failed(view, classify(exc), now)
        self.store.mark_edited(view.id, view.message_id)
        return None

    async def _failed(self, view: AlertView, failure: Failure, now: datetime) -> datetime | None:
        plan = after_edit_failure(failure, tries=self._tries(view.id), now=now)
        match plan:
            case UpToDate(note=note):
                self.store.mark_edited(view.id, view.message_id, note)
            case PauseEdits(until=until):
                return until
            case RetryEdit(reason=reason):
                self.store.log_delivery(view.id, "edit-retry", reason)
            case GiveUpEdit(reason=reason, reply=reply):
                if reply:
                    try:
                        await self._reply(view)
                    except Exception as again:  # the reply is a courtesy: record and move on
                        reason = classify(again).reason
                self.store.mark_edited(view.id, None, f"not edited: {reason}")
            case _:
                assert_never(plan)
        return None

    async def _reply(self, view: AlertView) -> None:
        kwargs: dict[str, Any] = {
            "parse_mode": ParseMode.HTML,
            "disable_notification": True,
            "link_preview_options": no_link_preview(),
        }
        if view.message_id:
            kwargs["reply_parameters"] = ReplyParameters(
                view.message_id, allow_sending_without_reply=True
            )
        if view.thread_id:
            kwargs["message_thread_id"] = view.thread_id
        await self.bot.send_message(view.chat_id, format_also(view), **kwargs)

    def _tries(self, alert_id: int) -> int:
        return sum(1 for r in self.store.delivery_log(alert_id) if r["outcome"] == "edit-retry")
