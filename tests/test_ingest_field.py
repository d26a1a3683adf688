"""Field failures through the real poller: bad items, unusable bodies, old items, and the
defining path (a teaser-only media item whose article page carries the EP resolution)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from bot.config import Settings, data_dir
from bot.delivery.format import format_alert, html_to_text
from bot.models import Source
from bot.runtime import Runtime
from bot.sources.fetch import Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.support.pages import article_page, paragraphs
from tests.support.pollharness import CountingIngest, Notices

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHAT = 10


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def fetcher(client: httpx.AsyncClient) -> Fetcher:
    return Fetcher(client, StaticResolver({"127.0.0.1": ["127.0.0.1"]}), allow_private=True)


@pytest.fixture
def notices() -> Notices:
    return Notices()


@pytest.fixture
def poller(store: Store, client: httpx.AsyncClient, clock: FakeClock, notices: Notices) -> Poller:
    return Poller(
        store, fetcher(client), CountingIngest(store), clock, notify=notices, failure_threshold=2
    )


def rss(*items: str) -> bytes:
    """An RSS 2.0 document around raw <item> markup."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


def item(guid: str, title: str, *, when: datetime = NOW, link: str = "", text: str = "") -> str:
    link = link or f"https://wire.example/{guid}"
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{text}</description></item>"
    )


def titles(store: Store) -> list[str]:
    return sorted(a.title for a in store.articles_since(NOW - timedelta(days=30)))


# ---------------------------------------------------------------- one bad item


@pytest.mark.parametrize(
    ("bad", "stored_as"),
    [
        (item("b", "Lone surrogate &#xD800; in the title"), "Lone surrogate in the title"),
        (item("b", "Decimal surrogate &#55296; too"), "Decimal surrogate too"),
        (
            item("b", "Control \x01 character and &#x1; reference"),
            "Control character and reference",
        ),
        (item("b", "Forbidden &#xFFFE; noncharacter"), "Forbidden noncharacter"),
    ],
)
async def test_a_broken_character_costs_nothing(
    bad: str, stored_as: str, feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    feed_server.route("/f", rss(item("g1", "First good item"), bad, item("g2", "Second good item")))
    status = await poller.poll_source(Source("wire", "Wire", feed_server.url("/f")))
    assert (status.outcome, status.seen_items, status.new_items) == ("ok", 3, 3)
    assert titles(store) == sorted(["First good item", "Second good item", stored_as])


async def test_one_unrepairable_item_is_skipped_and_counted(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    huge_link = "https://wire.example/" + "x" * 3000
    feed = rss(
        item("g1", "First good item"), item("b", "Bad", link=huge_link), item("g2", "Second")
    )
    feed_server.route("/f", feed)
    status = await poller.poll_source(Source("wire", "Wire", feed_server.url("/f")))
    assert (status.outcome, status.seen_items, status.skipped_items) == ("ok", 2, 1)
    assert titles(store) == ["First good item", "Second"]
    assert "2 items, 2 new, 1 skipped (malformed)" in status.line()
    # The next poll of the same body is "not modified": the skip is not retried forever.
    assert (await poller.poll_source(Source("wire", "Wire", feed_server.url("/f")))).outcome == (
        "not_modified"
    )


async def test_json_items_with_surrogates_or_of_the_wrong_type(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    body = json.dumps(
        {
            "results": [
                {"title": "Good \ud800 one", "link": "/a", "date": "2026-11-30"},
                "not an object",
                {"title": "Good two", "link": "/b", "date": "2026-11-30", "extra": "\udfff"},
            ]
        },
        ensure_ascii=True,  # "\ud800" as the escape real APIs send
    ).encode()
    feed_server.route("/api", body, content_type="application/json")
    mapping = {"items": "results", "title": "title", "link": "link", "date": "date"}
    source = Source("api", "API", feed_server.url("/api"), kind="json", selectors=mapping)
    status = await poller.poll_source(source)
    assert (status.outcome, status.seen_items, status.skipped_items) == ("ok", 2, 1)
    assert titles(store) == ["Good one", "Good two"]


# ------------------------------------------------------------ failing sources


CLOUDFLARE = (
    b"<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title></head><body>"
    b"<div id='challenge-error-text'>Enable JavaScript and cookies to continue</div>"
    b"<script src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1'></script></body></html>"
)
AKAMAI = (
    b"<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    b"You don't have permission to access this server.<P>\nReference&#32;&#35;18.1a2b3c4d\n"
    b"<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;1a2b3c4d</P></BODY></HTML>"
)


@pytest.mark.parametrize(
    ("body", "status", "kind", "vendor"),
    [
        (CLOUDFLARE, 200, "rss", "Cloudflare"),
        (CLOUDFLARE, 503, "rss", None),  # the HTTP status already says it
        (AKAMAI, 200, "json", "Akamai"),
        (AKAMAI, 200, "html", "Akamai"),
        (
            (Path(__file__).parent / "feeds/real/ep-press-challenge.html").read_bytes(),
            202,
            "rss",
            "AWS WAF",
        ),
    ],
)
async def test_a_challenge_page_is_a_failure_that_reaches_the_admins(
    body: bytes,
    status: int,
    kind: str,
    vendor: str | None,
    feed_server: FeedServer,
    store: Store,
    poller: Poller,
    notices: Notices,
) -> None:
    feed_server.route("/f", body, status=status, content_type="text/html")
    selectors = {"item": "div.row", "title": "a", "link": "a"} if kind == "html" else {}
    source = Source("src", "Some Source", feed_server.url("/f"), kind=kind, selectors=selectors)  # type: ignore[arg-type]
    first = await poller.poll_source(source)
    second = await poller.poll_source(source)
    assert first.outcome == second.outcome == "error"
    expected = f"blocked by a browser check ({vendor} challenge)" if vendor else f"HTTP {status}"
    assert expected in (second.error or "")
    health = store.get_source_health("src")
    assert health and health.consecutive_failures == 2 and expected in (health.last_error or "")
    assert len(notices.texts) == 1 and "Some Source (src) is failing" in notices.texts[0]
    assert expected in notices.texts[0]


@pytest.mark.parametrize(
    ("mapping", "reason"),
    [
        (
            {"items": "data", "title": "name", "link": "href", "date": "when"},
            "none of the 2 items could be read (no title and no text): check the source's field mapping",
        ),
        (
            {"items": "data", "title": "title", "link": "url", "date": "when"},
            "none of the 2 items has a date: check the source's field mapping",
        ),
        (
            {"items": "data", "title": "ref", "link": "url", "date": "date"},
            "the 2 items have document numbers, not titles: check the source's field mapping",
        ),
        (
            {"items": "records", "title": "title"},
            "JSON has no item list at 'records'",
        ),
    ],
)
async def test_a_json_body_whose_items_map_to_nothing_is_a_failure(
    mapping: dict[str, str], reason: str, feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    data = {
        "data": [
            {
                "title": "Council adopts measures",
                "url": "/1",
                "date": "2026-11-30",
                "ref": "T10-0451/2026",
            },
            {
                "title": "Council lists officials",
                "url": "/2",
                "date": "2026-11-29",
                "ref": "T10-0447/2026",
            },
        ]
    }
    feed_server.route("/api", json.dumps(data).encode(), content_type="application/json")
    source = Source("api", "API", feed_server.url("/api"), kind="json", selectors=mapping)
    status = await poller.poll_source(source)
    assert (status.outcome, status.error) == ("error", reason)
    assert store.count_articles() == 0


async def test_a_feed_of_undated_items_is_a_failure_but_an_empty_one_is_not(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    undated = b'<rss version="2.0"><channel><title>t</title><item><title>A</title><link>https://x.example/a</link></item></channel></rss>'
    feed_server.route("/undated", undated)
    status = await poller.poll_source(Source("u", "U", feed_server.url("/undated")))
    assert (status.outcome, status.error) == ("error", "none of the 1 items has a date")
    feed_server.route(
        "/empty", b'<rss version="2.0"><channel><title>quiet day</title></channel></rss>'
    )
    assert (await poller.poll_source(Source("e", "E", feed_server.url("/empty")))).outcome == "ok"


async def test_a_normal_page_with_a_cloudflare_script_is_not_a_challenge(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    rows = "".join(
        f'<div class="row"><a href="/a/{n}">Designation update number {n} for the sanctions programme</a>'
        f"<span>November {20 + n}, 2026 - Updates</span><p>{'Text of the listing. ' * 30}</p></div>"
        for n in range(3)
    )
    page = f"<html><head><script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script></head><body>{rows}</body></html>"
    feed_server.route("/list", page.encode(), content_type="text/html")
    selectors = {"item": "div.row", "title": "a", "link": "a", "date": "span"}
    status = await poller.poll_source(
        Source("l", "L", feed_server.url("/list"), kind="html", selectors=selectors)
    )
    assert (status.outcome, status.new_items) == ("ok", 3)


# ------------------------------------------------ the defining path, and the age rule


@pytest.fixture
def runtime(tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    settings = Settings(
        db_path=tmp_path / "bot.db",
        rules_dir=data_dir("rules"),
        allow_private_network=True,
    )
    rt = Runtime.open(settings, clock, with_sources=False)
    rt.store.upsert_chat(CHAT)
    rt.store.subscribe(CHAT, rt.registry.pack_ids())
    yield rt
    rt.close()


TEASER = "Kremlin talks cover the economy and North Korea. Continue reading..."


async def test_teaser_item_gets_the_full_article_and_alerts_on_satellite_state(
    feed_server: FeedServer, runtime: Runtime, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # A Guardian-shaped page: navigation, cookie banner, newsletter box, related links,
    # most viewed, footer around our own version of the seed article.
    feed_server.route(
        "/world/2026/dec/01/putin-lukashenko-sochi",
        article_page("guardian", "belarus-satellite-state"),
        content_type="text/html; charset=utf-8",
    )
    link = feed_server.url("/world/2026/dec/01/putin-lukashenko-sochi")
    old = item("old-1", "Lithuania extends its border zone", when=NOW - timedelta(days=5))
    fresh = item(
        "seed-1",
        "Putin hosts Lukashenko in Sochi",
        when=NOW - timedelta(hours=2),
        link=link,
        text=f"&lt;p&gt;{TEASER}&lt;/p&gt;",
    )
    feed_server.route("/world/rss", rss(fresh, old))
    source = Source(
        "guardian-world",
        "The Guardian",
        feed_server.url("/world/rss"),
        tier="media",
        full_text=True,
    )
    runtime.store.sync_sources([source])
    poller = Poller(runtime.store, fetcher(client), runtime.ingest, clock)
    status = await poller.poll_source(source)
    assert (status.outcome, status.new_items, status.held_back) == ("ok", 2, 1), status.line()
    assert "1 held back (too old to alert)" in status.line()

    articles = {a.title: a for a in runtime.store.articles_since(NOW - timedelta(days=1))}
    seed = articles["Putin hosts Lukashenko in Sochi"]
    assert seed.text.split("\n\n") == paragraphs("belarus-satellite-state")
    assert "Lithuania extends its border zone" in articles  # held back, but stored
    assert [a.title for a in runtime.store.search_articles("Lithuania border")] == [
        "Lithuania extends its border zone"
    ]

    views = runtime.store.recent_alerts(CHAT, limit=20)
    assert {v.title for v in views} == {"Putin hosts Lukashenko in Sochi"}  # the old item: none
    assert any("satellite state" in v.summary for v in views)
    message = html_to_text(format_alert(views[0]))
    assert "satellite state" in message
    assert "Sign up" not in seed.text and "cookies" not in seed.text


async def test_the_teaser_alone_would_not_have_fired(
    feed_server: FeedServer, runtime: Runtime, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # Same item, article page unreachable: the teaser is stored and nothing alerts.
    fresh = item(
        "seed-1",
        "Putin hosts Lukashenko in Sochi",
        when=NOW - timedelta(hours=2),
        link=feed_server.url("/gone"),
        text=TEASER,
    )
    feed_server.route("/world/rss", rss(fresh))
    source = Source("g", "G", feed_server.url("/world/rss"), full_text=True)
    runtime.store.sync_sources([source])
    poller = Poller(runtime.store, fetcher(client), runtime.ingest, clock)
    assert (await poller.poll_source(source)).new_items == 1
    assert runtime.store.recent_alerts(CHAT, limit=5) == []
