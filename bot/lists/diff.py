"""Differences between two versions of one entity: which fields changed, old -> new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.lists.model import COMPARED, Address, Identifier, ListedEntity, Name

ChangeKind = Literal["added", "removed", "amended"]
LABELS = {
    "names": "names",
    "type": "type",
    "programs": "programmes",
    "nationalities": "nationality",
    "addresses": "addresses",
    "identifiers": "identifiers",
    "birth_dates": "date of birth",
    "listed_on": "listing date",
    "reason": "reason",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an amended entry: what left it and what came in, as people read it."""

    field: str  # a key of LABELS
    removed: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def label(self) -> str:
        """The field as a person names it."""
        return LABELS.get(self.field, self.field)

    def describe(self, limit: int = 120) -> str:
        """'identifiers: Passport 7100000001 → Passport 7100000099' (old → new)."""
        old = "; ".join(self.removed) or "—"
        new = "; ".join(self.added) or "—"
        text = f"{self.label}: {old} → {new}"
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Change:
    """One entry added to, removed from or amended on a list between two versions."""

    kind: ChangeKind
    entity: ListedEntity  # the new state (the last state for a removal)
    fields: tuple[FieldChange, ...] = ()


def amended_fields(old: ListedEntity, new: ListedEntity) -> tuple[FieldChange, ...]:
    """The compared fields that differ, in COMPARED order; empty when nothing did."""
    before, after = old.canonical(), new.canonical()
    changes = []
    for name in COMPARED:
        old_values = _shown(getattr(before, name))
        new_values = _shown(getattr(after, name))
        if old_values == new_values:
            continue
        removed = tuple(v for v in old_values if v not in new_values)
        added = tuple(v for v in new_values if v not in old_values)
        changes.append(FieldChange(name, removed, added))
    return tuple(changes)


def _shown(value: object) -> tuple[str, ...]:
    """A field's values as display strings (a scalar is a one-item tuple)."""
    items = value if isinstance(value, tuple) else (value,)
    return tuple(s for s in (show(item) for item in items) if s)


def show(item: object) -> str:
    """One value of a field as a person reads it."""
    if isinstance(item, Name):
        return item.value
    if isinstance(item, Address):
        return item.text or item.country
    if isinstance(item, Identifier):
        label = "IMO" if item.kind == "imo" else item.label or item.kind
        country = f" ({item.country})" if item.country else ""
        return f"{label} {item.value}{country}"
    return str(item or "")
