"""Thin Telegram handlers: read the update, call a command function, send its reply."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import ChatMigrated, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.errors import StoreError
from bot.telegram import (
    admin_commands,
    read_commands,
    rule_commands,
    settings_commands,
    source_commands,
    views,
)
from bot.telegram.callbacks import Callbacks
from bot.telegram.commands import BY_NAME, COMMANDS, TAPPABLE, Command
from bot.telegram.context import (
    BadArgs,
    Reply,
    Where,
    command_args,
    is_chat_admin,
    send_reply,
    where_from,
)
from bot.telegram.keyboards import choices_keyboard
from bot.telegram.limits import CommandLimits

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

CommandFn = Callable[["Runtime", Where, str], Reply | Awaitable[Reply]]
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
IN_BACKGROUND = frozenset({"sources", "test", "watch", "search"})
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
    "settings": settings_commands.settings,
    "unmute": settings_commands.unmute,
    "stop": rule_commands.stop,
    "failed": admin_commands.failed,
}
# "/alert_9", "/unwatch_12" (optionally @botname): the forms a person can tap in a message.
_TAPPED = re.compile(rf"^/({'|'.join(TAPPABLE)})_([0-9]{{1,9}})(?:@(\w+))?\s*$")


class Handlers:
    """Every handler of the bot, bound to one Runtime (no globals)."""

    def __init__(self, runtime: Runtime, limits: CommandLimits | None = None) -> None:
        self.rt = runtime
        self.limits = limits or CommandLimits()
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.callbacks = Callbacks(runtime)

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
        app.add_handler(MessageHandler(filters.Regex(_TAPPED) & messages, self.on_tapped))
        # After the known commands: anything else that looks like a command, in private chats.
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, self.on_unknown_command)
        )
        app.add_handler(
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & messages,
                self.on_free_text,
            )
        )
        app.add_handler(CallbackQueryHandler(self.callbacks.on_callback))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_error_handler(self.on_error)

    def command(self, cmd: Command, fn: CommandFn) -> Callback:
        """The handler of one command: permission check, argument errors as usage lines."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            await self.run(cmd, fn, message, command_args(message), context.bot)

        return handle

    async def run(self, cmd: Command, fn: CommandFn, message: Message, args: str, bot: Bot) -> None:
        """Run one command for a message: permission check, argument errors as usage lines."""
        w = where_from(message)
        self.rt.store.upsert_chat(w.chat_id, w.chat_type, w.title)
        if cmd.admin_only and not await is_chat_admin(bot, message):
            reply = Reply(views.not_admin())
        else:
            try:
                result = fn(self.rt, w, args)
                reply = await result if inspect.isawaitable(result) else result
            except BadArgs as exc:
                reply = Reply(views.usage(cmd, str(exc)))
        await self.answer(bot, w, reply)

    async def on_tapped(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """'/alert_9' or '/unwatch_3' tapped in a message: run the command with that number."""
        message = update.effective_message
        m = _TAPPED.match(message.text or "") if message is not None else None
        if message is None or m is None:
            return
        if m.group(3) and m.group(3).lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
        name = m.group(1)
        await self.run(BY_NAME[name], COMMAND_FUNCTIONS[name], message, m.group(2), context.bot)

    async def on_free_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A private message that is not a command: a short hint, never silence."""
        message = update.effective_message
        if message is None or not (message.text or "").strip():
            return
        w = where_from(message)
        self.rt.store.upsert_chat(w.chat_id, w.chat_type, w.title)
        text = " ".join(message.text.split())[:200] if message.text else ""
        search_id = self.rt.store.save_search(w.chat_id, text)
        markup = choices_keyboard([(f"🔎 Search: {text[:40]}", f"q:{search_id}:0")])
        await self.answer(context.bot, w, Reply(views.free_text(), markup))

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
        """/sources, with `/sources poll` polling through the running workers."""
        jobs = self.app.bot_data.get("jobs") if self.app is not None else None
        poll_now = None
        if jobs is not None and jobs.poller is not None:

            async def poll_now() -> list[Any]:
                return await jobs.poll_statuses(due_only=False)

        return await source_commands.sources(rt, w, args, poll_now)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not have: point to /help instead of staying silent."""
        message = update.effective_message
        if message is None:
            return
        word = escape((message.text or "").split(maxsplit=1)[0][:40])
        await self.answer(context.bot, where_from(message), Reply(views.unknown_command(word)))

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
        if isinstance(context.error, StoreError):  # one line: the database's reason, no SQL
            log.error("handler failed for %r: %s", update, context.error)
            text = views.database_unavailable()
        else:
            log.error("handler failed for %r", update, exc_info=context.error)
            text = views.failed_on_my_side()
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, text)
            except TelegramError:
                log.warning("could not report the failure to chat %s", update.effective_chat.id)
