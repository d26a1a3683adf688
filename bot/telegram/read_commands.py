"""Reading: /recent (with paging), /search, /alert."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.delivery.format import format_alert_detail
from bot.errors import UserInputError
from bot.models import Article
from bot.store.articles import SEARCH_BUDGET_S
from bot.telegram import views
from bot.telegram.context import BadArgs, Reply, Where
from bot.telegram.keyboards import MAX_RECENT, recent_keyboard

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.store import Store

DEFAULT_RECENT = 5
SEARCH_RESULTS = 8


def recent(rt: Runtime, w: Where, args: str) -> Reply:
    """The chat's latest alerts, newest first, with buttons to page."""
    size = DEFAULT_RECENT
    if args:
        if not args.isdigit() or not 1 <= int(args) <= MAX_RECENT:
            raise BadArgs(f"n must be a number from 1 to {MAX_RECENT}")
        size = int(args)
    return recent_page(rt, w.chat_id, size, 0)


def recent_page(rt: Runtime, chat_id: int, size: int, offset: int) -> Reply:
    """One page of the chat's alerts (also what the paging buttons edit the message into)."""
    total = rt.store.count_alerts(chat_id)
    offset = min(offset, max(0, total - 1))
    page = rt.store.recent_alerts(chat_id, limit=size, offset=offset)
    return Reply(views.recent_list(page, offset, total), recent_keyboard(size, offset, total))


async def search(rt: Runtime, w: Where, args: str) -> Reply:
    """Full-text search over stored articles (on a reader thread, within a time budget)."""
    if not args:
        raise BadArgs("say what to search for")
    try:
        found = await _search(rt, args)
    except UserInputError as exc:
        return Reply(views.bad_search(args, str(exc)))
    names = {s.id: s.name for s in rt.store.list_sources()}
    return Reply(views.search_results(args, found, names))


async def _search(rt: Runtime, query: str) -> list[Article]:
    if rt.workers is None:
        return rt.store.search_articles(query, limit=SEARCH_RESULTS)
    # The time budget runs from the request: time spent waiting for a reader counts.
    deadline = time.monotonic() + SEARCH_BUDGET_S

    def job(store: Store) -> list[Article]:
        budget = max(deadline - time.monotonic(), 0.1)
        return store.search_articles(query, limit=SEARCH_RESULTS, budget_s=budget)

    return await rt.workers.read(job, deadline=deadline)


def alert(rt: Runtime, w: Where, args: str) -> Reply:
    """Everything about one of this chat's alerts."""
    raw = args.lstrip("#")
    if not raw.isdigit() or len(raw) > 12:
        raise BadArgs("give the alert number, as shown by /recent")
    view = rt.store.alert_view(int(raw), chat_id=w.chat_id)
    if view is None:
        return Reply(f"⚠️ This chat has no alert #{int(raw)}. /recent lists the latest.")
    return Reply(format_alert_detail(view))
