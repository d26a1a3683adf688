"""Canada's consolidated autonomous sanctions list (SEMA XML, root data-set).

Evidence: opensanctions/opensanctions datasets/ca/dfatd/crawler.py: flat
data-set/record elements with Country (the regime, sometimes 'Russia / Russie'),
LastName, GivenName, EntityOrShip, TitleOrShip, Aliases (free text, split on
',', ';', 'a.k.a.'), DateOfBirthOrShipBuildDate, ShipIMONumber, Schedule, Item,
DateOfListing. The list has no stable id: Item numbers are positions inside a
schedule, so we key an entry by regime, schedule and name (as opensanctions does)
and keep the item as its reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import EntityType, ListedEntity, Name
from bot.lists.normalize import iso2, iso_date, make_name
from bot.lists.xmlstream import Element, records

_ALIAS_SPLIT = re.compile(r"\s*(?:;|,|\(a\.k\.a\.|\(also known as|a\.k\.a\.)\s*")


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every record of the data set."""
    for el in records(source, ("record",)):
        entity = _entity(el)
        if entity is not None:
            yield entity
    header.published = header.published or ""


def _entity(el: Element) -> ListedEntity | None:
    row = {str(child.tag): " ".join((child.text or "").split()) for child in el}
    person = " ".join(p for p in (row.get("GivenName", ""), row.get("LastName", "")) if p)
    name = row.get("EntityOrShip") or person
    if not name:
        return None
    imo = identifier("IMO", row.get("ShipIMONumber", ""))
    kind: EntityType = "vessel" if imo else "person" if person else "organization"
    regime = row.get("Country", "")
    schedule = row.get("Schedule", "")
    names: list[Name | None] = [make_name(name)]
    names += [make_name(a.strip(" )"), "alias") for a in _ALIAS_SPLIT.split(row.get("Aliases", ""))]
    born = row.get("DateOfBirthOrShipBuildDate", "")
    return ListedEntity(
        id=" | ".join((regime, schedule, name.casefold())),
        type=kind,
        names=tuple(n for n in names if n is not None),
        programs=(regime,) if regime else (),
        # The regime is named after its target state: the country a listing concerns.
        nationalities=tuple(c for c in (iso2(regime.split("/")[0]),) if c),
        identifiers=(imo,) if imo else (),
        birth_dates=(iso_date(born),) if born and kind == "person" else (),
        listed_on=iso_date(row.get("DateOfListing", "")),
        reference=f"Schedule {schedule}, item {row.get('Item', '?')}",
    )
