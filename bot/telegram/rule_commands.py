"""Subscriptions and rules: /subscribe /unsubscribe /packs /watch /unwatch /rules /test."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dryrun import BUDGET_S, DryRun
from bot.errors import QueryCostError, QuerySyntaxError
from bot.telegram import views
from bot.telegram.context import BadArgs, Reply, Where

if TYPE_CHECKING:
    from bot.runtime import Runtime

MAX_WATCHES_PER_CHAT = 50
MAX_QUERY_CHARS = 500
DRY_RUN_DAYS = 7
TEST_SHOW = 5


def subscribe(rt: Runtime, w: Where, args: str) -> Reply:
    """Subscribe the chat (topic) to the named packs, or to all of them."""
    wanted = _pack_ids(rt, args)
    if isinstance(wanted, Reply):
        return wanted
    added = rt.store.subscribe(w.chat_id, wanted, thread_id=w.thread_id)
    already = [p for p in wanted if p not in added]
    return Reply(views.subscribed(added, already, w.thread_id))


def unsubscribe(rt: Runtime, w: Where, args: str) -> Reply:
    """Unsubscribe the chat (topic) from the named packs, or from all of them."""
    wanted = _pack_ids(rt, args) if args else None
    if isinstance(wanted, Reply):
        return wanted
    removed = rt.store.unsubscribe(w.chat_id, wanted, thread_id=w.thread_id)
    return Reply(views.unsubscribed(removed, w.thread_id))


def _pack_ids(rt: Runtime, args: str) -> list[str] | Reply:
    known = [p.id for p in rt.packs]
    if not args:
        return known
    wanted = list(dict.fromkeys(a.strip(",").lower() for a in args.split() if a.strip(",")))
    unknown = [p for p in wanted if p not in known]
    if unknown:
        return Reply(views.unknown_packs(unknown, rt.packs))
    return wanted


def no_args(args: str) -> None:
    """Commands without arguments refuse extra words rather than guess what was meant."""
    if args:
        raise BadArgs("this command takes no arguments")


def packs(rt: Runtime, w: Where, args: str) -> Reply:
    """The shipped packs with one-line descriptions."""
    no_args(args)
    return Reply(views.packs_list(rt.packs, rt.store.subscriptions(w.chat_id, w.thread_id)))


async def watch(rt: Runtime, w: Where, args: str) -> Reply:
    """Save a chat's own rule after checking it parses, and say what it would have matched."""
    query = _query_arg(args)
    if rt.store.count_watches(w.chat_id) >= MAX_WATCHES_PER_CHAT:
        return Reply(
            f"⚠️ This chat already has {MAX_WATCHES_PER_CHAT} rules, the maximum. "
            "Remove one with /unwatch first."
        )
    try:
        result = await dry_run(rt, query)
    except QueryCostError as exc:
        return Reply(views.query_too_slow(exc))
    except QuerySyntaxError as exc:
        return Reply(views.query_error(query, exc))
    saved = rt.store.add_watch(w.chat_id, query, thread_id=w.thread_id, user_id=w.user_id)
    rt.registry.invalidate()  # the next ingest compiles the new rule in
    return Reply(_partial(views.watch_added(saved, result.echo, result.matched, w.thread_id), result))


def unwatch(rt: Runtime, w: Where, args: str) -> Reply:
    """Remove one of the chat's rules by id."""
    raw = args.lstrip("#")
    if not raw.isdigit() or len(raw) > 12:
        raise BadArgs("give the number of the rule, as shown by /rules")
    if not rt.store.remove_watch(w.chat_id, int(raw)):
        return Reply(f"⚠️ This chat has no rule #{int(raw)}. /rules lists them.")
    rt.registry.invalidate()
    return Reply(f"🗑 Rule #{int(raw)} removed.")


def rules(rt: Runtime, w: Where, args: str) -> Reply:
    """The chat's (topic's) subscriptions and every rule of the chat."""
    no_args(args)
    subs = rt.store.subscriptions(w.chat_id, w.thread_id)
    return Reply(views.rules_list(subs, rt.store.watches(w.chat_id), w.thread_id))


async def test(rt: Runtime, w: Where, args: str) -> Reply:
    """Dry run of a query over the last days' articles; nothing is saved."""
    query = _query_arg(args)
    try:
        result = await dry_run(rt, query)
    except QueryCostError as exc:
        return Reply(views.query_too_slow(exc))
    except QuerySyntaxError as exc:
        return Reply(views.query_error(query, exc))
    return Reply(_partial(views.test_result(result.echo, result.matched, result.newest), result))


def _query_arg(args: str) -> str:
    if not args:
        raise BadArgs("the query is missing")
    if len(args) > MAX_QUERY_CHARS:
        raise BadArgs(f"the query has {len(args)} characters; the limit is {MAX_QUERY_CHARS}")
    return args


async def dry_run(rt: Runtime, query: str) -> DryRun:
    """How the query was understood, and the recent stored articles it matches (off the
    event loop, within a time budget: see bot.dryrun)."""
    from bot.dryrun import dry_run_for

    return await dry_run_for(rt, query, days=DRY_RUN_DAYS, show=TEST_SHOW)


def _partial(text: str, result: DryRun) -> str:
    if result.complete:
        return text
    return text + "\n" + views.dry_run_partial(result.checked, result.candidates, BUDGET_S)
