"""Worker threads: own connections, read-only readers, a single writer, deadlines."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import Store
from bot.telegram.context import Reply, Where
from bot.telegram.limits import CommandLimits
from bot.workers import Busy, Workers


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    Store.open(tmp_path / "w.db").close()
    w = Workers(tmp_path / "w.db", switch_interval=None)
    yield w
    w.close()


async def test_readers_use_their_own_read_only_connection(workers: Workers) -> None:
    main = threading.get_ident()
    seen = await workers.read(lambda store: (threading.get_ident(), store))
    assert seen[0] != main
    with pytest.raises(StoreError, match="readonly") as refused:
        await workers.read(lambda store: store.upsert_chat(1))
    assert isinstance(refused.value.__cause__, sqlite3.OperationalError)  # SQLite refused it


async def test_the_writer_writes_and_the_others_see_it(workers: Workers, tmp_path: Path) -> None:
    await workers.write(lambda store: store.upsert_chat(7))
    reader = Store.open(tmp_path / "w.db")
    assert reader.get_chat(7) is not None
    reader.close()
    names = await asyncio.gather(*(workers.write(lambda s: threading.current_thread().name)
                                   for _ in range(5)))  # fmt: skip
    assert len(set(names)) == 1  # one writer thread: its transactions never interleave


async def test_a_job_that_waited_past_its_deadline_is_not_started(workers: Workers) -> None:
    ran: list[int] = []
    with pytest.raises(Busy):
        await workers.read(lambda store: ran.append(1), deadline=time.monotonic())
    assert ran == []


async def test_busy_becomes_a_try_again_reply() -> None:
    async def command(rt: object, w: Where, args: str) -> Reply:
        raise Busy("queue")

    reply = await CommandLimits().wrap("search", command)(None, Where(1, 0, "private", "", 1), "x")  # type: ignore[arg-type, misc]
    assert isinstance(reply, Reply) and "busy" in reply.text and "Try again in" in reply.text


async def test_a_failing_background_job_is_logged_not_raised(
    workers: Workers, caplog: pytest.LogCaptureFixture
) -> None:
    done = threading.Event()

    def job(store: Store) -> None:
        done.set()
        raise RuntimeError("boom")

    workers.background(job)
    assert done.wait(10)
    for _ in range(100):
        if "background job failed" in caplog.text:
            break
        await asyncio.sleep(0.02)
    assert "background job failed" in caplog.text
