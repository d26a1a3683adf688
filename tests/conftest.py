"""Fixtures shared across test modules (a module's own fixture of the same name wins).

The one fake clock is `tests.support.clock.FakeClock`; the one feed server is
`tests.support.feedserver.FeedServer` (fixture `feed_server`); the delivery fixtures
(a store with alerts, a recording bot) are `tests.support.delivery`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store
from tests.support.botapi import bot_api_server as bot_api_server  # the one Bot API server fixture
from tests.support.clock import FakeClock
from tests.support.delivery import open_store
from tests.support.feedserver import FeedServer

pytest_plugins = ["tests.support.pollharness"]


@pytest.fixture
def clock() -> FakeClock:
    """A clock standing at 2026-11-27 12:00 UTC that the test moves by hand."""
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A store on a real SQLite file in tmp_path, on the test's clock."""
    s = Store.open(tmp_path / "bot.db", clock)
    yield s
    s.close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 for the test, stopped after it."""
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def delivery_store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A store with the delivery tests' source (`tests.support.delivery.open_store`), closed after."""
    s = open_store(tmp_path / "bot.db", clock)
    yield s
    s.close()
