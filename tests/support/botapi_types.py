"""Records and JSON helpers of the Bot API test server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

BOT_USERNAME = "sanctions_test_bot"
MAX_TEXT = 4096
ADMIN_STATUSES = {"creator", "administrator"}


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class SentMessage:
    """A message the bot sent (and its later edits)."""

    chat_id: int
    message_id: int
    text: str  # as the bot sent it (HTML source when parse_mode=HTML)
    plain: str  # what the user sees
    parse_mode: str | None
    thread_id: int | None
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    disable_web_page_preview: bool | None
    at: float
    deleted: bool = False
    edits: list[str] = field(default_factory=list)
    disable_notification: bool | None = None  # sent without a sound
    reply_to: int | None = None  # message id this one replies to
    markup_edits: int = 0  # editMessageReplyMarkup calls (the text stayed)

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button, row by row."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    """One scripted failure answered instead of the real result."""

    kind: str  # retry_after | blocked | chat_not_found | parse_entities | migrate | server_error | timeout | bad_request
    retry_after: int = 1
    migrate_to: int = 0
    hold: float = 12.0  # seconds a `timeout` fault holds the request
    process: bool = True  # for `timeout`: perform the call anyway (the client just never hears)
    description: str = ""

    def error(self) -> ApiError:
        """The API error this fault answers with."""
        if self.kind == "retry_after":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "blocked":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        if self.kind == "kicked":
            return ApiError(403, "Forbidden: bot was kicked from the group chat")
        if self.kind == "chat_not_found":
            return ApiError(400, "Bad Request: chat not found")
        if self.kind == "parse_entities":
            return ApiError(
                400,
                self.description
                or 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
            )
        if self.kind == "migrate":
            return ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrate_to},
            )
        if self.kind == "server_error":
            return ApiError(500, self.description or "Internal Server Error")
        if self.kind == "bad_request":
            return ApiError(400, self.description or "Bad Request: something is wrong")
        raise ValueError(f"unknown fault kind {self.kind!r}")


@dataclass(frozen=True)
class RateLimits:
    """Limits the server enforces (like Telegram's flood control) when configured."""

    per_chat_per_second: float = 1.0  # private chats: about one message per second
    group_per_minute: int = 20  # groups: 20 messages per minute
    global_per_second: int = 30


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid integer {value!r}") from None


def _decode(raw: Any) -> Any:
    """PTB sends nested values as JSON strings in form fields; accept both forms."""
    if isinstance(raw, str) and raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _bool(raw: Any) -> bool | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    return str(raw).lower() == "true"


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/") or len(text) < 2:
        return []
    end = len(text.split(maxsplit=1)[0])
    return [
        {"type": "bot_command", "offset": 0, "length": len(text[:end].encode("utf-16-le")) // 2}
    ]


def _member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=True,
            can_send_audios=True,
            can_send_documents=True,
            can_send_photos=True,
            can_send_videos=True,
            can_send_video_notes=True,
            can_send_voice_notes=True,
            can_send_polls=True,
            can_send_other_messages=True,
            can_add_web_page_previews=True,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member
