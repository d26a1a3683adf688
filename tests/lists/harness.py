"""A list source served on 127.0.0.1, the real runtime and poller, and the Bot API test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import Settings, data_dir
from bot.delivery.decide import Backoff
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import Pacing
from bot.runtime import Runtime
from bot.sources.poller import SourceStatus
from tests.support.botapi import BotApiServer
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHAT = 501


def fixture(kind: str, version: int) -> bytes:
    """The bytes of one version of a list fixture."""
    return (FIXTURES / f"{kind}-v{version}.xml").read_bytes()


@dataclass
class ListWorld:
    """Everything one list test drives."""

    kind: str
    runtime: Runtime
    feeds: FeedServer
    api: BotApiServer
    http: httpx.AsyncClient
    bot: Bot
    clock: FakeClock

    @property
    def path(self) -> str:
        return f"/lists/{self.kind}.xml"

    def serve(self, version: int, etag: str | None = None) -> None:
        """Publish version `version` of the fixture at the source's URL."""
        self.feeds.route(
            self.path, fixture(self.kind, version), content_type="application/xml", etag=etag
        )

    async def poll(self) -> SourceStatus:
        """One real poll of the list source through the runtime's poller."""
        poller = self.runtime.make_poller(self.http)
        mine = [s for s in self.runtime.active_sources() if s.id == f"test-{self.kind}"]
        (status,) = await poller.poll_once(mine)
        self.clock.advance(60)
        return status

    async def deliver(self) -> None:
        """Run the real outbox worker until nothing is pending."""
        worker = OutboxWorker(
            self.runtime.store,
            self.bot,
            self.clock,
            pacing=Pacing.unlimited(),
            backoff=Backoff(base=1, cap=4, max_attempts=3),
            part_gap=0,
        )
        for _ in range(20):
            await worker.run_once(limit=100)
            counts = self.runtime.store.outbox_counts()
            if not counts.get("pending") and not counts.get("failed"):
                return
            self.clock.advance(5)
        raise AssertionError(f"outbox did not settle: {self.runtime.store.outbox_counts()}")

    def watch(self, query: str) -> None:
        """A /watch of the test chat."""
        self.runtime.store.add_watch(CHAT, query)
        self.runtime.registry.invalidate()

    def subscribe(self, *packs: str) -> None:
        self.runtime.store.subscribe(CHAT, list(packs))


def catalog(path: Path, kind: str, url: str) -> Path:
    """A one-source catalog for the list under test."""
    path.write_text(
        "sources:\n"
        f"  - id: test-{kind}\n    name: Test {kind}\n    url: {url}\n"
        f"    kind: {kind}\n    tier: official\n    interval: 15m\n",
        encoding="utf-8",
    )
    return path


async def make_world(
    kind: str, tmp_path: Path, feed_server: FeedServer, api: BotApiServer
) -> AsyncIterator[ListWorld]:
    """Build the world for one list kind (used by the test modules' fixtures)."""
    clock = FakeClock()
    sources = catalog(tmp_path / "sources.yaml", kind, feed_server.url(f"/lists/{kind}.xml"))
    settings = Settings(
        db_path=tmp_path / "bot.db",
        sources_path=sources,
        rules_dir=data_dir("rules"),
        allow_private_network=True,
    )
    runtime = Runtime.open(settings, clock)
    runtime.store.upsert_chat(CHAT)
    request = HTTPXRequest(read_timeout=2.0, write_timeout=2.0, connect_timeout=2.0)
    async with (
        httpx.AsyncClient() as http,
        Bot(api.token, base_url=api.base_url, request=request) as bot,
    ):
        yield ListWorld(kind, runtime, feed_server, api, http, bot, clock)
    runtime.close()
