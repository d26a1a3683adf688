"""Where a teaser's full text comes from: the item's page, or an API the site offers.

The Commission's press corner pages are an empty single-page-app shell; the
release itself is in its documents API (`presscorner/api/documents?reference=
IP/26/1234&language=en`, field `docuLanguageResource.htmlContent`).
"""

from __future__ import annotations

import json
import re
from typing import Protocol
from urllib.parse import urljoin

from bot.errors import SourceError
from bot.models import Source
from bot.sources.fetch import FetchResult
from bot.sources.jsonmap import pick_text, resolve
from bot.sources.textutil import decode, html_to_text

_PRESSCORNER = re.compile(r"/presscorner/detail/([a-z]{2})/([a-z]+)_(\d{2})_(\d+)", re.IGNORECASE)


class ArticleFetcher(Protocol):
    """The fetcher methods full-text retrieval uses."""

    async def fetch(self, source_or_url: Source | str) -> FetchResult: ...
    async def fetch_article_text(self, url: str) -> str: ...


async def article_text(fetcher: ArticleFetcher, source: Source, url: str) -> str:
    """The full text behind one item link; SourceError when there is none."""
    if source.full_text_from == "presscorner" and (api := presscorner_api_url(url)):
        return await _presscorner_text(fetcher, api)
    return await fetcher.fetch_article_text(url)


def presscorner_api_url(link: str) -> str | None:
    """The documents API address for a press corner item link (detail/en/ip_26_1234)."""
    found = _PRESSCORNER.search(link)
    if not found:
        return None
    language, kind, year, number = found.groups()
    reference = f"{kind.upper()}/{year}/{number}"
    return urljoin(
        link,
        f"/commission/presscorner/api/documents?reference={reference}&language={language.lower()}",
    )


async def _presscorner_text(fetcher: ArticleFetcher, api: str) -> str:
    result = await fetcher.fetch(api)
    try:
        data = json.loads(decode(result.body, result.content_type))
    except ValueError:
        raise SourceError("press corner API did not answer JSON") from None
    text = html_to_text(pick_text(resolve(data, "docuLanguageResource.htmlContent")))
    if not text:
        raise SourceError("press corner API had no htmlContent for this item")
    return text
