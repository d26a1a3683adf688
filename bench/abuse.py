"""Abuse: what a bystander sees while attackers send the worst queries; what /test and /watch cost.

    python -m bench.abuse [--quick]

1. Bystander latency. `sanctions-bot run` as a subprocess (as users start it) over a
   database of 500 stored articles and the Bot API test server (tests/support/botapi.py);
   a dozen attacker accounts (so that the per-user limits barely stop them: the worst case)
   send the heaviest queries the bot accepts and the ones it refuses, back to back, while
   a bystander sends /start every 250 ms. Baseline, same run: the same over the code of
   `--before` (default: where this branch left main, `git archive` into a temp dir),
   with only the accepted queries (the refused ones stalled it for minutes).
2. Cost of /test and /watch at 1,000, 10,000 and 100,000 stored articles (all of the last
   7 days): the dry run as the reader thread runs it, and /watch's rule update with 1,000
   watches stored, against today's synchronous path (every article of the week matched,
   and a full recompile per /watch), measured in the same process; that baseline is
   timed on the first BASELINE_ARTICLES articles and extrapolated per article.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BASE_REF,
    REPO_ROOT,
    Timer,
    fmt,
    percentile,
    print_table,
    resolve_ref,
    rss_mb,
    write_result,
)
from bench.corpus import make_articles, make_rules, make_world
from bot.dryrun import dry_run
from bot.matching.engine import Engine
from bot.matching.gazetteer import load_gazetteer
from bot.matching.packs import load_packs
from bot.models import Rule
from bot.registry import RuleRegistry, watch_rule
from bot.store import Store
from tests.support.botapi import BotApiServer

OR_OF_NEARS = (
    "(" + "|".join(["(the NEAR/100 of)"] * 13) + ") NEAR/100 ("
    + "|".join(["(of NEAR/100 the)"] * 13) + ")"
)  # fmt: skip
SIXTY_THE = "(" + "|".join(["the"] * 60) + ") NEAR/100 (" + "|".join(["the"] * 60) + ")"
# Accepted, and as heavy as accepted queries get: every article a candidate, NEAR of
# compound operands, /s inside /p over common words; a search for the commonest word.
HEAVY = [
    "/test the",
    "/test (the of) NEAR/50 (in to)",
    "/test (the OR of OR on) /s (to OR in) /p (a OR for)",
    "/search the",
    "/test sanctions",
]
REFUSED = [f"/test {OR_OF_NEARS}", f"/test {SIXTY_THE}", "/search " + " ".join(["c*"] * 166)]
ATTACKERS = tuple(range(5001, 5013))  # a dozen accounts: the per-user limits barely bite
BYSTANDER = 6001
STORED = 500
EVERY_S = 0.25
QUERIES = ("sanctions", '"asset freeze" /s @country:RU', '@country:BY /s "satellite state"')
SIZES = (1_000, 10_000, 100_000)
WATCHES = 1_000
BASELINE_ARTICLES = 2_000
WIDE = 5_000  # the "5,000 wide watches take 9.3 s and 461 MiB to recompile"
NOW = datetime.now(UTC)


# -- 1. bystander latency ------------------------------------------------------------------


def _stock(db: Path, articles: int) -> None:
    store = Store.open(db)
    for index, doc in enumerate(make_articles(articles, world=make_world())):
        store.add_article(_entry(index, doc.title, doc.text))
    store.close()


def _entry(index: int, title: str, text: str) -> Any:
    from bot.models import FeedEntry

    return FeedEntry(
        "wire", f"a{index}", f"https://news.example.org/a{index}", title, text, NOW
    )  # fmt: skip


def _checkout(ref: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", resolve_ref(ref), "bot", "rules", "seeds"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


async def _scenario(code: Path, commands: list[str], seconds: float) -> dict[str, Any]:
    """One bot process over `code`'s `bot` package, attacked for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        work = Path(tmp)
        _stock(work / "bot.db", STORED)
        (work / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
        server = BotApiServer().start()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_API_URL": server.base_url,
            "SANCTIONS_BOT_DB": str(work / "bot.db"),
            "SANCTIONS_BOT_SOURCES": str(work / "sources.yaml"),
            "PYTHONPATH": str(code),
        }
        log = (work / "bot.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=code, env=env, stdout=log, stderr=log
        )
        try:
            await server.wait_until(lambda: bool(server.commands) or proc.poll() is not None, 90)
            if proc.poll() is not None:
                raise RuntimeError((work / "bot.log").read_text(errors="replace")[-2000:])
            return await _attack(server, commands, seconds)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            server.stop()


async def _ask(server: BotApiServer, chat: int, text: str, timeout: float) -> tuple[float, str]:
    before = len(server.sent(chat))
    start = time.monotonic()
    server.send_message(chat, chat, text)
    deadline = start + timeout
    while len(server.sent(chat)) <= before:
        if time.monotonic() > deadline:
            return float("inf"), ""
        await asyncio.sleep(0.005)
    reply = server.sent(chat)[before]
    return reply.at - start, reply.plain


async def _attack(server: BotApiServer, commands: list[str], seconds: float) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    attacker_times: dict[str, list[float]] = {c[:40]: [] for c in commands}
    clear = {"answered": 0, "unclear": 0}

    async def attacker(user: int, offset: int) -> None:
        index = offset
        while time.monotonic() < stop:
            command = commands[index % len(commands)]
            index += 1
            took, text = await _ask(server, user, command, 120)
            attacker_times[command[:40]].append(took)
            ok = any(w in text for w in ("Matches", "result", "too slow", "Nothing stored",
                                         "at most", "Try again", "still working", "too broad"))  # fmt: skip
            clear["answered" if ok else "unclear"] += 1

    bystander: list[float] = []

    async def bystand() -> None:
        while time.monotonic() < stop:
            took, _ = await _ask(server, BYSTANDER, "/start", 120)
            bystander.append(took)
            await asyncio.sleep(EVERY_S)

    await asyncio.gather(bystand(), *(attacker(u, i) for i, u in enumerate(ATTACKERS)))
    return {
        "bystander_n": len(bystander),
        "bystander_p50_s": percentile(bystander, 50),
        "bystander_p99_s": percentile(bystander, 99),
        "bystander_max_s": max(bystander, default=float("nan")),
        "bystander_over_1s": sum(1 for t in bystander if t > 1.0),
        "attacker": {
            c: {"n": len(t), "p50_s": percentile(t, 50), "max_s": max(t, default=float("nan"))}
            for c, t in attacker_times.items()
        },
        "attacker_replies": clear,
    }


async def latency(before: str | None, seconds: float) -> dict[str, Any]:
    """Part 1: the bystander under attack, this code and (baseline) `before`'s."""
    out: dict[str, Any] = {"seconds": seconds, "stored": STORED}
    out["after"] = await _scenario(REPO_ROOT, HEAVY + REFUSED, seconds)
    if before:
        with tempfile.TemporaryDirectory(prefix="bench-before-") as tmp:
            _checkout(before, Path(tmp))
            out["before"] = await _scenario(Path(tmp), HEAVY, seconds)
        out["before_ref"] = before
    return out


# -- 2. cost of /test and /watch -------------------------------------------------------------


def _fill(store: Store, upto: int, have: int, pool: list[Any]) -> None:
    """Insert articles (unique titles over a pool of texts, all fetched this week) until
    `upto` are stored: directly, as bench/store.py does, dedup is not what is measured."""
    start = NOW - timedelta(days=6)
    for lo in range(have + 1, upto + 1, 10_000):
        stories, rows = [], []
        for i in range(lo, min(lo + 10_000, upto + 1)):
            when = (start + timedelta(seconds=5 * i)).isoformat(timespec="seconds")
            doc = pool[i % len(pool)]
            stories.append((i, f"fp{i}", when))
            url = f"https://example.org/a/{i}"
            rows.append((i, "wire", f"g{i}", url, url, f"{doc.title} ({i})", doc.text, when,
                         when, f"h{i}", i))  # fmt: skip
        with store.transaction():
            store.db.conn.executemany(
                "INSERT INTO stories (id, fingerprint, created) VALUES (?, ?, ?)", stories
            )
            store.db.conn.executemany(
                "INSERT INTO articles (id, source_id, guid, url, canonical_url, title, text, "
                "published, fetched, content_hash, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )


def _old_dry_run(store: Store, resolver: Any, query: str, limit: int) -> tuple[int, int]:
    """Today's path (main): compile, then match every article of the week (first `limit`)."""
    engine = Engine.compile([Rule(key="watch:dry-run", name="dry run", query=query)], resolver)
    since = NOW - timedelta(days=7)
    rows = store.db.query(
        "SELECT * FROM articles WHERE fetched >= ? ORDER BY id LIMIT ?",
        [since.isoformat(timespec="seconds"), limit],
    )
    from bot.store.articles import _article

    articles = [_article(r) for r in rows]
    return sum(1 for a in articles if engine.match(a.document())), len(articles)


def costs(sizes: tuple[int, ...], watches: int) -> dict[str, Any]:
    """Part 2: /test and /watch at each size, new path and today's path."""
    resolver = load_gazetteer()
    packs = load_packs(REPO_ROOT / "rules")
    pool = make_articles(2_000, world=make_world(), size=1_500)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-costs-") as tmp:
        store = Store.open(Path(tmp) / "c.db", clock=lambda: NOW)
        store.upsert_chat(1)
        for rule in make_rules(watches, world=make_world()):
            store.add_watch(1, rule.query)
        registry = RuleRegistry(store, packs, resolver)
        with Timer() as first:
            registry.engine()
        have = 0
        for size in sizes:
            _fill(store, size, have, pool)
            have = size
            for query in QUERIES:
                rows.append(_one(store, resolver, registry, packs, query, size))
                print(f"  {size:,} articles, {query}: {rows[-1]['test_s']:.3f} s "
                      f"(today {rows[-1]['old_test_s']:.2f} s)", flush=True)  # fmt: skip
        store.close()
    return {"watches": watches, "first_compile_s": first.seconds, "rows": rows}


def _one(
    store: Store, resolver: Any, registry: RuleRegistry, packs: list[Any], query: str, size: int
) -> dict[str, Any]:
    since = NOW - timedelta(days=7)
    with Timer() as new:
        result = dry_run(store, resolver, query, since)
    with Timer() as old:
        old_hits, seen = _old_dry_run(store, resolver, query, BASELINE_ARTICLES)
    old_total = old.seconds / max(seen, 1) * size  # extrapolated to every article of the week
    # /watch after the dry run: the rule update the next ingest sees.
    watch = store.add_watch(1, query)
    registry.invalidate()
    with Timer() as update:
        registry.engine()
    with Timer() as full:
        Engine.compile(
            [p.rule() for p in packs] + [watch_rule(w) for w in store.watches()], resolver
        )
    store.remove_watch(1, watch.id)
    registry.invalidate()
    return {
        "articles": size,
        "query": query,
        "test_s": new.seconds,
        "candidates": result.candidates,
        "checked": result.checked,
        "complete": result.complete,
        "matched": result.matched,
        "old_test_s": old_total,
        "old_measured_articles": seen,
        "old_matched_in_measured": old_hits,
        "watch_s": new.seconds + update.seconds,
        "watch_update_s": update.seconds,
        "old_watch_s": old_total + full.seconds,
        "old_recompile_s": full.seconds,
    }


def wide_watches(count: int) -> dict[str, Any]:
    """A /watch with `count` wide watches stored (each an OR of several generated rules):
    the rules update the next ingest waits for, against a full recompile (today's path)."""
    resolver = load_gazetteer()
    packs = load_packs(REPO_ROOT / "rules")
    generated = [r.query for r in make_rules(count * 4, world=make_world())]
    with tempfile.TemporaryDirectory(prefix="bench-wide-") as tmp:
        store = Store.open(Path(tmp) / "w.db", clock=lambda: NOW)
        store.upsert_chat(1)
        for i in range(count):
            parts = [f"({q})" for q in generated[4 * i : 4 * i + 4]]
            while len(" OR ".join(parts)) > 500:
                parts.pop()
            store.add_watch(1, " OR ".join(parts))
        registry = RuleRegistry(store, packs, resolver)
        before = rss_mb()
        with Timer() as full:
            registry.engine()
        grown = rss_mb() - before
        store.add_watch(1, '"asset freeze" /s @country:RU')
        registry.invalidate()
        with Timer() as update:
            registry.engine()
        store.close()
    print(f"  {count:,} wide watches: full compile {full.seconds:.2f} s (RSS +{grown:.0f} MB), "
          f"update after one /watch {update.seconds * 1000:.0f} ms", flush=True)  # fmt: skip
    return {"watches": count, "full_compile_s": full.seconds, "full_compile_rss_mb": grown,
            "update_after_watch_s": update.seconds}  # fmt: skip


# -- report ------------------------------------------------------------------------------------


def _print(data: dict[str, Any]) -> None:
    if "latency" in data:
        _print_latency(data["latency"])
    _print_costs(data["costs"])


def _print_latency(lat: dict[str, Any]) -> None:
    sides = [("this branch", lat["after"])] + (
        [(f"{lat['before_ref']} (baseline)", lat["before"])] if "before" in lat else []
    )
    print_table(
        f"bystander /start latency under attack ({lat['seconds']:g} s, {len(ATTACKERS)} attackers, "
        f"{lat['stored']} stored articles)",
        ["code", "samples", "p50 s", "p99 s", "max s", "> 1 s", "attacker replies clear"],
        [
            [name, s["bystander_n"], fmt(s["bystander_p50_s"], 3), fmt(s["bystander_p99_s"], 3),
             fmt(s["bystander_max_s"], 3), s["bystander_over_1s"],
             f"{s['attacker_replies']['answered']}/{sum(s['attacker_replies'].values())}"]
            for name, s in sides
        ],
    )  # fmt: skip
    for name, s in sides:
        print_table(
            f"attacker reply time ({name})",
            ["command", "n", "p50 s", "max s"],
            [[c, a["n"], fmt(a["p50_s"], 3), fmt(a["max_s"], 3)] for c, a in s["attacker"].items()],
        )


def _print_costs(cost: dict[str, Any]) -> None:
    print_table(
        f"/test and /watch cost ({cost['watches']:,} watches stored); today = match every "
        f"article of the week + full recompile per /watch (extrapolated from "
        f"{BASELINE_ARTICLES:,} articles)",
        ["articles", "query", "/test s", "checked/cand.", "today /test s", "ratio",
         "/watch s", "today /watch s", "ratio"],
        [
            [fmt(r["articles"]), r["query"][:28], fmt(r["test_s"], 3),
             f"{r['checked']:,}/{r['candidates']:,}", fmt(r["old_test_s"], 2),
             f"{r['old_test_s'] / r['test_s']:.0f}x", fmt(r["watch_s"], 3),
             fmt(r["old_watch_s"], 2), f"{r['old_watch_s'] / r['watch_s']:.0f}x"]
            for r in cost["rows"]
        ],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick runs a small version."""
    parser = argparse.ArgumentParser(description="abuse benchmark")
    parser.add_argument("--quick", action="store_true", help="short attack, 1k/10k articles")
    parser.add_argument("--before", default=BASE_REF, help="git ref of the baseline bot")
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--watches", type=int, default=WATCHES, help="watches stored for /watch")
    parser.add_argument("--costs-only", action="store_true", help="skip the latency part")
    parser.add_argument("--wide", type=int, default=WIDE, help="wide watches for the update figure")
    args = parser.parse_args(argv)
    before = None if args.no_before or args.quick else args.before
    seconds = 8.0 if args.quick else 30.0
    data: dict[str, Any] = {}
    if not args.costs_only:
        data["latency"] = asyncio.run(latency(before, seconds))
    data["costs"] = costs((1_000, 10_000) if args.quick else SIZES, 200 if args.quick else args.watches)
    data["wide"] = wide_watches(500 if args.quick else args.wide)
    _print(data)
    write_result("abuse", data)
    return 0 if args.costs_only or data["latency"]["after"]["bystander_over_1s"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
