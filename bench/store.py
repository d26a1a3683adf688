"""Store: /recent (recent_alerts) and /search (search_articles, FTS5) over 100,000 articles.

    python -m bench.store [--quick]

Baselines, measured in the same run on the same file: a LIKE '%term%' scan for
search, and the same alert query with its index disabled (NOT INDEXED, ORDER BY
created) for recent.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Timer, fmt, percentile, print_table, target, write_result
from bench.corpus import make_articles, make_world
from bot.store import Store

ARTICLES = 100_000
TEXT_BYTES = 900  # a feed item with its summary; full texts are longer but rarer
CHATS = 1_000
MATCH_FRACTION = 0.3
RECIPIENTS = 3
QUERIES = 200  # timed calls per query kind
SEARCHES = (
    "sanctions",
    "Belarus resolution",
    '"restrictive measures"',
    "tanker*",
    "Minsk OR Moscow",
    "embargo -Iran",
    '"asset freeze" Syria',
    "drones Tehran",
    "Vinro Shipping",
    "satellite state",
)
_NAIVE_RECENT = """
SELECT a.id, a.chat_id, a.thread_id, a.rule_key, a.priority, a.state, a.attempts,
       a.story_id, a.created, a.last_error,
       m.rule_name, m.countries, m.summary, m.highlights, m.explanation, m.article_id,
       ar.title, ar.url, ar.source_id, ar.published,
       coalesce(s.name, ar.source_id) AS source_name, coalesce(s.tier, 'media') AS tier
FROM alerts a NOT INDEXED
JOIN matches m ON m.id = a.match_id
JOIN articles ar ON ar.id = m.article_id
LEFT JOIN sources s ON s.id = ar.source_id
WHERE a.chat_id = ? ORDER BY a.created DESC, a.id DESC LIMIT ?
"""


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def populate(store: Store, articles: int, seed: int = 5) -> dict[str, int]:
    """Fill the schema directly with executemany: sources, stories, articles (+FTS), chats, matches, alerts."""
    rng = random.Random(seed)
    world = make_world()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db = store.db
    conn = db.conn
    with store.transaction():
        conn.executemany(
            "INSERT INTO sources (id, name, url) VALUES (?, ?, ?)",
            [(f"src{i}", f"Source {i}", f"https://example.org/{i}/feed") for i in range(50)],
        )
        conn.executemany(
            "INSERT INTO chats (id, created) VALUES (?, ?)",
            [(1000 + c, _iso(start)) for c in range(CHATS)],
        )
    # Unique texts cost time to generate: a pool of 5,000 is recombined with unique titles.
    pool = make_articles(min(articles, 5_000), seed=seed, world=world, size=TEXT_BYTES)
    batch = 10_000
    for lo in range(1, articles + 1, batch):
        hi = min(lo + batch, articles + 1)
        stories, rows = [], []
        for i in range(lo, hi):
            when = _iso(start + timedelta(seconds=30 * i))
            doc = pool[i % len(pool)]
            stories.append((i, f"fp{i}", when))
            rows.append(
                (
                    i,
                    f"src{i % 50}",
                    f"g{i}",
                    f"https://example.org/a/{i}",
                    f"https://example.org/a/{i}",
                    f"{doc.title} ({i})",
                    doc.text,
                    when,
                    when,
                    f"h{i}",
                    i,
                )
            )
        with store.transaction():
            conn.executemany(
                "INSERT INTO stories (id, fingerprint, created) VALUES (?, ?, ?)", stories
            )
            conn.executemany(
                "INSERT INTO articles (id, source_id, guid, url, canonical_url, title, text, published, "
                "fetched, content_hash, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    matches: list[tuple[Any, ...]] = []
    alerts: list[tuple[Any, ...]] = []
    for i in range(1, articles + 1):
        if rng.random() >= MATCH_FRACTION:
            continue
        when = _iso(start + timedelta(seconds=30 * i + 5))
        mid = len(matches) + 1
        matches.append(
            (
                mid,
                i,
                f"watch:{rng.randint(1, 5000)}",
                "bench rule",
                json.dumps(["BY"]),
                "The summary sentence that carried the match.",
                "[[4, 11]]",
                "sanctions + Belarus",
                "[]",
                when,
            )
        )
        for chat in rng.sample(range(CHATS), RECIPIENTS):
            alerts.append((1000 + chat, f"watch:{mid}", i, mid, "sent", when, when, when))
    with store.transaction():
        conn.executemany(
            "INSERT INTO matches (id, article_id, rule_key, rule_name, countries, summary, highlights, "
            "explanation, witnesses, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            matches,
        )
        conn.executemany(
            "INSERT INTO alerts (chat_id, rule_key, story_id, match_id, state, next_attempt_at, created, "
            "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            alerts,
        )
    db.execute("ANALYZE")
    return {"articles": articles, "matches": len(matches), "alerts": len(alerts), "chats": CHATS}


def _latencies(fn: Callable[[int], object], calls: int) -> list[float]:
    out = []
    for i in range(calls):
        with Timer() as t:
            fn(i)
        out.append(t.seconds * 1000)
    return out


def _like_search(store: Store, query: str, limit: int = 10) -> list[Any]:
    """The naive search: every word as LIKE '%word%' on title or text, newest first."""
    words = [w.strip('"*') for w in query.replace(" OR ", " ").split() if not w.startswith("-")]
    clause = " AND ".join("(title LIKE ? OR text LIKE ?)" for _ in words)
    params: list[Any] = [p for w in words for p in (f"%{w}%", f"%{w}%")]
    return list(
        store.db.query(
            f"SELECT * FROM articles WHERE {clause} ORDER BY id DESC LIMIT ?", [*params, limit]
        )
    )


def _naive_recent(store: Store, chat_id: int, limit: int) -> list[Any]:
    rows = store.db.query(_NAIVE_RECENT, [chat_id, limit])
    view = getattr(store, "_view", None)  # build the same AlertView objects when possible
    return [view(r) for r in rows] if view else list(rows)


def _per_query(store: Store, query: str) -> dict[str, float]:
    """p50 of a few calls of one search, FTS5 and LIKE."""
    fts = _latencies(lambda _i: store.search_articles(query, limit=10), 5)
    like = _latencies(lambda _i: _like_search(store, query), 3)
    return {"fts_p50_ms": percentile(fts, 50), "like_p50_ms": percentile(like, 50)}


def summarize(name: str, times: Sequence[float], base: Sequence[float]) -> dict[str, Any]:
    """p50/p95 of the real query and of its baseline, in ms."""
    p95 = percentile(times, 95)
    return {
        "query": name,
        "calls": len(times),
        "p50_ms": percentile(times, 50),
        "p95_ms": p95,
        "baseline_p50_ms": percentile(base, 50),
        "baseline_p95_ms": percentile(base, 95),
        "speedup_p50": percentile(base, 50) / percentile(times, 50),
        "target_p95<=50ms": p95 <= 50,
    }


def run(
    articles: int = ARTICLES, calls: int = QUERIES, workdir: Path | None = None
) -> dict[str, Any]:
    """Build the database, time the queries, print and write bench/results/store.json."""
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=workdir) as tmp:
        store = Store.open(Path(tmp) / "store.db")
        with Timer() as t_fill:
            counts = populate(store, articles)
        size_mb = (Path(tmp) / "store.db").stat().st_size / 2**20
        rng = random.Random(3)
        chats = [1000 + rng.randrange(CHATS) for _ in range(calls)]
        recent = _latencies(lambda i: store.recent_alerts(chats[i], limit=10), calls)
        recent_base = _latencies(lambda i: _naive_recent(store, chats[i], 10), max(20, calls // 4))
        search = _latencies(
            lambda i: store.search_articles(SEARCHES[i % len(SEARCHES)], limit=10), calls
        )
        search_base = _latencies(
            lambda i: _like_search(store, SEARCHES[i % len(SEARCHES)]), max(20, calls // 4)
        )
        per_query = {q: _per_query(store, q) for q in SEARCHES}
        store.close()
    rows = [
        summarize("/recent (recent_alerts)", recent, recent_base),
        summarize("/search (FTS5)", search, search_base),
    ]
    data = {
        "setup": {**counts, "fill_s": t_fill.seconds, "db_mb": size_mb, "text_bytes": TEXT_BYTES},
        "queries": rows,
        "search_p50_by_query_ms": per_query,
    }
    print_table(
        f"store over {articles:,} articles ({counts['alerts']:,} alerts), ms",
        ["query", "p50", "p95", "baseline p50", "baseline p95", "speed-up (p50)", "p95<=50ms"],
        [
            [
                r["query"],
                fmt(r["p50_ms"], 2),
                fmt(r["p95_ms"], 2),
                fmt(r["baseline_p50_ms"], 2),
                fmt(r["baseline_p95_ms"], 2),
                fmt(r["speedup_p50"]) + "x",
                target(r["target_p95<=50ms"]),
            ]
            for r in rows
        ],
    )
    print(f"  fill {t_fill.seconds:.1f} s, database {size_mb:.0f} MB")
    print_table(
        "search p50 by query, ms (FTS5 ranked vs LIKE scan)",
        ["query", "FTS5", "LIKE"],
        [[q, fmt(v["fts_p50_ms"], 1), fmt(v["like_p50_ms"], 1)] for q, v in per_query.items()],
    )
    write_result("store", data)
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick uses 5,000 articles."""
    parser = argparse.ArgumentParser(description="store benchmark")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    run(articles=5_000, calls=40) if args.quick else run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
