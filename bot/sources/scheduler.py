"""Polling on a schedule: one repeating job per source on python-telegram-bot's JobQueue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.models import Source
from bot.sources.poller import Poller

log = logging.getLogger(__name__)
JOB_PREFIX = "poll:"


def schedule_sources(
    job_queue: Any,
    poller: Poller,
    sources: Sequence[Source],
    *,
    jitter: int = 30,
    first: float = 5.0,
    stagger: float = 2.0,
) -> list[Any]:
    """Register (or replace) one repeating poll job per enabled source; returns the jobs.

    Each job runs every `source.interval` seconds; APScheduler's `jitter` (passed
    through run_repeating's job_kwargs) spreads runs by up to that many seconds so
    sources on one host are not hit in lock-step, and starts are staggered by
    `stagger` seconds. Backoff is honoured by `Poller.poll_due`: while a failing
    source's next_poll_at lies in the future, its runs are skipped.
    """
    jobs = []
    enabled = [s for s in sources if s.enabled]
    wanted = {JOB_PREFIX + s.id for s in enabled}
    for job in job_queue.jobs():
        if job.name and job.name.startswith(JOB_PREFIX) and job.name not in wanted:
            job.schedule_removal()  # a source removed from the catalog
    for index, source in enumerate(enabled):
        name = JOB_PREFIX + source.id
        for old in job_queue.get_jobs_by_name(name):
            old.schedule_removal()
        jobs.append(
            job_queue.run_repeating(
                _poll_job(poller),
                interval=source.interval,
                first=first + index * stagger,
                name=name,
                data=source,
                job_kwargs={"jitter": jitter, "coalesce": True, "max_instances": 1},
            )
        )
    return jobs


def _poll_job(poller: Poller) -> Any:
    async def poll(context: Any) -> None:
        source: Source = context.job.data
        (status,) = await poller.poll_due([source])
        log.info("poll %s", status.line())

    return poll
