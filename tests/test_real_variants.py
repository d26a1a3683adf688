"""The six checked catalog entries against the variations real bodies show between
records, pages and days: the entry is unchanged but for its URL, as in the field."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from bot.sources.fetch import Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.support.pollharness import CountingIngest
from tests.test_real_sources import CATALOG


@pytest.fixture
def poller(store: Store, client: httpx.AsyncClient, clock: FakeClock) -> Poller:
    fetcher = Fetcher(client, StaticResolver({"127.0.0.1": ["127.0.0.1"]}), allow_private=True)
    return Poller(store, fetcher, CountingIngest(store), clock)


async def poll(
    feed_server: FeedServer, poller: Poller, store: Store, source_id: str, body: bytes, ctype: str
) -> list[tuple[str, str, str]]:
    feed_server.route("/body", body, content_type=ctype)
    status = await poller.poll_source(replace(CATALOG[source_id], url=feed_server.url("/body")))
    assert (status.outcome, status.error, status.skipped_items) == ("ok", None, 0), status.line()
    since = store.clock() - timedelta(days=1)
    return sorted(
        (a.title, a.url, a.published.date().isoformat() if a.published else "")
        for a in store.articles_since(since)
    )


async def test_ep_adopted_texts_graph_ids_and_many_languages(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    languages = ["bg", "es", "cs", "da", "de", "et", "el", "en", "fr", "ga", "hr", "it"]
    body = {
        "@graph": [
            {
                "@id": "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0500",
                "identifier": "TA-10-2026-0500",
                "document_date": "2026-11-27T00:00:00",
                "is_realized_by": [
                    {
                        "title": {
                            lang: f"[{lang}] Belarus resolution"
                            if lang != "en"
                            else "Belarus resolution"
                        }
                    }
                    for lang in languages
                ],
            },
            {
                "id": "eli/dl/doc/TA-10-2026-0499",
                "identifier": "TA-10-2026-0499",
                "document_date": "2026-11-26",
                "title_dcterms": {"en": ["Humanitarian situation in Sudan"]},
                "label": "T10-0499/2026",
            },
        ]
    }
    got = await poll(
        feed_server,
        poller,
        store,
        "ep-adopted-texts",
        json.dumps(body).encode(),
        "application/ld+json",
    )
    assert got == [
        (
            "Belarus resolution",
            "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0500",
            "2026-11-27",
        ),
        (
            "Humanitarian situation in Sudan",
            "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0499",
            "2026-11-26",
        ),
    ]


async def test_ofac_rows_inside_view_content_with_other_date_markup(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    page = """<html><body><div class="view-content">
      <div class="search-result views-row"><div class="font-sans-lg"><a href="/recent-actions/20260904">
        Russia-related Designations</a></div>
        <div class="margin-top-1">September 04, 2026 - <a href="/recent-actions/x">Sanctions List Updates</a></div></div>
      <div class="views-row search-result margin-bottom-4"><h3><a href="recent-actions/20260903">Issuance of a General License</a></h3>
        <div>Sep 3, 2026 - <a href="/recent-actions/y">General Licenses</a></div></div>
      <div class="search-result views-row"><div class="font-sans-lg"><a href="/recent-actions/20260902">Belarus-related Designation Update</a></div>
        <div class="font-sans-2xs"><time datetime="2026-09-02T10:00:00-04:00">09/02/2026</time></div></div>
    </div></body></html>"""
    got = await poll(feed_server, poller, store, "ofac-recent", page.encode(), "text/html")
    assert got == [
        (
            "Belarus-related Designation Update",
            "https://ofac.treasury.gov/recent-actions/20260902",
            "2026-09-02",
        ),
        (
            "Issuance of a General License",
            "https://ofac.treasury.gov/recent-actions/20260903",
            "2026-09-03",
        ),
        (
            "Russia-related Designations",
            "https://ofac.treasury.gov/recent-actions/20260904",
            "2026-09-04",
        ),
    ]


async def test_treasury_rows_with_text_only_dates(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    page = """<html><body>
      <div class="mm-news-row"><span class="date-format"><time>September 4, 2026</time></span>
        <div class="news-title"><a href="/news/press-releases/sb0250">Treasury Sanctions Belarusian Potash Exporters</a></div></div>
      <div class="mm-news-row"><time datetime="2026-09-03T12:00:00Z">September 3, 2026</time>
        <div class="news-title"><a href="https://home.treasury.gov/news/press-releases/sb0249">Statement on Russia</a></div></div>
    </body></html>"""
    source = replace(CATALOG["us-treasury-press"], full_text=False)
    feed_server.route("/body", page.encode(), content_type="text/html")
    status = await poller.poll_source(replace(source, url=feed_server.url("/body")))
    assert status.outcome == "ok"
    got = sorted(
        (a.title, a.url, str(a.published))
        for a in store.articles_since(store.clock() - timedelta(days=1))
    )
    assert got == [
        (
            "Statement on Russia",
            "https://home.treasury.gov/news/press-releases/sb0249",
            "2026-09-03 12:00:00+00:00",
        ),
        (
            "Treasury Sanctions Belarusian Potash Exporters",
            "https://home.treasury.gov/news/press-releases/sb0250",
            "2026-09-04 00:00:00+00:00",
        ),
    ]


async def test_eurlex_relative_links_dc_dates_and_spaced_prefixes(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    feed = """<?xml version="1.0" encoding="UTF-8"?>
    <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>OJ L</title>
    <item><title>CELEX: 32026R2000 - Council Regulation (EU) 2026/2000 of 3 September 2026 concerning restrictive measures</title>
      <link>./legal-content/EN/TXT/?uri=CELEX:32026R2000</link><description/><dc:date>2026-09-04</dc:date></item>
    <item><title>CELEX:02014R0833-20260904: Council Regulation (EU) No 833/2014 (consolidated text)</title>
      <link>https://eur-lex.europa.eu/./legal-content/EN/TXT/?uri=CELEX:02014R0833-20260904</link>
      <pubDate>Fri, 04 Sep 2026 00:00:00 +0200</pubDate></item>
    </channel></rss>"""
    got = await poll(
        feed_server, poller, store, "eurlex-oj-l", feed.encode(), "application/rss+xml"
    )
    assert got == [
        (
            "Council Regulation (EU) 2026/2000 of 3 September 2026 concerning restrictive measures",
            "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32026R2000",
            "2026-09-04",
        ),
        (
            "Council Regulation (EU) No 833/2014 (consolidated text)",
            "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02014R0833-20260904",
            "2026-09-04",
        ),
    ]


async def test_fedreg_and_gov_uk_field_variations(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    fedreg = {
        "count": 2,
        "results": [
            {
                "title": "Notice of OFAC Sanctions Action",
                "html_url": "https://www.federalregister.gov/d/2026-17001",
                "publication_date": "2026-09-04",
                "abstract": None,
                "document_number": "2026-17001",
            },
            {
                "title": "Belarus Sanctions Regulations",
                "html_url": "/documents/2026/09/03/2026-16900/belarus-sanctions-regulations",
                "publication_date": "2026-09-03",
                "document_number": "2026-16900",
            },
        ],
    }
    got = await poll(
        feed_server, poller, store, "fedreg-ofac", json.dumps(fedreg).encode(), "application/json"
    )
    assert got == [
        (
            "Belarus Sanctions Regulations",
            "https://www.federalregister.gov/documents/2026/09/03/2026-16900/belarus-sanctions-regulations",
            "2026-09-03",
        ),
        (
            "Notice of OFAC Sanctions Action",
            "https://www.federalregister.gov/d/2026-17001",
            "2026-09-04",
        ),
    ]


async def test_gov_uk_search_results_with_offsets_and_absolute_links(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    results = {
        "results": [
            {
                "title": "Financial sanctions notice: Belarus",
                "link": "/government/publications/financial-sanctions-notice-belarus",
                "public_timestamp": "2026-09-04T23:30:00.000+01:00",
                "description": None,
            },
            {
                "title": "OFSI annual review",
                "link": "https://www.gov.uk/government/publications/ofsi-annual-review",
                "public_timestamp": "2026-09-03T08:00:00Z",
            },
        ],
        "total": 2,
    }
    got = await poll(
        feed_server, poller, store, "uk-ofsi", json.dumps(results).encode(), "application/json"
    )
    assert got == [
        (
            "Financial sanctions notice: Belarus",
            "https://www.gov.uk/government/publications/financial-sanctions-notice-belarus",
            "2026-09-04",
        ),
        (
            "OFSI annual review",
            "https://www.gov.uk/government/publications/ofsi-annual-review",
            "2026-09-03",
        ),
    ]
