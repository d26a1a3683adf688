"""OFAC's SDN list in its classic XML (SDN.XML, root sdnList).

Evidence: github.com/uvuv-643/Remote_XML_Parser server/internal/parser/model.go (the
element tree: sdnEntry/uid, lastName, firstName, sdnType, programList/program,
akaList/aka {type, category}, idList/id {idType, idNumber, idCountry},
addressList/address, nationalityList, citizenshipList, dateOfBirthList,
vesselInfo, remarks) and the publshInformation/Publish_Date header (OFAC's own
misspelling, MM/DD/YYYY). The namespace changed from tempuri.org/sdnList.xsd to the
Sanctions List Service export URL; we ignore namespaces.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records, text, texts

URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
TYPES: dict[str, EntityType] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_ALIAS: dict[str, NameKind] = {"a.k.a.": "alias", "f.k.a.": "former", "n.k.a.": "alias"}


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every sdnEntry of the file."""
    for element in records(source, ("sdnEntry", "publshInformation", "publishInformation")):
        if element.tag != "sdnEntry":
            header.published = iso_date(text(element, "Publish_Date"), month_first=True)
            continue
        entity = _entry(element)
        if entity is not None:
            yield entity


def _entry(el: Element) -> ListedEntity | None:
    uid = text(el, "uid")
    if not uid:
        return None
    kind = TYPES.get(text(el, "sdnType").lower(), "organization")
    names = [_name(el, "primary", kind)]
    for aka in el.iterfind("akaList/aka"):
        weak = text(aka, "category").lower() == "weak"
        names.append(_name(aka, "weak" if weak else _ALIAS.get(text(aka, "type"), "alias"), kind))
    nationalities = [iso2(c) for c in texts(el, "nationalityList/nationality/country")]
    nationalities += [iso2(c) for c in texts(el, "citizenshipList/citizenship/country")]
    flag = text(el, "vesselInfo/vesselFlag")
    if flag:
        nationalities.append(iso2(flag))
    extra = [("vessel type", text(el, "vesselInfo/vesselType")), ("title", text(el, "title"))]
    return ListedEntity(
        id=uid,
        type=kind,
        names=tuple(n for n in names if n is not None),
        programs=tuple(texts(el, "programList/program")),
        nationalities=tuple(c for c in nationalities if c),
        addresses=tuple(_addresses(el)),
        identifiers=tuple(_identifiers(el)),
        birth_dates=tuple(
            iso_date(d) for d in texts(el, "dateOfBirthList/dateOfBirthItem/dateOfBirth")
        ),
        reason=text(el, "remarks"),
        url=URL.format(uid),
        extra=tuple((k, v) for k, v in extra if v),
    )


def _name(el: Element, kind: NameKind, entity_type: EntityType) -> Name | None:
    last, first = text(el, "lastName"), text(el, "firstName")
    # OFAC writes people as 'LAST, First'; everything else has only lastName.
    value = f"{last}, {first}" if last and first and entity_type == "person" else last or first
    return make_name(value, kind)


def _addresses(el: Element) -> Iterator[Address]:
    for node in el.iterfind("addressList/address"):
        parts = [text(node, p) for p in ("address1", "address2", "address3", "city")]
        parts += [text(node, "stateOrProvince"), text(node, "postalCode"), text(node, "country")]
        line = ", ".join(p for p in parts if p)
        if line:
            yield Address(line, iso2(text(node, "country")))


def _identifiers(el: Element) -> Iterator[Identifier]:
    for node in el.iterfind("idList/id"):
        found = identifier(text(node, "idType"), text(node, "idNumber"), text(node, "idCountry"))
        if found is not None:
            yield found
