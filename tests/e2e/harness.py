"""The real Application, in-process, talking real HTTP to the Bot API test server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter, Application, BaseRateLimiter

from bot.config import DEFAULT_MAX_ITEM_AGE, Settings
from bot.models import FeedEntry, Source
from bot.pipeline import IngestResult
from bot.runtime import Runtime
from bot.telegram.app import ALLOWED_UPDATES, Intervals, build_application
from tests.support.botapi import BotApiServer, SentMessage
from tests.support.clock import START, FakeClock

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 900  # a bot admin (SANCTIONS_BOT_ADMINS)
WIRE = Source(id="test-wire", name="Test Wire", url="http://127.0.0.1/wire.xml", tier="media")
OTHER_WIRE = Source(id="other-wire", name="Other Wire", url="http://127.0.0.1/other.xml")


@dataclass
class Harness:
    """One running bot: its runtime, application and the fake Telegram."""

    server: BotApiServer
    runtime: Runtime
    app: Application[Any, Any, Any, Any, Any, Any]
    clock: FakeClock
    guids: list[str] = field(default_factory=list)

    async def ask(
        self,
        text: str,
        chat_id: int = 1,
        user_id: int | None = None,
        chat_type: str = "private",
        thread_id: int | None = None,
        timeout: float = 20.0,
        **kw: Any,
    ) -> SentMessage:
        """Send `text` as a user and return the bot's next message in that chat."""
        before = len(self.server.sent(chat_id))
        self.server.send_message(
            chat_id, chat_id if user_id is None else user_id, text, chat_type, thread_id, **kw
        )
        await self.server.wait_until(lambda: len(self.server.sent(chat_id)) > before, timeout)
        return self.server.sent(chat_id)[before]

    def ingest(
        self,
        title: str,
        text: str,
        *,
        url: str = "",
        source: Source = WIRE,
        published: datetime | None = None,
    ) -> IngestResult:
        """Store an article through the real pipeline (dedup, match, alerts)."""
        guid = f"g{len(self.guids) + 1}"
        self.guids.append(guid)
        entry = FeedEntry(
            source_id=source.id,
            guid=guid,
            url=url or f"https://news.example.org/{guid}",
            title=title,
            text=text,
            published=published or self.clock(),
        )
        return self.runtime.pipeline.ingest(source, [entry])

    def alerts(self, chat_id: int) -> list[SentMessage]:
        """The alert messages the chat got (those with a Details button), oldest first."""
        return [m for m in self.server.sent(chat_id) if is_alert(m)]


def is_alert(message: SentMessage) -> bool:
    """Whether a bot message is an alert (it has the alert buttons)."""
    return any(str(b.get("callback_data", "")).startswith(("d:", "c:")) for b in message.buttons())


async def start_harness(
    tmp_path: Path,
    *,
    jobs: bool = False,
    intervals: Intervals | None = None,
    admins: Sequence[int] = (ADMIN,),
    rate_limiter: BaseRateLimiter[Any] | None = None,
    sources: Sequence[Source] = (),
    known_sources: Sequence[Source] = (),
    allow_private: bool | None = None,
    max_item_age: timedelta | None = DEFAULT_MAX_ITEM_AGE,
) -> Harness:
    """Start the Bot API server and the application (long polling) over a fresh database."""
    server = BotApiServer().start()
    clock = FakeClock(START, running=True)  # runs, so pacing works; tests jump it by hand
    settings = Settings(
        db_path=tmp_path / "bot.db",
        sources_path=ROOT / "seeds" / "sources.yaml",
        rules_dir=ROOT / "rules",
        token=server.token,
        api_url=server.base_url,
        admin_ids=frozenset(admins),
        allow_private_network=bool(sources) if allow_private is None else allow_private,
        max_item_age=max_item_age,
    )
    runtime = Runtime.open(settings, clock, with_sources=False)
    # Given sources are polled by the app; the two wires only name ingested articles.
    runtime.store.sync_sources(list(sources) or [WIRE, OTHER_WIRE, *known_sources])
    app = build_application(
        runtime,
        # No throttling by default (tests send bursts); the production limiter when asked.
        rate_limiter=rate_limiter or AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        intervals=intervals or Intervals(delivery=0.2, digest=0.2, poll=0.5),
        jobs=jobs,
        poll=bool(sources),
    )
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    return Harness(server, runtime, app, clock)


async def stop_harness(h: Harness) -> None:
    """Stop the application as run_polling does, then the server."""
    assert h.app.updater is not None
    await h.app.updater.stop()
    await h.app.stop()
    if h.app.post_stop is not None:
        await h.app.post_stop(h.app)
    await h.app.shutdown()
    h.runtime.close()
    h.server.stop()


BELARUS_TITLE = "MEPs call Belarus a satellite state of Russia"
COUNTRIES = ("Iran", "Belarus", "Syria", "Myanmar", "Venezuela", "Nicaragua", "Mali", "Sudan")


def belarus_text() -> str:
    """The defining example (our own words), from seeds/."""
    return (ROOT / "seeds" / "articles" / "belarus-satellite-state.txt").read_text("utf-8")


def eu_sanctions_article(country: str) -> tuple[str, str]:
    """A short EU sanctions item about one country (distinct titles: distinct stories)."""
    title = f"{country}: Council adopts new restrictive measures over {country.lower()} crackdown"
    text = (
        f"The Council of the EU today adopted restrictive measures against officials of {country}, "
        "including an asset freeze and a travel ban, over continued repression.\n\n"
        f"The listings bring the number of people sanctioned in relation to {country} to a new high."
    )
    return title, text
