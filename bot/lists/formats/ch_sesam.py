"""Switzerland's SESAM consolidated list (SECO, root swiss-sanctions-list).

Evidence: opensanctions/opensanctions datasets/ch/seco_sanctions/crawler.py:
sanctions-program/sanctions-set {ssid} + program-name {lang}, place {ssid} with
location/area/country {iso-code}, target {ssid, sanctions-set-id} with modification
{modification-type: listed|amended|de-listed, effective-date, publication-date},
individual|entity|object {object-type: vessel}, identity/name {name-type, quality}/
name-part {order, name-part-type}/value + spelling-variant {lang, script},
nationality/country {iso-code}, address|place-of-birth {place-id},
day-month-year {day, month, year}, identification-document {document-type}/number,
justification, other-information. A de-listed target stays in the file: we treat
it as no longer listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records, text, texts

_KINDS: dict[str, NameKind] = {"primary-name": "primary", "formerly-known-as": "former"}
_IMO = re.compile(r"IMO[^0-9]{0,20}(\d{7})", re.IGNORECASE)


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every target whose last modification is not a de-listing."""
    root: dict[str, str] = {}
    programs: dict[str, str] = {}
    places: dict[str, Address] = {}
    pending: list[tuple[ListedEntity, str, list[str]]] = []
    for el in records(
        source, ("sanctions-program", "place", "target"), root=root, root_tag="swiss-sanctions-list"
    ):
        header.published = header.published or iso_date(root.get("date", ""))
        if el.tag == "sanctions-program":
            name = text(el, "program-key") or text(el, "program-name[@lang='eng']")
            for sset in el.iterfind("sanctions-set"):
                programs[sset.get("ssid", "")] = name
        elif el.tag == "place":
            places[el.get("ssid", "")] = _place(el)
        else:
            found = _target(el)
            if found is not None:
                pending.append(found)
    # Programmes and places are referenced by id and may come after the targets.
    for entity, set_id, place_ids in pending:
        addresses = tuple(places[p] for p in place_ids if p in places)
        program = programs.get(set_id, "")
        yield replace(entity, addresses=addresses, programs=(program,) if program else ())


def _place(el: Element) -> Address:
    country = el.find("country")
    parts = [text(el, "location"), text(el, "area"), text(country)]
    code = iso2(country.get("iso-code", "")) if country is not None else ""
    return Address(", ".join(p for p in parts if p), code)


def _target(el: Element) -> tuple[ListedEntity, str, list[str]] | None:
    ssid = el.get("ssid", "")
    mods = sorted(
        (m.get("effective-date", ""), m.get("modification-type", ""))
        for m in el.iterfind("modification")
    )
    if not ssid or (mods and mods[-1][1] == "de-listed"):
        return None
    node, kind = _subject(el)
    if node is None:
        return None
    names = [n for ident in node.iterfind("identity") for n in _names(ident)]
    names.sort(key=lambda n: n.kind != "primary")
    place_ids = [a.get("place-id", "") for a in node.iterfind("identity/address")]
    documents: list[Identifier | None] = [
        identifier(d.get("document-type", ""), text(d, "number"), text(d, "issuer"))
        for d in node.iterfind("identity/identification-document")
    ]
    others = texts(node, "other-information")
    documents += [identifier("IMO", m.group(1)) for o in others for m in _IMO.finditer(o)]
    births = [_dmy(d) for d in node.iterfind("identity/day-month-year")]
    listed = next((d for d, t in mods if t == "listed"), mods[0][0] if mods else "")
    entity = ListedEntity(
        id=ssid,
        type=kind,
        names=tuple(names),
        nationalities=tuple(
            c
            for c in (
                iso2(n.get("iso-code", "")) for n in node.iterfind("identity/nationality/country")
            )
            if c
        ),
        identifiers=tuple(d for d in documents if d is not None),
        birth_dates=tuple(b for b in births if b),
        listed_on=iso_date(listed),
        reason=" ".join(texts(node, "justification")),
        reference=text(el, "foreign-identifier"),
    )
    set_id = el.get("sanctions-set-id") or text(el, "sanctions-set-id")
    return entity, set_id, place_ids


def _subject(el: Element) -> tuple[Element | None, EntityType]:
    for tag, kind in (("individual", "person"), ("entity", "organization")):
        node = el.find(tag)
        if node is not None:
            return node, kind  # type: ignore[return-value]
    node = el.find("object")
    if node is None:
        return None, "unknown"
    return node, "vessel" if node.get("object-type") == "vessel" else "unknown"


def _names(identity: Element) -> Iterator[Name]:
    for node in identity.iterfind("name"):
        kind = _KINDS.get(node.get("name-type", ""), "alias")
        if node.get("quality") == "low":
            kind = "weak"
        parts = sorted(node.iterfind("name-part"), key=lambda p: int(p.get("order", "0") or 0))
        whole = make_name(" ".join(text(p, "value") for p in parts), kind)
        if whole is not None:
            yield whole
        variants: dict[str, list[str]] = {}
        for part in parts:
            for spelling in part.iterfind("spelling-variant"):
                variants.setdefault(spelling.get("script", ""), []).append(text(spelling))
        for script, values in variants.items():
            variant = make_name(" ".join(values), "alias" if kind == "primary" else kind)
            if variant is not None:
                yield replace(variant, script=script or variant.script)


def _dmy(node: Element) -> str:
    year, month, day = (node.get(k, "") for k in ("year", "month", "day"))
    if not year:
        return ""
    if not month:
        return year
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
