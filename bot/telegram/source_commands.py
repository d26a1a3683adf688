"""/sources for everyone, and the bot admins' /sources add, remove and poll.

`/sources add` fetches and parses the feed once before it says ✅: a URL that does
not answer, answers with something that is not a feed, or has no items is refused
and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, cast

import httpx

from bot.errors import SourceError, UserInputError
from bot.models import FeedEntry, Source, SourceKind
from bot.telegram import settings_views, views
from bot.telegram.commands import SOURCES_ADMIN_USAGE
from bot.telegram.context import BadArgs, Reply, Where

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.sources.poller import SourceStatus

_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SOURCE_KINDS = ("rss", "atom", "json")
ADMIN_ACTIONS = {"add": "add sources", "remove": "remove sources", "poll": "poll the sources now"}
TEST_TIMEOUT = 20.0
PollNow = Callable[[], Awaitable[Sequence["SourceStatus"]]]


def is_bot_admin(rt: Runtime, w: Where) -> bool:
    """Whether the sender is one of the bot's admins (SANCTIONS_BOT_ADMINS)."""
    return w.user_id is not None and w.user_id in rt.settings.admin_ids


async def sources(rt: Runtime, w: Where, args: str, poll_now: PollNow | None = None) -> Reply:
    """Source health for everyone; add, remove and poll for the bot's admins."""
    words = args.split()
    if not words:
        chat = rt.store.get_chat(w.chat_id)
        tz = chat.timezone if chat else "UTC"
        return Reply(settings_views.sources_list(rt.store.source_health(), tz, rt.clock()))
    action = words[0].lower()
    if action not in ADMIN_ACTIONS:
        raise BadArgs("/sources alone lists them; bot admins may add, remove or poll")
    if not is_bot_admin(rt, w):
        return Reply(views.not_bot_admin(ADMIN_ACTIONS[action]))
    if action == "poll":
        return await _poll(poll_now, words[1:])
    if action == "remove":
        return _remove(rt, words[1:])
    return await _add(rt, w, words[1:])


def _admin_usage(action: str, problem: str = "") -> Reply:
    line = next(u for u in SOURCES_ADMIN_USAGE if u.startswith(f"/sources {action}"))
    head = f"⚠️ {escape(problem)}\n" if problem else ""
    return Reply(f"{head}Usage: {escape(line)}")


async def _poll(poll_now: PollNow | None, rest: list[str]) -> Reply:
    if rest:
        return _admin_usage("poll", "poll takes no arguments")
    if poll_now is None:
        return Reply("Polling is not running in this process.")
    statuses = await poll_now()
    return Reply(settings_views.poll_report([_poll_line(s) for s in statuses]))


def _poll_line(status: SourceStatus) -> settings_views.PollLine:
    ok = status.outcome in ("ok", "not_modified")
    detail = "" if ok else (status.error or status.outcome)
    if not ok and status.failures:
        detail += f" ({status.failures} in a row)"
    return settings_views.PollLine(status.source_id, ok, status.new_items, status.alerts, detail)


async def _add(rt: Runtime, w: Where, words: list[str]) -> Reply:
    if not words:
        return _admin_usage("add")
    if len(words) not in (2, 3):
        return _admin_usage("add", "add needs an id and a URL, and optionally rss, atom or json")
    source_id, url = words[0], words[1]
    kind = words[2].lower() if len(words) == 3 else "rss"
    if not _SOURCE_ID.fullmatch(source_id):
        return _admin_usage("add", "the id may use a-z, 0-9 and -, up to 40 characters")
    if kind not in SOURCE_KINDS:
        return _admin_usage("add", "the kind must be rss, atom or json")
    if rt.store.get_source(source_id) is not None:
        return Reply(settings_views.source_not_added(source_id, "that id is taken"))
    source = Source(id=source_id, name=source_id, url=url, kind=cast(SourceKind, kind))
    try:
        entries = await test_fetch(rt, source)
        assert w.user_id is not None
        rt.store.add_source(source, added_by=w.user_id)
    except (SourceError, UserInputError) as exc:
        return Reply(settings_views.source_not_added(source_id, str(exc)))
    newest = max(entries, key=lambda e: e.published.timestamp() if e.published else 0)
    return Reply(
        settings_views.source_added(source_id, len(entries), newest.title, source.interval)
    )


async def test_fetch(rt: Runtime, source: Source) -> list[FeedEntry]:
    """Fetch and parse a source once, as the poller would; SourceError when it yields nothing."""
    from bot.sources.fetch import Fetcher
    from bot.sources.netguard import SystemResolver, validate_source_url
    from bot.sources.parse import parse_feed

    validate_source_url(source.url)
    async with httpx.AsyncClient(timeout=httpx.Timeout(TEST_TIMEOUT)) as client:
        fetcher = Fetcher(client, SystemResolver(), allow_private=rt.settings.allow_private_network)
        result = await fetcher.fetch(source)
    entries = parse_feed(result.body, source, result.final_url, result.content_type)
    if not entries:
        raise SourceError("the feed answered but has no items I can read")
    return entries


def _remove(rt: Runtime, words: list[str]) -> Reply:
    if len(words) != 1 or not _SOURCE_ID.fullmatch(words[0]):
        return _admin_usage("remove", "remove needs the id of a source")
    if not rt.store.remove_source(words[0]):
        return Reply(f"⚠️ There is no source {escape(words[0])}. /sources lists them.")
    return Reply(views.setting_changed(f"Source {words[0]} removed; its articles stay searchable."))
