"""Item hygiene: one malformed character or field must never cost a whole feed.

Real feeds carry lone UTF-16 surrogates (`&#xD800;` in XML, "\\ud800" in JSON),
C0 control characters, megabyte-long "descriptions" and titles dressed with the
publisher's own labels. SQLite (UTF-8) refuses surrogates outright, and an XML
parser may stop at the first bad reference, so bodies are repaired before
parsing and every field is cleaned before an entry leaves the parser. What
cannot be repaired (an over-long URL, which is an item's identity) skips that
item alone; the caller counts it.
"""

from __future__ import annotations

import hashlib
import re

from bot.models import FeedEntry

MAX_TITLE = 400  # characters; longer titles are cut at a word
MAX_TEXT = 200_000  # characters of article text kept per item (~30k words)
MAX_URL = 2048
MAX_GUID = 512

# Code points XML 1.0 forbids (and SQLite's UTF-8 cannot hold, for surrogates).
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# Labels publishers put in front of the real title.
_TITLE_PREFIXES = (
    # EUR-Lex: "CELEX:32026R1234: Council ..." (consolidated: "CELEX:02014R0833-20240625: ")
    re.compile(r"^CELEX\s*:\s*[0-9A-Z()_.]+(?:-\d{8})?\s*[:–-]\s*"),
    re.compile(r"^Press release\s*[-–—:|]\s*", re.IGNORECASE),  # EP press RSS
)
_WS = re.compile(r"\s+")


class BadItem(ValueError):
    """An item that cannot be repaired; it is skipped and counted, the feed goes on."""


def strip_invalid(text: str) -> str:
    """Text without lone surrogates and characters XML and SQLite cannot hold."""
    return _INVALID_CHARS.sub("", text)


def repair_xml(text: str) -> str:
    """XML text whose references to forbidden characters (&#xD800;, &#1;) are removed."""
    if "&#" not in text and not _INVALID_CHARS.search(text):
        return text
    return strip_invalid(_CHAR_REF.sub(_keep_valid_ref, text))


def _keep_valid_ref(match: re.Match[str]) -> str:
    hex_digits, decimal = match.groups()
    try:
        code = int(hex_digits, 16) if hex_digits else int(decimal)
    except ValueError:
        return ""
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return match.group(0)
    if 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return ""


def clean_title(title: str) -> str:
    """A display title: one line, publisher labels removed, at most MAX_TITLE characters."""
    title = _WS.sub(" ", strip_invalid(title)).strip()
    for prefix in _TITLE_PREFIXES:
        title = prefix.sub("", title, count=1)
    return _cut(title, MAX_TITLE)


def clean_text(text: str) -> str:
    """Item text without forbidden characters, cut at a paragraph past MAX_TEXT."""
    text = strip_invalid(text)
    if len(text) <= MAX_TEXT:
        return text
    cut = text.rfind("\n\n", 0, MAX_TEXT)
    return text[: cut if cut > MAX_TEXT // 2 else MAX_TEXT].rstrip()


def clean_entry(entry: FeedEntry) -> FeedEntry:
    """The entry with every field cleaned; BadItem when it cannot be kept."""
    url = strip_invalid(entry.url).strip()
    if len(url) > MAX_URL:
        raise BadItem(f"link longer than {MAX_URL} characters")
    guid = strip_invalid(entry.guid).strip()
    if len(guid) > MAX_GUID:
        # Still stable across polls, so dedup keeps working.
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()[:32]
    title = clean_title(entry.title)
    text = clean_text(entry.text)
    if not title and not text.strip():
        raise BadItem("no title and no text")
    return FeedEntry(entry.source_id, guid or url, url, title, text, entry.published)


def digest_id(title: str, text: str) -> str:
    """A stable id for an item that has neither guid nor link."""
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:32]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit - 1)
    return text[: space if space > limit // 2 else limit - 1].rstrip() + "…"
