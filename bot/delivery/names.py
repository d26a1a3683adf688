"""Country names as a reader writes them ("Russia", not "Russian Federation"), with flags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import pycountry

# Where pycountry's names are not what news writes. EU and UN are not countries, but
# they act: they have flags (regional indicators E+U, U+N) and stand among actors.
_SHORT = {
    "RU": "Russia",
    "GB": "UK",
    "US": "US",
    "EU": "EU",
    "UN": "UN",
    "CD": "DR Congo",
    "CG": "Congo",
    "VN": "Vietnam",
    "TW": "Taiwan",
    "PS": "Palestine",
    "KP": "North Korea",
    "KR": "South Korea",
    "IR": "Iran",
    "SY": "Syria",
    "LA": "Laos",
    "MD": "Moldova",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "AE": "UAE",
}
_CODE = re.compile(r"[A-Z]{2}")


def flag(code: str) -> str:
    """The regional-indicator flag emoji for an ISO2 code, or '' when it is not one."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


@cache
def country_name(code: str) -> str:
    """The short English name of an ISO2 code; the code itself when unknown."""
    code = code.strip().upper()
    if code in _SHORT:
        return _SHORT[code]
    country = pycountry.countries.get(alpha_2=code) if _CODE.fullmatch(code) else None
    if country is None:
        return code[:8]
    name = getattr(country, "common_name", None) or country.name
    return str(name).split(",")[0]


def tagged(code: str) -> str:
    """'🇷🇺 Russia'."""
    mark = flag(code)
    name = country_name(code)
    return f"{mark} {name}" if mark else name


def tag_list(codes: Iterable[str], limit: int = 3) -> str:
    """'🇷🇺 Russia, 🇺🇦 Ukraine' (at most `limit`, then '+2')."""
    unique = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
    shown = ", ".join(tagged(c) for c in unique[:limit])
    more = len(unique) - limit
    return f"{shown} +{more}" if more > 0 else shown
