"""Latency: from an item appearing on a feed to the alert message reaching the chat.

    python -m bench.latency [--quick]

Real parts end to end: the feed server (tests/support/feedserver.py), the Poller
with the real Fetcher polling the feed every POLL_S seconds, the Pipeline with the
shipped packs, the OutboxWorker's run_forever loop (as the app runs it) through an
ExtBot with make_rate_limiter(), and the Bot API test server (tests/support/botapi.py).
Each item goes to its own chat through that chat's /watch (so Telegram's
one-message-per-second-per-chat limit does not queue items behind each other), with
the shipped packs compiled alongside. Both servers run in threads of this process
(their work is tiny next to a 2 s poll interval). Baseline: the poll interval itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import socketserver
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
from telegram.ext import ExtBot

from bench.common import REPO_ROOT, fmt, percentile, print_table, target, write_result
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import make_rate_limiter
from bot.models import FeedEntry, Source
from bot.pipeline import IngestResult, Pipeline
from bot.registry import RuleRegistry
from bot.runtime import load_rules
from bot.sources.fetch import Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller
from bot.store import Store
from bot.telegram.app import Intervals

POLL_S = 2.0
ITEMS = 24
SPACING_S = 1.1  # a new item about this often, at a random phase against the poll ticks
CHAT = 4242
TOKEN = "123456:BENCH-LATENCY"
FEED_HOST = "press.bench.test"

# Sentences that the shipped European Parliament pack flags (our own words).
_BODY = (
    "Leaders met in Sochi on Friday for another round of talks about trade and security.\n\n"
    "The European Parliament adopted a resolution on Belarus this week, calling the country "
    "a satellite state of Russia. MEPs asked the Council to impose the same sanctions on Belarus "
    "as on Russia and to extend restrictive measures to officials who helped the war.\n\n"
    "The vote followed a long debate in Strasbourg."
)
_TOPICS = (
    "Minsk",
    "Strasbourg",
    "Brussels",
    "the border",
    "energy",
    "the opposition",
    "prisoners",
    "airspace",
    "potash",
    "railways",
    "banks",
    "elections",
    "media",
    "courts",
    "grain",
    "transit",
    "airlines",
    "refineries",
    "diplomats",
    "visas",
    "ports",
    "fertiliser",
    "steel",
    "timber",
)


def item_title(index: int) -> str:
    """A distinct headline per item (its tag lets us find the alert message)."""
    return f"MEPs adopt resolution on Belarus and {_TOPICS[index % len(_TOPICS)]} [item-{index}]"


def feed_body(items: list[tuple[int, datetime]]) -> bytes:
    """The RSS feed with the given items, newest first."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Bench press room</title><link>https://press.bench.test/</link><description>d</description>"
    ]
    for index, when in sorted(items, key=lambda x: -x[0]):
        parts.append(
            f"<item><title>{escape(item_title(index))}</title>"
            f"<link>https://press.bench.test/news/{index}</link><guid>press-{index}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(_BODY)} Reference {index}.</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


async def ticker(period: float, action: Any, stop: asyncio.Event) -> None:
    """Call `action` at fixed ticks of `period`; a tick missed while it runs is skipped."""
    start = time.perf_counter()
    while not stop.is_set():
        await action()
        elapsed = time.perf_counter() - start
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period - (elapsed % period))


async def measure(items: int, tmp: Path) -> dict[str, Any]:
    """Publish `items` items at random phases and time each one to its Telegram message."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.botapi import BotApiServer
    from tests.support.feedserver import FeedServer

    # Headers and body go out in separate writes: without TCP_NODELAY keep-alive
    # clients wait ~40 ms for a delayed ACK on some answers (see bench/fanout.py).
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    feeds = FeedServer().start()
    api = BotApiServer(TOKEN).start()
    api.enforce_limits()  # Telegram-like limits: a 429 would show up in the stats
    resolver, packs = load_rules(REPO_ROOT / "rules")
    store = Store.open(tmp / "latency.db")
    # One chat per item, each with its own /watch: Telegram allows about one message per
    # second per chat, so items a second apart to one chat would wait for each other.
    for index in range(items):
        api.add_chat(CHAT + index, "private")
        store.upsert_chat(CHAT + index, "private", f"bench {index}")
        store.add_watch(CHAT + index, f'"item-{index}" AND resolution*')
    published: list[tuple[int, datetime]] = []
    feeds.route("/feed.xml", feed_body(published), etag='"v0"')
    source = Source(
        id="bench-press",
        name="Bench press room",
        url=f"http://{FEED_HOST}:{feeds.port}/feed.xml",
        interval=int(POLL_S),
    )
    appeared: dict[int, float] = {}
    stop = asyncio.Event()
    bot: ExtBot[Any] = ExtBot(TOKEN, base_url=api.base_url, rate_limiter=make_rate_limiter())
    await bot.initialize()
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=False) as client:
            fetcher = Fetcher(
                client, StaticResolver({FEED_HOST: ["127.0.0.1"]}), allow_private=True
            )
            pipeline = Pipeline(store, RuleRegistry(store, packs, resolver))
            async def ingest(source: Source, entries: Sequence[FeedEntry]) -> IngestResult:
                return pipeline.ingest(source, entries)  # on the loop, as the bench measures

            poller = Poller(store, fetcher, ingest, store.clock)
            worker = OutboxWorker(store, bot, store.clock)

            async def poll() -> None:
                await poller.poll_once([source])

            jobs = [
                asyncio.create_task(ticker(POLL_S, poll, stop)),
                # As the app runs it: its own task, again at once while alerts go out.
                asyncio.create_task(worker.run_forever(Intervals().delivery)),
            ]
            rng = random.Random(1)
            await asyncio.sleep(rng.uniform(0, POLL_S))
            for index in range(items):
                published.append((index, datetime.now(UTC)))
                feeds.route("/feed.xml", feed_body(published), etag=f'"v{index + 1}"')
                appeared[index] = time.monotonic()
                await asyncio.sleep(SPACING_S + rng.uniform(-0.3, 0.3))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(_arrivals(api)) < items:
                await asyncio.sleep(0.05)
            stop.set()
            await worker.stop()
            await asyncio.gather(*jobs)
    finally:
        await bot.shutdown()
        store.close()
        feeds.stop()
        stats = api.stats()
        arrivals = _arrivals(api)
        api.stop()
    latencies = [arrivals[i] - appeared[i] for i in sorted(arrivals) if i in appeared]
    return {
        "items": items,
        "delivered": len(latencies),
        "poll_interval_s": POLL_S,
        "delivery_interval_s": Intervals().delivery,
        "latencies_s": latencies,
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "max_s": max(latencies) if latencies else float("nan"),
        "answered_429": stats["answered_429"],
    }


def _arrivals(api: Any) -> dict[int, float]:
    """Item index -> when its alert reached the chat (monotonic, first message only)."""
    out: dict[int, float] = {}
    for message in api.sent():
        text = message.text
        if "[item-" in text:
            index = int(text.split("[item-", 1)[1].split("]", 1)[0])
            out.setdefault(index, message.at)
    return out


def run(items: int = ITEMS) -> dict[str, Any]:
    """The latency benchmark; prints and writes bench/results/latency.json."""
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        data = asyncio.run(measure(items, Path(tmp)))
    data["ratios"] = {
        "p50_vs_interval": data["p50_s"] / POLL_S,
        "p95_vs_interval": data["p95_s"] / POLL_S,
    }
    data["targets"] = {
        "all delivered": data["delivered"] == items,
        "p50<=2.5s": data["p50_s"] <= 2.5,
        "p95<=3s": data["p95_s"] <= 3.0,
    }
    print_table(
        f"latency, item on feed -> message in chat ({items} items, poll every {POLL_S:g} s, delivery loop as in the app)",
        ["delivered", "p50 s", "p95 s", "max s", "p50 / interval", "p95 / interval", "429s"],
        [
            [
                f"{data['delivered']}/{items}",
                fmt(data["p50_s"], 2),
                fmt(data["p95_s"], 2),
                fmt(data["max_s"], 2),
                fmt(data["ratios"]["p50_vs_interval"], 2),
                fmt(data["ratios"]["p95_vs_interval"], 2),
                data["answered_429"],
            ]
        ],
    )
    for name, ok in data["targets"].items():
        print(f"  target {name}: {target(ok)}")
    write_result("latency", data)
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick publishes 6 items."""
    parser = argparse.ArgumentParser(description="latency benchmark")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    data = run(items=6) if args.quick else run()
    return 0 if data["targets"]["all delivered"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
