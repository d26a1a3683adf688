"""Small normalisers the formats share: countries to ISO2, scripts, transliteration, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache

import countrynames
from anyascii import anyascii

from bot.lists.model import Name, NameKind

# unicodedata names a letter's script first ('CYRILLIC CAPITAL LETTER A'); ISO 15924 codes.
_SCRIPTS = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "HEBREW": "Hebr",
    "GREEK": "Grek",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "HANGUL": "Hang",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "THAI": "Thai",
    "DEVANAGARI": "Deva",
    "ETHIOPIC": "Ethi",
}
_ISO2 = re.compile(r"^[A-Z]{2}$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")
_US_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")


def script_of(text: str) -> str:
    """The ISO 15924 code of the first letter's script ('Latn' when there is none)."""
    for char in text:
        if char.isalpha():
            head = unicodedata.name(char, "LATIN").split(" ")[0]
            return _SCRIPTS.get(head, "Zyyy")
    return "Latn"


def make_name(value: str, kind: NameKind = "primary", script: str = "") -> Name | None:
    """A Name with its script and, for non-Latin scripts, an ASCII transliteration."""
    value = " ".join(value.split()).strip(" ,;")
    if not value:
        return None
    script = script or script_of(value)
    latin = "" if script == "Latn" else " ".join(anyascii(value).split())
    return Name(value=value, kind=kind, script=script, latin=latin)


@lru_cache(maxsize=4096)
def iso2(text: str) -> str:
    """ISO 3166-1 alpha-2 for a country name or code as lists write it ('' when unknown)."""
    text = " ".join(text.split())
    if not text or text.upper() in ("UNKNOWN", "UNDETERMINED", "N/A", "-"):
        return ""
    if _ISO2.match(text):
        return "RS" if text == "CS" else text  # Serbia and Montenegro's old code
    return countrynames.to_code(text) or ""


def iso_date(text: str, *, month_first: bool = False) -> str:
    """An ISO date from the formats lists use; partial dates (a year) kept as written.

    Slashed dates are day first (UK, EU) unless `month_first` (OFAC writes 12/17/2025)."""
    text = " ".join(text.split())
    if not text:
        return ""
    head = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else text
    for fmt in _US_FORMATS if month_first else _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date().isoformat()
        except ValueError:
            continue
    return text
