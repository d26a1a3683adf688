"""The UK Sanctions List (FCDO; replaced OFSI's ConList on 28 January 2026).

Evidence: opensanctions/opensanctions datasets/gb/fcdo_sanctions/crawler.py:
Designations/Designation with UniqueID (e.g. RUS0123), LastUpdated, DateDesignated
(DD/MM/YYYY), RegimeName, IndividualEntityShip (Individual|Entity|Ship),
Names/Name {Name1..Name6, NameType: Primary Name|Alias, AliasStrength},
NonLatinNames/NonLatinName {NameNonLatinScript, NonLatinScriptType,
NonLatinScriptLanguage}, Addresses/Address {AddressLine1..6, AddressCountry},
IndividualDetails/Individual {DOBs/DOB, Nationalities/Nationality},
ShipDetails/Ship {IMONumbers/IMONumber, CurrentBelievedFlagOfShips/...},
UKStatementofReasons, OtherInformation; a DateGenerated element before the
designations. No namespace.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, EntityType, ListedEntity, Name
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records, text, texts

TYPES: dict[str, EntityType] = {"individual": "person", "entity": "organization", "ship": "vessel"}


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every Designation of the list."""
    for el in records(source, ("Designation", "DateGenerated")):
        if el.tag == "DateGenerated":
            header.published = iso_date(text(el))
            continue
        entity = _entity(el)
        if entity is not None:
            yield entity


def _entity(el: Element) -> ListedEntity | None:
    unique = text(el, "UniqueID")
    if not unique:
        return None
    names: list[Name | None] = []
    for node in el.iterfind("Names/Name"):
        parts = [text(node, f"Name{i}") for i in range(1, 6)]
        value = " ".join(p for p in [*parts, text(node, "Name6")] if p)
        primary = text(node, "NameType").lower().startswith("primary")
        weak = text(node, "AliasStrength").lower() == "weak"
        names.append(make_name(value, "primary" if primary else "weak" if weak else "alias"))
    names += [make_name(v, "alias") for v in texts(el, ".//NameNonLatinScript")]
    names.sort(key=lambda n: n is None or n.kind != "primary")
    nationalities = [*texts(el, ".//Nationalities/Nationality")]
    nationalities += texts(el, ".//CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip")
    imos = (identifier("IMO number", v) for v in texts(el, ".//IMONumbers/IMONumber"))
    reason = text(el, "UKStatementofReasons") or text(el, "OtherInformation")
    return ListedEntity(
        id=unique,
        type=TYPES.get(text(el, "IndividualEntityShip").lower(), "unknown"),
        names=tuple(n for n in names if n is not None),
        programs=tuple(texts(el, "RegimeName")),
        nationalities=tuple(c for c in map(iso2, nationalities) if c),
        addresses=tuple(a for a in map(_address, el.iterfind("Addresses/Address")) if a),
        identifiers=tuple(i for i in imos if i is not None),
        birth_dates=tuple(iso_date(d) for d in texts(el, ".//DOBs/DOB")),
        listed_on=iso_date(text(el, "DateDesignated")),
        reason=html.unescape(reason),
        reference=unique,
    )


def _address(node: Element) -> Address | None:
    parts = [text(node, f"AddressLine{i}") for i in range(1, 7)]
    parts += [text(node, "AddressPostalCode"), text(node, "AddressCountry")]
    line = ", ".join(p for p in parts if p)
    return Address(line, iso2(text(node, "AddressCountry"))) if line else None
