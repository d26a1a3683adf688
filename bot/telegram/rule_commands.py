"""Subscriptions and rules: /subscribe /unsubscribe /packs /watch /unwatch /rules /test /stop."""

from __future__ import annotations

import difflib
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery import timefmt
from bot.dryrun import BUDGET_S, DryRun
from bot.errors import QueryCostError, QuerySyntaxError, UserInputError
from bot.telegram import views
from bot.telegram.context import BadArgs, Reply, Where
from bot.telegram.keyboards import choices_keyboard
from bot.telegram.mutes import labelled
from bot.telegram.settings_views import mute_line

if TYPE_CHECKING:
    from bot.matching.query import Node
    from bot.runtime import Runtime
    from bot.store import Store

MAX_WATCHES_PER_CHAT = 50
MAX_QUERY_CHARS = 500
DRY_RUN_DAYS = 7
TEST_SHOW = 5
MAX_UNWATCH = 20


def subscribe(rt: Runtime, w: Where, args: str) -> Reply:
    """Subscribe the chat (topic) to the named packs, or to all of them."""
    wanted = _pack_ids(rt, args)
    if isinstance(wanted, Reply):
        return wanted
    added = rt.store.subscribe(w.chat_id, wanted, thread_id=w.thread_id)
    already = [p for p in wanted if p not in added]
    return Reply(views.subscribed(added, already, w.thread_id))


def unsubscribe(rt: Runtime, w: Where, args: str) -> Reply:
    """Unsubscribe the chat (topic) from the named packs, or from all; say what stays."""
    wanted = _pack_ids(rt, args) if args else None
    if isinstance(wanted, Reply):
        return wanted
    removed = rt.store.unsubscribe(w.chat_id, wanted, thread_id=w.thread_id)
    remaining = rt.store.subscriptions(w.chat_id, w.thread_id)
    return Reply(views.unsubscribed(removed, remaining, rt.store.watches(w.chat_id), w.thread_id))


def stop(rt: Runtime, w: Where, args: str) -> Reply:
    """/stop: every pack subscription of the chat (all topics) ends; say what remains."""
    no_args(args)
    removed: list[str] = []
    for thread_id in rt.store.topic_subscriptions(w.chat_id):
        removed += rt.store.unsubscribe(w.chat_id, None, thread_id=thread_id)
    return Reply(views.stopped(list(dict.fromkeys(removed)), rt.store.watches(w.chat_id)))


def _pack_ids(rt: Runtime, args: str) -> list[str] | Reply:
    known = [p.id for p in rt.packs]
    if not args:
        return known
    wanted = list(dict.fromkeys(a.strip(",").lower() for a in args.split() if a.strip(",")))
    unknown = [p for p in wanted if p not in known]
    if unknown:
        guess = next(iter(difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.6)), None)
        markup = choices_keyboard([(f"Subscribe to {guess}", f"sub:{guess}")]) if guess else None
        return Reply(views.unknown_packs(unknown, rt.packs, guess), markup)
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
    """Save a chat's own rule after checking it parses, is new, and what it would have matched."""
    query = _query_arg(args)
    if rt.store.count_watches(w.chat_id) >= MAX_WATCHES_PER_CHAT:
        return Reply(
            f"⚠️ This chat already has {MAX_WATCHES_PER_CHAT} rules, the maximum. "
            "Remove one with /unwatch first."
        )
    try:
        node, echo = understood(rt, query)
    except QueryCostError as exc:
        return Reply(views.query_too_slow(exc))
    except QuerySyntaxError as exc:
        return Reply(query_problem(rt, "watch", query, exc))
    key = same_rule_key(node)
    for existing in rt.store.watches(w.chat_id):
        if existing.thread_id == w.thread_id and _key_of(rt, existing.query) == key:
            return Reply(views.duplicate_watch(existing, _key_echo(rt, existing.query)))
    # The dry run first: when it is refused as busy, nothing has been saved yet.
    result = await dry_run(rt, query)
    saved = rt.store.add_watch(w.chat_id, query, thread_id=w.thread_id, user_id=w.user_id)
    rt.registry.invalidate()  # the next ingest compiles the new rule in
    silent = "" if result.matched else await _why_nothing(rt, node, result)
    note = _operator_note(query)
    text = views.watch_added(saved, echo, result.matched, result.newest, note, silent)
    return Reply(_partial(text, result))


def unwatch(rt: Runtime, w: Where, args: str) -> Reply:
    """Remove rules by their numbers in this chat (/unwatch 3 5), or all of them."""
    words = args.replace(",", " ").split()
    if words == ["all"]:
        numbers = [x.number for x in rt.store.watches(w.chat_id)]
    else:
        raw = [x.lstrip("#") for x in words]
        if not raw or len(raw) > MAX_UNWATCH or not all(x.isdigit() and len(x) <= 9 for x in raw):
            raise BadArgs("give the numbers of the rules, as /rules shows them (or all)")
        numbers = list(dict.fromkeys(int(x) for x in raw))
    removed, missing = [], []
    for number in numbers:
        found = rt.store.watch_by_number(w.chat_id, number)
        if found is not None and rt.store.remove_watch(w.chat_id, found.id):
            removed.append(number)
        else:
            missing.append(number)
    if removed:
        rt.registry.invalidate()
    return Reply(views.unwatched(removed, missing, rt.store.count_watches(w.chat_id)))


def rules(rt: Runtime, w: Where, args: str) -> Reply:
    """The chat's (topic's) subscriptions, every rule of the chat, and its active mutes."""
    no_args(args)
    subs = rt.store.subscriptions(w.chat_id, w.thread_id)
    watches = rt.store.watches(w.chat_id)
    chat = rt.store.get_chat(w.chat_id)
    tz = chat.timezone if chat else "UTC"
    now = rt.clock()
    activity = {
        watch_id: (count, timefmt.day(last, tz, now=now))
        for watch_id, (count, last) in rt.store.watch_activity(w.chat_id).items()
    }
    mutes = [mute_line(m, tz, now) for m in labelled(rt, w.chat_id)]
    return Reply(views.rules_list(subs, watches, w.thread_id, activity, mutes))


async def test(rt: Runtime, w: Where, args: str) -> Reply:
    """Dry run of a query over the last days' articles; nothing is saved."""
    query = _query_arg(args)
    try:
        node, echo = understood(rt, query)
    except QueryCostError as exc:
        return Reply(views.query_too_slow(exc))
    except QuerySyntaxError as exc:
        return Reply(query_problem(rt, "test", query, exc))
    result = await dry_run(rt, query)
    silent = "" if result.matched else await _why_nothing(rt, node, result)
    note = _operator_note(query)
    text = views.test_result(echo, result.matched, result.newest, note, silent)
    return Reply(_partial(text, result))


def _query_arg(args: str) -> str:
    if not args:
        raise BadArgs("the query is missing")
    if len(args) > MAX_QUERY_CHARS:
        raise BadArgs(f"the query has {len(args)} characters; the limit is {MAX_QUERY_CHARS}")
    return args


def understood(rt: Runtime, query: str) -> tuple[Node, str]:
    """The parsed query and its echo; QuerySyntaxError when it does not parse."""
    from bot.dryrun import parse_chat_query
    from bot.matching.query import format_query

    node = parse_chat_query(query, rt.resolver)  # the chat cost limits (QueryCostError)
    return node, format_query(node)


def same_rule_key(node: Node) -> str:
    """The query with the operands of AND and OR in a fixed order: equal for the same rule."""
    from bot.matching.query import And, Or, format_query, leaves

    def canonical(n: Node) -> Node:
        if isinstance(n, (And, Or)):
            kids = sorted((canonical(c) for c in n.children), key=format_query)
            return type(n)(tuple(kids))
        return n

    return format_query(canonical(node)) if leaves(node) else ""


def _key_of(rt: Runtime, query: str) -> str | None:
    try:
        return same_rule_key(understood(rt, query)[0])
    except QuerySyntaxError:
        return None


def _key_echo(rt: Runtime, query: str) -> str:
    try:
        return understood(rt, query)[1]
    except QuerySyntaxError:
        return query


def query_problem(rt: Runtime, command: str, query: str, exc: QuerySyntaxError) -> str:
    """The answer to a query that does not parse: a typo fixed, or where and what was expected."""
    from bot.matching.query import OperatorTypo

    if isinstance(exc, OperatorTypo):
        return views.did_you_mean(command, query, exc.word, exc.replacement)
    return views.query_error(query, exc, _known_codes(rt, exc))


def _known_codes(rt: Runtime, exc: QuerySyntaxError) -> list[str]:
    """For an unknown entity code: the codes of that kind (bodies) or the closest (countries)."""
    codes = getattr(rt.resolver, "codes", None)
    for kind in ("body", "country"):
        if exc.message.startswith(f"unknown {kind} ") and callable(codes):
            known = [str(c) for c in codes(kind)]
            if kind == "body":
                return known
            wanted = exc.message.split("'")[1] if "'" in exc.message else ""
            return difflib.get_close_matches(wanted.upper(), known, n=5, cutoff=0.3)
    return []


def _operator_note(query: str) -> str:
    from bot.matching.query import lowercase_operators

    found = lowercase_operators(query)
    return views.operator_note(found) if found else ""


async def _why_nothing(rt: Runtime, node: Node, result: DryRun) -> str:
    """Which words of a query that matched nothing occur in no recent article (looked up
    on a reader thread: one index probe per word)."""
    from bot.matching.query import Prefix, Term, leaves

    since = rt.clock() - timedelta(days=DRY_RUN_DAYS)
    words = list(dict.fromkeys(f.label for f in leaves(node) if isinstance(f, (Term, Prefix))))

    def job(store: Store) -> list[str]:
        missing = []
        for word in words:
            try:
                if not store.occurs_since(word, since):
                    missing.append(word)
            except UserInputError:
                continue  # punctuation only: nothing to look up
        return missing

    missing = job(rt.store) if rt.workers is None else await rt.workers.read(job)
    return views.zero_hits(missing, result.checked if not missing else 0)


async def dry_run(rt: Runtime, query: str) -> DryRun:
    """How the query was understood, and the recent stored articles it matches (off the
    event loop, within a time budget: see bot.dryrun)."""
    from bot.dryrun import dry_run_for

    return await dry_run_for(rt, query, days=DRY_RUN_DAYS, show=TEST_SHOW)


def _partial(text: str, result: DryRun) -> str:
    if result.complete:
        return text
    return text + "\n" + views.dry_run_partial(result.checked, result.candidates, BUDGET_S)
