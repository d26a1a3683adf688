"""Feed bodies to FeedEntry lists: RSS/Atom (feedparser), JSON Feed and APIs, HTML listings."""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from bot.errors import SourceError
from bot.models import FeedEntry, Source
from bot.sources.textutil import decode, extract_text, html_to_text, parse_date

__all__ = ["extract_text", "looks_like_html", "parse_feed"]

MAX_ENTRIES = 500
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Any entity declaration is refused: feeds have no use for them, and they are
# how entity-expansion ("billion laughs") and external-entity attacks start.
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^(\s|<\?xml[^>]*\?>|<!--.*?-->)*", re.DOTALL)
_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF|RDF)[\s>]", re.IGNORECASE)


def parse_feed(body: bytes, source: Source, url: str, content_type: str | None) -> list[FeedEntry]:
    """Parse a fetched body according to the source's kind; SourceError when unusable."""
    if not body.strip():
        raise SourceError("empty response body")
    text = decode(body, content_type)
    if source.kind == "html":
        return _limit(parse_listing(text, source, url))
    if source.kind == "json" or (not text.lstrip().startswith("<") and _is_json(content_type)):
        if looks_like_html(text):
            raise SourceError("not a feed: got HTML")
        return _limit(parse_json(text, source, url))
    return _limit(parse_xml(text, source, url, content_type))


def _limit(entries: list[FeedEntry]) -> list[FeedEntry]:
    return entries[:MAX_ENTRIES]


def _is_json(content_type: str | None) -> bool:
    return bool(content_type) and "json" in (content_type or "").lower()


def looks_like_html(text: str) -> bool:
    """Whether a body is an HTML page (an error or login page where a feed was expected)."""
    start = _LEADING_JUNK.sub("", text[:4096], count=1)
    return bool(_HTML_START.match(start)) and not _FEED_ROOT.search(text[:4096])


def parse_xml(text: str, source: Source, url: str, content_type: str | None) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0 and Atom through feedparser, after our own safety checks."""
    if _ENTITY_DECL.search(text[:65536]):
        raise SourceError("refused: the feed declares XML entities", transient=False)
    if looks_like_html(text):
        raise SourceError("not a feed: got HTML")
    # We decoded the charset ourselves (feedparser's fallback mangles undeclared
    # windows-1251), so hand feedparser UTF-8 with a matching declaration.
    data = ('<?xml version="1.0" encoding="utf-8"?>' + _XML_DECL.sub("", text, count=1)).encode()
    parsed = feedparser.parse(
        data,
        response_headers={"content-location": url, "content-type": "application/xml"},
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
    return [e for e in (_xml_entry(item, source, url) for item in items) if e]


def _xml_entry(item: Mapping[str, Any], source: Source, base: str) -> FeedEntry | None:
    link = absolute_link(base, str(item.get("link") or ""))
    title = html_to_text(str(item.get("title") or ""))
    text = _best_text(item)
    if not title and not text:
        return None
    published = _struct_date(item.get("published_parsed") or item.get("updated_parsed"))
    if published is None:
        for key in ("published", "updated", "created", "dc_date", "date"):
            published = parse_date(item.get(key))
            if published:
                break
    guid = str(item.get("id") or "").strip() or link or _digest(title, text)
    # No link stays "": the feed's own URL would make every such item one canonical URL.
    return FeedEntry(source.id, guid, link, title or _first_line(text), text, published)


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


def parse_json(text: str, source: Source, url: str) -> list[FeedEntry]:
    """JSON Feed (jsonfeed.org) or a JSON API mapped by the source's selectors."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"invalid JSON: {str(exc)[:100]}") from None
    if isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", "")):
        mapping = {"items": "items", "title": "title", "link": "url", "guid": "id"}
        mapping |= {"date": "date_published", "summary": "content_html|content_text|summary"}
    elif source.selectors:
        mapping = dict(source.selectors)
    else:
        raise SourceError("not a JSON Feed, and the source has no field mapping")
    items = _path(data, mapping.get("items", "items"))
    if not isinstance(items, list):
        raise SourceError(f"JSON has no item list at {mapping.get('items', 'items')!r}")
    entries = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        title = html_to_text(_scalar(_path(item, mapping.get("title", "title"))))
        body = html_to_text(_scalar(_path(item, mapping.get("summary", "summary"))))
        link = _scalar(_path(item, mapping.get("link", "url")))
        link = absolute_link(mapping.get("base") or url, link)
        guid = _scalar(_path(item, mapping.get("guid", "id"))) or link or _digest(title, body)
        if not title and not body:
            continue
        published = parse_date(_scalar(_path(item, mapping.get("date", "date"))))
        entries.append(
            FeedEntry(source.id, guid, link, title or _first_line(body), body, published)
        )
    return entries


def absolute_link(base: str, link: str) -> str:
    """The link resolved against base; "" unless it is http(s) (no javascript: in alerts)."""
    link = link.strip()
    if not link:
        return ""
    resolved = urljoin(base, link)
    return resolved if urlsplit(resolved).scheme in ("http", "https") else ""


def _path(data: Any, spec: str) -> Any:
    """A dotted path ('a.b.0.c'); 'x|y' takes the first alternative that exists."""
    for alternative in spec.split("|"):
        value = data
        for part in alternative.split(".") if alternative else []:
            if isinstance(value, Mapping):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
            if value is None:
                break
        if value not in (None, "", [], {}):
            return value
    return None


def _scalar(value: Any) -> str:
    """A display string from a JSON value (JSON-LD labels are often {'en': ...} or lists)."""
    if isinstance(value, list):
        return _scalar(value[0]) if value else ""
    if isinstance(value, Mapping):
        for key in ("en", "@value", "value", "label", "name"):
            if key in value:
                return _scalar(value[key])
        return next((_scalar(v) for v in value.values() if isinstance(v, str)), "")
    return "" if value is None else str(value).strip()


def parse_listing(text: str, source: Source, url: str) -> list[FeedEntry]:
    """An HTML listing page read with the source's CSS selectors."""
    selectors = source.selectors
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"unreadable HTML: {exc}") from None
    root.make_links_absolute(url, resolve_base_href=True)
    entries = []
    for node in root.cssselect(selectors["item"]):
        title_node = _first(node, selectors.get("title"))
        link_node = _first(node, selectors.get("link"))
        title = _tidy_inline(title_node.text_content()) if title_node is not None else ""
        href = link_node.get("href") or "" if link_node is not None else ""
        link = absolute_link(url, href)
        if not title or not link:
            continue
        summary_node = _first(node, selectors.get("summary"))
        summary = (
            html_to_text(lxml.html.tostring(summary_node, encoding="unicode"))
            if summary_node is not None
            else ""
        )
        date_node = _first(node, selectors.get("date"))
        published = None
        if date_node is not None:
            published = parse_date(
                date_node.get("datetime") or _tidy_inline(date_node.text_content())
            )
        entries.append(FeedEntry(source.id, link, link, title, summary, published))
    if not entries:
        raise SourceError(f"no items matched selector {selectors['item']!r}")
    return entries


def _first(node: Any, selector: str | None) -> Any:
    if not selector:
        return None
    found = node.cssselect(selector)
    return found[0] if found else None


def _tidy_inline(text: str) -> str:
    return " ".join(text.split())


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line[:200]


def _digest(title: str, text: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:32]
