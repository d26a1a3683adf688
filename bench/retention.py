"""Retention: prune a year of articles (default 1,000,000) while a reader and a writer keep working.

    python -m bench.retention [--articles N] [--quick]

The database is built fast with bulk inserts into the real schema (FTS5 triggers,
story tokens, alerts), fetched times spread evenly over the last 365 days, so the
default 180-day retention removes about half. It is built the way the first
release made databases (no auto-vacuum) so that the one-off conversion is timed,
then copied: the copy is the same-run baseline, one big DELETE in one transaction
followed by a VACUUM, which is what an operator would type by hand.

During each variant a reader thread runs the bot's /recent and /search queries and
a writer thread stores a new article every 50 ms through the real Store; each
reports its longest wait. Figures go to bench/results/retention.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Timer, fmt, percentile, print_table, write_result
from bench.corpus import make_articles, make_world
from bot.models import FeedEntry
from bot.sources.dedup import story_fingerprint
from bot.store import Store
from bot.store.retention import (
    Pruner,
    RetentionPolicy,
    database_bytes,
    enable_incremental_vacuum,
)
from bot.store.schema import MIGRATIONS

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ARTICLES = 1_000_000
DAYS = 365
SOURCES = 17
CHATS = 200
ALERTED_FRACTION = 0.03  # stories that produced an alert
SIBLING_FRACTION = 0.10  # stories that another source also reported
WRITE_EVERY = 0.05  # seconds between the writer's articles
RETENTION = timedelta(days=180)
IDLE_SECONDS = 20.0


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build(path: Path, articles: int, seed: int = 3) -> dict[str, int]:
    """A database of the first release's schema, filled with executemany; row counts."""
    rng = random.Random(seed)
    world = make_world()
    pool = make_articles(2_000, seed=seed, world=world, size=900) + make_articles(
        1_000, seed=seed + 1, world=world, size=3_000
    )
    prints = [story_fingerprint(d.title, d.text) for d in pool]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.executescript(MIGRATIONS[0])  # the shipped v1 layout: no auto-vacuum
    conn.execute("PRAGMA user_version = 1")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO sources (id, name, url) VALUES (?, ?, ?)",
        [(f"src{i}", f"Source {i}", f"https://example.org/{i}/feed") for i in range(SOURCES)],
    )
    conn.executemany(
        "INSERT INTO chats (id, created) VALUES (?, ?)",
        [(1000 + c, _iso(NOW - timedelta(days=DAYS))) for c in range(CHATS)],
    )
    conn.execute("COMMIT")
    counts = {"articles": 0, "stories": 0, "alerts": 0, "story_tokens": 0}
    step = DAYS * 86400 / articles
    article_id = story_id = match_id = 0
    batch: dict[str, list[tuple[Any, ...]]] = _empty()
    while article_id < articles:
        story_id += 1
        when = _iso(NOW - timedelta(days=DAYS) + timedelta(seconds=article_id * step))
        doc = pool[story_id % len(pool)]
        fingerprint = f"{prints[story_id % len(prints)]} s{story_id}"
        batch["stories"].append((story_id, fingerprint, when))
        batch["tokens"].extend((t, story_id) for t in set(fingerprint.split()))
        members = 2 if rng.random() < SIBLING_FRACTION else 1
        for member in range(min(members, articles - article_id)):
            article_id += 1
            url = f"https://example.org/a/{article_id}"
            batch["articles"].append(
                (
                    article_id,
                    f"src{(story_id + member) % SOURCES}",
                    f"g{article_id}",
                    url,
                    url,
                    f"{doc.title} ({article_id})",
                    doc.text,
                    when,
                    when,
                    f"h{article_id}",
                    story_id,
                )
            )
        if rng.random() < ALERTED_FRACTION:
            match_id += 1
            batch["matches"].append(
                (
                    match_id,
                    article_id,
                    "pack:eu-sanctions",
                    "EU sanctions",
                    '["BY"]',
                    "The summary sentence.",
                    "[]",
                    "sanctions + Belarus",
                    "[]",
                    when,
                )
            )
            for chat in rng.sample(range(CHATS), rng.randint(1, 3)):
                batch["alerts"].append(
                    (1000 + chat, "pack:eu-sanctions", story_id, match_id, "sent", when, when, when)
                )
        if len(batch["articles"]) >= 20_000 or article_id >= articles:
            _flush(conn, batch, counts)
            batch = _empty()
    conn.execute(
        "INSERT INTO deliveries (alert_id, at, outcome, message_id) "
        "SELECT id, created, 'sent', id FROM alerts"
    )
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


def _empty() -> dict[str, list[tuple[Any, ...]]]:
    return {"stories": [], "tokens": [], "articles": [], "matches": [], "alerts": []}


def _flush(
    conn: sqlite3.Connection, b: dict[str, list[tuple[Any, ...]]], counts: dict[str, int]
) -> None:
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO stories (id, fingerprint, created) VALUES (?, ?, ?)", b["stories"]
    )
    conn.executemany(
        "INSERT OR IGNORE INTO story_tokens (token, story_id) VALUES (?, ?)", b["tokens"]
    )
    conn.executemany(
        "INSERT INTO articles (id, source_id, guid, url, canonical_url, title, text, published, "
        "fetched, content_hash, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        b["articles"],
    )
    conn.executemany(
        "INSERT INTO matches (id, article_id, rule_key, rule_name, countries, summary, highlights, "
        "explanation, witnesses, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        b["matches"],
    )
    conn.executemany(
        "INSERT INTO alerts (chat_id, rule_key, story_id, match_id, state, next_attempt_at, "
        "created, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        b["alerts"],
    )
    conn.execute("COMMIT")
    counts["articles"] += len(b["articles"])
    counts["stories"] += len(b["stories"])
    counts["alerts"] += len(b["alerts"])
    counts["story_tokens"] += len(b["tokens"])


@dataclass
class Probe:
    """A thread that repeats one operation and records how long each call took."""

    name: str
    work: Callable[[int], None]
    every: float = 0.0
    waits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Probe:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        return {
            "calls": len(self.waits),
            "max_ms": max(self.waits, default=0.0) * 1000,
            "p99_ms": percentile(self.waits, 99) * 1000,
            "p50_ms": percentile(self.waits, 50) * 1000,
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else "",
        }

    def _loop(self) -> None:
        i = 0
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                self.work(i)
            except sqlite3.Error as exc:
                self.errors.append(str(exc))
            self.waits.append(time.perf_counter() - started)
            i += 1
            if self.every:
                self._stop.wait(self.every)


def reader(path: Path) -> Probe:
    """The bot's read side: a chat's recent alerts and a full-text search, alternately."""
    store = Store.open(path)
    words = ["sanctions", "Belarus", '"asset freeze"', "embargo", "Minsk OR Moscow"]

    def work(i: int) -> None:
        if i % 2:
            store.search_articles(words[i % len(words)], limit=10)
        else:
            store.recent_alerts(1000 + i % CHATS, limit=5)

    return Probe("reader", work)


def writer(path: Path) -> Probe:
    """The bot's write side: a new article every WRITE_EVERY seconds, through add_article."""
    store = Store.open(path, lambda: NOW)

    def work(i: int) -> None:
        text = f"A new report number {i} on sanctions against a shipping network. " * 10
        store.add_article(
            FeedEntry("src0", f"live{i}-{time.monotonic_ns()}", "", f"Live item {i}", text, NOW)
        )

    return Probe("writer", work, every=WRITE_EVERY)


def measured(path: Path, action: Callable[[], Any]) -> dict[str, Any]:
    """Run `action` with the reader and writer going; their waits, its time, sizes."""
    before = _bytes(path)
    probes = [reader(path).start(), writer(path).start()]
    time.sleep(0.5)  # both are in their stride before the action starts
    with Timer() as t:
        result = action()
    time.sleep(0.5)
    out = {p.name: p.stop() for p in probes}
    return {
        "seconds": t.seconds,
        "bytes_before": before,
        "bytes_after": _bytes(path),
        "result": result,
        **out,
    }


def _bytes(path: Path) -> int:
    """Database plus WAL after a full checkpoint: what stays on disk once things settle."""
    store = Store.open(path)
    try:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return database_bytes(store.db)
    finally:
        store.close()


def prune_paced(path: Path) -> dict[str, Any]:
    """The bot's own prune: short transactions, then incremental vacuum."""
    store = Store.open(path, lambda: NOW)
    try:
        report = Pruner(store.db, RetentionPolicy(RETENTION), lambda: NOW).prune()
    finally:
        store.close()
    c = report.unalerted
    return {
        "articles": c.articles,
        "stories": c.stories,
        "batches": report.batches,
        "longest_lock_ms": report.longest_lock * 1000,
        "locks_ms": {phase: round(s * 1000, 1) for phase, s in report.locks},
    }


def prune_naive(path: Path) -> dict[str, Any]:
    """Baseline: every deletion in one transaction, then VACUUM."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 60000")
    cutoff = _iso(NOW - RETENTION)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "CREATE TEMP TABLE gone AS SELECT a.id, a.story_id FROM articles a WHERE a.fetched < ? "
        "AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = a.story_id)",
        [cutoff],
    )
    conn.execute("DELETE FROM matches WHERE article_id IN (SELECT id FROM gone)")
    articles = conn.execute("DELETE FROM articles WHERE id IN (SELECT id FROM gone)").rowcount
    conn.execute(
        "CREATE TEMP TABLE empty AS SELECT DISTINCT story_id AS id FROM gone g "
        "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = g.story_id)"
    )
    conn.execute("DELETE FROM story_tokens WHERE story_id IN (SELECT id FROM empty)")
    stories = conn.execute("DELETE FROM stories WHERE id IN (SELECT id FROM empty)").rowcount
    conn.execute("COMMIT")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # VACUUM went through the WAL
    conn.close()
    return {"articles": articles, "stories": stories}


def _base(base: Path, articles: int) -> tuple[float, float, float | None, dict[str, int]]:
    """The pristine database both variants start from; kept in a --workdir for reruns."""
    meta = base.with_suffix(".json")
    if base.exists() and meta.exists():
        saved = json.loads(meta.read_text(encoding="utf-8"))
        if saved["counts"]["articles"] == articles:
            return saved["build_s"], saved["migrate_s"], saved["convert_s"], saved["counts"]
    base.unlink(missing_ok=True)
    with Timer() as built:
        counts = build(base, articles)
    with Timer() as migrated:
        store = Store.open(base)  # migrates v1 to the current schema, as an upgrade does
    convert = enable_incremental_vacuum(store.db)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    figures = {"build_s": built.seconds, "migrate_s": migrated.seconds, "convert_s": convert}
    meta.write_text(json.dumps({**figures, "counts": counts}), encoding="utf-8")
    return built.seconds, migrated.seconds, convert, counts


def run(articles: int, workdir: Path, idle_seconds: float = IDLE_SECONDS) -> dict[str, Any]:
    """Build, convert, copy, then prune both copies under load."""
    base, paced, naive = workdir / "base.db", workdir / "paced.db", workdir / "naive.db"
    built, migrated, convert, counts = _base(base, articles)
    shutil.copyfile(base, paced)
    shutil.copyfile(base, naive)
    idle = measured(paced, lambda: time.sleep(idle_seconds))  # the floor: no prune at all
    result = {
        "articles": articles,
        "idle": idle,
        "counts": counts,
        "build_s": built,
        "migrate_s": migrated,
        "convert_s": convert,
        "paced": measured(paced, lambda: prune_paced(paced)),
        "naive": measured(naive, lambda: prune_naive(naive)),
    }
    for name in ("paced", "naive"):
        db = sqlite3.connect(workdir / f"{name}.db")
        result[name]["articles_left"] = db.execute(  # the writer's own articles aside
            "SELECT count(*) FROM articles WHERE guid NOT LIKE 'live%'"
        ).fetchone()[0]
        db.close()
    return result


def report(r: dict[str, Any]) -> None:
    """Print the figures and the ratios against the same-run baseline."""
    p, n, i = r["paced"], r["naive"], r["idle"]
    mb = 1_000_000
    rows = [
        ["removed articles", fmt(p["result"]["articles"]), fmt(n["result"]["articles"]), ""],
        [
            "prune time (s)",
            fmt(p["seconds"]),
            fmt(n["seconds"]),
            fmt(n["seconds"] / p["seconds"], 2),
        ],
        [
            "writer longest wait (ms)",
            fmt(p["writer"]["max_ms"]),
            fmt(n["writer"]["max_ms"]),
            fmt(n["writer"]["max_ms"] / max(p["writer"]["max_ms"], 1e-9), 1),
        ],
        ["writer p99 (ms)", fmt(p["writer"]["p99_ms"]), fmt(n["writer"]["p99_ms"]), ""],
        ["writer failed writes", p["writer"]["errors"], n["writer"]["errors"], ""],
        [
            "reader longest wait (ms)",
            fmt(p["reader"]["max_ms"]),
            fmt(n["reader"]["max_ms"]),
            fmt(n["reader"]["max_ms"] / max(p["reader"]["max_ms"], 1e-9), 1),
        ],
        ["reader p99 (ms)", fmt(p["reader"]["p99_ms"]), fmt(n["reader"]["p99_ms"]), ""],
        [
            "idle: writer longest / p99 (ms)",
            f"{fmt(i['writer']['max_ms'])} / {fmt(i['writer']['p99_ms'])}",
            "",
            "",
        ],
        [
            "idle: reader longest / p99 (ms)",
            f"{fmt(i['reader']['max_ms'])} / {fmt(i['reader']['p99_ms'])}",
            "",
            "",
        ],
        ["file before (MB)", fmt(p["bytes_before"] / mb), fmt(n["bytes_before"] / mb), ""],
        ["file after (MB)", fmt(p["bytes_after"] / mb), fmt(n["bytes_after"] / mb), ""],
    ]
    print_table(
        f"retention: {r['articles']:,} articles over {DAYS} days, keep {RETENTION.days} days",
        ["figure", "paced prune", "baseline: one DELETE + VACUUM", "ratio"],
        rows,
    )
    print(
        f"  build {r['build_s']:.0f} s; one-off auto-vacuum conversion (VACUUM) "
        f"{r['convert_s']:.1f} s; paced prune: {p['result']['batches']} transactions, "
        f"longest {p['result']['longest_lock_ms']:.0f} ms {p['result']['locks_ms']}"
    )
    if n["writer"]["first_error"]:
        print(f"  baseline writer error: {n['writer']['first_error']}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at the chosen size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--quick", action="store_true", help="20,000 articles")
    parser.add_argument("--workdir", type=Path, help="keep the databases here")
    args = parser.parse_args(argv)
    articles = 20_000 if args.quick else args.articles
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(articles, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
            result = run(articles, Path(tmp))
    report(result)
    write_result("retention", json.loads(json.dumps(result, default=str)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
