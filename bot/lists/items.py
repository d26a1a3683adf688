"""Each list change as an article: a title and plain text the rule engine and /search read.

The text carries every name (with transliterations), programme code, country (by name
and code), identifier and date of the entry, so that packs and watches written for
news (`@country:BY`, `"IMO 9123456"`, `@program:RUSSIA-EO14024`, `@name:"…"`) match
list changes too. "Sanctions list change" opens every item: list packs anchor on it.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from bot.lists.diff import Change, show
from bot.lists.model import ListedEntity

MARKER = "Sanctions list change"
VERBS = {"added": "designated", "removed": "removed", "amended": "amended"}
PHRASES = {
    "added": "was added (designated)",
    "removed": "was removed (delisted)",
    "amended": "had its entry amended",
}
TYPE_WORDS = {
    "person": "person",
    "organization": "entity",
    "vessel": "vessel",
    "aircraft": "aircraft",
    "unknown": "entry",
}
MAX_NAMES = 40
# pycountry's official forms are long ("Russian Federation"); these read better in an alert.
_SHORT = {
    "RU": "Russia",
    "KP": "North Korea",
    "KR": "South Korea",
    "SY": "Syria",
    "VE": "Venezuela",
    "MD": "Moldova",
    "LA": "Laos",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "CD": "DR Congo",
    "PS": "Palestine",
}


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """'Belarus' for 'BY' (the code itself when unknown)."""
    if code in _SHORT:
        return _SHORT[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def title(list_label: str, change: Change) -> str:
    """'OFAC SDN: designated KAVALENKA, Mikalai' / '…: amended X (names, identifiers)'."""
    head = f"{list_label}: {VERBS[change.kind]} {change.entity.name}"
    if change.kind == "amended" and change.fields:
        head += " (" + ", ".join(f.label for f in change.fields) + ")"
    return head


def text(list_label: str, change: Change) -> str:
    """The paragraphs of the item: the change, then the entry's key facts."""
    entity = change.entity
    kind = TYPE_WORDS.get(entity.type, "entry")
    lines = [f"{MARKER} on {list_label}: {entity.name} ({kind}) {PHRASES[change.kind]}."]
    if change.fields:
        lines.append("Changed: " + "; ".join(f.describe(300) for f in change.fields) + ".")
    lines += facts(entity)
    return "\n\n".join(lines)


def facts(entity: ListedEntity) -> list[str]:
    """One line per kind of fact the entry carries."""
    out = []
    names = []
    for name in entity.names[:MAX_NAMES]:
        names.append(f"{name.value} ({name.latin})" if name.latin else name.value)
    if names:
        out.append("Names: " + "; ".join(names) + ".")
    if entity.programs:
        out.append("Programmes: " + ", ".join(entity.programs) + ".")
    countries = entity.countries()
    if countries:
        out.append("Countries: " + ", ".join(f"{country_name(c)} ({c})" for c in countries) + ".")
    if entity.identifiers:
        out.append("Identifiers: " + "; ".join(show(i) for i in entity.identifiers) + ".")
    if entity.addresses:
        out.append("Addresses: " + "; ".join(a.text for a in entity.addresses[:10]) + ".")
    if entity.birth_dates:
        out.append("Born: " + ", ".join(entity.birth_dates) + ".")
    if entity.listed_on:
        out.append(f"Listed on: {entity.listed_on}.")
    if entity.reference:
        out.append(f"Reference: {entity.reference}.")
    if entity.reason:
        out.append(f"Reason: {entity.reason}")
    return out
