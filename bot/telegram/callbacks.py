"""Inline buttons: every press is answered (answerCallbackQuery), and the message it came
from is edited to show the new state (editMessageText or editMessageReplyMarkup).

Callback data is never trusted: it is parsed strictly (`keyboards.parse_callback`), every
alert or search id must belong to the chat the button is in, and in groups only admins
may press buttons that change something.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.delivery.format import alert_keyboard, format_alert, format_alert_detail, mute_keyboard
from bot.delivery.htmlsplit import split_html
from bot.telegram import mutes, read_commands, settings_commands, views
from bot.telegram.context import Reply, is_member_admin, send_reply, where_from
from bot.telegram.keyboards import (
    AlertAction,
    PageAction,
    SearchPage,
    SettingAction,
    parse_callback,
)

if TYPE_CHECKING:
    from telegram import CallbackQuery

    from bot.models import AlertView
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
READ_ONLY = {"details", "collapse"}


class Callbacks:
    """The button handlers, bound to one Runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Dispatch a button press; an invalid or foreign press is answered and changes nothing."""
        query = update.callback_query
        if query is None:
            return
        action = parse_callback(query.data)
        message = query.message
        if action is None or not isinstance(message, Message):
            await query.answer("This button is no longer valid.")
            return
        if isinstance(action, PageAction):
            reply = read_commands.recent_page(self.rt, message.chat.id, action.size, action.offset)
            await _edit(query, reply)
        elif isinstance(action, SearchPage):
            reply = await read_commands.search_page(
                self.rt, message.chat.id, action.search_id, action.offset
            )
            await _edit(query, reply)
        elif isinstance(action, AlertAction):
            await self._alert(query, context, action, message)
            return
        else:
            if not await self._may_change(query, context, message):
                return
            await self._setting(query, action, message)
            return
        await query.answer()

    async def _may_change(
        self, query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, message: Message
    ) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        if await is_member_admin(context.bot, message.chat.id, query.from_user.id):
            return True
        await query.answer(views.not_admin(), show_alert=True)
        return False

    # -- alert buttons -------------------------------------------------------------

    async def _alert(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        action: AlertAction,
        message: Message,
    ) -> None:
        view = self.rt.store.alert_view(action.alert_id, chat_id=message.chat.id, full=True)
        if view is None:
            await query.answer("That alert does not belong to this chat.", show_alert=True)
            return
        if action.action not in READ_ONLY and not await self._may_change(query, context, message):
            return
        expanded = _is_expanded(message)
        if action.action == "details":
            await self._details(query, context, view, message)
            return
        if action.action == "collapse":
            markup = alert_keyboard(view.id, muted=mutes.touched(self.rt, view))
            await _edit(query, Reply(format_alert(view), markup))
            await query.answer()
            return
        answer, markup = self._mute_action(action, view, expanded)
        await _edit_markup(query, markup)
        await query.answer(answer)

    def _mute_action(
        self, action: AlertAction, view: AlertView, expanded: bool
    ) -> tuple[str | None, InlineKeyboardMarkup]:
        """Mute choices, mute story or rule, cancel, unmute: the answer and the new buttons."""
        markup: InlineKeyboardMarkup
        answer: str | None = None
        if action.action == "mute":
            markup = mute_keyboard(view.id, list(view.rules))
        elif action.action == "mute_story":
            answer = mutes.mute_story(self.rt, view)
            markup = alert_keyboard(view.id, expanded=expanded, muted=True)
        elif action.action == "mute_rule":
            answer = (
                mutes.mute_rule(self.rt, view, action.rule) or "That rule is not in this alert."
            )
            markup = alert_keyboard(view.id, expanded=expanded, muted=mutes.touched(self.rt, view))
        elif action.action == "unmute":
            ended = mutes.unmute_alert(self.rt, view)
            answer = "Unmuted." if ended else "It was not muted."
            markup = alert_keyboard(view.id, expanded=expanded, muted=mutes.touched(self.rt, view))
        else:  # cancel
            markup = alert_keyboard(view.id, expanded=expanded, muted=mutes.touched(self.rt, view))
        return answer, markup

    async def _details(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        view: AlertView,
        message: Message,
    ) -> None:
        """Edit the alert into its detailed form; when too long, send it as new messages."""
        detail = format_alert_detail(view)
        markup = alert_keyboard(view.id, expanded=True, muted=mutes.touched(self.rt, view))
        if len(split_html(detail)) == 1:
            await _edit(query, Reply(detail, markup))
        else:
            await send_reply(context.bot, where_from(message), Reply(detail))
        await query.answer()

    # -- settings buttons ----------------------------------------------------------

    async def _setting(self, query: CallbackQuery, action: SettingAction, message: Message) -> None:
        chat_id = message.chat.id
        chat = self.rt.store.get_chat(chat_id)
        if chat is None:
            await query.answer("Send /start first.")
            return
        answer: str | None = None
        if action.name == "digest" and action.value in settings_commands.DIGESTS:
            changes: dict[str, object] = {"digest": action.value}
            if action.value == "daily" and chat.digest != "daily":
                changes["last_digest_at"] = self.rt.clock()
            settings_commands.set_digest(self.rt, chat, changes)
            answer = f"Digest: {action.value}"
        elif action.name == "quiet" and action.value == "off":
            settings_commands.set_quiet(self.rt, chat, None, None)
            answer = "Quiet hours off"
        elif action.name == "unmute" and action.value == "all":
            answer = _first_line(settings_commands.unmute_keys(self.rt, chat_id, None))
        elif action.name == "unmute_key":
            reply = settings_commands.unmute_keys(self.rt, chat_id, [action.value])
            await _edit(query, settings_commands.unmute(self.rt, where_from(message), ""))
            await query.answer(_first_line(reply))
            return
        elif action.name == "timezone":
            await self._zone(query, chat_id, action.value)
            return
        elif action.name == "subscribe":
            await self._subscribe(query, message, action.value)
            return
        await _edit(query, settings_commands.settings_reply(self.rt, chat_id))
        await query.answer(answer)

    async def _zone(self, query: CallbackQuery, chat_id: int, value: str) -> None:
        name = settings_commands.canonical_zone(value)
        chat = self.rt.store.get_chat(chat_id)
        if name is None or chat is None:
            await query.answer("That time zone is not known.", show_alert=True)
            return
        await _edit(query, settings_commands.set_zone(self.rt, chat, name))
        await query.answer(f"Time zone: {name}")

    async def _subscribe(self, query: CallbackQuery, message: Message, pack_id: str) -> None:
        if pack_id not in {p.id for p in self.rt.packs}:
            await query.answer("That pack does not exist.", show_alert=True)
            return
        w = where_from(message)
        added = self.rt.store.subscribe(w.chat_id, [pack_id], thread_id=w.thread_id)
        already = [] if added else [pack_id]
        await _edit(query, Reply(views.subscribed(added, already, w.thread_id)))
        await query.answer(f"Subscribed to {pack_id}")


def _first_line(reply: Reply) -> str:
    from bot.delivery.format import html_to_text

    return html_to_text(reply.text).splitlines()[0][:190]


def _is_expanded(message: Message) -> bool:
    """Whether the alert message shows its details now (Less button, or the details' lines).

    While the mute choices are shown the buttons do not tell, so the text decides: only
    the detailed form has a 'Published:' line.
    """
    markup = message.reply_markup
    if isinstance(markup, InlineKeyboardMarkup) and markup.inline_keyboard:
        first = str(markup.inline_keyboard[0][0].callback_data or "")
        if first.startswith(("c:", "d:")):
            return first.startswith("c:")
    return "\nPublished: " in (message.text or "")


async def _edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    """Change only the buttons of the pressed message (editMessageReplyMarkup)."""
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _edit(query: CallbackQuery, reply: Reply) -> None:
    """Edit the pressed message into `reply`; 'not modified' is not an error."""
    try:
        await query.edit_message_text(
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
