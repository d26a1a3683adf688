"""Feed bodies to FeedEntry lists: RSS/Atom (feedparser), JSON Feed and APIs, HTML listings.

`parse_feed_report` is the full answer (entries plus how many items the body held
and how many were skipped as malformed); `parse_feed` keeps returning the entries.
Bodies are repaired first (clean.repair_xml) and every entry is cleaned, so one
bad character or field costs at most its own item.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.errors import SourceError
from bot.models import FeedEntry, Source
from bot.sources.challenge import challenge_reason
from bot.sources.clean import BadItem, clean_entry, digest_id, repair_xml, strip_invalid
from bot.sources.jsonmap import JSON_FEED, parse_api
from bot.sources.links import absolute_link
from bot.sources.listing import parse_listing
from bot.sources.report import ParseReport, Tally
from bot.sources.textutil import decode, extract_text, html_to_text, parse_date

__all__ = [
    "absolute_link",
    "extract_text",
    "looks_like_html",
    "not_a_feed",
    "parse_feed",
    "parse_feed_report",
]

MAX_ENTRIES = 500
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Any entity declaration is refused: feeds have no use for them, and they are
# how entity-expansion ("billion laughs") and external-entity attacks start.
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^(\s|<\?xml[^>]*\?>|<!--.*?-->)*", re.DOTALL)
_HTML_START = re.compile(
    r"<!doctype\s+html|<(html|head|body|script|noscript|meta|title)[\s>/]", re.IGNORECASE
)
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF|RDF)[\s>]", re.IGNORECASE)


def parse_feed(body: bytes, source: Source, url: str, content_type: str | None) -> list[FeedEntry]:
    """Parse a fetched body according to the source's kind; SourceError when unusable."""
    return list(parse_feed_report(body, source, url, content_type).entries)


def parse_feed_report(
    body: bytes, source: Source, url: str, content_type: str | None
) -> ParseReport:
    """Entries of a fetched body with the counts of items held and skipped."""
    if not body.strip():
        raise SourceError("empty response body")
    text = decode(body, content_type)
    if source.kind == "html":
        report = parse_listing(text, source, url)
    elif source.kind == "json" or (not text.lstrip().startswith("<") and _is_json(content_type)):
        if looks_like_html(text):
            raise SourceError(not_a_feed(text))
        report = parse_json(text, source, url)
    else:
        report = parse_xml(text, source, url, content_type)
    return _limit(report)


def _limit(report: ParseReport) -> ParseReport:
    if len(report.entries) <= MAX_ENTRIES:
        return report
    return ParseReport(
        report.entries[:MAX_ENTRIES],
        report.raw_items,
        report.skipped,
        report.titled,
        report.problems,
    )


def _is_json(content_type: str | None) -> bool:
    return bool(content_type) and "json" in (content_type or "").lower()


def looks_like_html(text: str) -> bool:
    """Whether a body is an HTML page (an error, login or challenge page where a feed was expected)."""
    start = _LEADING_JUNK.sub("", text[:4096], count=1)
    return bool(_HTML_START.match(start)) and not _FEED_ROOT.search(text[:4096])


def not_a_feed(text: str) -> str:
    """The failure reason for HTML where a feed was expected: a browser check, or just HTML."""
    return challenge_reason(text) or "not a feed: got HTML"


def parse_xml(text: str, source: Source, url: str, content_type: str | None) -> ParseReport:
    """RSS 0.9x/1.0/2.0 and Atom through feedparser, after our own safety checks."""
    if _ENTITY_DECL.search(text[:65536]):
        raise SourceError("refused: the feed declares XML entities", transient=False)
    if looks_like_html(text):
        raise SourceError(not_a_feed(text))
    # We decoded the charset ourselves (feedparser's fallback mangles undeclared
    # windows-1251), so hand feedparser UTF-8 with a matching declaration. A lone
    # surrogate reference (&#xD800;) would stop the XML parser: repaired first.
    clean = repair_xml(_XML_DECL.sub("", text, count=1))
    data = ('<?xml version="1.0" encoding="utf-8"?>' + clean).encode("utf-8", "replace")
    parsed = feedparser.parse(
        data,
        # Relative item links resolve against the catalog's `base` when it names one.
        response_headers={
            "content-location": source.selectors.get("base") or url,
            "content-type": "application/xml",
        },
        # Item HTML becomes plain text (html_to_text drops scripts and styles), so
        # feedparser's sanitiser and in-content URI rewriting are wasted work: 4x
        # faster without them. Item links are still resolved (xml:base, base URL).
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    items = list(parsed.entries)
    if parsed.get("bozo"):
        # feedparser recovers from malformed XML (real feeds have bare '&'), but a
        # truncated body yields half items: keep only those with a link or an id.
        items = [i for i in items if i.get("link") or i.get("id")]
        if not items:
            reason = str(parsed.get("bozo_exception", "")).strip()
            raise SourceError("invalid XML" + (f": {reason[:120]}" if reason else ""))
    elif not items and not parsed.get("version"):
        raise SourceError("not a feed: no RSS or Atom root element")
    tally = Tally(raw_items=len(items))
    entries = []
    for item in items:
        try:
            entry, titled = _xml_entry(item, source, source.selectors.get("base") or url)
            entries.append(clean_entry(entry))
            tally.titled += titled
        except BadItem as exc:
            tally.skip(str(exc))
        except (TypeError, ValueError, AttributeError, UnicodeError) as exc:
            tally.skip(f"unreadable item ({type(exc).__name__})")
    return ParseReport.of(entries, tally)


def _xml_entry(item: Mapping[str, Any], source: Source, base: str) -> tuple[FeedEntry, bool]:
    link = absolute_link(base, strip_invalid(str(item.get("link") or "")))
    title = html_to_text(str(item.get("title") or ""))
    text = _best_text(item)
    if not title and not text:
        raise BadItem("no title and no text")
    # The raw text first: feedparser's parsed time is already in UTC, which turns a
    # date written as local midnight into the day before (see textutil._aware).
    published = None
    for key in ("published", "updated", "created", "dc_date", "date"):
        published = parse_date(item.get(key))
        if published:
            break
    if published is None:
        published = _struct_date(item.get("published_parsed") or item.get("updated_parsed"))
    if published is None and title:
        published = parse_date(title)  # "Council Regulation (EU) 2026/1 of 3 September 2026 ..."
    guid = str(item.get("id") or "").strip() or link or digest_id(title, text)
    # No link stays "": the feed's own URL would make every such item one canonical URL.
    return FeedEntry(source.id, guid, link, title or _first_line(text), text, published), bool(
        title
    )


def _best_text(item: Mapping[str, Any]) -> str:
    candidates = [str(c.get("value") or "") for c in item.get("content") or []]
    candidates.append(str(item.get("summary") or item.get("description") or ""))
    texts = [html_to_text(c) for c in candidates if c.strip()]
    return max(texts, key=len, default="")


def _struct_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        # feedparser normalises to UTC struct_time; timegm reads it as UTC.
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_json(text: str, source: Source, url: str) -> ParseReport:
    """JSON Feed (jsonfeed.org) or a JSON API mapped by the source's selectors."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"invalid JSON: {str(exc)[:100]}") from None
    if isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", "")):
        mapping: Mapping[str, str] = JSON_FEED
    elif source.selectors:
        mapping = source.selectors
    else:
        raise SourceError("not a JSON Feed, and the source has no field mapping")
    return parse_api(data, source, url, mapping)


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line[:200]
