"""Ingest step: store new entries, match them, and queue alerts, one transaction per article."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.matching.lazy import explained
from bot.models import Article, FeedEntry, Match, Recipient, Rule, Source

if TYPE_CHECKING:
    from bot.registry import RuleRegistry
    from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """What one batch of entries produced."""

    seen: int
    new_articles: int
    matches: int
    alerts: int
    held_back: int = 0  # new articles too old to alert (stored for /search and /test)


class Pipeline:
    """Feed entries in, stored articles and queued alerts out."""

    def __init__(
        self,
        store: Store,
        registry: RuleRegistry,
        *,
        annotate: Callable[[Store, Article], None] | None = None,
        max_item_age: timedelta | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.annotate = annotate  # called for each article that queued alerts (list cross-links)
        self.max_item_age = max_item_age

    def ingest(self, source: Source, entries: Sequence[FeedEntry]) -> IngestResult:
        """Store, match and queue alerts for each new entry of one source."""
        new = matches = alerts = held = 0
        for entry in entries:
            if self._too_old(entry):
                held += self._store_only(entry)
                continue
            added, matched, queued = self._ingest_one(source, entry)
            new += added
            matches += matched
            alerts += queued
        return IngestResult(len(entries), new + held, matches, alerts, held)

    def _too_old(self, entry: FeedEntry) -> bool:
        if self.max_item_age is None or entry.published is None:
            return False  # an undated item cannot be judged; the poller refuses all-undated feeds
        return entry.published < self.store.clock() - self.max_item_age

    def _store_only(self, entry: FeedEntry) -> int:
        with self.store.transaction():
            return int(self.store.add_article(entry) is not None)

    def _ingest_one(self, source: Source, entry: FeedEntry) -> tuple[int, int, int]:
        engine = self.registry.engine(self.store)  # this thread's connection
        # One transaction: an article is never stored without its matches and
        # alerts, so a crash between the two cannot lose an alert.
        with self.store.transaction():
            article = self.store.add_article(entry)
            if article is None:
                return 0, 0, 0
            found = engine.match(article.document(source.name))
            queued = sum(self._queue(article, m, engine.rules[m.rule_key]) for m in found)
            if queued and self.annotate is not None:
                self.annotate(self.store, article)
        return 1, len(found), queued

    def match_article(self, source: Source, article: Article) -> int:
        """Match an article stored elsewhere (a list change item) and queue its alerts."""
        engine = self.registry.engine(self.store)  # this thread's connection
        with self.store.transaction():
            found = engine.match(article.document(source.name))
            return sum(self._queue(article, m, engine.rules[m.rule_key]) for m in found)

    def _queue(self, article: Article, match: Match, rule: Rule) -> int:
        recipients = self._recipients(rule)
        if not recipients:
            # Nobody would see it: skip recording, and with it building the match's
            # summary, which costs far more than deciding that the rule fired.
            return 0
        # The evidence (evaluator, act layer, summary) is built here, explicitly: the
        # store is handed values only, and its INSERT reads no lazy field.
        ids = self.store.record_match(article, explained(match), recipients, rule.priority)
        return len(ids)

    def _recipients(self, rule: Rule) -> list[Recipient]:
        if rule.key.startswith("pack:"):
            return self.store.subscribers(rule.key.removeprefix("pack:"))
        watch = self.registry.watch(rule.key, self.store)
        if watch is None:
            return []
        return [Recipient(watch.chat_id, watch.thread_id)]
