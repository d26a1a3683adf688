"""Thin Telegram handlers: read the update, call a command function, send its reply."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.delivery.format import format_alert_detail, split_html
from bot.telegram import admin_commands, read_commands, rule_commands, settings_commands, views
from bot.telegram.commands import COMMANDS, Command
from bot.telegram.context import (
    BadArgs,
    Reply,
    Where,
    command_args,
    is_chat_admin,
    is_member_admin,
    where_from,
)
from bot.telegram.keyboards import AlertAction, PageAction, parse_callback
from bot.telegram.limits import CommandLimits
from bot.textsafe import strip_bidi

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

CommandFn = Callable[["Runtime", Where, str], Reply | Awaitable[Reply]]
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
MUTE_FOR = timedelta(hours=24)
IN_BACKGROUND = frozenset({"sources", "test", "watch", "search"})
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def _start(rt: Runtime, w: Where, args: str) -> Reply:
    return Reply(views.welcome(rt.packs))


def _help(rt: Runtime, w: Where, args: str) -> Reply:
    rule_commands.no_args(args)
    return Reply(views.help_text(w.user_id in rt.settings.admin_ids))


COMMAND_FUNCTIONS: dict[str, CommandFn] = {
    "start": _start,
    "help": _help,
    "subscribe": rule_commands.subscribe,
    "unsubscribe": rule_commands.unsubscribe,
    "packs": rule_commands.packs,
    "watch": rule_commands.watch,
    "unwatch": rule_commands.unwatch,
    "rules": rule_commands.rules,
    "test": rule_commands.test,
    "recent": read_commands.recent,
    "search": read_commands.search,
    "alert": read_commands.alert,
    "digest": settings_commands.digest,
    "quiet": settings_commands.quiet,
    "timezone": settings_commands.timezone,
    "sources": settings_commands.sources,
    "failed": admin_commands.failed,
}


async def send_reply(app_bot: Bot, w: Where, reply: Reply) -> list[Message]:
    """Send a reply into the chat (and topic) it answers, split under Telegram's limit."""
    parts = split_html(strip_bidi(reply.text))
    sent = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(
            await app_bot.send_message(
                w.chat_id,
                part,
                parse_mode=ParseMode.HTML,
                message_thread_id=w.thread_id or None,
                link_preview_options=NO_PREVIEW,
                reply_markup=reply.markup if last else None,
            )
        )
    return sent


class Handlers:
    """Every handler of the bot, bound to one Runtime (no globals)."""

    def __init__(self, runtime: Runtime, limits: CommandLimits | None = None) -> None:
        self.rt = runtime
        self.limits = limits or CommandLimits()
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the handlers to the application."""
        messages = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        for cmd in COMMANDS:
            fn = self.sources if cmd.name == "sources" else COMMAND_FUNCTIONS[cmd.name]
            fn = self.limits.wrap(cmd.name, fn)  # rate limits; bidi-free arguments
            # These may take long: they must not hold up everyone else's commands.
            blocking = cmd.name not in IN_BACKGROUND
            app.add_handler(
                CommandHandler(cmd.name, self.command(cmd, fn), messages, block=blocking)
            )
        self.app = app
        # After the known commands: anything else that looks like a command, in private chats.
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, self.on_unknown_command)
        )
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_error_handler(self.on_error)

    def command(self, cmd: Command, fn: CommandFn) -> Callback:
        """The handler of one command: permission check, argument errors as usage lines."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            w = where_from(message)
            self.rt.store.upsert_chat(w.chat_id, w.chat_type, w.title)
            if cmd.admin_only and not await is_chat_admin(context.bot, message):
                reply = Reply(views.not_admin())
            else:
                try:
                    result = fn(self.rt, w, command_args(message))
                    reply = await result if inspect.isawaitable(result) else result
                except BadArgs as exc:
                    reply = Reply(views.usage(cmd, str(exc)))
            await self.answer(context.bot, w, reply)

        return handle

    async def answer(self, bot: Bot, w: Where, reply: Reply) -> None:
        """Send a reply; a chat that blocked or dropped the bot is deactivated, not retried."""
        try:
            await send_reply(bot, w, reply)
        except ChatMigrated as exc:
            self.rt.store.migrate_chat(w.chat_id, exc.new_chat_id)
            self.rt.registry.invalidate()
            await send_reply(bot, replace(w, chat_id=exc.new_chat_id), reply)
        except Forbidden as exc:
            log.info("chat %s refuses messages (%s): deactivated", w.chat_id, exc)
            self.rt.store.set_chat_active(w.chat_id, False)
            self.rt.registry.invalidate()

    async def sources(self, rt: Runtime, w: Where, args: str) -> Reply:
        """/sources, plus `/sources poll` for bot admins: poll every source now."""
        if args.lower() != "poll":
            return settings_commands.sources(rt, w, args)
        if w.user_id is None or w.user_id not in rt.settings.admin_ids:
            return Reply(views.not_bot_admin())
        jobs = self.app.bot_data.get("jobs") if self.app is not None else None
        if jobs is None or jobs.poller is None:
            return Reply("Polling is not running in this process.")
        lines = await jobs.poll_now(due_only=False)
        return Reply(views.poll_report(lines))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not have: point to /help instead of staying silent."""
        message = update.effective_message
        if message is None:
            return
        word = escape((message.text or "").split(maxsplit=1)[0][:40])
        await self.answer(context.bot, where_from(message), Reply(views.unknown_command(word)))

    # -- buttons ------------------------------------------------------------

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline buttons: never trust the data; act only on this chat's alerts."""
        query = update.callback_query
        if query is None:
            return
        action = parse_callback(query.data)
        message = query.message
        if action is None or not isinstance(message, Message):
            await query.answer("This button is no longer valid.")
            return
        if isinstance(action, PageAction):
            await self._page(update, action, message)
            return
        await self._alert_button(update, context, action, message)

    async def _page(self, update: Update, action: PageAction, message: Message) -> None:
        query = update.callback_query
        assert query is not None
        reply = read_commands.recent_page(self.rt, message.chat.id, action.size, action.offset)
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
        await query.answer()

    async def _alert_button(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        action: AlertAction,
        message: Message,
    ) -> None:
        query = update.callback_query
        assert query is not None
        chat_id = message.chat.id
        view = self.rt.store.alert_view(action.alert_id, chat_id=chat_id)
        if view is None:
            await query.answer("That alert does not belong to this chat.", show_alert=True)
            return
        if action.action == "details":
            await self._details(update, context, format_alert_detail(view), message)
            return
        if message.chat.type != ChatType.PRIVATE and not await is_member_admin(
            context.bot, chat_id, query.from_user.id
        ):
            await query.answer(views.not_admin(), show_alert=True)
            return
        self.rt.store.mute(chat_id, view.rule_key, self.rt.clock() + MUTE_FOR)
        await query.answer(f"Muted “{view.rule_name[:100]}” in this chat for 24 hours.")

    async def _details(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, detail: str, message: Message
    ) -> None:
        """Edit the alert into its detailed form; when it is too long, send it as new messages."""
        query = update.callback_query
        assert query is not None
        parts = split_html(detail)
        markup = (
            message.reply_markup if isinstance(message.reply_markup, InlineKeyboardMarkup) else None
        )
        if len(parts) == 1:
            try:
                await query.edit_message_text(
                    parts[0],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
        else:
            w = where_from(message)
            await send_reply(context.bot, w, Reply(detail))
        await query.answer()

    # -- chat membership ------------------------------------------------------

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added, removed or blocked: (de)activate the chat; greet new groups."""
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if new in GONE:
            self.rt.store.set_chat_active(chat.id, False)
            self.rt.registry.invalidate()  # its watches leave the engine
            log.info("chat %s deactivated (%s)", chat.id, new)
            return
        if new in PRESENT and old in GONE:
            title = chat.title or chat.full_name or ""
            self.rt.store.upsert_chat(chat.id, chat.type, title)
            self.rt.registry.invalidate()
            if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                await context.bot.send_message(
                    chat.id, views.group_greeting(), parse_mode=ParseMode.HTML
                )

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: move its subscriptions, rules and pending alerts."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            self.rt.store.migrate_chat(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            self.rt.store.migrate_chat(message.migrate_from_chat_id, message.chat.id)
        self.rt.registry.invalidate()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure; tell the person their command failed (never the traceback)."""
        log.error("handler failed for %r", update, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(
                    update.effective_chat.id,
                    "Sorry, that failed on my side; please try again in a moment.",
                )
            except TelegramError:
                log.warning("could not report the failure to chat %s", update.effective_chat.id)
