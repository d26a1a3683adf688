"""A Match whose evidence is built on request, and the explicit way to ask for it.

At thousands of rules a document fires on a hundred of them, and the witnesses, summary,
highlights, explanation and country ranking of each cost far more than deciding that the
rule fired. `LazyMatch` is a `bot.models.Match` that knows only its rule and the
document's shared state until `evidence()` builds the rest (once, for all of its fields).
Code that stores or sends a match asks for it explicitly: `explained(match)` returns a
plain `Match` with every field computed, so that what a store reads is only values.
Reading a detail of a LazyMatch directly (`m.summary`, as tests and dry runs do) builds
the evidence too, through the same `evidence()`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

from bot.matching.query import Node
from bot.models import Match, Rule, Witness

FIELD_NAMES = tuple(f.name for f in fields(Match))


@dataclass(frozen=True)
class Evidence:
    """What carried a match: the fields of a Match beyond its rule and document."""

    witnesses: tuple[Witness, ...]
    countries: tuple[str, ...]
    summary: str
    highlights: tuple[tuple[int, int], ...]
    explanation: str
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()


# The Match fields that are filled in from Evidence; rule_key, rule_name, doc_id are set at once.
DEFERRED = frozenset(f.name for f in fields(Evidence))
assert DEFERRED | {"rule_key", "rule_name", "doc_id"} == set(FIELD_NAMES)


class Parsed(Protocol):
    """A rule with its parsed query (the engine's compiled rule)."""

    @property
    def rule(self) -> Rule: ...

    @property
    def node(self) -> Node: ...


class EvidenceSource(Protocol):
    """The document-wide state that builds the evidence of a rule that fired on it."""

    def evidence_of(self, rule: Rule, node: Node) -> Evidence:
        """The evidence of `rule`'s match (parsed as `node`) on this document."""
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
        return state[self.name] if self.name in state else getattr(obj.evidence(), self.name)


_set = object.__setattr__  # a frozen dataclass's own constructor sets its fields this way


class LazyMatch(Match):
    """A Match of which only the rule and document are known until `evidence()` is asked."""

    actors = _Deferred()
    targets = _Deferred()

    @classmethod
    def deferred(cls, parsed: Parsed, doc_id: str, source: EvidenceSource) -> LazyMatch:
        """A match of `parsed.rule` on document `doc_id`; `source` builds its evidence."""
        self = cls.__new__(cls)
        rule = parsed.rule
        _set(self, "rule_key", rule.key)
        _set(self, "rule_name", rule.name)
        _set(self, "doc_id", doc_id)
        _set(self, "_parsed", parsed)
        _set(self, "_source", source)
        return self

    def evidence(self) -> Evidence:
        """The match's evidence, built on the first call (evaluator, act layer, summary)."""
        state = self.__dict__
        found = state.get("_evidence")
        if found is None:
            parsed = state["_parsed"]
            found = state["_source"].evidence_of(parsed.rule, parsed.node)
            _set(self, "_evidence", found)
            for name in DEFERRED:
                _set(self, name, getattr(found, name))
            # The document's state is no longer needed: let it go with the other matches.
            object.__delattr__(self, "_parsed")
            object.__delattr__(self, "_source")
        return found

    def explained(self) -> Match:
        """A plain Match with every field computed (what a store or a chat is given)."""
        evidence = self.evidence()
        return Match(
            self.rule_key,
            self.rule_name,
            self.doc_id,
            evidence.witnesses,
            evidence.countries,
            evidence.summary,
            evidence.highlights,
            evidence.explanation,
            evidence.actors,
            evidence.targets,
        )

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for a detail not computed yet.
        if name not in DEFERRED or "_source" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.evidence(), name)

    def values(self) -> tuple[Any, ...]:
        """Every field of the Match in declaration order (computing the evidence)."""
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


def explained(match: Match) -> Match:
    """`match` with its evidence built: a plain Match whose fields are values (a LazyMatch
    builds it now, explicitly; any other Match already is one)."""
    return match.explained() if isinstance(match, LazyMatch) else match
