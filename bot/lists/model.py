"""The normalised entity model every list format is parsed into (frozen, JSON round-trip)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntityType = Literal["person", "organization", "vessel", "aircraft", "unknown"]
NameKind = Literal["primary", "alias", "former", "weak"]
# The fields a diff compares, in the order an amendment names them.
COMPARED = (
    "names",
    "type",
    "programs",
    "nationalities",
    "addresses",
    "identifiers",
    "birth_dates",
    "listed_on",
    "reason",
)


@dataclass(frozen=True, order=True)
class Name:
    """One name of a listed entity as the list writes it."""

    value: str
    kind: NameKind = "primary"
    script: str = "Latn"  # ISO 15924 code of the name's letters
    latin: str = ""  # a Latin transliteration when the script is not Latin


@dataclass(frozen=True, order=True)
class Identifier:
    """A document or registration number: IMO, passport, national id, registration..."""

    kind: str  # imo | passport | national-id | registration | tax | swift | other
    value: str
    country: str = ""  # ISO2 of the issuer, when known
    label: str = ""  # what the list calls it


@dataclass(frozen=True, order=True)
class Address:
    """An address reduced to its text and its country."""

    text: str
    country: str = ""  # ISO2


@dataclass(frozen=True)
class ListedEntity:
    """One entry of an official list."""

    id: str  # the list's own stable id (OFAC uid, EU logicalId, UN DATAID, UK UniqueID...)
    type: EntityType
    names: tuple[Name, ...]
    programs: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO2
    addresses: tuple[Address, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    birth_dates: tuple[str, ...] = ()  # ISO dates or partial dates (1970, 1970-05)
    listed_on: str = ""  # ISO date of designation, when the list gives it
    reason: str = ""  # statement of reasons / remarks
    reference: str = ""  # the list's reference shown to people (UN QDi.001, RUS0123)
    url: str = ""  # the official page of the entry, when one exists
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """The primary name (the first name when none is marked primary)."""
        for name in self.names:
            if name.kind == "primary":
                return name.value
        return self.names[0].value if self.names else self.id

    def countries(self) -> tuple[str, ...]:
        """ISO2 codes tied to the entity: nationalities, then address and document countries."""
        seen: list[str] = []
        candidates = [*self.nationalities, *(a.country for a in self.addresses)]
        candidates += [i.country for i in self.identifiers]
        for code in candidates:
            if code and code not in seen:
                seen.append(code)
        return tuple(seen)

    def imo_numbers(self) -> tuple[str, ...]:
        """The entity's IMO numbers (vessels, and companies that carry one)."""
        return tuple(i.value for i in self.identifiers if i.kind == "imo")

    def canonical(self) -> ListedEntity:
        """The same entity with every collection sorted and de-duplicated: diffs ignore order."""
        return ListedEntity(
            id=self.id,
            type=self.type,
            names=_unique(self.names, keep_first=True),
            programs=_unique(self.programs),
            nationalities=_unique(self.nationalities),
            addresses=_unique(self.addresses),
            identifiers=_unique(self.identifiers),
            birth_dates=_unique(self.birth_dates),
            listed_on=self.listed_on,
            reason=" ".join(self.reason.split()),
            reference=self.reference,
            url=self.url,
            extra=self.extra,
        )

    def to_json(self) -> str:
        """Compact JSON of the canonical entity (what the store keeps)."""
        data = asdict(self.canonical())
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def digest(self) -> str:
        """A hash of the compared fields: equal digests mean nothing a diff reports changed."""
        # Plain tuples, not dataclasses.asdict (a deep copy per value): this runs for
        # every entry of every list version, 20,000+ times per OFAC file.
        canon = self.canonical()
        compared = [
            [(n.value, n.kind, n.script, n.latin) for n in canon.names],
            canon.type,
            canon.programs,
            canon.nationalities,
            [(a.text, a.country) for a in canon.addresses],
            [(i.kind, i.value, i.country, i.label) for i in canon.identifiers],
            canon.birth_dates,
            canon.listed_on,
            canon.reason,
        ]
        text = json.dumps(compared, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _unique(items: tuple[Any, ...], *, keep_first: bool = False) -> tuple[Any, ...]:
    """De-duplicated; sorted unless the first item carries meaning (the primary name)."""
    unique = tuple(dict.fromkeys(items))
    if keep_first and unique:
        return (unique[0], *sorted(unique[1:]))
    return tuple(sorted(unique))


def entity_from_json(text: str) -> ListedEntity:
    """The inverse of ListedEntity.to_json."""
    data = json.loads(text)
    return ListedEntity(
        id=data["id"],
        type=data["type"],
        names=tuple(Name(**n) for n in data["names"]),
        programs=tuple(data["programs"]),
        nationalities=tuple(data["nationalities"]),
        addresses=tuple(Address(**a) for a in data["addresses"]),
        identifiers=tuple(Identifier(**i) for i in data["identifiers"]),
        birth_dates=tuple(data["birth_dates"]),
        listed_on=data["listed_on"],
        reason=data["reason"],
        reference=data.get("reference", ""),
        url=data.get("url", ""),
        extra=tuple(tuple(pair) for pair in data.get("extra", ())),
    )
