"""A Match whose evidence is derived on first read.

At thousands of rules a document fires on a hundred of them, and the witnesses, summary,
highlights, explanation and country ranking of each cost far more than deciding that the
rule fired. `LazyMatch` is a `bot.models.Match` (same fields, same attribute reads) that
stores only its rule and a reference to the document's shared state, and fills in the
other fields all at once the first time any of them is read.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Protocol

from bot.matching.query import Node
from bot.models import Match, Rule

# The fields that are filled in on first read; rule_key, rule_name and doc_id are set at once.
DEFERRED = frozenset(
    ("witnesses", "countries", "summary", "highlights", "explanation", "actors", "targets")
)
FIELD_NAMES = tuple(f.name for f in fields(Match))


class Parsed(Protocol):
    """A rule with its parsed query (the engine's compiled rule)."""

    @property
    def rule(self) -> Rule: ...

    @property
    def node(self) -> Node: ...


class EvidenceSource(Protocol):
    """The document-wide state that builds the details of a rule that fired on it."""

    def details(self, rule: Rule, node: Node) -> dict[str, Any]:
        """The DEFERRED fields of `rule`'s match (parsed as `node`) on this document."""
        ...


class _Deferred:
    """A deferred field that has a default in Match: the class attribute holding the default
    would be found before __getattr__, so the subclass puts this in front of it."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        state = obj.__dict__
        return state[self.name] if self.name in state else obj.__getattr__(self.name)


class LazyMatch(Match):
    """A Match of which only the rule and document are known until a detail is read."""

    actors = _Deferred()
    targets = _Deferred()

    @classmethod
    def deferred(cls, parsed: Parsed, doc_id: str, source: EvidenceSource) -> LazyMatch:
        """A match of `parsed.rule` on document `doc_id`; `source` builds its details on demand."""
        self = cls.__new__(cls)
        # Frozen dataclass: write the instance dict directly (also the cheapest way).
        state = self.__dict__
        rule = parsed.rule
        state["rule_key"] = rule.key
        state["rule_name"] = rule.name
        state["doc_id"] = doc_id
        state["_parsed"] = parsed
        state["_source"] = source
        return self

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for a detail not computed yet.
        state = self.__dict__
        source = state.get("_source")
        if name not in DEFERRED or source is None:
            raise AttributeError(name)
        parsed = state["_parsed"]
        state.update(source.details(parsed.rule, parsed.node))
        del state["_parsed"], state["_source"]  # the document's state is no longer needed
        return state[name]

    def values(self) -> tuple[Any, ...]:
        """Every field of the Match in declaration order (computing the details)."""
        return tuple(getattr(self, name) for name in FIELD_NAMES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self.values() == tuple(getattr(other, name) for name in FIELD_NAMES)

    def __hash__(self) -> int:
        return hash(self.values())

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles (and copies) as a plain Match: the document's state stays behind.
        return (Match, self.values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(FIELD_NAMES, self.values(), strict=True))
        return f"Match({inner})"
