"""The set of active rules (shipped packs + every chat's watches), compiled once per change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.models import EntityResolver, Rule, Watch

if TYPE_CHECKING:
    from bot.matching.engine import Engine
    from bot.matching.packs import Pack
    from bot.store import Store


def watch_rule(watch: Watch) -> Rule:
    """The rule a chat's /watch stands for."""
    return Rule(
        key=watch.rule_key,
        name=f"watch #{watch.id}: {watch.query}",
        query=watch.query,
        chat_id=watch.chat_id,
    )


class RuleRegistry:
    """Holds the compiled engine; recompiles lazily after `invalidate()`."""

    def __init__(self, store: Store, packs: Sequence[Pack], resolver: EntityResolver) -> None:
        self.store = store
        self.packs = list(packs)
        self.resolver = resolver
        self._engine: Engine | None = None
        self._watches: dict[str, Watch] = {}

    def invalidate(self) -> None:
        """Mark the engine stale: a watch was added or removed, or a chat went away."""
        self._engine = None

    def engine(self) -> Engine:
        """The engine over packs and every active chat's watches."""
        if self._engine is None:
            self._engine = self._compile()
        return self._engine

    def watch(self, rule_key: str) -> Watch | None:
        """The watch behind a `watch:<id>` rule key, as of the last compile."""
        self.engine()
        return self._watches.get(rule_key)

    def pack_ids(self) -> list[str]:
        """Ids of the shipped packs."""
        return [p.id for p in self.packs]

    def _compile(self) -> Engine:
        from bot.matching.engine import Engine

        watches = self.store.watches()
        self._watches = {w.rule_key: w for w in watches}
        rules = [p.rule() for p in self.packs] + [watch_rule(w) for w in watches]
        return Engine.compile(rules, self.resolver)
