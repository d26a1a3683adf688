"""Chat settings and sources: /digest /quiet /timezone /sources."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserInputError
from bot.models import Source, SourceKind
from bot.telegram import views
from bot.telegram.context import BadArgs, Reply, Where

if TYPE_CHECKING:
    from bot.runtime import Runtime

DIGESTS = ("off", "hourly", "daily")
_QUIET = re.compile(r"([0-9]{1,2})\s*-\s*([0-9]{1,2})")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SOURCE_KINDS = ("rss", "atom", "json")


def digest(rt: Runtime, w: Where, args: str) -> Reply:
    """Switch digests off, hourly or daily."""
    mode = args.lower()
    if mode not in DIGESTS:
        raise BadArgs("choose off, hourly or daily")
    rt.store.update_chat_settings(w.chat_id, digest=mode)
    if mode == "off":
        return Reply(views.setting_changed("Digest off: alerts arrive one by one."))
    return Reply(views.setting_changed(f"Alerts now arrive as one {mode} digest."))


def quiet(rt: Runtime, w: Where, args: str) -> Reply:
    """Set quiet hours (start-end, in the chat's time zone) or switch them off."""
    if args.lower() == "off":
        rt.store.update_chat_settings(w.chat_id, quiet_start=None, quiet_end=None)
        return Reply(views.setting_changed("Quiet hours off."))
    m = _QUIET.fullmatch(args)
    if not m:
        raise BadArgs("give hours as HH-HH, e.g. 22-07, or off")
    start, end = int(m.group(1)), int(m.group(2))
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise BadArgs("hours go from 0 to 23")
    if start == end:
        raise BadArgs("start and end must differ")
    rt.store.update_chat_settings(w.chat_id, quiet_start=start, quiet_end=end)
    chat = rt.store.get_chat(w.chat_id)
    zone = chat.timezone if chat else "UTC"
    return Reply(
        views.setting_changed(
            f"Quiet hours {start:02d}:00–{end:02d}:00 ({zone}): alerts wait until they end."
        )
    )


def timezone(rt: Runtime, w: Where, args: str) -> Reply:
    """Set the chat's time zone (IANA name such as Europe/Brussels)."""
    if not args or not _ZONE.fullmatch(args):
        raise BadArgs("give an IANA time zone such as Europe/Brussels or UTC")
    try:
        ZoneInfo(args)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadArgs(f"unknown time zone {args!r}") from None
    rt.store.update_chat_settings(w.chat_id, timezone=args)
    return Reply(views.setting_changed(f"Time zone set to {args}."))


def sources(rt: Runtime, w: Where, args: str) -> Reply:
    """Source health for everyone; add/remove for the bot's admins."""
    if not args:
        return Reply(views.sources_list(rt.store.source_health()))
    words = args.split()
    if words[0] not in ("add", "remove"):
        raise BadArgs("/sources alone lists them; admins may use add, remove or poll")
    if w.user_id is None or w.user_id not in rt.settings.admin_ids:
        return Reply(views.not_bot_admin())
    if words[0] == "remove":
        return _remove(rt, words[1:])
    return _add(rt, w, words[1:])


def _add(rt: Runtime, w: Where, words: list[str]) -> Reply:
    if len(words) not in (2, 3):
        raise BadArgs("add needs an id and a URL, and optionally rss, atom or json")
    source_id, url = words[0], words[1]
    kind = words[2].lower() if len(words) == 3 else "rss"
    if not _SOURCE_ID.fullmatch(source_id):
        raise BadArgs("the id may use a-z, 0-9 and -, up to 40 characters")
    if kind not in SOURCE_KINDS:
        raise BadArgs("the kind must be rss, atom or json")
    source = Source(id=source_id, name=source_id, url=url, kind=cast(SourceKind, kind))
    try:
        assert w.user_id is not None
        rt.store.add_source(source, added_by=w.user_id)
    except UserInputError as exc:
        return Reply(f"⚠️ Source not added: {escape(str(exc))}")
    return Reply(
        views.setting_changed(f"Source {source_id} added; it is polled from the next cycle.")
    )


def _remove(rt: Runtime, words: list[str]) -> Reply:
    if len(words) != 1 or not _SOURCE_ID.fullmatch(words[0]):
        raise BadArgs("remove needs the id of a source")
    if not rt.store.remove_source(words[0]):
        return Reply(f"⚠️ There is no source {escape(words[0])}.")
    return Reply(views.setting_changed(f"Source {words[0]} removed; its articles stay searchable."))
