"""The EU consolidated financial sanctions list (FSF XML, root export).

Evidence: opensanctions/opensanctions zavod/zavod/shed/fsf.py and datasets/eu/fsf/
eu_fsf.yml: sanctionEntity {logicalId, euReferenceNumber, designationDate,
unitedNationId} with subjectType {code: person|enterprise}, regulation {programme,
publicationDate, entryIntoForceDate, numberTitle}/publicationUrl, nameAlias
{wholeName, firstName, middleName, lastName, nameLanguage, strong}, citizenship /
birthdate / address / identification {identificationTypeCode, number, latinNumber}
carrying countryIso2Code + countryDescription, remark. The root carries
generationDate. Every value is an attribute; dates are ISO.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, EntityType, Identifier, ListedEntity, Name
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records, texts

TYPES: dict[str, EntityType] = {"person": "person", "enterprise": "organization"}


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every sanctionEntity of the export."""
    root: dict[str, str] = {}
    for el in records(source, ("sanctionEntity",), root=root, root_tag="export"):
        header.published = header.published or iso_date(root.get("generationDate", ""))
        entity = _entity(el)
        if entity is not None:
            yield entity


def _country(node: Element) -> str:
    return iso2(node.get("countryIso2Code", "")) or iso2(node.get("countryDescription", ""))


def _entity(el: Element) -> ListedEntity | None:
    logical = el.get("logicalId", "")
    if not logical:
        return None
    subject = el.find("subjectType")
    kind = TYPES.get(subject.get("code", "") if subject is not None else "", "unknown")
    regulations = list(el.iterfind("regulation"))
    published = sorted(iso_date(r.get("publicationDate", "")) for r in regulations)
    listed = iso_date(el.get("designationDate", "")) or next((d for d in published if d), "")
    reason = " ".join([*texts(el, "remark"), el.get("designationDetails", "")]).strip()
    identifiers = [_identifier(n) for n in el.iterfind("identification")]
    if kind == "organization" and any(i is not None and i.kind == "imo" for i in identifiers):
        kind = "vessel"  # the FSF has no vessel type; an IMO number makes one
    names = [n for n in map(_name, el.iterfind("nameAlias")) if n is not None]
    if names and not any(n.kind == "primary" for n in names):
        # The FSF marks no primary name: its first strong name is the one it leads with.
        first = next((i for i, n in enumerate(names) if n.kind == "alias"), 0)
        names.insert(0, replace(names.pop(first), kind="primary"))
    return ListedEntity(
        id=logical,
        type=kind,
        names=tuple(names),
        programs=tuple(
            dict.fromkeys(r.get("programme", "") for r in regulations if r.get("programme"))
        ),
        nationalities=tuple(c for c in map(_country, el.iterfind("citizenship")) if c),
        addresses=tuple(a for a in map(_address, el.iterfind("address")) if a is not None),
        identifiers=tuple(i for i in identifiers if i is not None),
        birth_dates=tuple(_birth(b) for b in el.iterfind("birthdate") if _birth(b)),
        listed_on=listed,
        reason=reason,
        reference=el.get("euReferenceNumber", ""),
    )


def _name(node: Element) -> Name | None:
    whole = node.get("wholeName", "")
    if not whole:
        parts = (node.get(p, "") for p in ("firstName", "middleName", "lastName"))
        whole = " ".join(p for p in parts if p)
    return make_name(whole, "alias" if node.get("strong") == "true" else "weak")


def _address(node: Element) -> Address | None:
    parts = [node.get(p, "") for p in ("street", "poBox", "city", "zipCode", "region", "place")]
    description = node.get("countryDescription", "")
    if description.upper() != "UNKNOWN":
        parts.append(description)
    line = ", ".join(p for p in parts if p)
    return Address(line, _country(node)) if line else None


def _identifier(node: Element) -> Identifier | None:
    label = node.get("identificationTypeCode", "") or node.get("identificationTypeDescription", "")
    return identifier(label, node.get("number") or node.get("latinNumber", ""), _country(node))


def _birth(node: Element) -> str:
    return iso_date(node.get("birthdate", "")) or node.get("year", "")
