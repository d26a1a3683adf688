"""The user side of a standalone Bot API test server (`python -m tests.support.botapi`), over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.botapi import SentMessage


class RemoteBotApi:
    """The user side of a standalone server (`python -m tests.support.botapi`), over HTTP."""

    def __init__(self, url: str, token: str) -> None:
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
