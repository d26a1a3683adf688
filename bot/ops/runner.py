"""The operations side of `run`: metrics, the heartbeat task and the health endpoint, together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.ops.health import HealthConfig, HealthServer, HealthState, Heartbeat
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


class Operations:
    """Started and stopped with the bot's background jobs (bot/telegram/app.py)."""

    def __init__(self, runtime: Runtime, metrics: Metrics, health: HealthConfig | None) -> None:
        self.rt = runtime
        self.metrics = metrics
        self.config = health
        self.state = HealthState()
        # Several beats fit in the stall limit, so a late beat alone never fails the check.
        beat = min(1.0, health.max_loop_stall / 4) if health is not None else 1.0
        self.heartbeat = Heartbeat(self.state, metrics, runtime.store, runtime.clock, interval=beat)
        self.server: HealthServer | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, *, poll: bool) -> None:
        """Start the heartbeat, and the endpoint when one is configured."""
        self._task = asyncio.create_task(self.heartbeat.run(), name="heartbeat")
        if self.config is None:
            return
        config = replace(self.config, max_poll_age=self._poll_limit(self.config) if poll else None)
        self.server = HealthServer(config, self.state, self.metrics).start()

    def _poll_limit(self, config: HealthConfig) -> float | None:
        """Unhealthy after three intervals of the most frequent source without one success."""
        intervals = [s.interval for s in self.rt.active_sources()]
        if not intervals:
            return None
        return max(config.max_poll_age or 0.0, 3.0 * min(intervals))

    async def stop(self) -> None:
        """Stop the endpoint and the heartbeat."""
        if self.server is not None:
            self.server.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
