"""`sanctions-bot demo`: the whole pipeline over bundled sample feeds, no token, no network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings, data_dir
from bot.errors import ConfigError
from bot.models import Source
from bot.runtime import Runtime
from bot.store.base import utcnow

DEMO_CHAT = 1  # a stand-in private chat subscribed to every shipped pack


@dataclass(frozen=True)
class DemoFeed:
    """A bundled feed file and the source it stands for."""

    source: Source
    path: Path


def load_demo_feeds(seeds: Path) -> list[DemoFeed]:
    """The feeds listed in seeds/demo.yaml."""
    path = seeds / "demo.yaml"
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [DemoFeed(Source(**item["source"]), seeds / item["file"]) for item in raw["demo"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the demo catalog {path}: {exc}") from None


POLL_DELAY = timedelta(minutes=10)


@dataclass
class ReplayClock:
    """The store's clock during the demo: a set moment, else the real time."""

    at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or utcnow()


def run_demo(settings: Settings, out: Callable[[str], None] = print) -> int:
    """Ingest the sample feeds into `settings.db_path`, print each alert; returns the count."""
    from bot.delivery.format import format_alert, html_to_text
    from bot.sources.parse import parse_feed

    feeds = load_demo_feeds(data_dir("seeds"))
    parsed = [
        (feed, parse_feed(feed.path.read_bytes(), feed.source, feed.source.url, None))
        for feed in feeds
    ]
    # Each item is replayed as if polled ten minutes after it was published, so alerts
    # are judged fresh or old (bot.delivery.timefmt.is_old) as they would have been then.
    clock = ReplayClock()
    runtime = Runtime.open(settings, clock, with_sources=False)
    try:
        store = runtime.store
        store.upsert_chat(DEMO_CHAT, "private", "demo")
        store.subscribe(DEMO_CHAT, runtime.registry.pack_ids())
        store.sync_sources([f.source for f in feeds])
        seen = new = 0
        for feed, entries in parsed:
            for entry in entries:
                clock.at = entry.published + POLL_DELAY if entry.published else None
                result = runtime.pipeline.ingest(feed.source, [entry])
                seen, new = seen + result.seen, new + result.new_articles
            clock.at = None
        # One alert per story and chat already (bot.store.matches): one message each.
        messages = list(reversed(store.recent_alerts(DEMO_CHAT, limit=1000)))
        for view in messages:
            out("─" * 72)
            out(html_to_text(format_alert(view)))
        out("─" * 72)
        out(f"{seen} items read, {new} new articles, {len(messages)} alerts.")
        return len(messages)
    finally:
        runtime.close()
