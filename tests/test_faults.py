"""Fault suite: each broken source fails alone, with a clear reason, backoff and bounded memory.

Every test runs one real poll cycle over two sources served by the feed server on
127.0.0.1: a healthy one and one scripted fault. The cycle must complete, the
healthy source must be ingested, the fault must be recorded in source health
with a human reason, and its next poll must move out (backoff).
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

import httpx
import pytest

from bot.models import Source
from bot.sources.fetch import Fetcher, MiB
from bot.sources.netguard import StaticResolver
from bot.sources.poller import Poller, SourceStatus
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FEEDS_DIR, FeedServer, endless, gzip_bomb
from tests.support.pollharness import CountingIngest

TIMEOUT = 1.0
LIMIT = 1 * MiB
MEMORY_BOUND = 12 * MiB  # far below what the bomb or the huge body would need unbounded


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    """The shared feed server, serving the healthy source every cycle polls beside the faulty one."""
    feed_server.feed("/healthy", "rss1_rdf.xml")
    return feed_server


@dataclass(frozen=True)
class Cycle:
    fault: SourceStatus
    healthy: SourceStatus
    peak: int


async def run_cycle(
    server: FeedServer,
    store: Store,
    client: httpx.AsyncClient,
    clock: FakeClock,
    fault_url: str,
    *,
    healthy_url: str | None = None,
    fetcher: Fetcher | None = None,
    kind: str = "rss",
) -> Cycle:
    fetcher = fetcher or Fetcher(client, allow_private=True, timeout=TIMEOUT, max_bytes=LIMIT)
    poller = Poller(store, fetcher, CountingIngest(store), clock)
    sources = [
        Source("faulty", "Faulty", fault_url, kind=kind, interval=600),  # type: ignore[arg-type]
        Source("healthy", "Healthy", healthy_url or server.url("/healthy")),
    ]
    tracemalloc.start()
    try:
        fault, healthy = await poller.poll_once(sources)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Cycle(fault, healthy, peak)


def assert_isolated_failure(cycle: Cycle, store: Store, clock: FakeClock, reason: str) -> None:
    assert cycle.healthy.outcome == "ok" and cycle.healthy.new_items == 1
    assert [a.source_id for a in store.articles_since(clock.now)] == ["healthy"]
    assert cycle.fault.outcome == "error"
    assert cycle.fault.error is not None and reason in cycle.fault.error
    health = store.get_source_health("faulty")
    assert health is not None
    assert health.last_error == cycle.fault.error and health.last_error_at == clock.now
    assert health.consecutive_failures == 1
    assert health.next_poll_at is not None and health.next_poll_at > clock.now  # backoff
    assert reason in cycle.fault.line()


async def test_timeout(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.feed("/slow", "rss2_quirks.xml", delay=30)
    cycle = await run_cycle(server, store, client, clock, server.url("/slow"))
    assert_isolated_failure(cycle, store, clock, "timed out after 1s")


async def test_slow_drip_is_cut_by_the_total_deadline(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # Each byte arrives well within any per-read timeout; only a total deadline stops it.
    server.route("/drip", endless(b"<rss>", 100_000), drip=(5, 0.05), content_length=False)
    cycle = await run_cycle(server, store, client, clock, server.url("/drip"))
    assert_isolated_failure(cycle, store, clock, "timed out after 1s")


async def test_http_404(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    cycle = await run_cycle(server, store, client, clock, server.url("/missing.xml"))
    assert_isolated_failure(cycle, store, clock, "HTTP 404")


async def test_http_500(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.route("/error", b"oops", status=500, content_type="text/plain")
    cycle = await run_cycle(server, store, client, clock, server.url("/error"))
    assert_isolated_failure(cycle, store, clock, "HTTP 500")


async def test_redirect_loop(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.route("/a", status=302, location="/b")
    server.route("/b", status=301, location=server.url("/a"))
    cycle = await run_cycle(server, store, client, clock, server.url("/a"))
    assert_isolated_failure(cycle, store, clock, "redirect loop")
    assert [r.path for r in server.requests() if r.path in ("/a", "/b")] == ["/a", "/b"]


def guarded_fetcher(client: httpx.AsyncClient) -> Fetcher:
    """Private networks refused; only feeds.example.test is trusted (it is the test server)."""
    resolver = StaticResolver(
        {"feeds.example.test": ["127.0.0.1"], "evil.example.test": ["127.0.0.1"]}
    )
    return Fetcher(
        client,
        resolver,
        allow_private=False,
        allow_hosts=frozenset({"feeds.example.test"}),
        timeout=TIMEOUT,
        max_bytes=LIMIT,
    )


async def test_host_resolving_to_loopback_is_refused_before_connecting(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.feed("/internal", "rss2_quirks.xml")
    cycle = await run_cycle(
        server,
        store,
        client,
        clock,
        server.url("/internal", host="evil.example.test"),
        healthy_url=server.url("/healthy", host="feeds.example.test"),
        fetcher=guarded_fetcher(client),
    )
    assert_isolated_failure(cycle, store, clock, "refused: 127.0.0.1 is a loopback address")
    assert server.requests("/internal") == []  # never connected


async def test_redirect_to_loopback_is_refused_before_connecting(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.route("/redirect", status=302, location=server.url("/internal"))
    server.feed("/internal", "rss2_quirks.xml")
    cycle = await run_cycle(
        server,
        store,
        client,
        clock,
        server.url("/redirect", host="feeds.example.test"),
        healthy_url=server.url("/healthy", host="feeds.example.test"),
        fetcher=guarded_fetcher(client),
    )
    assert_isolated_failure(cycle, store, clock, "refused: 127.0.0.1 is a loopback address")
    assert len(server.requests("/redirect")) == 1 and server.requests("/internal") == []


async def test_invalid_xml(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.feed("/bad.xml", "invalid.xml")
    cycle = await run_cycle(server, store, client, clock, server.url("/bad.xml"))
    assert_isolated_failure(cycle, store, clock, "invalid XML")


async def test_html_where_a_feed_was_expected(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.feed("/feed", "html_page.html", content_type="text/html")
    cycle = await run_cycle(server, store, client, clock, server.url("/feed"))
    # html_page.html is a "Please enable JavaScript / Checking your browser" interstitial.
    assert_isolated_failure(cycle, store, clock, "blocked by a browser check")


async def test_empty_body(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.route("/empty", b"")
    cycle = await run_cycle(server, store, client, clock, server.url("/empty"))
    assert_isolated_failure(cycle, store, clock, "empty response body")


async def test_body_over_the_size_limit_streamed(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # No Content-Length: the cap must hold while streaming 64 MiB.
    server.route("/huge", endless(b"<rss>" + b" " * 65531, 64 * MiB), content_length=False)
    cycle = await run_cycle(server, store, client, clock, server.url("/huge"))
    assert_isolated_failure(cycle, store, clock, "body over 1 MiB")
    assert cycle.peak < MEMORY_BOUND


async def test_body_over_the_size_limit_declared(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.route("/big", b" " * (2 * MiB))
    cycle = await run_cycle(server, store, client, clock, server.url("/big"))
    assert_isolated_failure(cycle, store, clock, "body over 1 MiB")
    assert cycle.peak < MEMORY_BOUND


async def test_gzip_bomb(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    bomb = gzip_bomb(256 * MiB)
    assert len(bomb) < MiB  # a small download that would expand 256 times past the cap
    server.route("/bomb", bomb, content_encoding="gzip")
    cycle = await run_cycle(server, store, client, clock, server.url("/bomb"))
    assert_isolated_failure(cycle, store, clock, "body over 1 MiB")
    assert cycle.peak < MEMORY_BOUND


async def test_xml_entity_expansion_bomb(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server.feed("/laughs", "bomb.xml")
    cycle = await run_cycle(server, store, client, clock, server.url("/laughs"))
    assert_isolated_failure(cycle, store, clock, "refused: the feed declares XML entities")
    assert cycle.peak < MEMORY_BOUND  # expanded, the title alone would be ~4.7 GB


async def test_wrong_charset_is_recovered_not_failed(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The header says UTF-8 but the bytes are ISO-8859-1: decoded right, nothing fails."""
    server.feed("/latin1", "latin1_undeclared.xml", content_type="text/xml; charset=utf-8")
    cycle = await run_cycle(server, store, client, clock, server.url("/latin1"))
    assert cycle.fault.outcome == "ok" and cycle.healthy.outcome == "ok"
    titles = {a.title for a in store.articles_since(clock.now)}
    assert "Le Conseil fédéral adopte des mesures à Genève et Zürich" in titles


async def test_unknown_declared_charset_is_recovered(
    server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = (
        (FEEDS_DIR / "cp1251_declared.xml").read_bytes().replace(b"windows-1251", b"x-bogus-8", 1)
    )
    server.route("/ru", body, content_type="text/xml; charset=x-also-bogus")
    cycle = await run_cycle(server, store, client, clock, server.url("/ru"))
    assert cycle.fault.outcome == "ok"
    assert "Заявление о санкциях против Беларуси" in {
        a.title for a in store.articles_since(clock.now)
    }
