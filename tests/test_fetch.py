"""The Fetcher against the real feed server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.errors import BlockedAddressError, SourceError
from bot.models import Source
from bot.sources.fetch import USER_AGENT, Fetcher
from bot.sources.netguard import StaticResolver
from bot.sources.state import Validators
from tests.support.feedserver import FeedServer, gzipped

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
LAST_MODIFIED = "Thu, 26 Nov 2026 10:00:00 GMT"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as c:
        yield c


def fetcher(client: httpx.AsyncClient, **options: object) -> Fetcher:
    options.setdefault("allow_private", True)
    options.setdefault("timeout", 10.0)
    return Fetcher(client, **options)  # type: ignore[arg-type]


async def test_plain_fetch_sends_our_user_agent(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/feed", RSS, etag='"v1"', last_modified=LAST_MODIFIED)
    result = await fetcher(client).fetch(Source("s", "S", feed_server.url("/feed")))
    assert (result.status, result.body, result.etag, result.last_modified) == (
        "ok",
        RSS,
        '"v1"',
        LAST_MODIFIED,
    )
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.final_url == feed_server.url("/feed")
    (request,) = feed_server.requests("/feed")
    assert request.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("sanctions-bot/")
    assert "If-None-Match" not in request.headers


async def test_conditional_get_with_etag_and_last_modified(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/feed", RSS, etag='"v1"', last_modified=LAST_MODIFIED)
    f = fetcher(client)
    first = await f.fetch(feed_server.url("/feed"))
    again = await f.fetch(
        feed_server.url("/feed"), Validators(first.etag, first.last_modified, first.body_hash)
    )
    assert again.status == "not_modified" and again.body == b""
    request = feed_server.requests("/feed")[-1]
    assert request.headers["If-None-Match"] == '"v1"' and request.status == 304
    assert request.headers["If-Modified-Since"] == LAST_MODIFIED
    feed_server.update("/feed", body=RSS + b" ", etag='"v2"')
    changed = await f.fetch(
        feed_server.url("/feed"), Validators('"v1"', LAST_MODIFIED, first.body_hash)
    )
    assert changed.status == "ok" and changed.etag == '"v2"'


async def test_body_hash_fallback_when_server_ignores_validators(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/feed", RSS)  # no ETag, no Last-Modified
    f = fetcher(client)
    first = await f.fetch(feed_server.url("/feed"))
    again = await f.fetch(feed_server.url("/feed"), Validators(body_hash=first.body_hash))
    assert first.status == "ok" and again.status == "not_modified"
    assert feed_server.requests("/feed")[-1].status == 200


async def test_gzip_is_decoded(feed_server: FeedServer, client: httpx.AsyncClient) -> None:
    feed_server.route("/gz", gzipped(RSS * 50), content_encoding="gzip")
    result = await fetcher(client).fetch(feed_server.url("/gz"))
    assert result.body == RSS * 50
    assert feed_server.requests("/gz")[0].headers["Accept-Encoding"] == "gzip, deflate"


async def test_redirects_are_followed_and_final_url_reported(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/old", status=301, location="/mid")
    feed_server.route(
        "/mid", status=302, location=feed_server.url("/feed", host="feeds.example.test")
    )
    feed_server.route("/feed", RSS)
    resolver = StaticResolver({"feeds.example.test": ["127.0.0.1"]})
    result = await fetcher(client, resolver=resolver).fetch(feed_server.url("/old"))
    assert result.body == RSS
    assert result.final_url == feed_server.url("/feed", host="feeds.example.test")
    assert (
        feed_server.requests("/feed")[0].headers["Host"] == f"feeds.example.test:{feed_server.port}"
    )


async def test_too_many_redirects(feed_server: FeedServer, client: httpx.AsyncClient) -> None:
    for i in range(4):
        feed_server.route(f"/r{i}", status=302, location=f"/r{i + 1}")
    feed_server.route("/r4", RSS)
    with pytest.raises(SourceError, match=r"too many redirects \(over 2\)"):
        await fetcher(client, max_redirects=2).fetch(feed_server.url("/r0"))
    assert await fetcher(client, max_redirects=4).fetch(feed_server.url("/r0"))


async def test_private_addresses_refused_by_default(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/feed", RSS)
    with pytest.raises(BlockedAddressError, match=r"refused: 127\.0\.0\.1 is a loopback address"):
        await Fetcher(client).fetch(feed_server.url("/feed"))
    assert feed_server.requests() == []


async def test_redirect_hop_to_a_private_host_is_checked_again(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Only feeds.example.test is trusted; its redirect to another name on loopback is refused."""
    feed_server.route(
        "/feed", status=302, location=feed_server.url("/secret", host="internal.example.test")
    )
    feed_server.route("/secret", b"admin panel")
    resolver = StaticResolver(
        {"feeds.example.test": ["127.0.0.1"], "internal.example.test": ["127.0.0.1"]}
    )
    f = fetcher(
        client,
        resolver=resolver,
        allow_private=False,
        allow_hosts=frozenset({"feeds.example.test"}),
    )
    with pytest.raises(BlockedAddressError, match="loopback"):
        await f.fetch(feed_server.url("/feed", host="feeds.example.test"))
    assert [r.path for r in feed_server.requests()] == ["/feed"]


async def test_non_http_redirect_is_refused(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/feed", status=302, location="file:///etc/passwd")
    with pytest.raises(SourceError, match="not an http"):
        await fetcher(client).fetch(feed_server.url("/feed"))


async def test_per_host_concurrency_limit(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.route("/slow", RSS, delay=0.5)
    f = fetcher(client, per_host_limit=2)
    results = await asyncio.gather(*(f.fetch(feed_server.url("/slow")) for _ in range(6)))
    assert all(r.body == RSS for r in results)
    assert feed_server.max_active == 2


async def test_connection_refused_is_a_clear_error(client: httpx.AsyncClient) -> None:
    srv = FeedServer().start()
    url = srv.url("/gone")
    srv.stop()  # nothing listens on that port any more
    with pytest.raises(SourceError, match="connection failed"):
        await fetcher(client).fetch(url)


async def test_fetch_article_text(feed_server: FeedServer, client: httpx.AsyncClient) -> None:
    feed_server.feed("/a.html", "article.html", content_type="text/html; charset=utf-8")
    text = await fetcher(client).fetch_article_text(feed_server.url("/a.html"))
    assert "extend to Belarus the restrictive measures" in text
    feed_server.route("/img", b"\x89PNG", content_type="image/png")
    with pytest.raises(SourceError, match="not HTML: got image/png"):
        await fetcher(client).fetch_article_text(feed_server.url("/img"))


@pytest.mark.parametrize(
    "url", ["http://exa mple.test/feed", "http://[::1/feed", "http://x" + "\u3002" * 3 + "/"]
)
async def test_malformed_urls_are_source_errors(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(SourceError):
        await fetcher(client, resolver=StaticResolver({})).fetch(url)


async def test_waiting_for_a_host_slot_does_not_count_against_the_timeout(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    # Five requests one at a time take ~2s in all, longer than the 1.5s deadline of each.
    feed_server.route("/slowish", RSS, delay=0.4)
    f = fetcher(client, per_host_limit=1, timeout=1.5)
    results = await asyncio.gather(*(f.fetch(feed_server.url("/slowish")) for _ in range(5)))
    assert [r.status for r in results] == ["ok"] * 5 and feed_server.max_active == 1
