"""Servers the list tests share: list files and the Bot API, both on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lists.harness import CHAT
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def api() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    server.add_chat(CHAT, "private")
    yield server
    server.stop()
