"""Ingest step: store new entries, match them, and queue alerts, one transaction per article."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


class Pipeline:
    """Feed entries in, stored articles and queued alerts out."""

    def __init__(self, store: Store, registry: RuleRegistry) -> None:
        self.store = store
        self.registry = registry

    def ingest(self, source: Source, entries: Sequence[FeedEntry]) -> IngestResult:
        """Store, match and queue alerts for each new entry of one source."""
        new = matches = alerts = 0
        for entry in entries:
            added, matched, queued = self._ingest_one(source, entry)
            new += added
            matches += matched
            alerts += queued
        return IngestResult(len(entries), new, matches, alerts)

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
        return 1, len(found), queued

    def _queue(self, article: Article, match: Match, rule: Rule) -> int:
        recipients = self._recipients(rule)
        if not recipients:
            # Nobody would see it: skip recording, and with it building the match's
            # summary, which costs far more than deciding that the rule fired.
            return 0
        ids = self.store.record_match(article, match, recipients, rule.priority)
        return len(ids)

    def _recipients(self, rule: Rule) -> list[Recipient]:
        if rule.key.startswith("pack:"):
            return self.store.subscribers(rule.key.removeprefix("pack:"))
        watch = self.registry.watch(rule.key, self.store)
        if watch is None:
            return []
        return [Recipient(watch.chat_id, watch.thread_id)]
