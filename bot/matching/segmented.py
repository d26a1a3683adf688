"""Several compiled engines matched as one: how rules change without a full recompile.

The registry keeps one big engine over the packs and every watch as of its last full
compile, plus a small engine over the watches added since; watches removed since (or
whose key now stands for another query) are hidden from the big one. A document is read
once (`analysis.analyze`) and scanned by each engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from bot.matching.analysis import analyze
from bot.matching.engine import Engine
from bot.models import Document, Match, Rule


class SegmentedEngine:
    """Engines over disjoint rule sets; rules of `hidden` keys in the first are left out."""

    def __init__(self, parts: Sequence[Engine], hidden: frozenset[str] = frozenset()) -> None:
        self.parts = tuple(parts)
        self.hidden = hidden
        merged: dict[str, Rule] = {}
        for index, part in enumerate(self.parts):
            for key, rule in part.rules.items():
                if not (index == 0 and key in hidden):
                    merged[key] = rule
        self.rules: Mapping[str, Rule] = MappingProxyType(merged)

    def match(self, doc: Document, *, exhaustive: bool = False) -> list[Match]:
        """Every rule that fires on `doc`: the first engine's rules first, then the others'."""
        if len(self.parts) == 1 and not self.hidden:
            return self.parts[0].match(doc, exhaustive=exhaustive)
        analyzed = analyze(doc)
        found: list[Match] = []
        for index, part in enumerate(self.parts):
            matches = part.match_analyzed(analyzed, exhaustive=exhaustive)
            if index == 0 and self.hidden:
                matches = [m for m in matches if m.rule_key not in self.hidden]
            found.extend(matches)
        return found
