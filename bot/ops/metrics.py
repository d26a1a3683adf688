"""Prometheus metrics of the running bot, registered in a registry passed in (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from bot.delivery.outbox import DeliveryReport
    from bot.sources.poller import SourceStatus

PREFIX = "sanctions_bot_"
POLL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


class Metrics:
    """Counts and latencies an operator graphs; fed by the poller, the outbox and the heartbeat."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        r = registry
        self.items_ingested = Counter(
            PREFIX + "items_ingested", "New articles stored, by source", ["source"], registry=r
        )
        self.polls = Counter(PREFIX + "polls", "Source polls, by outcome", ["outcome"], registry=r)
        self.source_failures = Counter(
            PREFIX + "source_failures", "Failed polls, by source", ["source"], registry=r
        )
        self.poll_duration = Histogram(
            PREFIX + "poll_duration_seconds",
            "Time to poll one source",
            buckets=POLL_BUCKETS,
            registry=r,
        )
        self.last_poll_success = Gauge(
            PREFIX + "last_successful_poll_timestamp_seconds",
            "Unix time of the last poll that reached its source",
            registry=r,
        )
        self.alerts_queued = Counter(
            PREFIX + "alerts_queued", "Alerts written to the outbox", registry=r
        )
        self.alerts_sent = Counter(
            PREFIX + "alerts_sent", "Alerts delivered one by one", registry=r
        )
        self.alerts_retried = Counter(
            PREFIX + "alerts_retried", "Failed sends that will be retried", registry=r
        )
        self.alerts_dead = Counter(PREFIX + "alerts_dead", "Alerts given up on", registry=r)
        self.alerts = Gauge(
            PREFIX + "alerts", "Stored alerts by state (digests included)", ["state"], registry=r
        )
        self.outbox_backlog = Gauge(
            PREFIX + "outbox_backlog", "Alerts due and not yet delivered", registry=r
        )
        self.outbox_oldest = Gauge(
            PREFIX + "outbox_oldest_due_seconds",
            "How long the oldest due alert has waited",
            registry=r,
        )
        self.loop_lag = Gauge(
            PREFIX + "event_loop_lag_seconds",
            "How late the event loop ran its heartbeat",
            registry=r,
        )
        self.database_bytes = Gauge(
            PREFIX + "database_bytes", "Database file plus write-ahead log", registry=r
        )
        self.pruned = Counter(
            PREFIX + "pruned_articles", "Articles removed by retention", registry=r
        )

    def observe_poll(self, status: SourceStatus, unix_now: float) -> None:
        """One source's poll (the poller's on_status hook)."""
        self.polls.labels(status.outcome).inc()
        if status.outcome == "skipped":
            return
        self.poll_duration.observe(status.duration)
        if status.outcome == "error":
            self.source_failures.labels(status.source_id).inc()
            return
        self.last_poll_success.set(unix_now)
        if status.new_items:
            self.items_ingested.labels(status.source_id).inc(status.new_items)
        if status.alerts:
            self.alerts_queued.inc(status.alerts)

    def observe_delivery(self, report: DeliveryReport) -> None:
        """One outbox run (the worker's on_report hook)."""
        self.alerts_sent.inc(report.sent)
        self.alerts_retried.inc(report.retried)
        self.alerts_dead.inc(report.dead)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
