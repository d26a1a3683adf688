"""How a listed entry is summed up for a person: its key facts and its programme's topic."""

from __future__ import annotations

import re
from functools import lru_cache

import countrynames

from bot.lists.items import country_name
from bot.lists.model import ListedEntity

TYPE_WORDS = {
    "person": "person",
    "organization": "entity",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
MAX_FACTS = 6


def key_facts(entity: ListedEntity) -> tuple[str, ...]:
    """The facts that tell an analyst who this is, most telling first, short."""
    facts: list[str] = []
    if entity.type in TYPE_WORDS:
        facts.append(TYPE_WORDS[entity.type])
    facts += list(entity.countries()[:3])
    facts += list(entity.programs[:2])
    facts += [f"IMO {imo}" for imo in entity.imo_numbers()[:2]]
    if entity.birth_dates:
        facts.append(f"born {entity.birth_dates[0]}")
    passports = [i for i in entity.identifiers if i.kind == "passport"]
    if passports:
        facts.append(f"passport {passports[0].value}")
    if entity.reference and entity.reference != entity.id:
        facts.append(entity.reference)
    return tuple(facts[:MAX_FACTS])


@lru_cache(maxsize=1024)
def program_topic(program: str) -> str:
    """'Russia-related' for RUSSIA-EO14024, 'Belarus-related' for BLR; else the code."""
    for token in re.split(r"[-_/ ,()]+", program):
        if len(token) < 3 or token.isdigit():
            continue
        code = countrynames.to_code(token) or countrynames.to_code(token.rstrip("0123456789"))
        if code and code not in ("ZZ", "EU", "XX"):
            return f"{country_name(code)}-related"
    return program
