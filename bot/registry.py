"""The set of active rules (shipped packs + every chat's watches), kept compiled as they change.

A full compile of thousands of watches takes seconds, and it used to be redone, on the
event loop, after any /watch. Now `engine()` after `invalidate()` only compiles what
changed: watches added since the last full compile go into a small engine of their own,
removed ones are hidden from the big one (`segmented.SegmentedEngine`). When those grow
past a few dozen, a full compile runs in the background (`background`, a worker thread)
while the current engines go on serving, and replaces them when done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import EntityResolver, Rule, Watch

if TYPE_CHECKING:
    from bot.matching.engine import Engine
    from bot.matching.packs import Pack
    from bot.matching.segmented import SegmentedEngine
    from bot.store import Store

# Runs a job with a Store of its own on a background thread (bot.workers.Workers.background).
Background = Callable[[Callable[["Store"], None]], None]
DELTA_LIMIT = 32  # watches compiled apart before a full compile is started
HIDDEN_LIMIT = 256  # removed watches still inside the big engine


def watch_rule(watch: Watch) -> Rule:
    """The rule a chat's /watch stands for."""
    return Rule(
        key=watch.rule_key,
        name=f"watch #{watch.id}: {watch.query}",
        query=watch.query,
    )


@dataclass(frozen=True)
class _Compiled:
    """An engine and the watches (rule key -> query) compiled into it."""

    engine: Engine
    queries: dict[str, str]


class RuleRegistry:
    """Holds the compiled rules; `invalidate()` marks them stale, `engine()` brings them up to date."""

    def __init__(
        self,
        store: Store,
        packs: Sequence[Pack],
        resolver: EntityResolver,
        *,
        background: Background | None = None,
    ) -> None:
        self.store = store
        self.packs = list(packs)
        self.resolver = resolver
        self.background = background
        self._lock = threading.RLock()
        self._stale = True
        self._base: _Compiled | None = None
        self._delta: _Compiled | None = None
        self._view: SegmentedEngine | None = None
        self._watches: dict[str, Watch] = {}
        self._rebuilding = False
        self.full_compiles = 0  # how many times every rule was compiled (tests, bench)

    def invalidate(self) -> None:
        """Mark the rules stale: a watch was added or removed, or a chat went away."""
        self._stale = True

    def names_changed(self) -> None:
        """A list version changed what `@name` stands for: rules that use it must be
        compiled anew. The next `engine()` (the writer thread's, in `run`) does it at once,
        so a name watch fires on an entry added in the very publication being stored."""
        with self._lock:
            if any(_uses_names(q) for q in self._queries()):
                self._base = None
                self._delta = None
            self._stale = True

    def _queries(self) -> list[str]:
        rules = [p.rule() for p in self.packs]
        packs = [q for r in rules for q in (r.query, *(i for t in r.terms.values() for i in t))]
        return packs + [w.query for w in self._watches.values()]

    def engine(self, store: Store | None = None) -> SegmentedEngine:
        """The engines over packs and every active chat's watches, up to date; `store` is
        the calling thread's connection to read the watches with (default: the registry's)."""
        with self._lock:
            if self._view is None or self._stale:
                self._refresh(store or self.store)
            assert self._view is not None
            return self._view

    def watch(self, rule_key: str, store: Store | None = None) -> Watch | None:
        """The watch behind a `watch:<id>` rule key, as of the last refresh."""
        self.engine(store)
        return self._watches.get(rule_key)

    def pack_ids(self) -> list[str]:
        """Ids of the shipped packs."""
        return [p.id for p in self.packs]

    def _refresh(self, store: Store) -> None:
        from bot.matching.engine import Engine
        from bot.matching.segmented import SegmentedEngine

        self._stale = False
        watches = store.watches()
        current = {w.rule_key: w for w in watches}
        self._watches = current
        if self._base is None:
            self._base = self._compile_all(watches)
        base = self._base.queries
        hidden = frozenset(k for k, q in base.items() if k not in current or current[k].query != q)
        extra = {k: w.query for k, w in current.items() if base.get(k) != w.query}
        if extra and (self._delta is None or self._delta.queries != extra):
            rules = [watch_rule(current[k]) for k in extra]
            self._delta = _Compiled(Engine.compile(rules, self.resolver), extra)
        elif not extra:
            self._delta = None
        parts = [self._base.engine] + ([self._delta.engine] if self._delta else [])
        self._view = SegmentedEngine(parts, hidden)
        if len(extra) > DELTA_LIMIT or len(hidden) > HIDDEN_LIMIT:
            self._start_full_compile()

    def _compile_all(self, watches: Iterable[Watch]) -> _Compiled:
        from bot.matching.engine import Engine

        self.full_compiles += 1
        watches = list(watches)
        rules = [p.rule() for p in self.packs] + [watch_rule(w) for w in watches]
        engine = Engine.compile(rules, self.resolver)
        return _Compiled(engine, {w.rule_key: w.query for w in watches})

    def _start_full_compile(self) -> None:
        """Compile everything anew: in the background when there is one, else now."""
        if self.background is None:
            self._base = self._compile_all(self._watches.values())
            self._delta = None
            self._stale = True
            return
        if self._rebuilding:
            return
        self._rebuilding = True
        self.background(self._full_compile)

    def _full_compile(self, store: Store) -> None:
        """The background job: the current engines serve until the new one is swapped in."""
        try:
            compiled = self._compile_all(store.watches())
            with self._lock:
                self._base = compiled
                self._stale = True  # the next engine() drops what the new base holds
        finally:
            self._rebuilding = False


def _uses_names(query: str) -> bool:
    """Whether a query may expand `@name` (its spellings come from the lists)."""
    return "@name:" in query.lower()
