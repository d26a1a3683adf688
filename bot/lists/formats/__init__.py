"""One streaming parser per official list format, all yielding ListedEntity."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from bot.lists.model import Identifier, ListedEntity
from bot.lists.normalize import iso2


@dataclass
class Header:
    """What a file says about itself, filled in while it is parsed (mutable on purpose)."""

    published: str = ""  # the list's own publication date, ISO


Parser = Callable[[IO[bytes], Header], Iterator[ListedEntity]]

_IMO = re.compile(r"(?<!\d)(\d{7})(?!\d)")


def identifier(label: str, value: str, country: str = "") -> Identifier | None:
    """An Identifier with its kind read from the list's label (and the value for IMO)."""
    value = " ".join(value.split())
    if not value:
        return None
    low = label.lower()
    kind = "other"
    if "imo" in low or "vessel registration" in low or value.upper().startswith("IMO"):
        found = _IMO.search(value)
        if found:
            return Identifier("imo", found.group(1), iso2(country), label)
    if "passport" in low:
        kind = "passport"
    elif "swift" in low or "bic" in low:
        kind = "swift"
    elif "tax" in low or "inn" in low.split() or "fiscal" in low or "vat" in low:
        kind = "tax"
    elif any(w in low for w in ("regist", "company", "ogrn", "incorporation", "regnumber")):
        kind = "registration"
    elif "nation" in low or "identi" in low or low in ("id", "ssn"):
        kind = "national-id"
    return Identifier(kind, value, iso2(country), label)


def parsers() -> dict[str, Parser]:
    """Every supported list kind and its parser (imported lazily: lxml is heavy)."""
    from bot.lists.formats import ca_sema, ch_sesam, eu_fsf, ofac_advanced, ofac_sdn, uk, un_sc

    return {
        "ofac-sdn": ofac_sdn.parse,
        "ofac-sdn-advanced": ofac_advanced.parse,
        "eu-fsf": eu_fsf.parse,
        "un-sc": un_sc.parse,
        "uk-sanctions-list": uk.parse,
        "ch-sesam": ch_sesam.parse,
        "ca-sema": ca_sema.parse,
    }
