"""RSS documents for the end-to-end tests, built from (title, text) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from html import escape


def rss(items: Sequence[tuple[str, str, str]], published: datetime) -> bytes:
    """An RSS 2.0 feed; each item is (guid, title, text) with paragraphs split by blank lines."""
    parts = []
    for guid, title, text in items:
        body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        parts.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>https://news.example.org/{escape(guid)}</link>"
            f'<guid isPermaLink="false">{escape(guid)}</guid>'
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(body)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0"><channel><title>Loopback Wire</title>'
        "<link>https://news.example.org/</link><description>test feed</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode("utf-8")
