"""The list path of a poll: download -> scan (in a thread) -> diff -> store -> items -> alerts.

The first version of a list is a baseline: stored, never alerted. Later versions
become one story of change items (one article per added, removed or amended entry),
stored, matched and queued in one transaction, so the outbox sees a publication
whole and sends each chat one grouped message (see bot/delivery/listformat.py).
A file that looks broken (no entries, or most entries gone at once) is refused and
changes nothing stored: a format change must not become a flood of removals.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from bot.errors import SourceError
from bot.lists import items, pending
from bot.lists.diff import Change, amended_fields
from bot.lists.kinds import LABELS
from bot.lists.model import ListedEntity
from bot.lists.scan import ScanResult, scan
from bot.models import Article, ListedMention, Source

if TYPE_CHECKING:
    from bot.lists.download import ListDownloader
    from bot.store import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")
# Queue alerts for a stored article through the given store; returns how many.
Match = Callable[["Store", Source, Article], int]


class Write(Protocol):
    """Runs a job with a Store (the writer thread's connection in `run`); its result."""

    def __call__(self, job: Callable[[Store], T]) -> Awaitable[T]: ...


MAX_REMOVED_SHARE = 0.5  # refuse a version that drops more than half of a big list at once
MIN_CHECKED = 50  # lists smaller than this may legitimately shrink a lot
ANNOUNCE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class ListPollResult:
    """What one list poll did (the poller turns it into a SourceStatus)."""

    status: Literal["ok", "not_modified"]
    entries: int = 0
    changes: int = 0
    alerts: int = 0
    baseline: bool = False
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


class ListPoller:
    """Polls one official list source end to end."""

    def __init__(
        self,
        store: Store,
        downloader: ListDownloader,
        match: Match,
        clock: Clock,
        *,
        refresh: Callable[[Store], None] = lambda store: None,
        announce_window: timedelta = ANNOUNCE_WINDOW,
        mentions: Callable[[str], list[ListedMention]] | None = None,
        grace: timedelta = timedelta(days=pending.GRACE_DAYS),
        write: Write | None = None,
    ) -> None:
        self.store = store
        # Every read and write of the store goes through `write` (default: this thread),
        # so storing and matching a big list never runs on the event loop.
        self.write = write or self._inline
        self.downloader = downloader
        self.match = match
        self.clock = clock
        self.refresh = refresh  # the name index and compiled rules must see new entries
        self.announce_window = announce_window
        self.mentions = mentions  # listed entries a text names (the name index)
        self.grace = grace  # how long a list may lag an announcement before we say so
        self._locks: dict[str, asyncio.Lock] = {}

    async def _inline(self, job: Callable[[Store], T]) -> T:
        return job(self.store)

    async def poll(self, source: Source) -> ListPollResult:
        """Fetch, compare and ingest one list; SourceError on any failure (nothing stored)."""
        # One poll of a list at a time (a scheduled poll and an admin's /sources poll):
        # two diffs against the same stored version would report each change twice.
        lock = self._locks.setdefault(source.id, asyncio.Lock())
        async with lock:
            return await self._poll(source)

    async def _poll(self, source: Source) -> ListPollResult:
        got = await self.downloader.download(source.url, self.store.validators(source.id))
        if got.status == "not_modified" or got.path is None:
            # An unchanged list can still lag a release.
            late = await self.write(lambda store: self._not_yet_listed(store, source))
            return ListPollResult(
                "not_modified",
                alerts=late,
                etag=got.etag,
                last_modified=got.last_modified,
                body_hash=got.body_hash,
            )
        try:
            known = await self.write(lambda store: store.list_digests(source.id))
            result = await asyncio.to_thread(scan, source.kind, got.path, known)
        finally:
            got.path.unlink(missing_ok=True)
        _check(source, result, len(known))
        baseline, changes, alerts = await self.write(
            lambda store: self._apply(store, source, result, got.body_hash or "")
        )
        return ListPollResult(
            "ok",
            entries=result.count,
            changes=changes,
            alerts=alerts,
            baseline=baseline,
            etag=got.etag,
            last_modified=got.last_modified,
            body_hash=got.body_hash,
        )

    def _apply(
        self, store: Store, source: Source, result: ScanResult, body_hash: str
    ) -> tuple[bool, int, int]:
        """Store the version, its change items and their alerts (the first: a baseline)."""
        baseline = not store.has_list_version(source.id)
        changes, alerts = self._ingest(store, source, result, body_hash, baseline)
        if not baseline:
            alerts += self._not_yet_listed(store, source)
        return baseline, changes, alerts

    def _ingest(
        self, store: Store, source: Source, result: ScanResult, body_hash: str, baseline: bool
    ) -> tuple[int, int]:
        known = store.listed_entities(source.id, [e.id for e in result.changed])
        previous = store.listed_entities(source.id, result.removed)
        changes = [] if baseline else _changes(result, known, previous)
        counts: Counter[str] = Counter(c.kind for c in changes)
        with store.transaction():
            version_id, story_id = store.add_list_version(
                source.id,
                published=result.published,
                content_hash=body_hash,
                entities=result.count,
                counts=counts,
                baseline=baseline,
            )
            store.store_list_entities(source.id, version_id, result.changed)
            store.close_list_entities(source.id, version_id, result.removed)
            self.refresh(store)  # new spellings for @name watches before anything is matched
            alerts = 0
            if story_id is not None:
                alerts = self._items(store, source, version_id, story_id, result.published, changes)
        log.info("list %s: %d entries, %s", source.id, result.count, dict(counts) or "baseline")
        return len(changes), alerts

    def _items(
        self,
        store: Store,
        source: Source,
        version_id: int,
        story_id: int,
        published: str,
        changes: list[Change],
    ) -> int:
        label = LABELS.get(source.kind, source.name)
        moment = _moment(published) or self.clock()
        since = self.clock() - self.announce_window
        alerts = 0
        for change in changes:
            article = store.add_change_item(
                source,
                version_id,
                story_id,
                change,
                items.title(label, change),
                items.text(label, change),
                moment,
            )
            if change.kind == "added":
                announced = store.announcing_article(change.entity, since)
                if announced is not None:
                    store.set_announced(article.id, announced)
            alerts += self.match(store, source, article)
        return alerts

    def _not_yet_listed(self, store: Store, source: Source) -> int:
        """Releases older than the grace period naming entries this list still lacks."""
        if self.mentions is None or not store.has_list_version(source.id):
            return 0
        label = LABELS.get(source.kind, source.name)
        until = self.clock() - self.grace
        since = until - self.announce_window
        alerts = 0
        for article in store.announcements(since, until, label):
            found: tuple[ListedMention, ...] = ()
            if pending.announces(source.kind, article):
                found = pending.missing_from(
                    label, self.mentions(f"{article.title}\n{article.text}")
                )
            with store.transaction():
                store.mark_announcement_checked(article.id, label, len(found))
                if found:
                    days = self.grace.days
                    item = pending.Pending(article, label, found)
                    stored = store.add_pending_item(
                        source, article, pending.title(item, days), pending.text(item, days)
                    )
                    alerts += self.match(store, source, stored)
        return alerts


def _changes(
    result: ScanResult, known: Mapping[str, ListedEntity], previous: Mapping[str, ListedEntity]
) -> list[Change]:
    changes: list[Change] = []
    for entity in result.changed:
        old = known.get(entity.id)
        if old is None:
            changes.append(Change("added", entity))
            continue
        fields = amended_fields(old, entity)
        if fields:
            changes.append(Change("amended", entity, fields))
    changes += [Change("removed", previous[i]) for i in result.removed if i in previous]
    return changes


def _check(source: Source, result: ScanResult, stored: int) -> None:
    """Refuse files that cannot be a real version of this list."""
    if result.count == 0:
        raise SourceError(
            f"no entries found: is {source.url} still a {source.kind} file?", transient=False
        )
    if stored >= MIN_CHECKED and len(result.removed) > stored * MAX_REMOVED_SHARE:
        raise SourceError(
            f"refused: {len(result.removed)} of {stored} entries would be removed at once "
            "(a truncated or changed file?); nothing stored",
        )


def _moment(published: str) -> datetime | None:
    from bot.store.base import parse_iso

    try:
        return parse_iso(published[:10]) if len(published) >= 10 else None
    except ValueError:
        return None
