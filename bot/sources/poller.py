"""One poll cycle: fetch, parse and ingest every source, recording health and backoff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.errors import SourceError, StoreError
from bot.lists.kinds import is_list_kind
from bot.models import FeedEntry, Source
from bot.sources.fetch import FetchResult
from bot.sources.fulltext import article_text
from bot.sources.parse import parse_feed_report
from bot.sources.placeholders import for_fetch
from bot.sources.report import check_usable
from bot.sources.state import SourceHealth, Validators

log = logging.getLogger(__name__)

Outcome = Literal["ok", "not_modified", "error", "skipped"]
Notify = Callable[[str], Awaitable[None]]
Clock = Callable[[], datetime]
TEASER_CHARS = 600
_TEASER_ENDINGS = ("…", "...", "[…]", "[...]", "Read more", "read more")


class IngestResultLike(Protocol):
    """What the pipeline's ingest returns (read-only, so frozen dataclasses fit)."""

    @property
    def new_articles(self) -> int: ...

    @property
    def alerts(self) -> int: ...

    # Optional: `held_back` (new articles too old to alert), read with getattr.


# Always a coroutine: the runtime passes `Runtime.ingest` (the pipeline on the writer thread).
Ingest = Callable[[Source, list[FeedEntry]], Awaitable[IngestResultLike]]


class ListResultLike(Protocol):
    """What a list poll returns (bot.lists.poll.ListPollResult)."""

    @property
    def status(self) -> Literal["ok", "not_modified"]: ...
    @property
    def entries(self) -> int: ...
    @property
    def changes(self) -> int: ...
    @property
    def alerts(self) -> int: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def body_hash(self) -> str | None: ...


class ListPath(Protocol):
    """Official lists take their own fetch -> parse -> diff -> ingest path (bot.lists.poll)."""

    async def poll(self, source: Source) -> ListResultLike: ...


class PollStore(Protocol):
    """The store methods the poller uses."""

    def ensure_source(self, source: Source) -> None: ...
    def validators(self, source_id: str) -> Validators | None: ...
    def known_guids(self, source_id: str, guids: list[str]) -> set[str]: ...
    def get_source_health(self, source_id: str) -> SourceHealth | None: ...
    def record_poll_success(
        self,
        source_id: str,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        new_items: int,
        not_modified: bool,
        next_poll_at: datetime | None = None,
    ) -> bool: ...
    def record_poll_failure(self, source_id: str, reason: str, next_poll_at: datetime) -> int: ...
    def mark_failure_reported(self, source_id: str) -> bool: ...


class PollFetcher(Protocol):
    """The fetcher methods the poller uses."""

    async def fetch(
        self, source_or_url: Source | str, validators: Validators | None = None
    ) -> FetchResult: ...
    async def fetch_article_text(self, url: str) -> str: ...


@dataclass(frozen=True)
class SourceStatus:
    """How one source's poll went: the `poll --once` line and the test oracle."""

    source_id: str
    outcome: Outcome
    new_items: int = 0
    seen_items: int = 0
    error: str | None = None
    duration: float = 0.0
    failures: int = 0
    retry_in: timedelta | None = None
    alerts: int = 0
    held_back: int = 0  # new items older than the alert age limit: stored, not alerted
    skipped_items: int = 0  # malformed items dropped (the others were stored)

    def line(self) -> str:
        """One aligned status line, e.g. 'ep-press   ok   12 items, 3 new   0.41s'."""
        if self.outcome == "ok":
            detail = f"{self.seen_items} items, {self.new_items} new"
            if self.alerts:
                detail += f", {self.alerts} alerts"
            if self.held_back:
                detail += f", {self.held_back} held back (too old to alert)"
            if self.skipped_items:
                detail += f", {self.skipped_items} skipped (malformed)"
        elif self.outcome == "not_modified":
            detail = "not modified"
        elif self.outcome == "skipped":
            detail = self.error or "skipped"
        else:
            plural = "failure" if self.failures == 1 else "failures"
            detail = f"{self.error} ({self.failures} {plural} in a row"
            detail += f", next try in {format_delay(self.retry_in)})" if self.retry_in else ")"
        return f"{self.source_id:<24} {self.outcome:<13} {detail:<40} {self.duration:5.2f}s"


def format_delay(delay: timedelta | None) -> str:
    """A short human delay: '45s', '4m', '2h', '1h30m'."""
    seconds = int(delay.total_seconds()) if delay else 0
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"


class Poller:
    """Polls sources; one source's failure never stops the others."""

    def __init__(
        self,
        store: PollStore,
        fetcher: PollFetcher,
        ingest: Ingest,
        clock: Clock,
        *,
        notify: Notify | None = None,
        failure_threshold: int = 3,
        max_backoff: timedelta = timedelta(hours=6),
        full_text_limit: int = 10,
        timer: Callable[[], float] = time.perf_counter,
        max_in_flight: int = 64,
        lists: ListPath | None = None,
        on_status: Callable[[SourceStatus], None] | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.ingest = ingest
        self.clock = clock
        self.notify = notify
        self.failure_threshold = failure_threshold
        self.max_backoff = max_backoff
        self.full_text_limit = full_text_limit
        self.timer = timer
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.lists = lists
        self._polling: dict[str, asyncio.Lock] = {}  # one poll of a source at a time
        self.on_status = on_status  # metrics and health (bot/ops/health.py)

    async def poll_once(self, sources: Sequence[Source]) -> list[SourceStatus]:
        """Poll every enabled source now, concurrently; statuses in the given order."""
        return list(await asyncio.gather(*(self._bounded(s, False) for s in sources)))

    async def poll_due(self, sources: Sequence[Source]) -> list[SourceStatus]:
        """Poll the sources whose backoff has passed; the others come back 'skipped'."""
        return list(await asyncio.gather(*(self._bounded(s, True) for s in sources)))

    async def _bounded(self, source: Source, due_only: bool) -> SourceStatus:
        # More polls in flight than the HTTP client's connection pool only queue inside
        # httpcore, where they eat into their own fetch deadline (measured in bench/polling).
        async with self._in_flight:
            # Ingest runs on a worker thread: a scheduled pass that starts while another
            # is still ingesting this source leaves it alone; a forced one waits its turn.
            lock = self._polling.setdefault(source.id, asyncio.Lock())
            if due_only and lock.locked():
                return SourceStatus(source.id, "skipped", error="already being polled")
            async with lock:
                status = await self.poll_source(source, due_only=due_only)
        if self.on_status is not None:
            self.on_status(status)
        return status

    async def poll_source(self, source: Source, *, due_only: bool = False) -> SourceStatus:
        """Fetch, parse and ingest one source, recording the outcome; never raises."""
        started = self.timer()
        try:
            return await self._poll(source, due_only, started)
        except asyncio.CancelledError:
            raise
        except SourceError as exc:
            return await self._failed(source, exc.reason, started)
        except StoreError as exc:
            # The database, not the source: recording a failure would need the database
            # too, and telling admins "source X is failing" would be untrue. Next pass.
            log.warning("polling %s: %s", source.id, exc)
            return SourceStatus(source.id, "skipped", error="database busy, will retry")
        except Exception as exc:  # any bug in one source's path must not stop the cycle
            log.exception("polling %s failed", source.id)
            return await self._failed(
                source, f"internal error: {type(exc).__name__}: {exc}", started
            )

    async def _poll(self, source: Source, due_only: bool, started: float) -> SourceStatus:
        if not source.enabled:
            reason = "disabled: needs a browser" if source.needs_browser else "disabled"
            return SourceStatus(source.id, "skipped", error=reason)
        self.store.ensure_source(source)
        if due_only:
            health = self.store.get_source_health(source.id)
            now = self.clock()
            if health and health.next_poll_at and health.next_poll_at > now:
                wait = format_delay(health.next_poll_at - now)
                return SourceStatus(source.id, "skipped", error=f"backing off, next try in {wait}")
        if is_list_kind(source.kind):
            return await self._poll_list(source, started)
        result = await self.fetcher.fetch(
            for_fetch(source, self.clock()), self.store.validators(source.id)
        )
        next_poll = self.clock() + timedelta(seconds=source.interval)
        if result.status == "not_modified":
            recovered = self.store.record_poll_success(
                source.id, result.etag, result.last_modified, result.body_hash, 0, True, next_poll
            )
            await self._recovered(source, recovered)
            return SourceStatus(source.id, "not_modified", duration=self.timer() - started)
        report = parse_feed_report(result.body, source, result.final_url, result.content_type)
        check_usable(report, source)  # a body of unreadable items is a failure, not "0 items"
        entries = list(report.entries)
        if source.full_text:
            entries = await self._with_full_text(source, entries)
        outcome = await self.ingest(source, entries)
        new = int(getattr(outcome, "new_articles", 0))
        recovered = self.store.record_poll_success(
            source.id, result.etag, result.last_modified, result.body_hash, new, False, next_poll
        )
        await self._recovered(source, recovered)
        return SourceStatus(
            source.id,
            "ok",
            new_items=new,
            seen_items=len(entries),
            duration=self.timer() - started,
            alerts=int(getattr(outcome, "alerts", 0)),
            held_back=int(getattr(outcome, "held_back", 0)),
            skipped_items=report.skipped,
        )

    async def _poll_list(self, source: Source, started: float) -> SourceStatus:
        if self.lists is None:
            return SourceStatus(source.id, "skipped", error="list sources are not enabled here")
        result = await self.lists.poll(source)
        same = result.status == "not_modified"
        next_poll = self.clock() + timedelta(seconds=source.interval)
        recovered = self.store.record_poll_success(
            source.id,
            result.etag,
            result.last_modified,
            result.body_hash,
            result.changes,
            same,
            next_poll,
        )
        await self._recovered(source, recovered)
        return SourceStatus(
            source.id,
            "not_modified" if same else "ok",
            new_items=result.changes,
            seen_items=result.entries,
            duration=self.timer() - started,
            alerts=result.alerts,
        )

    async def _failed(self, source: Source, reason: str, started: float) -> SourceStatus:
        health = self.store.get_source_health(source.id)
        failures = (health.consecutive_failures if health else 0) + 1
        delay = self.backoff(source, failures)
        failures = self.store.record_poll_failure(source.id, reason, self.clock() + delay)
        if failures >= self.failure_threshold and self.store.mark_failure_reported(source.id):
            hint = " This site is known to block non-browser clients." if source.blocks_bots else ""
            await self._tell(
                f"Source {source.name} ({source.id}) is failing: {reason}. "
                f"{failures} failures in a row; next try in {format_delay(delay)}.{hint}"
            )
        return SourceStatus(
            source.id,
            "error",
            error=reason,
            duration=self.timer() - started,
            failures=failures,
            retry_in=delay,
        )

    def backoff(self, source: Source, failures: int) -> timedelta:
        """Delay before the next try: the interval doubled per failure, capped."""
        cap = max(self.max_backoff.total_seconds(), source.interval)
        seconds = min(source.interval * 2 ** min(failures - 1, 20), cap)
        return timedelta(seconds=seconds)

    async def _recovered(self, source: Source, was_reported: bool) -> None:
        if was_reported:
            await self._tell(f"Source {source.name} ({source.id}) works again.")

    async def _tell(self, text: str) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(text)
        except Exception:  # a failed admin message must not fail the poll
            log.exception("notifying admins failed")

    async def _with_full_text(self, source: Source, entries: list[FeedEntry]) -> list[FeedEntry]:
        """Replace teasers of new entries by the article page's text (bounded per poll)."""
        known = self.store.known_guids(source.id, [e.guid for e in entries])
        wanted = [e for e in entries if e.guid not in known and is_teaser(e.text)]
        wanted = wanted[: self.full_text_limit]
        texts = await asyncio.gather(*(self._article_text(source, e.url) for e in wanted))
        replaced = {e.guid: t for e, t in zip(wanted, texts, strict=True) if t}
        return [_with_text(e, replaced[e.guid]) if e.guid in replaced else e for e in entries]

    async def _article_text(self, source: Source, url: str) -> str | None:
        if not url:
            return None
        try:
            return await article_text(self.fetcher, source, url)
        except SourceError as exc:
            log.info("full text of %s unavailable: %s", url, exc.reason)
            return None  # the teaser is still worth ingesting


def is_teaser(text: str) -> bool:
    """Whether a feed item's text looks cut short."""
    stripped = text.strip()
    return len(stripped) < TEASER_CHARS or stripped.endswith(_TEASER_ENDINGS)


def _with_text(entry: FeedEntry, text: str) -> FeedEntry:
    if len(text) <= len(entry.text):
        return entry
    return FeedEntry(entry.source_id, entry.guid, entry.url, entry.title, text, entry.published)
