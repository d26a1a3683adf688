"""A Bot API test server on 127.0.0.1 speaking real HTTP, with a user side and scripted faults.

In-process use (tests)::

    server = BotApiServer(token="123:TEST").start()   # runs in its own thread
    bot = telegram.Bot(server.token, base_url=server.base_url)
    server.send_message(chat_id=1, user_id=1, text="/start")
    msg = await server.wait_for_message(1, lambda m: "Welcome" in m.text)
    server.stop()

Standalone (subprocess bots, benchmarks)::

    python -m tests.support.botapi --port 0 --token 123:TEST
    # prints "READY http://127.0.0.1:PORT" and serves /bot<TOKEN>/<method> plus a
    # JSON control API under /_control/ that `RemoteBotApi` speaks.

Everything the bot sees goes through `handle_api`, which is thread-safe: the HTTP
server runs one thread per connection and long polls wait on a Condition.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.tghtml import HtmlEntityError, parse_html, text_length

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


class BotApiServer:
    """The fake Telegram: Bot API methods for the bot, a user side for the test."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, port: int = 0) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self._port = port
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pusher: threading.Thread | None = None
        self.reset()

    # -- lifecycle --------------------------------------------------------

    def reset(self) -> None:
        """Forget every chat, update, message, fault and counter."""
        with self._cond:
            self.updates: list[dict[str, Any]] = []
            self._next_update = 1
            self._confirmed = 0
            self._message_ids: dict[int, int] = defaultdict(int)
            self.chats: dict[int, dict[str, Any]] = {}
            self.members: dict[tuple[int, int], str] = {}
            self.messages: list[SentMessage] = []
            self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
            self.callback_answers: list[dict[str, Any]] = []
            self._open_callbacks: set[str] = set()
            self.commands: list[dict[str, Any]] = []
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.requests: Counter[str] = Counter()
            self.errors: Counter[int] = Counter()
            self.answered_429 = 0
            self.faults: dict[tuple[str, int | None], deque[Fault]] = defaultdict(deque)
            self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
            self.webhook_log: list[tuple[int, int]] = []  # (update_id, HTTP status; 0 = no answer)
            self.send_times: dict[int, list[float]] = defaultdict(list)
            self.limits: RateLimits | None = None
            self.rate_violations = 0
            self._cond.notify_all()

    def start(self) -> BotApiServer:
        """Listen on 127.0.0.1 (ephemeral port by default) in a daemon thread."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release every held request."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Bot API base URL the token is appended to (TELEGRAM_API_URL)."""
        return f"{self.url}/bot"

    # -- scripting --------------------------------------------------------

    def fail(
        self, method: str, kind: str, *, chat_id: int | None = None, times: int = 1, **options: Any
    ) -> None:
        """Answer the next `times` calls of `method` (for `chat_id`, or any chat) with a fault."""
        with self._cond:
            for _ in range(times):
                self.faults[(method, chat_id)].append(Fault(kind=kind, **options))

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Script getChatMember: creator | administrator | member | restricted | left | kicked."""
        with self._cond:
            self.members[(chat_id, user_id)] = status

    def add_chat(
        self, chat_id: int, chat_type: str = "private", *, title: str = "", is_forum: bool = False
    ) -> dict[str, Any]:
        """Make a chat known (the bot can only write to chats that exist)."""
        with self._cond:
            return self._chat(chat_id, chat_type, title, is_forum)

    def enforce_limits(self, limits: RateLimits | None = RateLimits()) -> None:
        """Answer 429 when the bot sends faster than `limits` (None: record only)."""
        with self._cond:
            self.limits = limits

    # -- user side --------------------------------------------------------

    def send_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: str = "private",
        thread_id: int | None = None,
        *,
        title: str = "",
        is_forum: bool = False,
        anonymous_admin: bool = False,
        username: str = "",
    ) -> dict[str, Any]:
        """A user writes `text` in the chat; returns the message as the bot will see it."""
        with self._cond:
            chat = self._chat(chat_id, chat_type, title, is_forum)
            message = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "text": text,
            }
            if chat_type == "channel":
                message["sender_chat"] = chat  # channel posts have no sender user
            elif anonymous_admin:
                # Anonymous group admins write as the group itself.
                message["sender_chat"] = chat
                message["from"] = {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                }
            else:
                message["from"] = self._user(user_id, username)
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            entities = _command_entities(text)
            if entities:
                message["entities"] = entities
            self.user_messages[(chat_id, message["message_id"])] = message
            kind = "channel_post" if chat_type == "channel" else "message"
            self._enqueue({kind: message})
            return message

    def press_button(self, chat_id: int, user_id: int, message_id: int, callback_data: str) -> str:
        """A user presses an inline button of a bot message; returns the callback query id."""
        with self._cond:
            sent = self._find(chat_id, message_id)
            if sent is None:
                raise KeyError(f"no bot message {message_id} in chat {chat_id}")
            query_id = f"cq{self._next_update}"
            self._open_callbacks.add(query_id)
            self._enqueue(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id),
                        "chat_instance": f"ci{chat_id}",
                        "message": self._message_json(sent),
                        "data": callback_data,
                    }
                }
            )
            return query_id

    def bot_added(
        self,
        chat_id: int,
        user_id: int,
        chat_type: str = "group",
        *,
        title: str = "Group",
        is_forum: bool = False,
    ) -> None:
        """Someone adds the bot to a group (my_chat_member: left -> member)."""
        self._my_chat_member(chat_id, user_id, chat_type, title, "left", "member", is_forum)

    def bot_removed(
        self, chat_id: int, user_id: int, chat_type: str = "group", *, title: str = "Group"
    ) -> None:
        """Someone removes the bot from a group (my_chat_member: member -> left)."""
        self._my_chat_member(chat_id, user_id, chat_type, title, "member", "left", False)

    def bot_blocked(self, user_id: int) -> None:
        """A user blocks the bot in their private chat (my_chat_member: member -> kicked)."""
        self._my_chat_member(user_id, user_id, "private", "", "member", "kicked", False)

    def _my_chat_member(
        self,
        chat_id: int,
        user_id: int,
        chat_type: str,
        title: str,
        old: str,
        new: str,
        is_forum: bool,
    ) -> None:
        with self._cond:
            chat = self._chat(chat_id, chat_type, title, is_forum)
            bot_user = self._bot_user()
            self._enqueue(
                {
                    "my_chat_member": {
                        "chat": chat,
                        "from": self._user(user_id),
                        "date": int(time.time()),
                        "old_chat_member": _member_json(bot_user, old),
                        "new_chat_member": _member_json(bot_user, new),
                    }
                }
            )

    # -- reading what the bot did ------------------------------------------

    def sent(self, chat_id: int | None = None, thread_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (not deleted), oldest first."""
        with self._cond:
            return [
                m
                for m in self.messages
                if not m.deleted
                and (chat_id is None or m.chat_id == chat_id)
                and (thread_id is None or m.thread_id == thread_id)
            ]

    def find_sent(
        self, chat_id: int | None = None, predicate: Callable[[SentMessage], bool] = lambda m: True
    ) -> SentMessage | None:
        """The first sent message satisfying `predicate`, or None."""
        for message in self.sent(chat_id):
            if predicate(message):
                return message
        return None

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        predicate: Callable[[SentMessage], bool] = lambda m: True,
        timeout: float = 20.0,
    ) -> SentMessage:
        """Wait (from any event loop) until the bot has sent a message satisfying `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find_sent(chat_id, predicate)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                texts = [m.plain[:80] for m in self.sent(chat_id)]
                raise TimeoutError(
                    f"no matching message in chat {chat_id} within {timeout}s; sent: {texts}"
                )
            await asyncio.sleep(0.02)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait until `condition()` holds (evaluated under the server lock)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if condition():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.02)

    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet."""
        with self._cond:
            return sum(1 for u in self.updates if u["update_id"] > self._confirmed)

    def stats(self) -> dict[str, Any]:
        """Request counts per method, errors per status, 429s answered, rate violations."""
        with self._cond:
            return {
                "requests": dict(self.requests),
                "errors": {str(k): v for k, v in self.errors.items()},
                "answered_429": self.answered_429,
                "rate_violations": self.rate_violations,
                "send_times": {str(k): list(v) for k, v in self.send_times.items()},
                "commands": list(self.commands),
                "pending_updates": sum(1 for u in self.updates if u["update_id"] > self._confirmed),
            }

    # -- the API ----------------------------------------------------------

    def handle_api(
        self, token: str, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        with self._cond:
            self.requests[method] += 1
            self.calls.append((method, params))
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            self._inject_fault(method, params)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            return self._error(exc)

    def _error(self, exc: ApiError) -> tuple[int, dict[str, Any]]:
        with self._cond:
            self.errors[exc.code] += 1
            if exc.code == 429:
                self.answered_429 += 1
        body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.parameters:
            body["parameters"] = exc.parameters
        return exc.code, body

    def _inject_fault(self, method: str, params: dict[str, Any]) -> None:
        chat_id = _int(params.get("chat_id")) if "chat_id" in params else None
        with self._cond:
            queue = self.faults.get((method, chat_id)) if chat_id is not None else None
            if not queue:
                queue = self.faults.get((method, None))
            fault = queue.popleft() if queue else None
        if fault is None:
            return
        if fault.kind == "timeout":
            self._stopping.wait(fault.hold)  # longer than the client waits
            if not fault.process:
                raise ApiError(500, "Internal Server Error: timed out")
            return
        raise fault.error()

    # -- methods ----------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _int(params.get("offset")) or 0
        limit = min(_int(params.get("limit")) or 100, 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook["url"]:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                )
            if offset:
                # Confirming: updates below offset are forgotten, as in the real API.
                self._confirmed = max(self._confirmed, offset - 1)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self.updates if u["update_id"] > self._confirmed][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready
                self._cond.wait(min(remaining, 0.5))

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.webhook = {"url": "", "secret_token": None}
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._confirmed = self._next_update - 1
                self.updates = []
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided")
        with self._cond:
            self.webhook = {"url": url, "secret_token": params.get("secret_token")}
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._confirmed = self._next_update - 1
                self.updates = []
            self._cond.notify_all()
            if url and self._pusher is None:
                self._pusher = threading.Thread(target=self._push_updates, daemon=True)
                self._pusher.start()
        return True

    def _push_updates(self) -> None:
        """Webhook mode: POST each pending update, in order, until the bot answers 200."""
        import httpx

        with httpx.Client(timeout=10) as client:
            while not self._stopping.is_set():
                with self._cond:
                    url, secret = self.webhook["url"], self.webhook["secret_token"]
                    pending = [u for u in self.updates if u["update_id"] > self._confirmed]
                    if not url or not pending:
                        self._cond.wait(0.2)
                        continue
                    update = pending[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    status = client.post(url, json=update, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                with self._cond:
                    self.webhook_log.append((update["update_id"], status))
                    if status == 200 and self.webhook["url"] == url:
                        self._confirmed = max(self._confirmed, update["update_id"])
                        self.updates = [u for u in self.updates if u["update_id"] > self._confirmed]
                if status != 200:
                    self._stopping.wait(0.3)  # as Telegram does: retry later

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates(),
        }

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = _decode(params.get("commands"))
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for c in commands:
            name, desc = str(c.get("command", "")), str(c.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(
                ch.islower() or ch.isdigit() or ch == "_" for ch in name
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(desc) <= 256):
                raise ApiError(400, "Bad Request: command description is empty or too long")
        with self._cond:
            self.commands = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._cond:
            return list(self.commands)

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.commands = []
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        plain, entities = self._render(text, parse_mode)
        thread_id = _int(params.get("message_thread_id"))
        with self._cond:
            self._check_rate(chat_id)
            self._check_thread(chat_id, thread_id)
            sent = SentMessage(
                chat_id=chat_id,
                message_id=self._new_message_id(chat_id),
                text=text,
                plain=plain,
                parse_mode=parse_mode,
                thread_id=thread_id,
                reply_markup=_decode(params.get("reply_markup")) or None,
                link_preview_options=_decode(params.get("link_preview_options")) or None,
                disable_web_page_preview=_bool(params.get("disable_web_page_preview")),
                at=time.monotonic(),
            )
            self.messages.append(sent)
            self.send_times[chat_id].append(sent.at)
            return self._message_json(sent, entities)

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        message_id = _int(params.get("message_id"))
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        plain, entities = self._render(text, parse_mode)
        markup = _decode(params.get("reply_markup")) or None
        with self._cond:
            sent = self._find(chat_id, message_id or 0)
            if sent is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if sent.text == text and sent.reply_markup == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
                )
            sent.edits.append(sent.text)
            sent.text, sent.plain, sent.parse_mode, sent.reply_markup = (
                text,
                plain,
                parse_mode,
                markup,
            )
            return self._message_json(sent, entities)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = self._require_chat(params)
        with self._cond:
            sent = self._find(chat_id, _int(params.get("message_id")) or 0)
            if sent is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            sent.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._cond:
            if query_id not in self._open_callbacks:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is invalid",
                )
            self._open_callbacks.discard(query_id)
            self.callback_answers.append(
                {
                    "id": query_id,
                    "text": params.get("text"),
                    "show_alert": _bool(params.get("show_alert")),
                }
            )
        return True

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        user_id = _int(params.get("user_id"))
        if user_id is None:
            raise ApiError(400, "Bad Request: user_id is required")
        with self._cond:
            status = self.members.get((chat_id, user_id), "member")
        user = self._bot_user() if user_id == self.bot_id else self._user(user_id)
        return _member_json(user, status)

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        with self._cond:
            chat = dict(self.chats[chat_id])
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._require_chat(params)
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    # -- helpers ------------------------------------------------------------

    def _render(self, text: str, parse_mode: Any) -> tuple[str, list[dict[str, object]]]:
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = text, []
        if parse_mode and str(parse_mode).upper() == "HTML":
            try:
                plain, entities = parse_html(text)
            except HtmlEntityError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode:
            raise ApiError(
                400, f"Bad Request: unsupported parse_mode {parse_mode!r} in this test server"
            )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if text_length(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    def _require_chat(self, params: dict[str, Any]) -> int:
        chat_id = _int(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        with self._cond:
            if chat_id not in self.chats:
                raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _check_thread(self, chat_id: int, thread_id: int | None) -> None:
        if thread_id and not self.chats[chat_id].get("is_forum"):
            raise ApiError(400, "Bad Request: message thread not found")

    def _check_rate(self, chat_id: int) -> None:
        """Called under the lock before a send; answers 429 when configured limits are exceeded."""
        limits = self.limits
        if limits is None:
            return
        now = time.monotonic()
        times = self.send_times[chat_id]
        is_group = self.chats[chat_id]["type"] != "private"
        wait = 0.0
        if times and now - times[-1] < 1.0 / limits.per_chat_per_second:
            wait = 1.0 / limits.per_chat_per_second - (now - times[-1])
        if is_group:
            window = [t for t in times if now - t < 60]
            if len(window) >= limits.group_per_minute:
                wait = max(wait, 60 - (now - window[0]))
        everything = [t for ts in self.send_times.values() for t in ts if now - t < 1]
        if len(everything) >= limits.global_per_second:
            wait = max(wait, 1.0)
        if wait > 0:
            self.rate_violations += 1
            retry = max(1, int(wait + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _enqueue(self, payload: dict[str, Any]) -> None:
        """Called under the lock: queue an update and wake long polls."""
        update = {"update_id": self._next_update, **payload}
        self._next_update += 1
        self.updates.append(update)
        self._cond.notify_all()

    def _new_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def _chat(self, chat_id: int, chat_type: str, title: str, is_forum: bool) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = f"User{chat_id}"
            else:
                chat["title"] = title or f"Chat {chat_id}"
            if is_forum:
                chat["is_forum"] = True
            self.chats[chat_id] = chat
        return chat

    def _user(self, user_id: int, username: str = "") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if username:
            user["username"] = username
        return user

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Sanctions Test Bot",
            "username": BOT_USERNAME,
        }

    def _find(self, chat_id: int, message_id: int) -> SentMessage | None:
        for m in self.messages:
            if m.chat_id == chat_id and m.message_id == message_id and not m.deleted:
                return m
        return None

    def _message_json(
        self, sent: SentMessage, entities: list[dict[str, object]] | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self.chats[sent.chat_id],
            "from": self._bot_user(),
            "text": sent.plain,
        }
        if entities:
            message["entities"] = entities
        if sent.thread_id:
            message["message_thread_id"] = sent.thread_id
            message["is_topic_message"] = True
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message


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


# -- HTTP ------------------------------------------------------------------


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if "application/json" in content_type:
        data = json.loads(body.decode("utf-8"))
        return data if isinstance(data, dict) else {}
    if "multipart/form-data" in content_type:
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = payload.decode("utf-8", "replace")
    return fields


def _handler_for(server: BotApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                params = _parse_body(self.headers.get("Content-Type", ""), body)
            except ValueError:
                self._reply(
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid body"},
                )
                return
            params.update(dict(parse_qsl(split.query)))
            if split.path.startswith("/_control/"):
                self._reply(*_control(server, split.path[len("/_control/") :], params))
                return
            parts = split.path.strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("bot"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._reply(*server.handle_api(parts[0][3:], parts[1], params))

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout fault)

    return Handler


def _control(server: BotApiServer, action: str, p: dict[str, Any]) -> tuple[int, Any]:
    """The JSON control API used by `RemoteBotApi` (standalone mode)."""
    try:
        if action == "send_message":
            return 200, server.send_message(
                int(p["chat_id"]),
                int(p["user_id"]),
                str(p["text"]),
                chat_type=str(p.get("chat_type", "private")),
                thread_id=_int(p.get("thread_id")),
                title=str(p.get("title", "")),
                is_forum=bool(p.get("is_forum", False)),
                anonymous_admin=bool(p.get("anonymous_admin", False)),
            )
        if action == "press_button":
            return 200, server.press_button(
                int(p["chat_id"]), int(p["user_id"]), int(p["message_id"]), str(p["callback_data"])
            )
        if action == "bot_added":
            server.bot_added(int(p["chat_id"]), int(p["user_id"]), str(p.get("chat_type", "group")))
            return 200, True
        if action == "bot_removed":
            server.bot_removed(
                int(p["chat_id"]), int(p["user_id"]), str(p.get("chat_type", "group"))
            )
            return 200, True
        if action == "set_member":
            server.set_member(int(p["chat_id"]), int(p["user_id"]), str(p["status"]))
            return 200, True
        if action == "fail":
            options = {
                k: v for k, v in p.items() if k not in {"method", "kind", "chat_id", "times"}
            }
            server.fail(
                str(p["method"]),
                str(p["kind"]),
                chat_id=_int(p.get("chat_id")),
                times=int(p.get("times", 1)),
                **options,
            )
            return 200, True
        if action == "limits":
            server.enforce_limits(RateLimits(**p) if p else None)
            return 200, True
        if action == "sent":
            chat = _int(p.get("chat_id"))
            return 200, [asdict(m) for m in server.sent(chat)]
        if action == "stats":
            return 200, server.stats()
        if action == "reset":
            server.reset()
            return 200, True
    except (KeyError, ValueError, TypeError, ApiError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}
    return 404, {"error": f"unknown control action {action!r}"}


class RemoteBotApi:
    """The user side of a standalone server (`python -m tests.support.botapi`), over HTTP."""

    def __init__(self, url: str, token: str) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.token = token
        self.base_url = f"{self.url}/bot"
        self._client = httpx.Client(base_url=self.url, timeout=10)

    def _call(self, action: str, **params: Any) -> Any:
        response = self._client.post(f"/_control/{action}", json=params)
        if response.status_code != 200:
            raise RuntimeError(f"control {action} failed: {response.text}")
        return response.json()

    def send_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: str = "private",
        thread_id: int | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """See BotApiServer.send_message."""
        return dict(
            self._call(
                "send_message",
                chat_id=chat_id,
                user_id=user_id,
                text=text,
                chat_type=chat_type,
                thread_id=thread_id,
                **kw,
            )
        )

    def press_button(self, chat_id: int, user_id: int, message_id: int, callback_data: str) -> str:
        """See BotApiServer.press_button."""
        return str(
            self._call(
                "press_button",
                chat_id=chat_id,
                user_id=user_id,
                message_id=message_id,
                callback_data=callback_data,
            )
        )

    def fail(
        self, method: str, kind: str, *, chat_id: int | None = None, times: int = 1, **options: Any
    ) -> None:
        """See BotApiServer.fail."""
        self._call("fail", method=method, kind=kind, chat_id=chat_id, times=times, **options)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """See BotApiServer.set_member."""
        self._call("set_member", chat_id=chat_id, user_id=user_id, status=status)

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """See BotApiServer.sent."""
        return [SentMessage(**m) for m in self._call("sent", chat_id=chat_id)]

    def stats(self) -> dict[str, Any]:
        """See BotApiServer.stats."""
        return dict(self._call("stats"))

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        predicate: Callable[[SentMessage], bool] = lambda m: True,
        timeout: float = 20.0,
    ) -> SentMessage:
        """See BotApiServer.wait_for_message."""
        deadline = time.monotonic() + timeout
        while True:
            for message in await asyncio.to_thread(self.sent, chat_id):
                if predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching message in chat {chat_id} within {timeout}s")
            await asyncio.sleep(0.1)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server standalone until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args(argv)
    server = BotApiServer(args.token, port=args.port).start()
    print(f"READY {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
