"""Sending one piece of HTML to one chat: splitting, the plain-text fallback, resuming parts.

What a refused part means is `decide.after_part_failure`'s to say; this carries it out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, assert_never

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.delivery.decide import AsPlainText, PassUp, SplitFurther, after_part_failure
from bot.delivery.errors import classify
from bot.delivery.format import html_to_text, no_link_preview, split_html
from bot.delivery.htmlsplit import TELEGRAM_LIMIT
from bot.models import Chat
from bot.textsafe import strip_bidi


class MessageSender(Protocol):
    """The one Bot API method delivery needs; `telegram.Bot` and `ExtBot` satisfy it."""

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: Any = ...,
        disable_notification: Any = ...,
        reply_markup: Any = ...,
        message_thread_id: Any = ...,
        link_preview_options: Any = ...,
    ) -> Any:
        """Send a text message."""
        ...

    async def edit_message_text(
        self,
        text: str,
        chat_id: int | str | None = ...,
        message_id: int | None = ...,
        *,
        parse_mode: Any = ...,
        reply_markup: Any = ...,
        link_preview_options: Any = ...,
    ) -> Any:
        """Edit a message the bot sent (alerts that gained a copy)."""
        ...


def is_group(chat: Chat) -> bool:
    """Whether Telegram's group limits apply (groups, supergroups, channels)."""
    return chat.type != "private" or chat.id < 0


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver (possibly in several parts)."""

    chat_id: int
    thread_id: int
    html: str
    keyboard: InlineKeyboardMarkup | None = None  # attached to the last part
    silent: bool = False  # low-priority alerts arrive without a notification sound


# Called after each delivered part with (1-based part number, total, message id, resumable).
# `resumable` is False once a part had to be split further: the numbering no longer
# matches a fresh split, so progress must not be persisted for a restart to skip.
PartHook = Callable[[int, int, int, bool], Awaitable[None] | None]


class Sender:
    """Sends `Outgoing` messages; Telegram errors other than markup/length propagate."""

    def __init__(
        self, bot: MessageSender, *, part_gap: float = 1.0, limit: int = TELEGRAM_LIMIT
    ) -> None:
        self.bot = bot
        self.part_gap = part_gap  # seconds between parts of one message (per-chat limit)
        self.limit = limit
        self.notes: list[str] = []  # what the last send had to work around

    async def send(self, out: Outgoing, *, skip: int = 0, on_part: PartHook | None = None) -> int:
        """Deliver `out`, skipping the first `skip` parts; returns the last message id."""
        self.notes = []
        parts = split_html(out.html, self.limit)
        plain = False
        resumable = True
        index = skip if skip < len(parts) else 0  # a stale count: resend rather than lose
        message_id = 0
        while index < len(parts):
            last = index == len(parts) - 1
            try:
                message_id = await self._send_part(out, parts[index], last, plain)
            except Exception as exc:  # classified: only markup and length are handled here
                plan = after_part_failure(classify(exc), plain=plain, length=len(parts[index]))
                match plan:
                    case AsPlainText(note=note):
                        plain = True
                    case SplitFurther(size=size, note=note):
                        parts[index : index + 1] = split_html(parts[index], size)
                        resumable = False
                    case PassUp():
                        raise
                    case _:
                        assert_never(plan)
                self.notes.append(note)
                continue
            index += 1
            if on_part is not None:
                result = on_part(index, len(parts), message_id, resumable)
                if result is not None:
                    await result
            if not last and self.part_gap:
                await asyncio.sleep(self.part_gap)
        return message_id

    async def _send_part(self, out: Outgoing, part: str, last: bool, plain: bool) -> int:
        kwargs: dict[str, Any] = {
            "link_preview_options": no_link_preview(),
            "disable_notification": out.silent,
        }
        if out.thread_id:
            kwargs["message_thread_id"] = out.thread_id
        if last and out.keyboard is not None:
            kwargs["reply_markup"] = out.keyboard
        if plain:
            text = html_to_text(part)
        else:
            text = part
            kwargs["parse_mode"] = ParseMode.HTML
        message = await self.bot.send_message(out.chat_id, strip_bidi(text), **kwargs)
        return int(getattr(message, "message_id", 0) or 0)
