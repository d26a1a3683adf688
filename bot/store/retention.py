"""Retention: remove old articles that never produced an alert, in short transactions.

An article is removable when it was fetched before the cutoff and its story has
no alert: an alert shows the other sources of its story, so an alerted story
keeps every article (until the optional, longer alerted retention). With an
article go its FTS row (the articles_ad trigger), its matches, and its story
once empty (with the story's tokens). Alerted stories, when their own retention
is set, go with their alerts and delivery log.

Every batch is one BEGIN IMMEDIATE ... COMMIT sized to hold the write lock for
about `Pacing.target_lock` seconds, and the pruner then sleeps `Pacing.pause`
(longer than SQLite's longest busy-handler sleep, 100 ms) so a writer waiting on
the lock always gets in between two batches. WAL readers are never blocked.
`reclaim` then merges the FTS index and returns free pages to the file system
with incremental vacuum, again in short steps.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from bot.store.base import Clock, iso
from bot.store.guard import guard_class

log = logging.getLogger(__name__)

INCREMENTAL = 2  # PRAGMA auto_vacuum value
MAX_VACUUM_PAGES = 4096  # 16 MB of 4 KB pages per incremental_vacuum step at most
BUSY_RETRIES = 30  # times BEGIN may find the database locked before a prune gives up


@dataclass(frozen=True)
class RetentionPolicy:
    """How long articles are kept: never-alerted ones, and (optionally) alerted stories."""

    unalerted: timedelta = timedelta(days=180)
    alerted: timedelta | None = None  # None: alerted stories are kept for good


@dataclass(frozen=True)
class Pacing:
    """How hard pruning may press on the database while the bot runs."""

    target_lock: float = 0.05  # seconds one batch may hold the write lock
    pause: float = 0.12  # seconds between batches: > SQLite's 100 ms busy sleep
    first_batch: int = 100
    max_batch: int = 2000
    vacuum_pages: int = 512  # pages freed per incremental_vacuum step, adapted like batches
    fts_merge_pages: int = 64  # pages of FTS merge work per step


@dataclass(frozen=True)
class PruneCounts:
    """Rows removed (or, in a dry run, that would be)."""

    articles: int = 0
    stories: int = 0
    matches: int = 0
    alerts: int = 0
    deliveries: int = 0

    def __add__(self, other: PruneCounts) -> PruneCounts:
        return PruneCounts(
            self.articles + other.articles,
            self.stories + other.stories,
            self.matches + other.matches,
            self.alerts + other.alerts,
            self.deliveries + other.deliveries,
        )


@dataclass(frozen=True)
class PruneReport:
    """What one prune did, and how long it held the write lock at most."""

    cutoff: datetime
    alerted_cutoff: datetime | None
    unalerted: PruneCounts  # never-alerted articles past the retention
    alerted: PruneCounts = field(default_factory=PruneCounts)  # alerted stories past theirs
    dry_run: bool = False
    kept_alerted: int = 0  # old articles kept because their story has an alert
    batches: int = 0
    longest_lock: float = 0.0
    locks: tuple[tuple[str, float], ...] = ()  # longest hold per phase: delete, merge, vacuum
    seconds: float = 0.0
    bytes_before: int = 0
    bytes_after: int = 0

    def lines(self) -> list[str]:
        """What `prune` prints: what went (or would go), what stayed, the file size."""
        c, a = self.unalerted, self.alerted
        verb = "would remove" if self.dry_run else "removed"
        lines = [
            f"{verb} {_n(c.articles, 'article')} fetched before {self.cutoff:%Y-%m-%d} that "
            f"never produced an alert ({_n(c.stories, 'story', 'stories')}, "
            f"{_n(c.matches, 'match', 'matches')})"
        ]
        if self.alerted_cutoff is not None:
            lines.append(
                f"{verb} {_n(a.stories, 'alerted story', 'alerted stories')} older than "
                f"{self.alerted_cutoff:%Y-%m-%d} ({_n(a.articles, 'article')}, "
                f"{_n(a.alerts, 'alert')}, {_n(a.deliveries, 'delivery log row')})"
            )
        lines.append(f"kept {_n(self.kept_alerted, 'old article')} of alerted stories")
        if self.dry_run:
            lines.append("dry run: nothing was changed")
        else:
            lines.append(
                f"database {_mb(self.bytes_before)} -> {_mb(self.bytes_after)} in "
                f"{self.seconds:.1f}s ({self.batches} batches, longest lock "
                f"{self.longest_lock * 1000:.0f} ms)"
            )
        return lines


@dataclass
class _Progress:
    unalerted: PruneCounts = field(default_factory=PruneCounts)
    alerted: PruneCounts = field(default_factory=PruneCounts)
    batches: int = 0
    longest_lock: float = 0.0
    locks: dict[str, float] = field(default_factory=dict)

    def held(self, phase: str, seconds: float) -> None:
        """Record one write transaction of `phase` that held the lock `seconds`."""
        self.batches += 1
        self.longest_lock = max(self.longest_lock, seconds)
        self.locks[phase] = max(self.locks.get(phase, 0.0), seconds)


@guard_class  # sqlite3 errors leave plan/prune/reclaim as StoreError, like the Store's
class Pruner:
    """Applies a RetentionPolicy to one database connection (its own: see module doc)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        policy: RetentionPolicy,
        clock: Clock,
        *,
        pacing: Pacing | None = None,
        timer: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.db = db
        self.stop = stop  # asked between batches: a bot shutting down ends a prune early
        self.policy = policy
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.timer = timer
        self.sleep = sleep

    # -- planning ---------------------------------------------------------

    def cutoffs(self) -> tuple[datetime, datetime | None]:
        """The fetch time before which unalerted articles (and alerted stories) go."""
        now = self.clock()
        alerted = self.policy.alerted
        return now - self.policy.unalerted, (now - alerted) if alerted is not None else None

    def plan(self) -> PruneReport:
        """A dry run: what `prune` would remove now, changing nothing."""
        cutoff, alerted_cutoff = self.cutoffs()
        stamp = iso(cutoff)
        row = self.db.execute(
            "SELECT count(*), count(DISTINCT a.story_id), "
            "(SELECT count(*) FROM matches m WHERE m.article_id IN "
            f"(SELECT a2.id FROM articles a2 WHERE {_UNALERTED.format(a='a2')})) "
            f"FROM articles a WHERE {_UNALERTED.format(a='a')}",
            [stamp, stamp],
        ).fetchone()
        emptied = self.db.execute(
            "SELECT count(*) FROM (SELECT a.story_id FROM articles a GROUP BY a.story_id "
            "HAVING max(a.fetched) < ?) s "
            "WHERE NOT EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = s.story_id)",
            [stamp],
        ).fetchone()[0]
        unalerted = PruneCounts(articles=int(row[0]), stories=int(emptied), matches=int(row[2]))
        alerted = PruneCounts()
        if alerted_cutoff is not None:
            alerted = self._plan_alerted(alerted_cutoff)
        return PruneReport(
            cutoff, alerted_cutoff, unalerted, alerted, dry_run=True, kept_alerted=self._kept(stamp)
        )

    def _plan_alerted(self, cutoff: datetime) -> PruneCounts:
        stories = [r[0] for r in self.db.execute(_ALERTED_STORIES_ALL, [iso(cutoff)] * 4)]
        total = PruneCounts(stories=len(stories))
        for chunk in _chunks(stories, 500):
            marks = _marks(chunk)
            articles, matches, alerts, deliveries = self.db.execute(
                f"SELECT (SELECT count(*) FROM articles WHERE story_id IN ({marks})), "
                f"(SELECT count(*) FROM matches m JOIN articles a ON a.id = m.article_id "
                f"WHERE a.story_id IN ({marks})), "
                f"(SELECT count(*) FROM alerts WHERE story_id IN ({marks})), "
                f"(SELECT count(*) FROM deliveries d JOIN alerts al ON al.id = d.alert_id "
                f"WHERE al.story_id IN ({marks}))",
                [*chunk, *chunk, *chunk, *chunk],
            ).fetchone()
            total = total + PruneCounts(articles, 0, matches, alerts, deliveries)
        return total

    def _kept(self, stamp: str | None) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM articles a WHERE a.fetched < ? "
            "AND EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = a.story_id)",
            [stamp],
        ).fetchone()
        return int(row[0])

    # -- pruning ----------------------------------------------------------

    def prune(self) -> PruneReport:
        """Remove what the policy says, in short transactions; then return the space."""
        started = self.timer()
        before = database_bytes(self.db)
        cutoff, alerted_cutoff = self.cutoffs()
        progress = _Progress()
        with _foreign_keys_off(self.db), _no_autocheckpoint(self.db):
            self._prune_unalerted(iso(cutoff), progress)
            if alerted_cutoff is not None:
                self._prune_alerted(iso(alerted_cutoff), progress)
            # Merging the FTS index may take as long as deleting did (at least 5 s).
            self.reclaim(progress, merge_budget=max(5.0, self.timer() - started))
        report = PruneReport(
            cutoff,
            alerted_cutoff,
            progress.unalerted,
            progress.alerted,
            kept_alerted=self._kept(iso(cutoff)),
            batches=progress.batches,
            longest_lock=progress.longest_lock,
            locks=tuple(progress.locks.items()),
            seconds=self.timer() - started,
            bytes_before=before,
            bytes_after=database_bytes(self.db),
        )
        log.info(
            "prune",
            extra={
                "event": "prune",
                "articles": report.unalerted.articles + report.alerted.articles,
                "stories": report.unalerted.stories + report.alerted.stories,
                "alerts": report.alerted.alerts,
                "seconds": round(report.seconds, 2),
                "longest_lock_ms": round(report.longest_lock * 1000),
                "bytes_before": before,
                "bytes_after": report.bytes_after,
            },
        )
        return report

    def _prune_unalerted(self, stamp: str | None, progress: _Progress) -> None:
        cursor: tuple[str, int] = ("", 0)
        for size in self._batch_sizes(progress):
            with self._locked(progress):
                rows = self.db.execute(
                    "SELECT a.id, a.story_id, a.fetched FROM articles a "
                    f"WHERE {_UNALERTED.format(a='a')} AND (a.fetched, a.id) > (?, ?) "
                    "ORDER BY a.fetched, a.id LIMIT ?",
                    [stamp, *cursor, size],
                ).fetchall()
                if not rows:
                    return
                cursor = (str(rows[-1][2]), int(rows[-1][0]))
                progress.unalerted = progress.unalerted + self._remove_articles(
                    [int(r[0]) for r in rows], {int(r[1]) for r in rows}
                )

    def _prune_alerted(self, stamp: str | None, progress: _Progress) -> None:
        last = 0
        for size in self._batch_sizes(progress):
            with self._locked(progress):
                stories = [
                    int(r[0])
                    for r in self.db.execute(
                        _ALERTED_STORIES_ALL + " AND s.id > ? ORDER BY s.id LIMIT ?",
                        [stamp, stamp, stamp, stamp, last, max(1, size // 4)],
                    )
                ]
                if not stories:
                    return
                last = stories[-1]
                progress.alerted = progress.alerted + self._remove_stories(stories)

    def _remove_stories(self, stories: Sequence[int]) -> PruneCounts:
        marks = _marks(stories)
        alerts = [
            int(r[0])
            for r in self.db.execute(f"SELECT id FROM alerts WHERE story_id IN ({marks})", stories)
        ]
        deliveries = alerts_removed = 0
        if alerts:
            alert_marks = _marks(alerts)
            self.db.execute(f"DELETE FROM alert_matches WHERE alert_id IN ({alert_marks})", alerts)
            deliveries = self.db.execute(
                f"DELETE FROM deliveries WHERE alert_id IN ({alert_marks})", alerts
            ).rowcount
            alerts_removed = self.db.execute(
                f"DELETE FROM alerts WHERE id IN ({alert_marks})", alerts
            ).rowcount
        articles = [
            int(r[0])
            for r in self.db.execute(
                f"SELECT id FROM articles WHERE story_id IN ({marks})", stories
            )
        ]
        removed = self._remove_articles(articles, set(stories))
        return removed + PruneCounts(alerts=alerts_removed, deliveries=deliveries)

    def _unlink_lists(self, marks: str, ids: Sequence[int]) -> None:
        """Official-list rows that point at articles about to go (bot/store/lists.py): the
        list's own history stays, without its item; cross-links of the article go."""
        for table in ("article_listings", "list_pending"):
            self.db.execute(f"DELETE FROM {table} WHERE article_id IN ({marks})", ids)
        for column in ("article_id", "announced_by"):
            self.db.execute(
                f"UPDATE list_changes SET {column} = NULL WHERE {column} IN ({marks})", ids
            )

    def _remove_articles(self, ids: Sequence[int], stories: set[int]) -> PruneCounts:
        """Delete articles (the trigger drops their FTS rows), their matches, emptied stories."""
        if not ids:
            return PruneCounts()
        marks = _marks(ids)
        self._unlink_lists(marks, ids)
        matches = self.db.execute(f"DELETE FROM matches WHERE article_id IN ({marks})", ids)
        articles = self.db.execute(f"DELETE FROM articles WHERE id IN ({marks})", ids)
        emptied = 0
        for story_id in sorted(stories):
            row = self.db.execute(
                "SELECT fingerprint FROM stories s WHERE id = ? "
                "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)",
                [story_id],
            ).fetchone()
            if row is None:
                continue
            # story_tokens has no index on story_id; its rows are exactly the tokens of
            # the story's fingerprint (ArticlesMixin._story_for), so the primary key finds them.
            tokens = sorted(set(str(row[0]).split()))
            if tokens:
                self.db.execute(
                    f"DELETE FROM story_tokens WHERE story_id = ? AND token IN ({_marks(tokens)})",
                    [story_id, *tokens],
                )
            self.db.execute("DELETE FROM stories WHERE id = ?", [story_id])
            emptied += 1
        return PruneCounts(articles=articles.rowcount, stories=emptied, matches=matches.rowcount)

    # -- returning space ----------------------------------------------------

    def reclaim(self, progress: _Progress | None = None, merge_budget: float = 5.0) -> int:
        """Merge the FTS index's deleted entries away and hand free pages back; pages freed."""
        progress = progress or _Progress()
        self._merge_fts(progress, merge_budget)
        freed = 0
        if auto_vacuum_mode(self.db) == INCREMENTAL:
            freed = self._incremental_vacuum(progress)
        self._truncate_wal(progress)
        return freed

    def _truncate_wal(self, progress: _Progress) -> None:
        # Pruning wrote many pages through the WAL, which keeps its size on disk. A
        # TRUNCATE checkpoint shrinks it, but holds up writers while it waits for readers:
        # wait 100 ms at most, and leave it to the next checkpoint otherwise.
        timeout = int(self.db.execute("PRAGMA busy_timeout").fetchone()[0])
        self.db.execute("PRAGMA busy_timeout = 100")
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # the copying, unlocked
        started = self.timer()
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            progress.held("checkpoint", self.timer() - started)
        except sqlite3.OperationalError as exc:
            log.info("prune: WAL not truncated (%s)", exc)
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {timeout}")

    def _merge_fts(self, progress: _Progress, budget: float) -> None:
        """Merge FTS segments in bounded steps until there is nothing left to merge.

        A deletion only adds a tombstone to the FTS index; merging segments drops the
        deleted entries. Each 'merge' call does a bounded amount of work and changes fewer
        than two rows once there is nothing left (FTS5 documentation). Only the positive
        form is used: in SQLite 3.40 the negative one (merge everything, incrementally)
        corrupts the index when another connection writes between two steps, reproduced
        with plain sqlite3 (issue-14 note). A bot that keeps writing keeps making segments
        to merge, so merging stops after `budget` seconds.
        """
        pages = self.pacing.fts_merge_pages
        deadline = self.timer() + budget
        while not self.stop() and self.timer() < deadline:
            conn = self.db.conn
            before = conn.total_changes
            started = self.timer()
            with self._locked(progress, "merge"):
                self.db.execute(
                    "INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', ?)", [pages]
                )
            if conn.total_changes - before < 2:
                return
            pages = _adapt(pages, self.timer() - started, self.pacing, 16, 8192)
            self._breathe()

    def _incremental_vacuum(self, progress: _Progress) -> int:
        freed = 0
        pages = self.pacing.vacuum_pages
        while not self.stop():
            free = int(self.db.execute("PRAGMA freelist_count").fetchone()[0])
            if free == 0:
                return freed
            step = min(pages, free)
            started = self.timer()
            # Its own autocommit transaction. Through execute() the pragma frees one page
            # per call (one VDBE step); executescript steps it to the end.
            try:
                self.db.conn.executescript(f"PRAGMA incremental_vacuum({int(step)})")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                self._breathe()  # another writer's long transaction: try again later
                continue
            held = self.timer() - started
            progress.held("vacuum", held)
            pages = _adapt(pages, held, self.pacing, 64, MAX_VACUUM_PAGES)
            freed += step
            self._breathe()
        return freed

    # -- pacing -------------------------------------------------------------

    def _batch_sizes(self, progress: _Progress) -> Iterator[int]:
        size = self.pacing.first_batch
        while not self.stop():
            started = self.timer()
            yield size
            size = _adapt(size, self.timer() - started, self.pacing, 10, self.pacing.max_batch)
            self._breathe()

    def _breathe(self) -> None:
        """Between two transactions: copy the WAL back (not holding the write lock), then pause.

        Left to auto-checkpoint, the checkpoint runs inside a COMMIT: inside the pruner's
        measured hold, or worse inside the bot's next commit, which then pays for pages the
        pruner wrote. A passive checkpoint here never blocks anyone.
        """
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.sleep(self.pacing.pause)

    @contextmanager
    def _locked(self, progress: _Progress, phase: str = "delete") -> Iterator[None]:
        """One write transaction, its hold time recorded (not the wait to begin it)."""
        conn = self.db.conn
        self._begin()
        started = self.timer()
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            progress.held(phase, self.timer() - started)

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting out another writer's long transaction instead of failing.

        The connection's busy timeout (5 s) covers ordinary waits; a bot transaction on a
        cold cache can hold the lock longer, and pruning can always wait.
        """
        for attempt in range(BUSY_RETRIES):
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == BUSY_RETRIES - 1:
                    raise
                log.info("prune: database busy, waiting", extra={"event": "prune_wait"})
                self.sleep(1.0)


@contextmanager
def _foreign_keys_off(db: sqlite_utils.Database) -> Iterator[None]:
    """Without SQLite's own checks while the pruner deletes children before their parents.

    Deleting a story makes SQLite look for story_tokens rows pointing at it, and
    story_tokens has no index on story_id: a full scan per story (3 s per batch at a
    million articles). The pruner removes those rows itself, so the check finds nothing;
    the tests run PRAGMA foreign_key_check after pruning.
    """
    was_on = bool(db.execute("PRAGMA foreign_keys").fetchone()[0])
    db.execute("PRAGMA foreign_keys = OFF")  # per connection; a no-op inside a transaction
    try:
        yield
    finally:
        if was_on:
            db.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _no_autocheckpoint(db: sqlite_utils.Database) -> Iterator[None]:
    """The pruner checkpoints between its transactions instead (see Pruner._breathe)."""
    pages = int(db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint = {pages}")


def _adapt(size: int, seconds: float, pacing: Pacing, low: int, high: int) -> int:
    """Grow a batch that finished well inside the lock budget, shrink one that overran it."""
    if seconds < pacing.target_lock / 2:
        return min(high, size * 2)
    if seconds > pacing.target_lock:
        return max(low, int(size * pacing.target_lock / seconds))
    return size


# Never alerted: no alert for its story, and none of its matches joined to another
# story's alert (a report of the same event, bot/store/sameevent.py).
_UNALERTED = (
    "{a}.fetched < ? AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = {a}.story_id) "
    "AND NOT EXISTS (SELECT 1 FROM matches m JOIN alert_matches am ON am.match_id = m.id "
    "WHERE m.article_id = {a}.id)"
)
# Alerted stories past their own retention: every article and every alert older than the
# cutoff, and no alert still waiting to be delivered.
_ALERTED_STORIES_ALL = (
    "SELECT s.id FROM stories s WHERE s.created < ? "
    "AND EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = s.id AND al.created < ?) "
    "AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = s.id "
    "AND (al.created >= ? OR al.state IN ('pending', 'failed'))) "
    "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id AND a.fetched >= ?)"
)


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" for _ in values)


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def database_file(db: sqlite_utils.Database) -> str:
    """Path of the main database file ('' for an in-memory database)."""
    for row in db.execute("PRAGMA database_list").fetchall():
        if row[1] == "main":
            return str(row[2] or "")
    return ""


def database_bytes(db: sqlite_utils.Database) -> int:
    """Bytes on disk: the database file plus its write-ahead log."""
    path = database_file(db)
    total = 0
    for name in (path, path + "-wal") if path else ():
        with suppress(OSError):
            total += os.path.getsize(name)
    return total


def auto_vacuum_mode(db: sqlite_utils.Database) -> int:
    """0 none, 1 full, 2 incremental."""
    return int(db.execute("PRAGMA auto_vacuum").fetchone()[0])


def enable_incremental_vacuum(db: sqlite_utils.Database) -> float | None:
    """Switch a database to incremental auto-vacuum (one VACUUM); seconds taken, None if it was.

    SQLite only changes auto_vacuum of a database with tables by rewriting it, so an
    existing file pays this once (it needs the lock for the whole rewrite and free disk
    space about the size of the database: do it before the bot starts serving).
    A new, empty database is rewritten in no time.
    """
    if auto_vacuum_mode(db) == INCREMENTAL:
        return None
    started = time.perf_counter()
    # While the file is rewritten anyway, fold the FTS index into one segment: a single
    # statement, unlike the incremental full merge that is unsafe next to other writers.
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("VACUUM")
    return time.perf_counter() - started
