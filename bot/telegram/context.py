"""What a command handler needs to know about the message it answers, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ChatMemberStatus, ChatType, ParseMode

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


class BadArgs(Exception):
    """The command's arguments are wrong; the message says how (shown with the usage line)."""


@dataclass(frozen=True)
class Where:
    """The chat (and forum topic) a command came from, and who sent it."""

    chat_id: int
    thread_id: int  # forum topic, 0 = none
    chat_type: str
    title: str
    user_id: int | None  # None for anonymous admins and channel posts


@dataclass(frozen=True)
class Reply:
    """What a command answers: Telegram HTML and optional inline buttons."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def where_from(message: Message) -> Where:
    """Where a message was sent; a topic only counts when the message is inside a forum topic."""
    chat = message.chat
    thread = message.message_thread_id if message.is_topic_message else None
    title = chat.title or chat.full_name or chat.username or ""
    user = message.from_user
    anonymous = message.sender_chat is not None
    return Where(
        chat_id=chat.id,
        thread_id=thread or 0,
        chat_type=chat.type,
        title=title,
        user_id=None if anonymous or user is None else user.id,
    )


def command_args(message: Message) -> str:
    """Everything after the command word, spacing inside kept (queries need their quotes)."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


async def is_chat_admin(bot: Bot, message: Message) -> bool:
    """May the sender change this chat's settings? Private: yes; groups: creator or admin."""
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        return True
    # Anonymous admins write as the group itself; channel posts come from the channel.
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if message.from_user is None:
        return False
    return await is_member_admin(bot, chat.id, message.from_user.id)


async def is_member_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Ask Telegram (getChatMember) whether the user administers the chat."""
    member = await bot.get_chat_member(chat_id, user_id)
    return member.status in ADMIN_STATUSES


async def send_reply(app_bot: Bot, w: Where, reply: Reply) -> list[Message]:
    """Send a reply into the chat (and topic) it answers, split under Telegram's limit."""
    from bot.delivery.htmlsplit import split_html
    from bot.textsafe import strip_bidi

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
