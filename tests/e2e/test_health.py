"""The local health and metrics endpoint of the running bot, read over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from telegram.ext import AIORateLimiter

from bot.config import Settings
from bot.models import Source
from bot.ops.health import HealthConfig, HealthState
from bot.ops.metrics import Metrics
from bot.runtime import Runtime
from bot.telegram.app import ALLOWED_UPDATES, Intervals, build_application
from tests.e2e.feeds import rss
from tests.e2e.harness import (
    ROOT,
    START,
    Harness,
    eu_sanctions_article,
    stop_harness,
)
from tests.support.botapi import BotApiServer
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

USER = 515


@dataclass
class Running:
    bot: Harness
    feed: FeedServer
    registry: CollectorRegistry
    url: str

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5)

    def sample(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, labels)


@pytest.fixture
async def running(tmp_path: Path, feed_server: FeedServer) -> AsyncIterator[Running]:
    """The bot polling one loopback feed, with the endpoint on a free port of 127.0.0.1."""
    feed = feed_server
    title, text = eu_sanctions_article("Iran")
    feed.route("/wire.xml", rss([("w1", title, text)], START))
    source = Source(id="wire", name="Loopback Wire", url=feed.url("/wire.xml"), interval=60)
    server = BotApiServer().start()
    server.add_chat(USER)
    clock = FakeClock(START, running=True)
    settings = Settings(
        db_path=tmp_path / "bot.db",
        rules_dir=ROOT / "rules",
        token=server.token,
        api_url=server.base_url,
        allow_private_network=True,
    )
    runtime = Runtime.open(settings, clock, with_sources=False)
    runtime.store.sync_sources([source])
    runtime.store.upsert_chat(USER)
    runtime.store.subscribe(USER, ["eu-sanctions"])
    registry = CollectorRegistry()
    app = build_application(
        runtime,
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        intervals=Intervals(delivery=0.2, digest=0.5, poll=0.3),
        metrics=Metrics(registry),
        health=HealthConfig(port=0, max_loop_stall=2.0),
    )
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    h = Harness(server, runtime, app, clock)
    port = app.bot_data["jobs"].ops.server.port
    try:
        yield Running(h, feed, registry, f"http://127.0.0.1:{port}")
    finally:
        await stop_harness(h)


async def test_health_and_metrics_report_polling_and_delivery(running: Running) -> None:
    bot = running.bot
    alert = await bot.server.wait_for_message(USER)
    assert "Iran" in alert.plain
    await bot.server.wait_until(
        lambda: (running.sample("sanctions_bot_alerts_sent_total") or 0) >= 1
    )

    health = running.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["checks"]["event_loop"]["ok"] is True
    assert body["checks"]["polling"]["ever_succeeded"] is True
    assert body["checks"]["outbox"]["backlog"] == 0

    metrics = running.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
    for name in (
        "sanctions_bot_items_ingested",
        "sanctions_bot_alerts_queued",
        "sanctions_bot_alerts_sent",
        "sanctions_bot_alerts_dead",
        "sanctions_bot_source_failures",
        "sanctions_bot_outbox_backlog",
        "sanctions_bot_poll_duration_seconds",
    ):
        assert name in families, name
    assert running.sample("sanctions_bot_items_ingested_total", source="wire") == 1
    assert running.sample("sanctions_bot_alerts_queued_total") == 1
    assert (running.sample("sanctions_bot_poll_duration_seconds_count") or 0) >= 1
    assert running.get("/nothing").status_code == 404


async def test_failing_source_is_counted(running: Running) -> None:
    running.feed.route("/wire.xml", b"down", status=503, content_type="text/plain")
    jobs = running.bot.app.bot_data["jobs"]
    await jobs.poll_now(due_only=False)
    assert running.sample("sanctions_bot_source_failures_total", source="wire") == 1


async def test_a_stuck_event_loop_is_reported_by_the_endpoint_thread(running: Running) -> None:
    await running.bot.server.wait_until(lambda: running.get("/health").status_code == 200)
    seen: dict[str, Any] = {}

    def probe() -> None:
        time.sleep(3.0)  # the loop has been blocked for longer than the 2 s limit
        answer = running.get("/health")
        seen["status"], seen["body"] = answer.status_code, answer.json()

    thread = threading.Thread(target=probe)
    thread.start()
    time.sleep(4.0)  # block the bot's event loop, as a runaway computation would
    thread.join()
    assert seen["status"] == 503
    assert seen["body"]["checks"]["event_loop"]["ok"] is False
    await running.bot.server.wait_until(lambda: running.get("/health").status_code == 200)


def test_report_fails_on_a_stale_poll_or_a_waiting_outbox() -> None:
    config = HealthConfig(max_loop_stall=10, max_poll_age=600, max_outbox_wait=300)
    state = HealthState(started=0.0, last_beat=1000.0, last_poll_success=900.0)
    healthy, body = state.report(config, now=1001.0)
    assert healthy and body["checks"]["polling"]["last_success_age_seconds"] == 101.0
    state.last_poll_success = 100.0
    healthy, body = state.report(config, now=1001.0)
    assert not healthy and body["checks"]["polling"]["ok"] is False
    state.last_poll_success, state.oldest_due, state.backlog = 900.0, 301.0, 7
    healthy, body = state.report(config, now=1001.0)
    assert not healthy and body["checks"]["outbox"] == {
        "ok": False,
        "backlog": 7,
        "oldest_due_seconds": 301.0,
    }
    quiet = HealthConfig(max_poll_age=None)
    assert "polling" not in state.report(quiet, now=1001.0)[1]["checks"]
    assert json.dumps(body)  # serialisable as served
