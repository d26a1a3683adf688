"""Builds the dependency graph from Settings: store, rules, pipeline, poller."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.config import Settings
from bot.models import Article, EntityResolver, FeedEntry, Source
from bot.pipeline import IngestResult, Pipeline
from bot.registry import RuleRegistry
from bot.store import Store
from bot.store.base import Clock, utcnow
from bot.workers import Workers

if TYPE_CHECKING:
    import httpx

    from bot.lists.poll import ListPoller
    from bot.matching.packs import Pack
    from bot.sources.poller import Poller, SourceStatus

Notify = Callable[[str], Awaitable[None]]
T = TypeVar("T")


def load_rules(rules_dir: Path) -> tuple[EntityResolver, list[Pack]]:
    """The gazetteer and the packs in `rules_dir`, validated against each other."""
    from bot.lists.names import ListResolver
    from bot.matching.engine import Engine
    from bot.matching.gazetteer import load_gazetteer
    from bot.matching.packs import load_packs

    # @name and @program (official lists) on top of the gazetteer's countries and bodies.
    resolver = ListResolver(load_gazetteer())
    packs = load_packs(rules_dir)
    # Compile once up front so a broken pack fails at start-up, not at the first poll.
    Engine.compile([p.rule() for p in packs], resolver)
    return resolver, packs


def _list_links(
    store: Store, resolver: EntityResolver
) -> Callable[[Store, Article], None] | None:
    """The pipeline's cross-link step: which listed entries an alerted article names
    (recorded through the pipeline's own connection, the writer thread's in `run`)."""
    from bot.lists.names import ListResolver, NameIndex

    if not isinstance(resolver, ListResolver):
        return None
    resolver.use_index(lambda: NameIndex(store.all_listed()))

    def annotate(store: Store, article: Article) -> None:
        if article.canonical_url.startswith("urn:list:"):
            return  # a list change item is the listing itself
        mentions = resolver.index().mentions(f"{article.title}\n{article.text}")
        if mentions:
            store.record_mentions(article.id, mentions)

    return annotate


@dataclass
class Runtime:
    """Everything a command or the bot needs, wired once."""

    settings: Settings
    store: Store
    resolver: EntityResolver
    packs: list[Pack]
    registry: RuleRegistry
    pipeline: Pipeline
    clock: Clock = utcnow
    sources: list[Source] = field(default_factory=list)
    # Threads for heavy work (dry runs, searches, ingest), each with its own connection;
    # None runs that work in the caller's thread on `store` (one-shot commands).
    workers: Workers | None = None

    @classmethod
    def open(
        cls, settings: Settings, clock: Clock = utcnow, *, with_sources: bool = True
    ) -> Runtime:
        """Open the store, load rules and (optionally) the source catalog."""
        resolver, packs = load_rules(settings.rules_dir)
        sources: list[Source] = []
        if with_sources:
            from bot.sources.catalog import load_catalog

            sources = load_catalog(settings.sources_path)
        store = Store.open(settings.db_path, clock)
        if sources:
            store.sync_sources(sources)
        workers = None if str(settings.db_path) == ":memory:" else Workers(settings.db_path, clock)
        registry = RuleRegistry(
            store, packs, resolver, background=workers.background if workers else None
        )
        return cls(
            settings=settings,
            store=store,
            resolver=resolver,
            packs=packs,
            registry=registry,
            pipeline=Pipeline(
                store,
                registry,
                annotate=_list_links(store, resolver),
                max_item_age=settings.max_item_age,
            ),
            clock=clock,
            sources=sources,
            workers=workers,
        )

    def active_sources(self) -> list[Source]:
        """Sources to poll: the catalog plus what admins added, minus disabled ones."""
        return [s for s in self.store.list_sources() if s.enabled]

    def make_poller(
        self,
        http: httpx.AsyncClient,
        notify: Notify | None = None,
        *,
        on_status: Callable[[SourceStatus], None] | None = None,
    ) -> Poller:
        """A poller over one shared HTTP client, feeding this runtime's pipeline."""
        from bot.sources.fetch import Fetcher
        from bot.sources.netguard import SystemResolver
        from bot.sources.poller import Poller

        fetcher = Fetcher(http, SystemResolver(), allow_private=self.settings.allow_private_network)
        return Poller(
            self.store,
            fetcher,
            self.ingest,
            self.clock,
            notify=notify,
            lists=self.list_poller(http),
            on_status=on_status,
        )

    def list_poller(self, http: httpx.AsyncClient) -> ListPoller:
        """The official lists' own path: download, scan, diff, items, alerts (the store work
        on the writer thread, like any ingest)."""
        from bot.lists.download import ListDownloader
        from bot.lists.names import ListResolver, NameIndex
        from bot.lists.poll import ListPoller
        from bot.sources.netguard import SystemResolver

        downloader = ListDownloader(
            http, SystemResolver(), allow_private=self.settings.allow_private_network
        )

        def refresh(store: Store) -> None:
            # Inside the version's transaction: the index is read through the same
            # connection, so it already holds the entries being stored.
            if isinstance(self.resolver, ListResolver):
                self.resolver.rebuild(NameIndex(store.all_listed()))
                self.registry.names_changed()

        index = getattr(self.resolver, "index", None)
        return ListPoller(
            self.store,
            downloader,
            self._match_with,
            self.clock,
            refresh=refresh,
            mentions=(lambda text: index().mentions(text)) if callable(index) else None,
            write=self._write,
        )

    def _match_with(self, store: Store, source: Source, article: Article) -> int:
        """Match a stored article through `store` (the calling thread's connection)."""
        pipeline = copy.copy(self.pipeline)
        pipeline.store = store
        return pipeline.match_article(source, article)

    async def _write(self, job: Callable[[Store], T]) -> T:
        """Run a store job on the writer thread; in this thread when there are no workers."""
        if self.workers is None:
            return job(self.store)
        return await self.workers.write(job)

    async def ingest(self, source: Source, entries: Sequence[FeedEntry]) -> IngestResult:
        """Store, match and queue a batch on the writer thread (its own connection), so
        matching never runs on the event loop; in this thread when there are no workers."""

        def job(store: Store) -> IngestResult:
            pipeline = copy.copy(self.pipeline)  # the same settings, the writer's connection
            pipeline.store = store
            return pipeline.ingest(source, entries)

        return await self._write(job)

    def close(self) -> None:
        """Stop the worker threads and release the database."""
        if self.workers is not None:
            self.workers.close()
        self.store.close()
