"""When a chat may be messaged: its quiet window, and the slots of its digests (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.delivery.timefmt import zone
from bot.models import Chat

PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def in_window(hour: int, start: int, end: int) -> bool:
    """Whether a local hour falls in [start, end), wrapping across midnight when start > end."""
    if start == end:
        return False  # an empty window: quiet hours effectively off
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def quiet_until(chat: Chat, now: datetime) -> datetime | None:
    """When the chat's current quiet window ends (UTC), or None when it is not quiet now."""
    if chat.quiet_start is None or chat.quiet_end is None:
        return None
    tz = zone(chat.timezone)  # UTC when the stored name is unknown
    local = now.astimezone(tz)
    if not in_window(local.hour, chat.quiet_start, chat.quiet_end):
        return None
    end = datetime.combine(local.date(), time(chat.quiet_end), tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), time(chat.quiet_end), tzinfo=tz)
    return end.astimezone(UTC)


def digest_due(chat: Chat, now: datetime) -> bool:
    """Whether the chat's digest is due: an hour since the last, or the daily hour passed."""
    if chat.digest == "daily":
        return chat.last_digest_at is None or chat.last_digest_at < last_daily_slot(chat, now)
    period = PERIODS.get(chat.digest)
    if period is None:
        return False
    return chat.last_digest_at is None or now - chat.last_digest_at >= period


def last_daily_slot(chat: Chat, now: datetime) -> datetime:
    """The latest moment at or before `now` when the chat's daily digest was scheduled."""
    tz = zone(chat.timezone)
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), time(chat.digest_hour % 24), tzinfo=tz)
    if slot > local:
        slot = datetime.combine(
            local.date() - timedelta(days=1), time(chat.digest_hour % 24), tzinfo=tz
        )
    return slot


def next_daily_slot(chat: Chat, now: datetime) -> datetime:
    """When the chat's next daily digest goes (for the replies that say so)."""
    return last_daily_slot(chat, now) + timedelta(days=1)
