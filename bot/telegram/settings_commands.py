"""Chat settings: /settings /digest /quiet /timezone /unmute (with and without arguments).

Each command without an argument shows the current value and how to change it.
Changing quiet hours or the time zone releases alerts held for the old window, so
nothing waits for quiet hours that no longer exist.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.delivery.hours import next_daily_slot
from bot.models import Chat
from bot.telegram import settings_views
from bot.telegram.context import BadArgs, Reply, Where
from bot.telegram.keyboards import choices_keyboard
from bot.telegram.mutes import labelled
from bot.telegram.views import short

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup

    from bot.runtime import Runtime

DIGESTS = ("off", "hourly", "daily")
_HOUR = r"([0-9]{1,2})(?:[:.h]([0-9]{2}))?"
_QUIET = re.compile(rf"{_HOUR}\s*[-–—]\s*{_HOUR}")
_DIGEST_HOUR = re.compile(_HOUR)
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}")


def _chat(rt: Runtime, w: Where) -> Chat:
    return rt.store.get_chat(w.chat_id) or rt.store.upsert_chat(w.chat_id, w.chat_type, w.title)


def _next_daily(chat: Chat, now: datetime) -> datetime | None:
    return next_daily_slot(chat, now) if chat.digest == "daily" else None


def settings(rt: Runtime, w: Where, args: str) -> Reply:
    """Everything this chat has set, with buttons for the common changes."""
    if args:
        raise BadArgs("this command takes no arguments")
    return settings_reply(rt, w.chat_id)


def settings_reply(rt: Runtime, chat_id: int) -> Reply:
    """The /settings message (also what its buttons edit the message into)."""
    chat = rt.store.get_chat(chat_id) or Chat(chat_id)
    now = rt.clock()
    mutes = labelled(rt, chat_id)
    text = settings_views.settings_text(
        chat,
        rt.store.topic_subscriptions(chat_id),
        rt.store.count_watches(chat_id),
        mutes,
        _next_daily(chat, now),
        now,
    )
    return Reply(text, settings_keyboard(chat, bool(mutes)))


def settings_keyboard(chat: Chat, muted: bool) -> InlineKeyboardMarkup | None:
    """Digest choices, quiet hours off, unmute all."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    labels = {"off": "One by one", "hourly": "Hourly", "daily": f"Daily {chat.digest_hour:02d}:00"}
    digest = [
        InlineKeyboardButton(
            ("✓ " if chat.digest == mode else "") + label, callback_data=f"s:digest:{mode}"
        )
        for mode, label in labels.items()
    ]
    rows = [digest]
    if chat.quiet_start is not None:
        rows.append([InlineKeyboardButton("Quiet hours off", callback_data="s:quiet:off")])
    if muted:
        rows.append([InlineKeyboardButton("🔔 Unmute all", callback_data="s:unmute:all")])
    return InlineKeyboardMarkup(rows)


def digest(rt: Runtime, w: Where, args: str) -> Reply:
    """Show the digest mode, or switch it: off, hourly, daily [HH]."""
    chat = _chat(rt, w)
    now = rt.clock()
    if not args:
        return Reply(settings_views.digest_reply(chat, _next_daily(chat, now), now, changed=False))
    words = args.lower().split()
    mode = words[0]
    if mode not in DIGESTS or len(words) > 2 or (len(words) == 2 and mode != "daily"):
        raise BadArgs("choose off, hourly or daily (daily may take an hour: daily 18)")
    changes: dict[str, object] = {"digest": mode}
    if len(words) == 2:
        changes["digest_hour"] = _hour(words[1])
    if mode == "daily" and chat.digest != "daily":
        changes["last_digest_at"] = now  # the first daily digest comes at the next daily hour
    return set_digest(rt, chat, changes)


def set_digest(rt: Runtime, chat: Chat, changes: dict[str, object]) -> Reply:
    """Store a digest change and say when the next digest comes."""
    rt.store.update_chat_settings(chat.id, **changes)
    fresh = rt.store.get_chat(chat.id) or chat
    now = rt.clock()
    return Reply(settings_views.digest_reply(fresh, _next_daily(fresh, now), now, changed=True))


def _hour(text: str) -> int:
    m = _DIGEST_HOUR.fullmatch(text)
    if not m or int(m.group(1)) > 23 or (m.group(2) or "00") != "00":
        raise BadArgs("the daily hour is a whole hour from 0 to 23, e.g. daily 18 or daily 18:00")
    return int(m.group(1))


def quiet(rt: Runtime, w: Where, args: str) -> Reply:
    """Show quiet hours, set them (22-07, 22:00-07:00, in the chat's time zone), or off."""
    chat = _chat(rt, w)
    if not args:
        return Reply(settings_views.quiet_reply(chat, changed=False, released=0))
    if args.lower() == "off":
        return set_quiet(rt, chat, None, None)
    m = _QUIET.fullmatch(args.strip())
    if not m:
        raise BadArgs("give hours as HH-HH, e.g. 22-07 or 22:00-07:00, or off")
    start, end = int(m.group(1)), int(m.group(3))
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise BadArgs("hours go from 0 to 23")
    if (m.group(2) or "00") != "00" or (m.group(4) or "00") != "00":
        raise BadArgs("quiet hours start and end on the hour, e.g. 22:00-07:00")
    if start == end:
        raise BadArgs("start and end must differ")
    return set_quiet(rt, chat, start, end)


def set_quiet(rt: Runtime, chat: Chat, start: int | None, end: int | None) -> Reply:
    """Store quiet hours (None, None: off) and release what the old window held."""
    rt.store.update_chat_settings(chat.id, quiet_start=start, quiet_end=end)
    released = rt.store.release_held(chat.id)
    fresh = rt.store.get_chat(chat.id) or chat
    return Reply(settings_views.quiet_reply(fresh, changed=True, released=released))


def timezone(rt: Runtime, w: Where, args: str) -> Reply:
    """Show the time zone, or set it (an IANA name; a city alone is suggested a full name)."""
    chat = _chat(rt, w)
    if not args:
        return Reply(settings_views.zone_reply(chat, rt.clock(), changed=False))
    name = canonical_zone(args.strip())
    if name is None:
        guesses = zone_guesses(args.strip())
        buttons = [(f"Use {g}", f"tz:{g}") for g in guesses]
        return Reply(settings_views.unknown_zone(args.strip(), guesses), choices_keyboard(buttons))
    return set_zone(rt, chat, name)


def set_zone(rt: Runtime, chat: Chat, name: str) -> Reply:
    """Store a time zone (already checked) and release alerts held for the old window."""
    rt.store.update_chat_settings(chat.id, timezone=name)
    rt.store.release_held(chat.id)
    fresh = rt.store.get_chat(chat.id) or chat
    return Reply(settings_views.zone_reply(fresh, rt.clock(), changed=True))


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone by its lower-case name."""
    return {z.lower(): z for z in available_timezones()}


def canonical_zone(text: str) -> str | None:
    """The zone's IANA name when `text` names one (any case), else None."""
    if not _ZONE.fullmatch(text):
        return None
    name = _zones().get(text.lower())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone_guesses(text: str, n: int = 3) -> list[str]:
    """Zones a person probably meant: 'berlin' -> Europe/Berlin, 'new york' -> America/New_York."""
    key = text.strip().lower().replace(" ", "_")
    if not key or len(key) > 40:
        return []
    by_city: dict[str, list[str]] = {}
    for lower, name in _zones().items():
        if "/" in lower and not lower.startswith(("etc/", "posix/", "right/")):
            by_city.setdefault(lower.rsplit("/", 1)[1], []).append(name)
    exact = sorted(by_city.get(key, []))
    if exact:
        return exact[:n]
    close = difflib.get_close_matches(key, list(by_city), n=n, cutoff=0.75)
    return [sorted(by_city[c])[0] for c in close]


def unmute(rt: Runtime, w: Where, args: str) -> Reply:
    """List the chat's mutes with a button each, or end them all (`/unmute all`)."""
    chat = _chat(rt, w)
    mutes = labelled(rt, w.chat_id)
    if args.lower() == "all":
        return unmute_keys(rt, chat.id, None)
    if args:
        raise BadArgs("/unmute alone lists the mutes; /unmute all ends them")
    buttons = [(f"🔔 {short(m.label, 40)}", f"um:{m.key}") for m in mutes]
    if len(mutes) > 1:
        buttons.append(("🔔 Unmute all", "s:unmute:all"))
    text = settings_views.unmute_list(mutes, chat.timezone, rt.clock())
    return Reply(text, choices_keyboard(buttons))


def unmute_keys(rt: Runtime, chat_id: int, keys: list[str] | None) -> Reply:
    """End mutes (all when keys is None); say what ended and what was not sent meanwhile."""
    labels = {m.key: m.label for m in labelled(rt, chat_id)}
    ended = rt.store.unmute(chat_id, keys)
    spared = [
        v
        for v in rt.store.muted_alerts(chat_id, limit=20)
        if f"alert:{v.id}" in ended or set(rt.store.alert_rule_keys(v.id)) & set(ended)
    ][:10]
    return Reply(settings_views.unmuted([labels.get(k, k) for k in ended], spared))
