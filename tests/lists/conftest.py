"""Servers the list tests share: list files and the Bot API, both on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.lists.harness import CHAT
from tests.support.botapi import BotApiServer


@pytest.fixture
def api(bot_api_server: BotApiServer) -> BotApiServer:
    bot_api_server.add_chat(CHAT, "private")
    return bot_api_server
