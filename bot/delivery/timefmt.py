"""One way to show a time to a person: "23 Oct, 14:05 CET", in the chat's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OLD_AFTER = timedelta(days=3)  # published this long before it was alerted: an old item
_NUMERIC = re.compile(r"([+-])(\d\d)(\d\d)?")


def zone(name: str | None) -> ZoneInfo:
    """The named time zone; UTC when the name is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_label(local: datetime) -> str:
    """The zone's short name ("CET"), or "UTC+4" where the zone has only an offset."""
    name = local.strftime("%Z")
    m = _NUMERIC.fullmatch(name)
    if not m:
        return name or "UTC"
    sign, hours, minutes = m.group(1), int(m.group(2)), m.group(3)
    return f"UTC{sign}{hours}" + (f":{minutes}" if minutes and minutes != "00" else "")


def when(moment: datetime, tz: str | None, *, now: datetime | None = None) -> str:
    """'23 Oct, 14:05 CET'; the year is added when it is not the year of `now`."""
    local = _aware(moment).astimezone(zone(tz))
    reference = _aware(now or datetime.now(UTC)).astimezone(zone(tz))
    day = f"{local.day} {local:%b}"
    if local.year != reference.year:
        day += f" {local.year}"
    return f"{day}, {local:%H:%M} {zone_label(local)}"


def day(moment: datetime, tz: str | None, *, now: datetime | None = None) -> str:
    """'23 Oct' (or '23 Oct 2024' in another year than `now`)."""
    local = _aware(moment).astimezone(zone(tz))
    reference = _aware(now or datetime.now(UTC)).astimezone(zone(tz))
    text = f"{local.day} {local:%b}"
    return text if local.year == reference.year else f"{text} {local.year}"


def short(moment: datetime, tz: str | None, *, now: datetime) -> str:
    """'14:05' on the same local day as `now`, else like `when` without the zone."""
    local = _aware(moment).astimezone(zone(tz))
    reference = _aware(now).astimezone(zone(tz))
    if local.date() == reference.date():
        return f"{local:%H:%M}"
    return f"{day(moment, tz, now=now)}, {local:%H:%M}"


def is_old(published: datetime | None, alerted: datetime) -> bool:
    """Whether an item was published well before it was alerted (not fresh news)."""
    return published is not None and _aware(alerted) - _aware(published) > OLD_AFTER


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
