"""Every catalog source, unchanged but for its URL, against a body of today's structure.

Each fixture in tests/feeds/real/ reproduces what the real endpoint answers (markup
and field names; the header names the evidence, the text is ours). The body is
served by the feed server on 127.0.0.1 and read by the real poller and fetcher;
item links marked {{ORIGIN}} point back to the same server, where the outlet's
article page layout (tests/feeds/real/pages/) carries the full text. A static
resolver knows only 127.0.0.1: a link to a real site fails at once, offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.lists.kinds import is_list_kind
from bot.models import Source
from bot.sources.catalog import load_catalog
from bot.sources.fetch import Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller, SourceStatus
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.support.pages import article_page, paragraphs
from tests.support.pollharness import CountingIngest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "feeds" / "real"
CATALOG = {s.id: s for s in load_catalog(ROOT / "seeds" / "sources.yaml")}
ORIGIN = "{O}"  # the loopback origin in expected links
_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rdf": "application/rdf+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class Item:
    """What one stored article must be: its title, link, date and (full) text."""

    title: str
    url: str
    published: str  # ISO, UTC
    text: str | None = None  # a pages/text name: the full text must be exactly its paragraphs


EXPECTED: dict[str, tuple[str, list[Item]]] = {
    "ep-adopted-texts": (
        "ep-adopted-texts.json",
        [
            Item(
                "Situation in Belarus five years after the fraudulent presidential election",
                "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0451",
                "2026-11-26T00:00:00+00:00",
            ),
            Item(
                "Implementation of the common foreign and security policy - annual report 2026",
                "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0447",
                "2026-11-25T00:00:00+00:00",
            ),
            Item(
                "Immobilised Russian assets and the reconstruction of Ukraine",
                "https://data.europarl.europa.eu/eli/dl/doc/TA-10-2026-0440",
                "2026-11-12T00:00:00+00:00",
            ),
        ],
    ),
    "council-press": (
        "council-press.xml",
        [
            Item(
                "Belarus: Council lists further individuals and entities over human rights violations",
                f"{ORIGIN}/en/press/press-releases/2026/11/30/belarus-council-lists-further-individuals/",
                "2026-11-30T14:00:00+00:00",
                "council-decision",
            )
        ],
    ),
    "ec-presscorner": (
        "ec-presscorner.xml",
        [
            Item(
                "Commission welcomes agreement on a further package of restrictive measures",
                f"{ORIGIN}/commission/presscorner/detail/en/ip_26_2345",
                "2026-11-30T16:00:00+00:00",
            )
        ],
    ),
    "eurlex-oj-l": (
        "eurlex-oj-l.xml",
        [
            Item(
                "Council Implementing Regulation (EU) 2026/2611 of 27 November 2026 implementing"
                " Regulation (EC) No 765/2006 concerning restrictive measures in view of the"
                " situation in Belarus and the involvement of Belarus in the Russian aggression"
                " against Ukraine",
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32026R2611",
                "2026-11-27T12:00:00+00:00",  # "Fri, 27 Nov 2026 00:00:00 +0100" is a date
            ),
            Item(
                "Council Decision (CFSP) 2026/2609 of 27 November 2026 amending Decision"
                " 2012/642/CFSP concerning restrictive measures in view of the situation in Belarus",
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32026D2609",
                "2026-11-27T12:00:00+00:00",
            ),
            Item(
                "Commission Implementing Regulation (EU) 2026/2598 of 25 November 2026 entering a"
                " name in the register of protected designations of origin",
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32026R2598",
                "2026-11-25T00:00:00+00:00",  # no pubDate: the date in the title
            ),
        ],
    ),
    "un-press": (
        "un-press.xml",
        [
            Item(
                "Security Council Extends Mandate of Panel of Experts on Sanctions Regime",
                "https://press.un.org/en/2026/sc16241.doc.htm",
                "2026-11-30T20:12:04+00:00",
            ),
            Item(
                "General Assembly Adopts Resolution on Cooperation with Regional Organizations",
                "https://press.un.org/en/2026/ga12711.doc.htm",
                "2026-11-27T18:40:00+00:00",
            ),
        ],
    ),
    "un-news": (
        "un-news.xml",
        [
            Item(
                "Rights experts alarmed by new wave of arrests in Belarus",
                "https://news.un.org/en/story/2026/11/1161001",
                "2026-11-30T15:23:10+00:00",
            )
        ],
    ),
    "uk-ofsi": (
        "uk-ofsi.json",
        [
            Item(
                "Financial sanctions notice: Russia",
                "https://www.gov.uk/government/publications/financial-sanctions-notice-russia-301126",
                "2026-11-30T16:45:12+00:00",
            ),
            Item(
                "OFSI imposes monetary penalty on UK firm",
                "https://www.gov.uk/government/news/ofsi-imposes-monetary-penalty-on-uk-firm",
                "2026-11-27T09:00:00+00:00",
            ),
        ],
    ),
    "uk-fcdo": (
        "uk-fcdo.json",
        [
            Item(
                "UK statement on Belarus at the OSCE Permanent Council",
                "https://www.gov.uk/government/news/uk-statement-on-belarus-at-the-osce-permanent-council",
                "2026-11-30T16:45:12+00:00",
            ),
            Item(
                "UK sanctions suppliers to the Russian military",
                "https://www.gov.uk/government/news/uk-sanctions-russian-military-suppliers",
                "2026-11-27T09:00:00+00:00",
            ),
        ],
    ),
    "ofac-recent": (
        "ofac-recent.html",
        [
            Item(
                "Russia-related Designations; Belarus-related Designations Updates",
                "https://ofac.treasury.gov/recent-actions/20261130",  # catalog `base`
                "2026-11-30T00:00:00+00:00",
            ),
            Item(
                "Issuance of Amended Belarus-related General License 8K",
                "https://ofac.treasury.gov/recent-actions/20261126_33",
                "2026-11-26T00:00:00+00:00",
            ),
            Item(
                "Counter Terrorism Designations; Iran-related Designation Removal",
                "https://ofac.treasury.gov/recent-actions/20260904",
                "2026-09-04T00:00:00+00:00",
            ),
        ],
    ),
    "us-treasury-press": (
        "us-treasury-press.html",
        [
            Item(
                "Treasury Targets Shadow Fleet Moving Russian Oil",
                f"{ORIGIN}/news/press-releases/sb0330",
                "2026-12-01T10:00:00+00:00",
                "treasury-network",
            ),
            Item(
                "Readout: Deputy Secretary Meets Baltic Finance Ministers",
                f"{ORIGIN}/news/press-releases/sb0327",
                "2026-11-28T15:30:00+00:00",
            ),
        ],
    ),
    "fedreg-ofac": (
        "fedreg-ofac.json",
        [
            Item(
                "Notice of OFAC Sanctions Actions",
                "https://www.federalregister.gov/documents/2026/11/30/2026-24117/notice-of-ofac-sanctions-actions",
                "2026-11-30T00:00:00+00:00",
            ),
            Item(
                "Russian Harmful Foreign Activities Sanctions Regulations",
                "https://www.federalregister.gov/documents/2026/11/25/2026-23950/russian-harmful-foreign-activities-sanctions-regulations",
                "2026-11-25T00:00:00+00:00",
            ),
        ],
    ),
    "canada-gac": (
        "canada-gac.atom",
        [
            Item(
                "Canada imposes additional sanctions on Belarus",
                "https://www.canada.ca/en/global-affairs/news/2026/11/canada-imposes-additional-sanctions-on-belarus.html",
                "2026-11-30T21:30:00+00:00",
            )
        ],
    ),
    "swiss-seco": (
        "swiss-seco.xml",
        [
            Item(
                "Switzerland adopts further EU sanctions against Belarus",
                "https://www.admin.ch/gov/en/start/documentation/media-releases.msg-id-105123.html",
                "2026-12-01T08:00:00+00:00",
            )
        ],
    ),
    "guardian-world": (
        "guardian-world.xml",
        [
            Item(
                "EU ministers weigh new Belarus listings",
                f"{ORIGIN}/guardian/eu-listings",
                "2026-11-30T14:02:11+00:00",
                "eu-listings",
            ),
            Item(
                "Putin hosts Lukashenko in Sochi as MEPs harden their line on Minsk",
                f"{ORIGIN}/guardian/belarus-satellite-state",
                "2026-11-27T18:30:00+00:00",
                "belarus-satellite-state",
            ),
        ],
    ),
    "euronews": (
        "euronews.xml",
        [
            Item(
                "EU readies tariffs on Belarusian fertiliser",
                f"{ORIGIN}/euronews/eu-listings",
                "2026-11-30T09:15:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "euronews-ru": (
        "euronews-ru.xml",
        [
            Item(
                "ЕС обсуждает новые санкции против белорусских чиновников",
                f"{ORIGIN}/euronews/drills-ru",
                "2026-11-30T09:15:00+00:00",
                "drills-ru",
            )
        ],
    ),
    "kyiv-independent": (
        "kyiv-independent.xml",
        [
            Item(
                "EU ministers discuss new Belarus sanctions as Kyiv warns of joint drills",
                f"{ORIGIN}/kyivindependent/eu-listings",
                "2026-11-30T09:40:00+00:00",
                "eu-listings",
            ),
            Item(
                "Putin, Lukashenko meet in Sochi days after European Parliament resolution",
                f"{ORIGIN}/kyivindependent/belarus-satellite-state",
                "2026-11-27T19:10:00+00:00",
                "belarus-satellite-state",
            ),
        ],
    ),
    "rferl": (
        "rferl.xml",
        [
            Item(
                "EU Weighs New Listings Of Belarusian Judges And Factory Bosses",
                f"{ORIGIN}/rferl/eu-listings",
                "2026-11-30T13:00:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "svoboda-ru": (
        "svoboda-ru.xml",
        [
            Item(
                "ЕС обсуждает новые санкции против Минска",
                f"{ORIGIN}/rferl/drills-ru",
                "2026-11-30T13:00:00+00:00",
                "drills-ru",
            )
        ],
    ),
    "dw-en": (
        "dw-en.rdf",
        [
            Item(
                "EU weighs fresh sanctions on Belarus",
                f"{ORIGIN}/dw/eu-listings",
                "2026-11-30T11:00:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "dw-ru": (
        "dw-ru.rdf",
        [
            Item(
                "ЕС готовит новые санкции против Беларуси",
                f"{ORIGIN}/dw/drills-ru",
                "2026-11-30T11:00:00+00:00",
                "drills-ru",
            )
        ],
    ),
    "tass-en": (
        "tass-en.xml",
        [
            Item(
                "Moscow rejects new Western measures against shipping companies",
                f"{ORIGIN}/tass/treasury-network",
                "2026-12-01T05:20:00+00:00",
                "treasury-network",
            )
        ],
    ),
    "meduza-en": (
        "meduza-en.xml",
        [
            Item(
                "Belarusian officials face new European listings",
                f"{ORIGIN}/meduza/eu-listings",
                "2026-11-30T12:05:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "meduza-ru": (
        "meduza-ru.xml",
        [
            Item(
                "Белорусским чиновникам грозят новые санкции ЕС",
                f"{ORIGIN}/meduza/drills-ru",
                "2026-11-30T12:05:00+00:00",
                "drills-ru",
            )
        ],
    ),
    "belta-en": (
        "belta-en.xml",
        [
            Item(
                "Belarus comments on new European proposals",
                f"{ORIGIN}/belta/eu-listings",
                "2026-11-30T11:10:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "belta-ru": (
        "belta-ru.xml",
        [
            Item(
                "В Минске прокомментировали предложения ЕС",
                f"{ORIGIN}/belta/drills-ru",
                "2026-11-30T11:10:00+00:00",
                "drills-ru",
            )
        ],
    ),
    "pravda-ua-en": (
        "pravda-ua-en.xml",
        [
            Item(
                "EU ministers discuss new Belarus sanctions",
                f"{ORIGIN}/pravda/eu-listings",
                "2026-11-30T13:30:00+00:00",
                "eu-listings",
            )
        ],
    ),
    "pravda-ua": (
        "pravda-ua.xml",
        [
            Item(
                "У ЄС обговорили нові санкції проти Білорусі",
                f"{ORIGIN}/pravda/border-uk",
                "2026-11-30T13:30:00+00:00",
                "border-uk",
            )
        ],
    ),
}
# Sources whose article pages the fixtures point at (besides /<layout>/<text> media pages).
PAGES = {
    "/en/press/press-releases/2026/11/30/belarus-council-lists-further-individuals/": (
        "consilium",
        "council-decision",
    ),
    "/news/press-releases/sb0330": ("treasury", "treasury-network"),
}
_MEDIA_LINK = re.compile(r"\{\{ORIGIN\}\}/([a-z]+)/([a-z-]+)")


@pytest.fixture
def poller(store: Store, client: httpx.AsyncClient, clock: FakeClock) -> Poller:
    # Only the loopback server resolves: a link to a real site fails offline, at once.
    resolver = StaticResolver({"127.0.0.1": ["127.0.0.1"]})
    fetcher = Fetcher(client, resolver, allow_private=True, timeout=10.0)
    return Poller(store, fetcher, CountingIngest(store), clock)


def serve(feed_server: FeedServer, source_id: str, fixture: str, **route: object) -> Source:
    """Serve a fixture (with its article pages) and return the catalog entry pointed at it."""
    origin = feed_server.url("")
    body = (REAL / fixture).read_text("utf-8")
    for layout, text in set(_MEDIA_LINK.findall(body)):
        if not (REAL / "pages" / f"{layout}.html").exists():
            continue  # an official site's own path, not an outlet's article page
        feed_server.route(f"/{layout}/{text}", article_page(layout, text), content_type="text/html")
    for path, (layout, text) in PAGES.items():
        feed_server.route(path, article_page(layout, text), content_type="text/html")
    content_type = _TYPES[Path(fixture).suffix]
    feed_server.route(
        f"/src/{source_id}",
        body.replace("{{ORIGIN}}", origin).encode(),
        **{"content_type": content_type, **route},
    )  # type: ignore[arg-type]
    return replace(CATALOG[source_id], url=feed_server.url(f"/src/{source_id}"))


def stored(store: Store, clock: FakeClock) -> dict[str, tuple[str, str, str]]:
    """Stored articles by title: (url, published ISO, text)."""
    since = clock.now - timedelta(days=1)
    return {
        a.title: (a.url, a.published.isoformat() if a.published else "", a.text)
        for a in store.articles_since(since)
    }


LIST_FIXTURES = ROOT / "tests" / "lists" / "fixtures"


def test_every_catalog_source_has_a_real_structure_fixture() -> None:
    # Official lists are versioned files: their fixtures are v1/v2 pairs read by
    # tests/lists/test_list_changes.py through the list path, not by this module.
    lists = {i for i, s in CATALOG.items() if is_list_kind(s.kind)}
    missing = sorted(set(CATALOG) - set(EXPECTED) - lists - {"ep-press"})
    assert missing == [], f"catalog sources without a fixture: {missing}"
    no_pair = sorted(
        i for i in lists if not all((LIST_FIXTURES / f"{i}-v{n}.xml").is_file() for n in (1, 2))
    )
    assert no_pair == [], f"list sources without a v1/v2 fixture pair: {no_pair}"


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
async def test_catalog_entry_reads_todays_structure(
    source_id: str, feed_server: FeedServer, store: Store, poller: Poller, clock: FakeClock
) -> None:
    fixture, items = EXPECTED[source_id]
    if source_id == "ec-presscorner":
        serve_presscorner(feed_server)
    source = serve(feed_server, source_id, fixture)
    status = await poller.poll_source(source)
    assert (status.outcome, status.error) == ("ok", None), status.line()
    assert status.seen_items == len(items) and status.skipped_items == 0
    origin = feed_server.url("")
    got = stored(store, clock)
    assert sorted(got) == sorted(i.title for i in items)
    for item in items:
        url, published, text = got[item.title]
        assert url == item.url.replace(ORIGIN, origin)
        assert published == item.published, item.title
        if item.text:
            assert text.split("\n\n") == paragraphs(item.text), item.title


def serve_presscorner(feed_server: FeedServer) -> None:
    """The press corner's SPA shell at the item link, and its documents API."""
    feed_server.feed(
        "/commission/presscorner/detail/en/ip_26_2345",
        "real/pages/presscorner_shell.html",
        content_type="text/html",
    )
    feed_server.feed(
        "/commission/presscorner/api/documents?reference=IP/26/2345&language=en",
        "real/presscorner-IP-26-2345.json",
        content_type="application/json",
    )


async def test_presscorner_full_text_comes_from_the_documents_api(
    feed_server: FeedServer, store: Store, poller: Poller, clock: FakeClock
) -> None:
    serve_presscorner(feed_server)
    status = await poller.poll_source(serve(feed_server, "ec-presscorner", "ec-presscorner.xml"))
    assert status.outcome == "ok"
    ((_, _, text),) = stored(store, clock).values()
    assert "forty individuals and entities to the asset freeze" in text
    assert "machine tools to Russian arms makers through Belarus" in text
    assert "JavaScript" not in text


async def test_ep_press_is_listed_but_not_polled(poller: Poller, feed_server: FeedServer) -> None:
    source = CATALOG["ep-press"]
    assert source.needs_browser and not source.enabled
    status = await poller.poll_source(replace(source, url=feed_server.url("/ep")))
    assert (status.outcome, status.error) == ("skipped", "disabled: needs a browser")
    assert feed_server.requests() == []


async def test_ep_press_challenge_page_is_a_failure(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    source = replace(
        serve(feed_server, "ep-press", "ep-press-challenge.html", status=202), enabled=True
    )
    status = await poller.poll_source(source)
    assert status.outcome == "error"
    assert (
        status.error
        == "blocked by a browser check (AWS WAF challenge): this source needs a browser"
    )
    assert store.count_articles() == 0
    health = store.get_source_health("ep-press")
    assert (
        health and health.consecutive_failures == 1 and "browser check" in (health.last_error or "")
    )


async def test_ep_press_items_that_come_through_lose_their_label(
    feed_server: FeedServer, store: Store, poller: Poller, clock: FakeClock
) -> None:
    source = replace(serve(feed_server, "ep-press", "ep-press.xml"), enabled=True)
    status = await poller.poll_source(source)
    assert status.outcome == "ok"
    assert sorted(stored(store, clock)) == [
        "Belarus: MEPs call for the release of all political prisoners",
        "Frozen Russian assets: committee backs use for Ukraine's reconstruction",
    ]


async def test_ep_adopted_texts_bare_view_is_a_failure_not_document_numbers(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    status = await poller.poll_source(
        serve(feed_server, "ep-adopted-texts", "ep-adopted-texts-bare.json")
    )
    assert status.outcome == "error"
    assert status.error == (
        "none of the 2 items could be read (no title and no text): check the source's field mapping"
    )
    assert store.count_articles() == 0


async def test_ep_adopted_texts_url_gets_the_current_year(
    feed_server: FeedServer, store: Store, poller: Poller, clock: FakeClock
) -> None:
    assert "year={year}" in CATALOG["ep-adopted-texts"].url
    body = (REAL / "ep-adopted-texts.json").read_bytes()
    feed_server.route("/adopted?year=2026&sort-by=date:desc", body, content_type="application/json")
    source = replace(
        CATALOG["ep-adopted-texts"], url=feed_server.url("/adopted?year={year}&sort-by=date:desc")
    )
    status: SourceStatus = await poller.poll_source(source)
    assert status.outcome == "ok" and status.new_items == 3
    assert [r.path for r in feed_server.requests()] == ["/adopted?year=2026&sort-by=date:desc"]
