"""Liveness for a supervisor and metrics for Prometheus, on one HTTP endpoint on 127.0.0.1.

The server runs in its own thread, not on the bot's event loop: a loop that is
stuck cannot answer for itself, but this thread can say that its heartbeat
stopped. The loop's `Heartbeat` task is the only writer of `HealthState`; the
HTTP thread only reads it (plain attribute reads of floats and ints).

    GET /health   200 or 503, JSON: event loop, last successful poll, outbox backlog
    GET /metrics  Prometheus text format
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops.metrics import Metrics
from bot.store.base import iso, parse_iso
from bot.store.retention import database_bytes

if TYPE_CHECKING:
    from bot.sources.poller import SourceStatus
    from bot.store import Store

log = logging.getLogger(__name__)
DEFAULT_PORT = 9464  # the port range Prometheus exporters use


@dataclass(frozen=True)
class HealthConfig:
    """Where the endpoint listens and when a check fails."""

    port: int = DEFAULT_PORT  # 0: any free port (tests)
    listen: str = "127.0.0.1"
    max_loop_stall: float = 10.0  # seconds without a heartbeat
    max_poll_age: float | None = 3600.0  # seconds without a successful poll; None: not polling
    max_outbox_wait: float = 1800.0  # seconds the oldest due alert may wait


def health_config(port: int | None, listen: str, *, webhook: bool) -> HealthConfig | None:
    """The endpoint `run` starts: on by default in webhook mode, on request when polling.

    `port` None means "the default" (webhook: DEFAULT_PORT, polling: none); 0 means off.
    """
    if port == 0 or (port is None and not webhook):
        return None
    return HealthConfig(port=port or DEFAULT_PORT, listen=listen)


@dataclass
class HealthState:
    """What the heartbeat last saw (monotonic seconds)."""

    started: float = field(default_factory=time.monotonic)
    last_beat: float = field(default_factory=time.monotonic)
    loop_lag: float = 0.0
    last_poll_success: float | None = None
    backlog: int = 0
    oldest_due: float = 0.0  # seconds the oldest due alert has waited

    def report(self, config: HealthConfig, now: float | None = None) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body)."""
        now = time.monotonic() if now is None else now
        stalled = now - self.last_beat
        checks: dict[str, dict[str, Any]] = {
            "event_loop": {
                "ok": stalled <= config.max_loop_stall,
                "seconds_since_heartbeat": round(stalled, 3),
                "lag_seconds": round(self.loop_lag, 3),
            },
            "outbox": {
                "ok": self.oldest_due <= config.max_outbox_wait,
                "backlog": self.backlog,
                "oldest_due_seconds": round(self.oldest_due, 1),
            },
        }
        if config.max_poll_age is not None:
            since = self.last_poll_success if self.last_poll_success is not None else self.started
            checks["polling"] = {
                "ok": now - since <= config.max_poll_age,
                "last_success_age_seconds": round(now - since, 1),
                "ever_succeeded": self.last_poll_success is not None,
            }
        healthy = all(c["ok"] for c in checks.values())
        return healthy, {"status": "ok" if healthy else "fail", "checks": checks}


class Heartbeat:
    """The event-loop side: beats every `interval`, reads the outbox every few beats."""

    def __init__(
        self,
        state: HealthState,
        metrics: Metrics,
        store: Store,
        clock: Callable[[], datetime],
        *,
        interval: float = 1.0,
        store_every: float = 10.0,  # seconds between reads of the outbox and file size
    ) -> None:
        self.state = state
        self.metrics = metrics
        self.store = store
        self.clock = clock
        self.interval = interval
        self.store_every = store_every

    def on_status(self, status: SourceStatus) -> None:
        """The poller's hook: metrics, and the last successful poll for liveness."""
        self.metrics.observe_poll(status, time.time())
        if status.outcome != "skipped":
            log.log(
                logging.WARNING if status.outcome == "error" else logging.INFO,
                "poll",
                extra={
                    "event": "poll",
                    "source": status.source_id,
                    "outcome": status.outcome,
                    "items": status.seen_items,
                    "new": status.new_items,
                    "alerts": status.alerts,
                    "seconds": round(status.duration, 3),
                    **({"error": status.error} if status.error else {}),
                },
            )
        if status.outcome in ("ok", "not_modified"):
            self.state.last_poll_success = time.monotonic()

    async def run(self) -> None:
        """Beat until cancelled."""
        next_read = 0.0
        while True:
            expected = time.monotonic() + self.interval
            if expected >= next_read:
                self.read_store()
                next_read = expected + self.store_every
            await asyncio.sleep(self.interval)
            now = time.monotonic()
            self.state.loop_lag = max(0.0, now - expected)
            self.state.last_beat = now
            self.metrics.loop_lag.set(self.state.loop_lag)

    def read_store(self) -> None:
        """Outbox backlog, alerts by state and file size: a few indexed reads."""
        try:
            backlog, oldest = outbox_backlog(self.store, self.clock())
            counts = self.store.outbox_counts()
            size = database_bytes(self.store.db)
        except Exception:  # a failed read must not stop the heartbeat
            log.exception("health: cannot read the outbox")
            return
        self.state.backlog, self.state.oldest_due = backlog, oldest
        self.metrics.outbox_backlog.set(backlog)
        self.metrics.outbox_oldest.set(oldest)
        self.metrics.database_bytes.set(size)
        for state, count in counts.items():
            self.metrics.alerts.labels(state).set(count)


def outbox_backlog(store: Store, now: datetime) -> tuple[int, float]:
    """Alerts due now and not delivered (digest chats excepted: they wait on purpose)."""
    row = store.db.execute(
        "SELECT count(*), min(a.next_attempt_at) FROM alerts a "
        "LEFT JOIN chats c ON c.id = a.chat_id "
        "WHERE a.state IN ('pending', 'failed') AND a.next_attempt_at <= ? "
        "AND coalesce(c.digest, 'off') = 'off'",
        [iso(now)],
    ).fetchone()
    oldest = parse_iso(row[1])
    return int(row[0]), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


class HealthServer:
    """The HTTP endpoint, in a daemon thread."""

    def __init__(self, config: HealthConfig, state: HealthState, metrics: Metrics) -> None:
        self.config = config
        self.state = state
        self.metrics = metrics
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HealthServer:
        """Listen (an OSError such as 'address in use' reaches the caller)."""
        handler = _handler(self)
        self._httpd = ThreadingHTTPServer((self.config.listen, self.config.port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="health", daemon=True
        )
        self._thread.start()
        log.info("health endpoint on http://%s:%s/health", self.config.listen, self.port)
        return self

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _handler(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # a scrape a second is no news
            return

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/health", "/healthz"):
                healthy, body = server.state.report(server.config)
                self._send(200 if healthy else 503, "application/json", json.dumps(body).encode())
            elif path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, server.metrics.render())
            else:
                self._send(404, "text/plain; charset=utf-8", b"try /health or /metrics\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
