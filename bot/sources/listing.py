"""HTML listing pages read with a source's CSS selectors (OFAC recent actions, Treasury).

Selectors are lists in preference order (`.font-sans-lg a, h3 a, a`): the first
alternative that matches inside a row wins, whatever the document order. Dates
are taken from the date element's `datetime` attribute or found in its text
("September 04, 2026 - Sanctions List Updates"); a row whose date element is
missing is searched as a whole, title excluded, so a renamed date class does
not cost the dates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from bot.errors import SourceError
from bot.models import FeedEntry, Source
from bot.sources.challenge import challenge_reason
from bot.sources.clean import BadItem, clean_entry
from bot.sources.dates import find_date
from bot.sources.links import absolute_link
from bot.sources.report import ParseReport, Tally
from bot.sources.textutil import html_to_text, parse_date


def parse_listing(text: str, source: Source, url: str) -> ParseReport:
    """Entries from an HTML listing page; SourceError when no row matches at all."""
    selectors = source.selectors
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"unreadable HTML: {exc}") from None
    base = selectors.get("base") or url
    root.make_links_absolute(base, resolve_base_href=True)
    rows = first_matches(root, selectors["item"])
    if not rows:
        raise SourceError(
            challenge_reason(text) or f"no items matched selector {selectors['item']!r}"
        )
    tally = Tally(raw_items=len(rows))
    entries: list[FeedEntry] = []
    for row in rows:
        try:
            entries.append(clean_entry(_row_entry(row, source, base)))
            tally.titled += 1
        except BadItem as exc:
            tally.skip(str(exc))
    return ParseReport.of(entries, tally)


def _row_entry(row: Any, source: Source, url: str) -> FeedEntry:
    selectors = source.selectors
    title_node = first(row, selectors.get("title"))
    title = inline_text(title_node) if title_node is not None else ""
    link_node = first(row, selectors.get("link"))
    if link_node is not None and link_node.get("href") is None and title_node is not None:
        link_node = title_node if title_node.get("href") else link_node
    href = link_node.get("href") or "" if link_node is not None else ""
    link = absolute_link(url, href)
    if not title:
        raise BadItem("row has no title")
    if not link:
        raise BadItem("row has no link")
    summary_node = first(row, selectors.get("summary"))
    summary = (
        html_to_text(lxml.html.tostring(summary_node, encoding="unicode"))
        if summary_node is not None
        else ""
    )
    month_first = selectors.get("date_order") == "mdy"
    published = _row_date(row, title_node, selectors.get("date"), month_first)
    return FeedEntry(source.id, link, link, title, summary, published)


def _row_date(
    row: Any, title_node: Any, selector: str | None, month_first: bool
) -> datetime | None:
    node = first(row, selector)
    if node is not None and (moment := date_of(node, month_first=month_first)):
        return moment
    text = inline_text(row)
    if title_node is not None:
        text = text.replace(inline_text(title_node), " ")
    return find_date(text, month_first=month_first)


def first_matches(node: Any, selector: str) -> list[Any]:
    """The nodes matched by the first alternative of a selector list that matches any."""
    for alternative in split_selector(selector):
        found = node.cssselect(alternative)
        if found:
            return list(found)
    return []


def first(node: Any, selector: str | None) -> Any:
    """The first node of the first matching alternative, or None."""
    if not selector:
        return None
    found = first_matches(node, selector)
    return found[0] if found else None


def split_selector(selector: str) -> list[str]:
    """A CSS selector list split at top-level commas (not inside brackets or quotes)."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for index, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(selector[start:index])
            start = index + 1
    parts.append(selector[start:])
    return [p.strip() for p in parts if p.strip()]


def inline_text(node: Any) -> str:
    """An element's text on one line."""
    return " ".join(node.text_content().split())


def date_of(node: Any, *, month_first: bool = False) -> datetime | None:
    """A date from a machine-readable attribute (on the node or inside it), else its text."""
    for element in [node, *node.xpath(".//*[@datetime or @content or @data-date]")]:
        for attribute in ("datetime", "content", "data-date"):
            value = element.get(attribute)
            if value and (moment := parse_date(value)):
                return moment
    return parse_date(inline_text(node), month_first=month_first)
