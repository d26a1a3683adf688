"""Text helpers for parsing: charset detection, HTML to plain text, dates, full text."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime, time
from email.utils import parsedate_to_datetime
from html import unescape

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from bot.sources.dates import find_date

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "dd",
        "dt",
        "dl",
        "figure",
        "figcaption",
        "address",
        "hr",
    ]
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_DATE_FORMATS = (
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d %B %Y %H:%M",
    "%A, %d %B %Y",
    "%A %d %B %Y",
    "%B %d %Y",
)


def decode(body: bytes, content_type: str | None) -> str:
    """Bytes to text: BOM, then the document's own declaration, then HTTP charset, then a guess."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    if body.startswith(codecs.BOM_UTF16_BE):
        return body[2:].decode("utf-16-be", errors="replace")
    candidates: list[str] = []
    head = body[:2048]
    for pattern in (_XML_DECL, _META_CHARSET):
        found = pattern.search(head)
        if found:
            candidates.append(found.group(1).decode("ascii"))
    if content_type and (header := _CHARSET.search(content_type)):
        candidates.append(header.group(1))
    candidates.append("utf-8")
    for name in candidates:
        try:
            return body.decode(_codec(name))
        except (LookupError, UnicodeDecodeError):
            continue  # a wrong declaration is common: try the next witness
    return _guess(body)


def _codec(name: str) -> str:
    # ISO-8859-1 labels mean windows-1252 on the web (WHATWG), which is a superset.
    lowered = name.lower()
    return "cp1252" if lowered in ("iso-8859-1", "latin-1", "latin1", "us-ascii") else lowered


def _guess(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    if best is not None:
        try:
            return body.decode(best.encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return body.decode("cp1252", errors="replace")


def html_to_text(markup: str) -> str:
    """HTML (or plain text) to plain text; paragraphs separated by one blank line."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return _tidy(unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(unescape(re.sub(r"<[^>]*>", " ", markup)))
    for bad in root.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
            element.text = "\n\n" + (element.text or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def parse_date(value: object, *, month_first: bool = False) -> datetime | None:
    """A date in any common format as aware UTC; None when missing or unreadable.

    `month_first`: read an ambiguous 09/02/2026 as September 2 (US sources).
    """
    if isinstance(value, datetime):
        return _aware(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = _SPACES.sub(" ", value.strip())
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text).rstrip(".")
    for fmt in _DATE_FORMATS:
        try:
            return _aware(datetime.strptime(cleaned, fmt))
        except ValueError:
            continue
    # Listings and APIs also wrap the date in words: "September 04, 2026 - Updates".
    return find_date(text, month_first=month_first)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    offset = moment.utcoffset()
    if offset and moment.time() == time(0, 0):
        # Local midnight is how official journals and registers write a date
        # ("Fri, 27 Nov 2026 00:00:00 +0100"): converted to UTC it would show the
        # day before. Keep the calendar date, at noon UTC.
        return datetime.combine(moment.date(), time(12, 0), tzinfo=UTC)
    return moment.astimezone(UTC)


def extract_text(html: bytes | str, url: str | None = None) -> str:
    """The main text of an article page, paragraphs separated by blank lines (extract.py)."""
    from bot.sources.extract import extract_article  # lxml + trafilatura: load lazily

    document = html if isinstance(html, str) else decode(html, None)
    return extract_article(document, url)
