"""Small frozen records shared by the fetcher, the poller and the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Validators:
    """What the last successful fetch of a source left for the next conditional GET."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class SourceHealth:
    """How one source has been doing, for /sources and the admins."""

    id: str
    name: str
    tier: str
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_seen: int
    next_poll_at: datetime | None
    enabled: bool = True
    failure_reported: bool = False
    needs_browser: bool = False  # the catalog says it cannot work without a browser
