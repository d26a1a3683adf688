"""Quiet hours: whether a chat is inside its quiet window and when the window ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Chat


def chat_zone(chat: Chat) -> ZoneInfo:
    """The chat's time zone; UTC when the stored name is unknown."""
    try:
        return ZoneInfo(chat.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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
    zone = chat_zone(chat)
    local = now.astimezone(zone)
    if not in_window(local.hour, chat.quiet_start, chat.quiet_end):
        return None
    end = datetime.combine(local.date(), time(chat.quiet_end), tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), time(chat.quiet_end), tzinfo=zone)
    return end.astimezone(UTC)
