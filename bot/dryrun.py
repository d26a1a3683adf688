"""Dry runs of a chat's query over recent stored articles (/test, /watch).

The old dry run matched every article of the last 7 days on the event loop (9.8 s at
20,000 articles for `/test sanctions`). Now it runs on a reader thread (bot.workers), looks
only at the articles the full-text index finds for the query's required terms, newest
first, and stops when its time budget is spent, saying how far it got.

The index is a filter, not the judge: every candidate is matched by the real engine. It
tokenises like the engine in all but rare cases (FTS5's unicode61 does not apply NFKC or
full case folding: a word broken by a soft hyphen, or ß against ss, can be missed), so a
dry-run count may, rarely, be lower than what the engine would alert on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, assert_never

from bot.errors import UserInputError
from bot.matching.cost import USER_LIMITS
from bot.matching.engine import Engine
from bot.matching.plan import required
from bot.matching.query import Entity, Leaf, Node, Prefix, Term, format_query, leaves, parse_query
from bot.models import Article, EntityResolver, Rule
from bot.store import Store

if TYPE_CHECKING:
    from bot.runtime import Runtime

BUDGET_S = 3.0  # the attacker's reply comes within 5 s, whatever the query
MAX_CANDIDATES = 200_000
BATCH = 200


@dataclass(frozen=True)
class DryRun:
    """What a query would have matched among recent stored articles."""

    echo: str  # how the query was understood
    matched: int  # among the articles checked
    newest: tuple[Article, ...]  # the newest matches, newest first
    candidates: int  # recent articles the index pointed at
    checked: int  # of those, how many were matched before the budget ran out

    @property
    def complete(self) -> bool:
        """Whether every candidate was checked."""
        return self.checked >= self.candidates


def parse_chat_query(query: str, resolver: EntityResolver) -> Node:
    """A chat's query, parsed under the chat cost limits (QuerySyntaxError, QueryCostError)."""
    return parse_query(query, resolver=resolver, limits=USER_LIMITS)


def dry_run(
    store: Store,
    resolver: EntityResolver,
    query: str,
    since: datetime,
    *,
    show: int = 5,
    budget_s: float = BUDGET_S,
    timer: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
) -> DryRun:
    """Match `query` over the articles fetched since `since` that the index points at,
    until `deadline` (by `timer`; default: `budget_s` from now)."""
    node = parse_chat_query(query, resolver)
    deadline = timer() + budget_s if deadline is None else deadline
    rule = Rule(key="watch:dry-run", name="dry run", query=query)
    engine = Engine.compile([rule], resolver, countries=False)  # deciding only
    ids = _candidates(store, node, resolver, since, max(deadline - timer(), 0.1) / 2)
    hits: list[Article] = []
    matched = checked = 0
    for start in range(0, len(ids), BATCH):
        for article in store.articles_by_ids(ids[start : start + BATCH]):
            if timer() > deadline:
                return DryRun(format_query(node), matched, tuple(hits), len(ids), checked)
            checked += 1
            if engine.match(article.document()):
                matched += 1
                if len(hits) < show:
                    hits.append(article)
    return DryRun(format_query(node), matched, tuple(hits), len(ids), len(ids))


def _candidates(
    store: Store, node: Node, resolver: EntityResolver, since: datetime, budget_s: float
) -> list[int]:
    first = store.first_id_since(since)
    if first is None:
        return []
    expression = candidate_expression(node, resolver)
    try:
        return store.candidate_ids(expression, first, budget_s=budget_s, limit=MAX_CANDIDATES)
    except UserInputError:
        # The index could not narrow it down in time: look at the newest articles instead.
        return store.candidate_ids(None, first, budget_s=budget_s, limit=MAX_CANDIDATES)


def candidate_expression(node: Node, resolver: EntityResolver) -> str | None:
    """An FTS5 expression every matching article satisfies: each required clause (one of
    its terms must occur) as an OR of the terms; None when nothing is required."""
    ids: dict[Leaf, int] = {}
    for leaf in leaves(node):
        ids.setdefault(leaf, len(ids))
    by_id = {i: leaf for leaf, i in ids.items()}
    clauses = []
    for clause in dict.fromkeys(required(node, ids) or ()):
        forms = [_forms(by_id[lid], resolver) for lid in sorted(clause)]
        if all(forms):  # a term the index cannot look up leaves the clause unchecked
            clauses.append("(" + " OR ".join(dict.fromkeys(f for fs in forms for f in fs)) + ")")
    return " AND ".join(clauses) or None


def _forms(leaf: Leaf, resolver: EntityResolver) -> list[str]:
    """FTS5 phrases for a term: as normalised and as written (the index folds less);
    empty when one of them has nothing the index would see as a word."""
    match leaf:
        case Term():
            texts, star = [" ".join(leaf.words), leaf.text], ""
        case Prefix():
            texts, star = [leaf.stem, leaf.text.rstrip("*")], "*"
        case Entity():
            try:
                texts, star = list(resolver.names(leaf.kind, leaf.code)), ""
            except KeyError:
                return []
        case _:
            assert_never(leaf)
    if not texts or not all(any(ch.isalnum() for ch in text) for text in texts):
        return []
    return [_phrase(text) + star for text in texts]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


async def dry_run_for(rt: Runtime, query: str, *, days: int, show: int) -> DryRun:
    """`dry_run` over the runtime's last `days` of articles, on a reader thread."""
    since = rt.clock() - timedelta(days=days)
    # The budget runs from the request: time spent waiting for a reader counts.
    deadline = time.monotonic() + BUDGET_S

    def job(store: Store) -> DryRun:
        return dry_run(store, rt.resolver, query, since, show=show, deadline=deadline)

    if rt.workers is None:
        return job(rt.store)
    return await rt.workers.read(job, deadline=deadline)
