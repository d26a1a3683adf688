"""The Bot API methods of the test server, as Telegram answers them (a mixin of BotApiServer)."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.support.botapi_types import ApiError, SentMessage, _bool, _decode, _int, _member_json


class BotApiMethods:
    """getMe, getUpdates, sendMessage... ; state and helpers live in BotApiServer."""

    # Provided by BotApiServer.
    _cond: threading.Condition
    _stopping: threading.Event
    updates: list[dict[str, Any]]
    chats: dict[int, dict[str, Any]]
    allowed_updates: list[str] | None
    _confirmed: int
    polls_held: int

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
            allowed = _decode(params.get("allowed_updates"))
            if isinstance(allowed, list):
                self.allowed_updates = allowed or None  # [] means "all but a few", as in Telegram
            held = False
            while True:
                self._drop_unwanted()
                ready = [u for u in self.updates if u["update_id"] > self._confirmed][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready
                if not held:
                    held = True
                    self.polls_held += 1  # under the lock: a test may wait for this
                self._cond.wait(min(remaining, 0.5))

    def _drop_unwanted(self) -> None:
        """Updates of kinds the bot did not ask for are never delivered (allowed_updates)."""
        if self.allowed_updates is None:
            return
        wanted = set(self.allowed_updates)
        self.updates = [u for u in self.updates if wanted & (u.keys() - {"update_id"})]

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
            allowed = _decode(params.get("allowed_updates"))
            if isinstance(allowed, list):
                self.allowed_updates = allowed or None
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
                    self._drop_unwanted()
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
                disable_notification=_bool(params.get("disable_notification")),
                reply_to=self._reply_target(chat_id, params),
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

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """The message replied to (reply_parameters or the older reply_to_message_id)."""
        reply = _decode(params.get("reply_parameters"))
        target = _int(reply.get("message_id")) if isinstance(reply, dict) else None
        target = target or _int(params.get("reply_to_message_id"))
        if target is None:
            return None
        allow = isinstance(reply, dict) and _bool(reply.get("allow_sending_without_reply"))
        if self._find(chat_id, target) is None:
            if not allow:
                raise ApiError(400, "Bad Request: message to be replied not found")
            return None
        return target

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat(params)
        markup = _decode(params.get("reply_markup")) or None
        with self._cond:
            sent = self._find(chat_id, _int(params.get("message_id")) or 0)
            if sent is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if sent.reply_markup == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
                )
            sent.reply_markup = markup
            sent.markup_edits += 1
            return self._message_json(sent)

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
