"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import Harness, start_harness, stop_harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot with its handlers only (no polling or delivery jobs)."""
    h = await start_harness(tmp_path)
    yield h
    await stop_harness(h)


@pytest.fixture
async def live_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot with its delivery and digest jobs running (sources are not polled)."""
    h = await start_harness(tmp_path, jobs=True)
    yield h
    await stop_harness(h)
