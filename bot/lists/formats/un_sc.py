"""The UN Security Council consolidated list (root CONSOLIDATED_LIST).

Evidence: opensanctions/opensanctions datasets/_global/un_sc_sanctions/crawler.py and
zavod/zavod/shed/un_sc.py: INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY with DATAID,
FIRST_NAME..FOURTH_NAME, UN_LIST_TYPE, REFERENCE_NUMBER (e.g. QDi.001, KPe.012),
LISTED_ON (ISO), NAME_ORIGINAL_SCRIPT, COMMENTS1, NATIONALITY/VALUE,
INDIVIDUAL_ALIAS|ENTITY_ALIAS {QUALITY: Good|Low, ALIAS_NAME},
INDIVIDUAL_ADDRESS|ENTITY_ADDRESS {STREET, CITY, STATE_PROVINCE, COUNTRY},
INDIVIDUAL_DATE_OF_BIRTH {DATE|YEAR}, INDIVIDUAL_DOCUMENT {TYPE_OF_DOCUMENT, NUMBER,
ISSUING_COUNTRY|COUNTRY_OF_ISSUE}. The root carries dateGenerated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, ListedEntity, Name, NameKind
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records, text, texts

URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every INDIVIDUAL and ENTITY of the list."""
    root: dict[str, str] = {}
    for el in records(source, ("INDIVIDUAL", "ENTITY"), root=root, root_tag="CONSOLIDATED_LIST"):
        header.published = header.published or iso_date(root.get("dateGenerated", ""))
        entity = _entity(el)
        if entity is not None:
            yield entity


def _entity(el: Element) -> ListedEntity | None:
    data_id = text(el, "DATAID")
    if not data_id:
        return None
    person = el.tag == "INDIVIDUAL"
    prefix = "INDIVIDUAL" if person else "ENTITY"
    parts = (text(el, p) for p in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"))
    names: list[Name | None] = [make_name(" ".join(p for p in parts if p))]
    names.append(make_name(text(el, "NAME_ORIGINAL_SCRIPT"), "alias"))
    for alias in el.iterfind(f"{prefix}_ALIAS"):
        kind: NameKind = "weak" if text(alias, "QUALITY") == "Low" else "alias"
        names += [make_name(n, kind) for n in text(alias, "ALIAS_NAME").split("; ")]
    documents = (
        identifier(
            text(d, "TYPE_OF_DOCUMENT"),
            text(d, "NUMBER"),
            text(d, "ISSUING_COUNTRY") or text(d, "COUNTRY_OF_ISSUE"),
        )
        for d in el.iterfind("INDIVIDUAL_DOCUMENT")
    )
    births = (text(b, "DATE") or text(b, "YEAR") for b in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"))
    return ListedEntity(
        id=data_id,
        type="person" if person else "organization",
        names=tuple(n for n in names if n is not None),
        programs=tuple(texts(el, "UN_LIST_TYPE")),
        nationalities=tuple(c for c in map(iso2, texts(el, "NATIONALITY/VALUE")) if c),
        addresses=tuple(a for a in map(_address, el.iterfind(f"{prefix}_ADDRESS")) if a),
        identifiers=tuple(d for d in documents if d is not None),
        birth_dates=tuple(iso_date(b) for b in births if b),
        listed_on=iso_date(text(el, "LISTED_ON")),
        reason=text(el, "COMMENTS1"),
        reference=text(el, "REFERENCE_NUMBER"),
    )


def _address(node: Element) -> Address | None:
    parts = [text(node, p) for p in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
    line = ", ".join(p for p in parts if p)
    return Address(line, iso2(text(node, "COUNTRY"))) if line else None
