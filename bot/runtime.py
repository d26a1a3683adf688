"""Builds the dependency graph from Settings: store, rules, pipeline, poller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.models import Article, EntityResolver, Source
from bot.pipeline import Pipeline
from bot.registry import RuleRegistry
from bot.store import Store
from bot.store.base import Clock, utcnow

if TYPE_CHECKING:
    import httpx

    from bot.lists.poll import ListPoller
    from bot.matching.packs import Pack
    from bot.sources.poller import Poller

Notify = Callable[[str], Awaitable[None]]


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


def _list_links(store: Store, resolver: EntityResolver) -> Callable[[Article], None] | None:
    """The pipeline's cross-link step: which listed entries an alerted article names."""
    from bot.lists.names import ListResolver, NameIndex

    if not isinstance(resolver, ListResolver):
        return None
    resolver.use_index(lambda: NameIndex(store.all_listed()))

    def annotate(article: Article) -> None:
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
        registry = RuleRegistry(store, packs, resolver)
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
        )

    def active_sources(self) -> list[Source]:
        """Sources to poll: the catalog plus what admins added, minus disabled ones."""
        return [s for s in self.store.list_sources() if s.enabled]

    def make_poller(self, http: httpx.AsyncClient, notify: Notify | None = None) -> Poller:
        """A poller over one shared HTTP client, feeding this runtime's pipeline."""
        from bot.sources.fetch import Fetcher
        from bot.sources.netguard import SystemResolver
        from bot.sources.poller import Poller

        fetcher = Fetcher(http, SystemResolver(), allow_private=self.settings.allow_private_network)
        return Poller(
            self.store,
            fetcher,
            self.pipeline.ingest,
            self.clock,
            notify=notify,
            lists=self.list_poller(http),
        )

    def list_poller(self, http: httpx.AsyncClient) -> ListPoller:
        """The official lists' own path: download, scan, diff, items, alerts."""
        from bot.lists.download import ListDownloader
        from bot.lists.poll import ListPoller
        from bot.sources.netguard import SystemResolver

        downloader = ListDownloader(
            http, SystemResolver(), allow_private=self.settings.allow_private_network
        )

        def refresh() -> None:
            refresh_names = getattr(self.resolver, "refresh", None)
            if callable(refresh_names):
                refresh_names()
            self.registry.invalidate()

        index = getattr(self.resolver, "index", None)
        return ListPoller(
            self.store,
            downloader,
            self.pipeline.match_article,
            self.clock,
            refresh=refresh,
            mentions=(lambda text: index().mentions(text)) if callable(index) else None,
        )

    def close(self) -> None:
        """Release the database."""
        self.store.close()
