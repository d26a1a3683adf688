"""Reading: /recent (with paging), /search (count, passages, paging, other spellings), /alert."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.delivery.format import alert_keyboard, format_alert_detail
from bot.errors import UserInputError
from bot.store.articles import COUNT_CAP, SEARCH_BUDGET_S, SearchHit
from bot.telegram import read_views
from bot.telegram.context import BadArgs, Reply, Where
from bot.telegram.keyboards import (
    MAX_RECENT,
    SEARCH_PAGE,
    choices_keyboard,
    recent_keyboard,
    search_keyboard,
)
from bot.telegram.mutes import touched

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.store import Store

DEFAULT_RECENT = 5
T = TypeVar("T")


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
    text = read_views.recent_list(page, offset, total, rt.clock())
    return Reply(text, recent_keyboard(size, offset, total))


async def search(rt: Runtime, w: Where, args: str) -> Reply:
    """Full-text search over stored articles: the first page of a saved search."""
    if not args:
        raise BadArgs("say what to search for")
    try:
        await _read(rt, lambda store, budget: store.count_search(args, cap=1, budget_s=budget()))
    except UserInputError as exc:
        return Reply(read_views.bad_search(args, str(exc)))
    return await search_page(rt, w.chat_id, rt.store.save_search(w.chat_id, args), 0)


@dataclass(frozen=True)
class _Page:
    """What one page of a search needs from the database."""

    total: int
    hits: list[SearchHit]
    hints: list[tuple[str, int]]  # other spellings that find something, when nothing did


async def search_page(rt: Runtime, chat_id: int, search_id: int, offset: int) -> Reply:
    """One page of a saved search of this chat (also what its buttons edit the message into)."""
    query = rt.store.saved_search(chat_id, search_id)
    if query is None:
        return Reply("That search has expired; send /search again.")

    def job(store: Store, budget: Callable[[], float]) -> _Page:
        total = store.count_search(query, cap=COUNT_CAP, budget_s=budget())
        if total == 0:
            return _Page(0, [], store.spelling_hints(query, budget_s=budget()))
        hits = store.search_hits(query, limit=SEARCH_PAGE, offset=offset, budget_s=budget())
        return _Page(total, hits, [])

    try:
        page = await _read(rt, job)
    except UserInputError as exc:
        return Reply(read_views.bad_search(query, str(exc)))
    if page.total == 0:
        return _nothing(rt, chat_id, query, page.hints)
    chat = rt.store.get_chat(chat_id)
    names = {s.id: s.name for s in rt.store.list_sources()}
    text = read_views.search_results(
        query, page.hits, page.total, offset, names, chat.timezone if chat else "UTC",
        rt.clock(), COUNT_CAP,
    )
    return Reply(text, search_keyboard(search_id, offset, min(page.total, COUNT_CAP)))


def _nothing(rt: Runtime, chat_id: int, query: str, hints: list[tuple[str, int]]) -> Reply:
    buttons = [
        (f"🔎 {hint} ({count})", f"q:{rt.store.save_search(chat_id, hint)}:0")
        for hint, count in hints
    ]
    return Reply(read_views.nothing_found(query, hints), choices_keyboard(buttons))


async def _read(rt: Runtime, job: Callable[[Store, Callable[[], float]], T]) -> T:
    """Run a search job on a reader thread; its queries share one time budget, which runs
    from the request (time spent waiting for a reader counts)."""
    deadline = time.monotonic() + SEARCH_BUDGET_S

    def left() -> float:
        return max(deadline - time.monotonic(), 0.1)

    if rt.workers is None:
        return job(rt.store, left)
    return await rt.workers.read(lambda store: job(store, left), deadline=deadline)


def alert(rt: Runtime, w: Where, args: str) -> Reply:
    """Everything about one of this chat's alerts, by its number in the chat."""
    raw = args.lstrip("#")
    if not raw.isdigit() or len(raw) > 12:
        raise BadArgs("give the alert number, as /recent shows it")
    view = rt.store.alert_by_number(w.chat_id, int(raw), full=True)
    if view is None:
        return Reply(f"⚠️ This chat has no alert #{int(raw)}. /recent lists the latest.")
    markup = alert_keyboard(view.id, expanded=True, muted=touched(rt, view))
    return Reply(format_alert_detail(view), markup)
