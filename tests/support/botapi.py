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
    # JSON control API under /_control/ that `botapi_remote.RemoteBotApi` speaks.

Everything the bot sees goes through `handle_api`, which is thread-safe: the HTTP
server runs one thread per connection and long polls wait on a Condition.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.botapi_methods import BotApiMethods
from tests.support.botapi_types import (
    BOT_USERNAME,
    MAX_TEXT,
    ApiError,
    Fault,
    RateLimits,
    SentMessage,
    _command_entities,
    _int,
    _member_json,
)
from tests.support.tghtml import HtmlEntityError, parse_html, text_length

DEFAULT_LIMITS = RateLimits()

__all__ = ["BOT_USERNAME", "ApiError", "BotApiServer", "Fault", "RateLimits", "SentMessage"]


class BotApiServer(BotApiMethods):
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
            self.polls_held = 0  # getUpdates calls that found nothing and began to wait
            self._open_callbacks: set[str] = set()
            self.commands: list[dict[str, Any]] = []
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.requests: Counter[str] = Counter()
            self.errors: Counter[int] = Counter()
            self.answered_429 = 0
            self.faults: dict[tuple[str, int | None], deque[Fault]] = defaultdict(deque)
            self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
            self.webhook_log: list[tuple[int, int]] = []
            self.allowed_updates: list[str] | None = (
                None  # None: every kind  # (update_id, HTTP status; 0 = no answer)
            )
            self.send_times: dict[int, list[float]] = defaultdict(list)
            self.limits: RateLimits | None = None
            self.rate_violations = 0
            self._cond.notify_all()

    def start(self) -> BotApiServer:
        """Listen on 127.0.0.1 (ephemeral port by default) in a daemon thread."""
        from tests.support.botapi_http import handler_for

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
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

    def enforce_limits(self, limits: RateLimits | None = DEFAULT_LIMITS) -> None:
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


@pytest.fixture
def bot_api_server() -> Iterator[BotApiServer]:
    """A running Bot API test server for one test (import it into a test module or conftest)."""
    server = BotApiServer().start()
    try:
        yield server
    finally:
        server.stop()


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
    # Run the canonical module (not __main__), so botapi_http shares its classes.
    from tests.support.botapi import main as canonical_main

    raise SystemExit(canonical_main())
