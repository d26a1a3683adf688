"""Polling: 1,000 feeds of 20 items on 127.0.0.1, a cold cycle and a warm (all 304) cycle.

    python -m bench.polling [--quick]

The real Fetcher, parse_feed, Poller and Pipeline.ingest (store + shipped packs)
write into a real SQLite file. The feed server runs in its own process. Feeds sit
on invented host names (HOST_FEEDS feeds per host) that a static resolver maps to
127.0.0.1, so the fetcher's per-host limit applies as it would in the field.
Baseline: the same polls one at a time (sequential), on 100 more feeds of the same
kind, in the same run and the same database (see `measure` for the order).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import Timer, fmt, print_table, target, write_result
from bench.feeds import FeedProcess, host
from bot.models import FeedEntry, Source
from bot.sources.fetch import Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller, SourceStatus
from bot.store import Store

FEEDS = 1_000
ITEMS = 20
# The full run (`--items 20`) takes minutes because every stored article costs more as
# the database grows (story grouping, see docs/bench.md); the suite uses fewer items.
SUITE_ITEMS = 4
SEQUENTIAL_FEEDS = 100  # the sequential baseline's subset (feeds/s is per feed either way)
BOUNDED = 64  # diagnostic: the same warm polls with at most this many in flight
# On 127.0.0.1 an answer takes no time, so polling is pure CPU in one event loop and
# concurrency cannot win; a last warm cycle lets every answer wait this long, like
# a remote server (time to first byte), to show what concurrency buys in the field.
LATENCY = 0.05


@dataclass(frozen=True)
class Stored:
    """What StoreIngest returns (the shape the poller reads from Pipeline.ingest)."""

    new_articles: int
    alerts: int = 0


@dataclass
class StoreIngest:
    """Stores a source's entries with store.add_article, in one transaction (no rules: see matching)."""

    store: Store

    async def __call__(self, source: Source, entries: Sequence[FeedEntry]) -> Stored:
        new = 0
        with self.store.transaction():
            for entry in entries:
                new += self.store.add_article(entry) is not None
        return Stored(new)


def make_sources(server: FeedProcess, count: int) -> list[Source]:
    """One Source per generated feed."""
    return [
        Source(id=f"bench-{i}", name=f"Bench feed {i}", url=server.url(i), kind="rss", interval=900)
        for i in range(count)
    ]


class Rig:
    """A store on a fresh SQLite file, the real pipeline, and a poller over one HTTP client."""

    def __init__(self, path: Path, client: httpx.AsyncClient, feeds: int) -> None:
        self.store = Store.open(path)
        names = StaticResolver({host(i): ["127.0.0.1"] for i in range(feeds)})
        fetcher = Fetcher(client, names, allow_private=True)
        self.poller = Poller(self.store, fetcher, StoreIngest(self.store), self.store.clock)

    async def concurrent(self, sources: Sequence[Source]) -> tuple[float, list[SourceStatus]]:
        """poll_once over all sources (what the bot does)."""
        with Timer() as t:
            statuses = await self.poller.poll_once(sources)
        return t.seconds, statuses

    async def bounded(
        self, sources: Sequence[Source], limit: int
    ) -> tuple[float, list[SourceStatus]]:
        """Diagnostic: poll_source for every source with at most `limit` in flight."""
        gate = asyncio.Semaphore(limit)

        async def one(source: Source) -> SourceStatus:
            async with gate:
                return await self.poller.poll_source(source)

        with Timer() as t:
            statuses = await asyncio.gather(*(one(s) for s in sources))
        return t.seconds, list(statuses)

    async def sequential(self, sources: Sequence[Source]) -> tuple[float, list[SourceStatus]]:
        """The baseline: one source after the other."""
        statuses = []
        with Timer() as t:
            for s in sources:
                statuses.append(await self.poller.poll_source(s))
        return t.seconds, statuses


def _outcomes(statuses: Sequence[SourceStatus]) -> dict[str, int]:
    return dict(Counter(s.outcome for s in statuses))


def _p50(statuses: Sequence[SourceStatus]) -> float:
    durations = sorted(s.duration for s in statuses)
    return durations[len(durations) // 2] if durations else float("nan")


def _errors(statuses: Sequence[SourceStatus]) -> list[str]:
    return [f"{s.source_id}: {s.error}" for s in statuses if s.outcome == "error"][:5]


async def measure(feeds: int, items: int, seq_feeds: int, tmp: Path) -> dict[str, Any]:
    """Cold and warm cycles, concurrent and sequential, all into one database.

    Storing an article costs more as the database grows (story grouping), so the
    sequential baseline's feeds are polled when the database is half full: between
    the two halves of the cold cycle. Both then see the same average database size.
    """
    server = FeedProcess.start(feeds + seq_feeds, items)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=False) as client:
            every = make_sources(server, feeds + seq_feeds)
            sources, extra = every[:feeds], every[feeds:]
            half = feeds // 2
            rig = Rig(tmp / "poll.db", client, feeds + seq_feeds)
            cold_a_s, cold_a = await rig.concurrent(sources[:half])
            seq_cold_s, seq_cold = await rig.sequential(extra)
            cold_b_s, cold_b = await rig.concurrent(sources[half:])
            cold_s, cold = cold_a_s + cold_b_s, cold_a + cold_b
            warm_s, warm = await rig.concurrent(sources)
            again_s, again = await rig.concurrent(sources)
            bounded_s, bounded = await rig.bounded(sources, BOUNDED)
            seq_warm_s, seq_warm = await rig.sequential(extra)
            server.set_delay(LATENCY)
            lat_s, lat = await rig.concurrent(sources)
            lat_bounded_s, lat_bounded = await rig.bounded(sources, BOUNDED)
            seq_lat_s, seq_lat = await rig.sequential(extra)
            articles = rig.store.count_articles()
            rig.store.close()
    finally:
        server.stop()
    return {
        "feeds": feeds,
        "items_per_feed": items,
        "articles_stored": articles,
        "cold": {
            "seconds": cold_s,
            "halves_s": [cold_a_s, cold_b_s],
            "feeds_per_s": feeds / cold_s,
            "outcomes": _outcomes(cold),
            "errors": _errors(cold),
        },
        "warm": {
            "seconds": warm_s,
            "feeds_per_s": feeds / warm_s,
            "outcomes": _outcomes(warm),
            "errors": _errors(warm),
        },
        "warm_again": {
            "seconds": again_s,
            "feeds_per_s": feeds / again_s,
            "outcomes": _outcomes(again),
            "errors": _errors(again),
            "duration_p50_s": _p50(again),
        },
        "warm_bounded": {
            "limit": BOUNDED,
            "seconds": bounded_s,
            "feeds_per_s": feeds / bounded_s,
            "outcomes": _outcomes(bounded),
        },
        "warm_latency": {
            "delay_s": LATENCY,
            "seconds": lat_s,
            "feeds_per_s": feeds / lat_s,
            "outcomes": _outcomes(lat),
        },
        "warm_latency_bounded": {
            "limit": BOUNDED,
            "seconds": lat_bounded_s,
            "feeds_per_s": feeds / lat_bounded_s,
            "outcomes": _outcomes(lat_bounded),
        },
        "sequential_warm_latency": {
            "seconds": seq_lat_s,
            "feeds_per_s": seq_feeds / seq_lat_s,
            "outcomes": _outcomes(seq_lat),
        },
        "sequential_feeds": seq_feeds,
        "sequential_cold": {
            "seconds": seq_cold_s,
            "feeds_per_s": seq_feeds / seq_cold_s,
            "outcomes": _outcomes(seq_cold),
        },
        "sequential_warm": {
            "seconds": seq_warm_s,
            "feeds_per_s": seq_feeds / seq_warm_s,
            "outcomes": _outcomes(seq_warm),
        },
    }


def run(
    feeds: int = FEEDS, items: int = SUITE_ITEMS, seq_feeds: int = SEQUENTIAL_FEEDS
) -> dict[str, Any]:
    """The polling benchmark; prints and writes bench/results/polling.json."""
    with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
        data = asyncio.run(measure(feeds, items, seq_feeds, Path(tmp)))
    cold_ratio = data["cold"]["feeds_per_s"] / data["sequential_cold"]["feeds_per_s"]
    warm_ratio = data["warm"]["feeds_per_s"] / data["sequential_warm"]["feeds_per_s"]
    lat_ratio = data["warm_latency"]["feeds_per_s"] / data["sequential_warm_latency"]["feeds_per_s"]
    data["ratios"] = {"cold": cold_ratio, "warm": warm_ratio, "warm_with_latency": lat_ratio}
    data["targets"] = {
        "cold>=200/s": data["cold"]["feeds_per_s"] >= 200,
        "warm>=500/s": data["warm"]["feeds_per_s"] >= 500,
        "cold>=5x sequential": cold_ratio >= 5,
        "warm>=5x sequential": warm_ratio >= 5,
        f"warm with {LATENCY * 1000:.0f} ms server latency >=5x sequential": lat_ratio >= 5,
    }
    seq = {
        "cold": "sequential_cold",
        "warm": "sequential_warm",
        "latency": "sequential_warm_latency",
    }
    lines = [
        (f"cold (200 + bodies, {items} new items each)", "cold", seq["cold"]),
        ("warm (all 304), first cycle", "warm", seq["warm"]),
        ("warm, the next cycle", "warm_again", seq["warm"]),
        (f"diagnostic: warm, <= {BOUNDED} in flight", "warm_bounded", seq["warm"]),
        (f"warm, every answer {LATENCY * 1000:.0f} ms late", "warm_latency", seq["latency"]),
        (f"diagnostic: same, <= {BOUNDED} in flight", "warm_latency_bounded", seq["latency"]),
    ]
    rows = [
        [
            label,
            fmt(data[key]["feeds_per_s"]),
            fmt(data[base]["feeds_per_s"]),
            fmt(data[key]["feeds_per_s"] / data[base]["feeds_per_s"]) + "x",
            data[key]["outcomes"],
        ]
        for label, key, base in lines
    ]
    print_table(
        f"polling {feeds} feeds x {items} items (cold cycle in two halves of {feeds // 2}; sequential baseline on {seq_feeds} other feeds)",
        ["cycle", "feeds/s", "sequential feeds/s", "ratio", "outcomes"],
        rows,
    )
    print(
        f"  articles stored: {data['articles_stored']:,}; cold cycle {data['cold']['seconds']:.1f} s, warm {data['warm']['seconds']:.2f} s"
    )
    for which in ("cold", "warm"):
        if data[which]["errors"]:
            print(f"  {which} errors: {data[which]['errors']}")
    for name, ok in data["targets"].items():
        print(f"  target {name}: {target(ok)}")
    write_result("polling", data)
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick polls 100 feeds; --feeds and --items set the size."""
    parser = argparse.ArgumentParser(description="polling benchmark")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--items", type=int, default=SUITE_ITEMS, help=f"items per feed (full size: {ITEMS})"
    )
    parser.add_argument("--feeds", type=int, default=FEEDS)
    args = parser.parse_args(argv)
    if args.quick:
        run(feeds=100, items=args.items, seq_feeds=20)
    else:
        run(feeds=args.feeds, items=args.items)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
