"""The python-telegram-bot Application: handlers, the command menu, and the background jobs."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from prometheus_client import CollectorRegistry
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes

from bot.delivery.digest import DigestWorker
from bot.delivery.outbox import OutboxWorker
from bot.delivery.ratelimit import make_rate_limiter
from bot.errors import BotError
from bot.ops.health import HealthConfig
from bot.ops.maintenance import DailyPrune
from bot.ops.metrics import Metrics
from bot.ops.runner import Operations
from bot.telegram.commands import bot_commands
from bot.telegram.handlers import Handlers

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.sources.poller import Poller, SourceStatus

log = logging.getLogger(__name__)

# The update kinds the handlers use; Telegram sends nothing else.
ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]


@dataclass(frozen=True)
class Intervals:
    """Seconds between runs of each background job."""

    delivery: float = 1.0  # idle wait of the delivery loop (it runs again at once while busy)
    digest: float = 30.0
    poll: float = 30.0  # how often due sources are looked for (each source has its own interval)
    prune: float = 86400.0  # retention (bot/ops/maintenance.py); first run after a tenth of it


def file_url_for(api_url: str) -> str:
    """The Bot API file URL that goes with a base URL such as http://host/bot."""
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file/bot"


class BackgroundJobs:
    """Polling, delivery and digests on the application's JobQueue, started in post_init."""

    def __init__(
        self,
        runtime: Runtime,
        intervals: Intervals,
        *,
        poll: bool = True,
        metrics: Metrics | None = None,
        health: HealthConfig | None = None,
    ) -> None:
        self.rt = runtime
        self.ops = Operations(runtime, metrics or Metrics(CollectorRegistry()), health)
        self.intervals = intervals
        self.poll_enabled = poll
        self.http: httpx.AsyncClient | None = None
        self.poller: Poller | None = None
        self.outbox: OutboxWorker | None = None
        self.digests: DigestWorker | None = None
        self.delivery: asyncio.Task[None] | None = None
        self.prune = DailyPrune(runtime.settings, runtime.clock)

    async def start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Create the workers over the app's bot and schedule them."""
        queue = app.job_queue
        assert queue is not None, "python-telegram-bot[job-queue] is required"
        self.outbox = OutboxWorker(
            self.rt.store, app.bot, self.rt.clock, on_report=self.ops.metrics.observe_delivery
        )
        self.digests = DigestWorker(self.rt.store, app.bot, self.rt.clock)
        # Delivery is its own task, not a repeating job: it runs again at once while
        # alerts are going out, instead of waiting for the next tick.
        self.delivery = asyncio.create_task(
            self.outbox.run_forever(self.intervals.delivery), name="delivery"
        )
        queue.run_repeating(self._digest, self.intervals.digest, first=1.0, name="digest")
        self.ops.start(poll=self.poll_enabled)
        every = self.intervals.prune
        queue.run_repeating(self._prune, every, first=min(every / 10, 600.0), name="prune")
        if self.poll_enabled:
            self.http = httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=False)

            async def notify(text: str) -> None:
                await self.notify_admins(app, text)

            self.poller = self.rt.make_poller(
                self.http, notify=notify, on_status=self.ops.heartbeat.on_status
            )
            queue.run_repeating(self._poll, self.intervals.poll, first=0.1, name="poll")

    async def stop(self) -> None:
        """Let the sends in flight be recorded, end delivery, then release the HTTP client."""
        self.prune.stopping = True  # a prune in progress ends after its current batch
        if self.outbox is not None:
            await self.outbox.stop()
        if self.digests is not None:
            await self.digests.stop()
        if self.delivery is not None:
            await self.delivery  # stop() woke its loop, which now ends
        if self.http is not None:
            await self.http.aclose()
        await self.ops.stop()

    async def poll_now(self, *, due_only: bool = True) -> list[str]:
        """One polling pass (only sources that are due, unless told otherwise); status lines."""
        return [s.line() for s in await self.poll_statuses(due_only=due_only)]

    async def poll_statuses(self, *, due_only: bool = True) -> list[SourceStatus]:
        """One polling pass, as SourceStatus records (for /sources poll)."""
        if self.poller is None:
            return []
        sources = self.rt.active_sources()
        if due_only:
            return await self.poller.poll_due(sources)
        return await self.poller.poll_once(sources)

    async def notify_admins(
        self, app: Application[Any, Any, Any, Any, Any, Any], text: str
    ) -> None:
        """Tell the bot's admins (source failures and recoveries), never the subscribers."""
        for admin in sorted(self.rt.settings.admin_ids):
            try:
                await app.bot.send_message(admin, f"🛠 {escape(text)}", parse_mode=ParseMode.HTML)
            except TelegramError as exc:
                log.warning("could not notify admin %s: %s", admin, exc)

    async def _digest(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self.digests is not None
        try:
            await self.digests.run_once()
        except BotError as exc:
            log.error("digest: %s", exc)

    async def _prune(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        report = await self.prune.run_once()
        if report is not None:
            self.ops.metrics.pruned.inc(report.unalerted.articles + report.alerted.articles)

    async def _poll(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.poll_now()
        except BotError as exc:
            log.error("poll: %s", exc)


def build_application(
    runtime: Runtime,
    *,
    token: str | None = None,
    api_url: str | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    intervals: Intervals | None = None,
    jobs: bool = True,
    poll: bool = True,
    metrics: Metrics | None = None,
    health: HealthConfig | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot's Application: handlers, command menu on start-up, and (optionally) the jobs.

    `rate_limiter` is the hook for the delivery policy; by default it is the delivery
    module's AIORateLimiter. `jobs=False` leaves out polling and delivery (handler tests);
    `poll=False` keeps delivery but leaves out polling.
    """
    settings = runtime.settings
    base = api_url or settings.api_url
    background = (
        BackgroundJobs(runtime, intervals or Intervals(), poll=poll, metrics=metrics, health=health)
        if jobs
        else None
    )

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await app.bot.set_my_commands(bot_commands())
        if background is not None:
            await background.start(app)

    async def post_stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if background is not None:
            await background.stop()

    app = (
        ApplicationBuilder()
        .token(token or settings.require_token())
        .base_url(base)
        .base_file_url(file_url_for(base))
        .rate_limiter(rate_limiter or make_rate_limiter())
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    Handlers(runtime).register(app)
    app.bot_data["jobs"] = background  # for /sources and tests: the running workers
    return app


def run_bot(
    runtime: Runtime,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    intervals: Intervals | None = None,
    health: HealthConfig | None = None,
) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook with a secret token when a URL is given.

    `health`: where the local health/metrics endpoint listens (None: no endpoint);
    `bot.ops.health.health_config` picks it from the settings.
    """
    app = build_application(runtime, intervals=intervals, health=health)
    # A poll or digest run that outlasts its interval is skipped by design; not a problem.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.ERROR)
    if webhook_url is None:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        return
    path = urlsplit(webhook_url).path.lstrip("/")
    # Telegram echoes this secret in a header on every call; PTB rejects requests without it.
    secret = secrets.token_urlsafe(32)
    app.run_webhook(
        listen=listen,
        port=port,
        url_path=path,
        webhook_url=webhook_url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
    )
