"""`sanctions-bot run --webhook-url`: updates arrive by HTTP POST, checked by a secret token."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.process import bot_env, running_bot
from tests.support.botapi import BotApiServer

USER = 5151


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def telegram() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


async def test_webhook_mode_with_secret_token(tmp_path: Path, telegram: BotApiServer) -> None:
    catalog = tmp_path / "sources.yaml"
    catalog.write_text("sources: []\n", encoding="utf-8")
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    args = ["run", "--webhook-url", hook, "--listen", "127.0.0.1", "--port", str(port)]
    with running_bot(args, bot_env(telegram, tmp_path / "bot.db", catalog), tmp_path) as bot:
        await telegram.wait_until(lambda: bool(telegram.webhook["url"]) or not bot.alive(), 60)
        assert bot.alive(), bot.log()
        assert telegram.webhook["url"] == hook
        secret = telegram.webhook["secret_token"]
        assert secret and len(secret) >= 32
        telegram.send_message(USER, USER, "/start")
        reply = await telegram.wait_for_message(USER, lambda m: "/subscribe" in m.plain)
        assert reply.chat_id == USER
        assert telegram.webhook_log[0][1] == 200
        # Without the secret, or with a wrong one, the bot refuses the update.
        update = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "chat": {"id": 6, "type": "private", "first_name": "X"},
            },
        }
        async with httpx.AsyncClient() as client:
            bare = await client.post(hook, json=update)
            wrong = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
        assert bare.status_code == 403 and wrong.status_code == 403
        assert telegram.sent(6) == []
    assert bot.returncode == 0, bot.log()
