"""Fan-out: one alert to many subscribed chats through the Bot API test server.

    python -m bench.fanout [--quick]

The Bot API test server (tests/support/botapi.py) runs as its own process, so it
does not share our GIL or event loop. Runs:

* limits on, as the app runs it: ExtBot with make_rate_limiter(), the worker's
  default pacing, worker.run_forever(Intervals.delivery) as the app's delivery task;
  the server enforces Telegram-like limits and answers 429 when they are broken;
* limits off (the baseline of the limited run): no limiter, no pacing, the server
  only records; run_once() back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot

from bench.common import REPO_ROOT, fmt, print_table, target, write_result
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import Pacing, make_rate_limiter
from bot.models import FeedEntry, Match, Recipient
from bot.store import Store
from bot.telegram.app import Intervals

TOKEN = "123456:BENCH-TOKEN"
CHATS_OFF = 1_000
CHATS_ON = 300  # at ~25-30 messages/s, 1,000 chats would take most of the suite's 5 minutes
TELEGRAM_RATE = 30.0
# The test server writes headers and body separately; with Nagle's algorithm on, a
# keep-alive client then waits for a delayed ACK (~40 ms) on every call, which caps
# any client at ~22 calls/s. Real Telegram does not do that, so the bench turns it off.
_LAUNCH = (
    "import socketserver, sys; socketserver.StreamRequestHandler.disable_nagle_algorithm = True; "
    "from tests.support.botapi import main; raise SystemExit(main(sys.argv[1:]))"
)


@dataclass
class BotApiProcess:
    """tests/support/botapi.py started standalone, with its control API."""

    proc: subprocess.Popen[str]
    url: str

    @classmethod
    def start(cls) -> BotApiProcess:
        """Start it and wait for READY."""
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, "--port", "0", "--token", TOKEN],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        words = proc.stdout.readline().split()
        if len(words) != 2 or words[0] != "READY":
            proc.kill()
            raise RuntimeError(f"Bot API server did not start: {words}")
        return cls(proc, words[1])

    def remote(self) -> Any:
        """The control client (RemoteBotApi)."""
        sys.path.insert(0, str(REPO_ROOT))
        from tests.support.botapi_remote import RemoteBotApi

        return RemoteBotApi(self.url, TOKEN)

    def stop(self) -> None:
        """Terminate and reap."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def queue_alert(store: Store, chat_ids: list[int]) -> int:
    """One stored article, one match, one pending alert per chat; returns the alert count."""
    for chat_id in chat_ids:
        store.upsert_chat(chat_id, "private", f"chat {chat_id}")
    article = store.add_article(
        FeedEntry(
            "bench-source",
            "bench-1",
            "https://example.org/ep-resolution",
            "European Parliament calls Belarus a satellite state and backs new sanctions",
            "The European Parliament adopted a resolution on Belarus. MEPs call for the same "
            "sanctions on Belarus as on Russia.",
        )
    )
    assert article is not None
    match = Match(
        rule_key="pack:bench",
        rule_name="Bench resolutions",
        doc_id=str(article.id),
        witnesses=(),
        countries=("BY", "RU"),
        summary="The European Parliament adopted a resolution on Belarus.",
        highlights=((4, 23),),
        explanation="European Parliament + resolution /s Belarus",
    )
    return len(store.record_match(article, match, [Recipient(c) for c in chat_ids], "normal"))


def sent_count(store: Store) -> int:
    """Alerts marked sent."""
    return int(store.db.execute("SELECT count(*) FROM alerts WHERE state = 'sent'").fetchone()[0])


async def deliver(
    store: Store,
    bot: ExtBot[Any],
    pacing: Pacing,
    total: int,
    idle: float | None,
    deadline: float,
) -> tuple[float, int]:
    """Run the worker until every alert is sent or the deadline passes; (seconds, runs).

    With `idle` set, the worker runs as the app runs it: `run_forever(idle)`, which
    goes again at once while alerts are going out. Without, `run_once()` back to back.
    """
    worker = OutboxWorker(store, bot, store.clock, pacing=pacing)
    start = time.perf_counter()
    runs = 0
    if idle is not None:
        task = asyncio.create_task(worker.run_forever(idle))
        while sent_count(store) < total and time.perf_counter() - start < deadline:
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - start
        await worker.stop()
        await asyncio.wait_for(task, 30)
        return seconds, 0
    while sent_count(store) < total and time.perf_counter() - start < deadline:
        begun = time.perf_counter()
        await worker.run_once()
        runs += 1
        if time.perf_counter() - begun < 0.001:
            await asyncio.sleep(0.01)  # nothing was allowed yet: do not spin
    return time.perf_counter() - start, runs


def _window_max(times: list[float], width: float = 1.0) -> int:
    """The most sends inside any window of `width` seconds."""
    best, lo = 0, 0
    for hi in range(len(times)):
        while times[hi] - times[lo] >= width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def one_run(
    server: BotApiProcess, name: str, chats: int, limited: bool, cadence: float | None, tmp: Path
) -> dict[str, Any]:
    """One fan-out run on a fresh store and a reset server."""
    remote = server.remote()
    remote._call("reset")
    if limited:
        remote._call(
            "limits",
            per_chat_per_second=1.0,
            group_per_minute=20,
            global_per_second=int(TELEGRAM_RATE),
        )
    else:
        remote._call("limits")
    base = 10_000 * (1 + len(name))
    chat_ids = [base + i for i in range(chats)]
    for chat_id in chat_ids:  # the server only writes to chats it knows: each user says /start
        remote._call("send_message", chat_id=chat_id, user_id=chat_id, text="/start")
    store = Store.open(tmp / f"{name}.db")
    total = queue_alert(store, chat_ids)
    bot: ExtBot[Any] = ExtBot(
        TOKEN, base_url=f"{server.url}/bot", rate_limiter=make_rate_limiter() if limited else None
    )
    await bot.initialize()
    try:
        pacing = Pacing() if limited else Pacing.unlimited()
        deadline = chats / 10.0 + 30  # far beyond the expected time: a stuck run still ends
        seconds, runs = await deliver(store, bot, pacing, total, cadence, deadline)
    finally:
        await bot.shutdown()
    sent = sent_count(store)
    store.close()
    stats = remote.stats()
    remote.close()
    times = sorted(t for ts in stats["send_times"].values() for t in ts)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {
        "run": name,
        "chats": chats,
        "limits": limited,
        "cadence_s": cadence,
        "alerts": total,
        "sent": sent,
        "seconds": seconds,
        "worker_runs": runs,
        "messages_per_s": sent / seconds,
        "server_messages_per_s": (len(times) - 1) / span
        if span == span and span > 0
        else float("nan"),
        "max_in_any_second": _window_max(times),
        "answered_429": stats["answered_429"],
        "rate_violations": stats["rate_violations"],
        "send_requests": stats["requests"].get("sendMessage", 0),
    }


async def measure(chats_on: int, chats_off: int, tmp: Path) -> list[dict[str, Any]]:
    """The three runs against one server process."""
    server = BotApiProcess.start()
    try:
        return [
            await one_run(server, "on-app", chats_on, True, Intervals().delivery, tmp),
            await one_run(server, "off", chats_off, False, None, tmp),
        ]
    finally:
        server.stop()


def run(chats_on: int = CHATS_ON, chats_off: int = CHATS_OFF) -> dict[str, Any]:
    """The fan-out benchmark; prints and writes bench/results/fanout.json."""
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        runs = asyncio.run(measure(chats_on, chats_off, Path(tmp)))
    app, off = runs
    data: dict[str, Any] = {
        "runs": runs,
        "targets": {
            "limited (as the app runs it) within 90-100% of 30/s": 0.9 * TELEGRAM_RATE
            <= app["messages_per_s"]
            <= TELEGRAM_RATE,
            "limited: zero 429": app["answered_429"] == 0,
            "unlimited >= 300/s": off["messages_per_s"] >= 300,
        },
        "ratios": {
            "app_vs_off": app["messages_per_s"] / off["messages_per_s"],
            "app_vs_30": app["messages_per_s"] / TELEGRAM_RATE,
        },
    }
    labels = {
        "on-app": "limits on, run_forever (as the app)",
        "off": "limits off (baseline)",
    }
    print_table(
        "fan-out of one alert (Bot API test server in its own process)",
        ["run", "chats", "sent", "msg/s", "% of 30/s", "max in 1 s", "429s", "seconds"],
        [
            [
                labels[r["run"]],
                r["chats"],
                r["sent"],
                fmt(r["messages_per_s"]),
                f"{100 * r['messages_per_s'] / TELEGRAM_RATE:.0f}%",
                r["max_in_any_second"],
                r["answered_429"],
                fmt(r["seconds"]),
            ]
            for r in runs
        ],
    )
    for name, ok in data["targets"].items():
        print(f"  target {name}: {target(ok)}")
    write_result("fanout", data)
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick uses 40 / 100 chats."""
    parser = argparse.ArgumentParser(description="fan-out benchmark")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    run(chats_on=40, chats_off=100) if args.quick else run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
