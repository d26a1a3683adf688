"""What a Telegram error means for an alert: classify python-telegram-bot exceptions by kind."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    RetryAfter,
)

Kind = Literal[
    "flood",  # RetryAfter: wait, then retry; not the alert's fault
    "gone",  # Forbidden / chat not found: the chat is unreachable for good
    "migrated",  # ChatMigrated: the group became a supergroup with a new id
    "markup",  # can't parse entities: resend as plain text
    "too_long",  # message is too long: split further
    "transient",  # timeouts, network errors, 5xx: retry with backoff
    "permanent",  # any other bad request: this alert cannot be sent
    "fatal",  # the bot itself is broken (token): stop, touch nothing
]


@dataclass(frozen=True)
class Failure:
    """A classified send error."""

    kind: Kind
    reason: str
    retry_after: float = 0.0  # seconds, for "flood"
    new_chat_id: int = 0  # for "migrated"


def seconds(value: int | float | timedelta) -> float:
    """RetryAfter.retry_after is int seconds or a timedelta depending on PTB settings."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


# Bad requests that mean "this chat will not take messages from us": deactivate it
# (the Telegram layer reactivates a chat when it talks to the bot again).
_GONE = (
    "chat not found",
    "bot was blocked",
    "bot was kicked",
    "user is deactivated",
    "have no rights to send",
    "not enough rights to send",
    "need administrator rights",
    "chat_write_forbidden",
    "group chat was deactivated",
    "chat was deleted",
)
_MARKUP = ("can't parse entities", "can't find end tag", "unsupported start tag")


def classify(exc: BaseException) -> Failure:
    """Map an exception raised by a send to what the outbox should do about it."""
    reason = f"{type(exc).__name__}: {exc}"
    text = str(exc).lower()
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the int form will become timedelta
            warnings.simplefilter("ignore")
            wait = seconds(exc.retry_after)
        return Failure("flood", reason, retry_after=max(0.0, wait))
    if isinstance(exc, ChatMigrated):
        return Failure("migrated", reason, new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Failure("gone", reason)
    if isinstance(exc, InvalidToken | Conflict):
        return Failure("fatal", reason)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest subclasses it
        if any(marker in text for marker in _GONE):
            return Failure("gone", reason)
        if any(marker in text for marker in _MARKUP):
            return Failure("markup", reason)
        if "message is too long" in text:
            return Failure("too_long", reason)
        return Failure("permanent", reason)
    # TimedOut, NetworkError (connection errors, 5xx), anything unexpected: retry with
    # backoff; after the attempt limit the alert is dead and visible, never dropped.
    return Failure("transient", reason)
