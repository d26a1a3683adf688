"""Threads that keep heavy work off the event loop, each with its own database connection.

The event loop answers every chat; anything that may take more than a few milliseconds
(a dry run over stored articles, a full-text search, matching an ingested batch, a full
recompile of the rules) runs here instead and is awaited. Two pools:

* readers: a few threads for what users ask (/test, /watch dry runs, /search), each with
  a read-only connection, so that a slow query of one user never holds another's;
* writer: one thread that ingests (store + match + queue alerts) through its own
  connection, so its transactions never interleave with the loop's;
* compiler: one thread for full rule compiles (bot.registry), started in the background.

CPU-bound Python threads share the GIL with the loop, which still gets it back within
the switch interval (set to 1 ms here); a reader job that could not start well before
its deadline is refused (Busy) rather than answered late. bench/abuse.py measures what
a bystander sees while a dozen attackers keep both readers busy.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.errors import BotError
from bot.store import Store
from bot.store.base import Clock, utcnow

T = TypeVar("T")
log = logging.getLogger(__name__)
READER_THREADS = 2
START_MARGIN_S = 1.0  # a reader job starting later than this before its deadline is refused
SWITCH_INTERVAL_S = 0.001  # sys.setswitchinterval for the process running the workers


class Busy(BotError):
    """A job waited too long for a thread: the caller answers 'busy, try again'."""


class Workers:
    """The reader and writer threads of one bot process, over one database file."""

    def __init__(
        self,
        db_path: Path | str,
        clock: Clock = utcnow,
        *,
        readers: int = READER_THREADS,
        switch_interval: float | None = SWITCH_INTERVAL_S,
    ) -> None:
        self.db_path = db_path
        self.clock = clock
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="reader")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="writer")
        self._compiler = ThreadPoolExecutor(1, thread_name_prefix="compiler")
        self._closed = False
        if switch_interval is not None:
            # A CPU-bound worker thread is asked to hand the GIL back to the event loop
            # after this long (default 5 ms): bench/abuse.py measured a bystander's /start
            # with 12 attackers at p99 0.44 s with 1 ms against 0.55-0.88 s with 5 ms.
            sys.setswitchinterval(switch_interval)

    async def read(self, job: Callable[[Store], T], *, deadline: float | None = None) -> T:
        """Run `job` on a reader thread with that thread's read-only Store.

        With a `deadline` (time.monotonic()), a job still waiting for a thread too close to
        it is not started: Busy is raised instead, so that a queue of other users' work
        never makes a reply late."""
        return await self._run(self._readers, job, True, deadline)

    async def write(self, job: Callable[[Store], T]) -> T:
        """Run `job` on the writer thread with its own Store (one job at a time)."""
        return await self._run(self._writer, job, False, None)

    def background(self, job: Callable[[Store], None]) -> None:
        """Start `job` on the background thread (full rule compiles) and return at once."""
        if not self._closed:
            self._compiler.submit(self._logged, job)

    def _logged(self, job: Callable[[Store], None]) -> None:
        try:
            job(self._store(True))
        except Exception:  # a background job has nobody to raise to
            log.exception("background job failed")

    async def _run(
        self,
        pool: ThreadPoolExecutor,
        job: Callable[[Store], T],
        readonly: bool,
        deadline: float | None,
    ) -> T:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # log context (and the like) follows the job
        call = functools.partial(context.run, self._call, job, readonly, deadline)
        return await loop.run_in_executor(pool, call)

    def _call(self, job: Callable[[Store], T], readonly: bool, deadline: float | None) -> T:
        if deadline is not None and time.monotonic() > deadline - START_MARGIN_S:
            raise Busy("the bot is busy with other requests")
        return job(self._store(readonly))

    def _store(self, readonly: bool) -> Store:
        """This thread's connection, opened on first use."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.db_path, self.clock)
            if readonly:
                store.prepare_search()  # a temp table: before the connection turns read-only
                store.db.execute("PRAGMA query_only = ON")
            with self._lock:
                self._opened.append(store)
            self._local.store = store
        return store

    def close(self) -> None:
        """Wait for running jobs, then close every thread's connection."""
        if self._closed:
            return
        self._closed = True
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True, cancel_futures=True)
        self._compiler.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for store in self._opened:
                store.close()
            self._opened.clear()
