"""Builds the dependency graph from Settings: store, rules, pipeline, poller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.models import EntityResolver, Source
from bot.pipeline import Pipeline
from bot.registry import RuleRegistry
from bot.store import Store
from bot.store.base import Clock, utcnow

if TYPE_CHECKING:
    import httpx

    from bot.matching.packs import Pack
    from bot.sources.poller import Poller, SourceStatus

Notify = Callable[[str], Awaitable[None]]


def load_rules(rules_dir: Path) -> tuple[EntityResolver, list[Pack]]:
    """The gazetteer and the packs in `rules_dir`, validated against each other."""
    from bot.matching.engine import Engine
    from bot.matching.gazetteer import load_gazetteer
    from bot.matching.packs import load_packs

    resolver = load_gazetteer()
    packs = load_packs(rules_dir)
    # Compile once up front so a broken pack fails at start-up, not at the first poll.
    Engine.compile([p.rule() for p in packs], resolver)
    return resolver, packs


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
            pipeline=Pipeline(store, registry),
            clock=clock,
            sources=sources,
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
            self.store, fetcher, self.pipeline.ingest, self.clock, notify=notify, on_status=on_status
        )

    def close(self) -> None:
        """Release the database."""
        self.store.close()
