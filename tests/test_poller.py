"""The poller against the real feed server and a real SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.errors import StoreError
from bot.models import Source
from bot.sources.fetch import Fetcher
from bot.sources.poller import Poller, SourceStatus, format_delay, is_teaser
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.support.pollharness import CountingIngest, Notices

LM = "Thu, 26 Nov 2026 10:00:00 GMT"
PUB = "Thu, 26 Nov 2026 10:00:00 GMT"  # items need dates: a feed of undated items is refused


@pytest.fixture
def notices() -> Notices:
    return Notices()


@pytest.fixture
def poller(store: Store, client: httpx.AsyncClient, clock: FakeClock, notices: Notices) -> Poller:
    fetcher = Fetcher(client, allow_private=True, timeout=10.0)
    return Poller(store, fetcher, CountingIngest(store), clock, notify=notices, failure_threshold=3)


def serve_all_formats(feed_server: FeedServer) -> list[Source]:
    feed_server.feed("/rss2", "rss2_quirks.xml", etag='"a1"')
    feed_server.feed("/rdf", "rss1_rdf.xml", last_modified=LM)
    feed_server.feed("/atom", "atom_xmlbase.xml", content_type="application/atom+xml", etag='"c1"')
    feed_server.feed("/ru", "cp1251_undeclared.xml", content_type="text/xml; charset=windows-1251")
    feed_server.feed("/json", "jsonfeed.json", content_type="application/feed+json")
    feed_server.feed("/list", "listing.html", content_type="text/html; charset=utf-8")
    return [
        Source("rss2", "RSS 2", feed_server.url("/rss2"), tier="official"),
        Source("rdf", "RDF", feed_server.url("/rdf")),
        Source("atom", "Atom", feed_server.url("/atom"), kind="atom"),
        Source("ru", "Cyrillic", feed_server.url("/ru")),
        Source("json", "JSON Feed", feed_server.url("/json"), kind="json"),
        Source(
            "list",
            "Listing",
            feed_server.url("/list"),
            kind="html",
            selectors={
                "item": ".views-row",
                "title": "a",
                "link": "a",
                "date": "time, .date-display-single",
            },
        ),
    ]


async def test_every_format_is_ingested_then_conditional_requests_get_304(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    sources = serve_all_formats(feed_server)
    first = await poller.poll_once(sources)
    assert [(s.source_id, s.outcome, s.seen_items, s.new_items) for s in first] == [
        ("rss2", "ok", 4, 4),
        ("rdf", "ok", 1, 1),
        ("atom", "ok", 2, 2),
        ("ru", "ok", 1, 1),
        ("json", "ok", 2, 2),
        ("list", "ok", 2, 2),
    ]
    assert store.count_articles() == 12
    second = await poller.poll_once(sources)
    outcomes = {s.source_id: s.outcome for s in second}
    # ETag / Last-Modified sources answer 304; the others fall back to the body hash.
    assert outcomes == dict.fromkeys(outcomes, "not_modified")
    for path, header in (
        ("/rss2", "If-None-Match"),
        ("/rdf", "If-Modified-Since"),
        ("/atom", "If-None-Match"),
    ):
        last = feed_server.requests(path)[-1]
        assert header in last.headers and last.status == 304
    assert (
        feed_server.requests("/json")[-1].status == 200
    )  # no validators offered: hash says unchanged
    assert store.count_articles() == 12
    health = {h.id: h for h in store.source_health()}
    assert health["rss2"].items_seen == 4 and health["rss2"].consecutive_failures == 0


async def test_new_item_and_new_etag_yield_only_the_new_article(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    item = "<item><title>{t}</title><link>https://p.example/{g}</link><guid>{g}</guid><pubDate>Thu, 26 Nov 2026 10:00:00 GMT</pubDate><description>{t} text</description></item>"
    feed = '<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    one = item.format(t="Council statement on Belarus", g="g1")
    feed_server.route("/f", feed.format(items=one).encode(), etag='"1"')
    src = Source("p", "P", feed_server.url("/f"))
    assert (await poller.poll_source(src)).new_items == 1
    two = item.format(t="Second statement on Iran", g="g2")
    feed_server.update("/f", body=feed.format(items=two + one).encode(), etag='"2"')
    status = await poller.poll_source(src)
    assert (status.outcome, status.seen_items, status.new_items) == ("ok", 2, 1)
    # re-published with a new guid but the same link: still no duplicate
    feed_server.update(
        "/f", body=feed.format(items=one.replace("<guid>g1", "<guid>g1-v2")).encode(), etag='"3"'
    )
    assert (await poller.poll_source(src)).new_items == 0
    assert store.count_articles() == 2


async def test_same_story_from_two_sources_is_one_story(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    official = (
        '<rss version="2.0"><channel><title>c</title><item><title>Council adopts new sanctions against Belarus</title>'
        f"<pubDate>{PUB}</pubDate><link>https://council.example/press/1</link><description>The Council adopted a package.</description></item></channel></rss>"
    )
    media = (
        '<rss version="2.0"><channel><title>m</title><item><title>EU Council adopts new sanctions against Belarus over repression</title>'
        f"<pubDate>{PUB}</pubDate><link>https://news.example/world/42?utm_source=rss</link><description>Reporters write it up.</description></item></channel></rss>"
    )
    feed_server.route("/council", official.encode())
    feed_server.route("/media", media.encode())
    sources = [
        Source("council", "Council", feed_server.url("/council"), tier="official"),
        Source("media", "Media", feed_server.url("/media")),
    ]
    await poller.poll_once(sources)
    await poller.poll_once(sources)
    (a,) = store.articles_since(store.clock() - timedelta(days=1))[:1]
    members = store.story_articles(a.story_id)
    assert sorted(m.source_id for m in members) == ["council", "media"]
    assert store.count_articles() == 2
    assert sorted(store.story_sources(a.story_id)) == [  # polled concurrently: any order
        ("Council", "https://council.example/press/1"),
        ("Media", "https://news.example/world/42?utm_source=rss"),
    ]


async def test_failures_back_off_notify_once_and_recovery_is_reported(
    feed_server: FeedServer, store: Store, poller: Poller, clock: FakeClock, notices: Notices
) -> None:
    feed_server.route("/down", b"busy", status=503, content_type="text/plain")
    src = Source("down", "Down Source", feed_server.url("/down"), interval=300)
    delays = []
    for n in range(1, 5):
        status = await poller.poll_source(src)
        assert (status.outcome, status.error, status.failures) == ("error", "HTTP 503", n)
        health = store.get_source_health("down")
        assert health and health.next_poll_at == clock.now + status.retry_in
        delays.append(status.retry_in)
        skipped = await poller.poll_due([src])
        assert skipped[0].outcome == "skipped" and "backing off" in (skipped[0].error or "")
        clock.now = health.next_poll_at
    assert delays == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
    ]
    assert len(notices.texts) == 1 and "Down Source (down) is failing: HTTP 503" in notices.texts[0]
    assert "3 failures in a row" in notices.texts[0]
    feed_server.route("/down", b'<rss version="2.0"><channel><title>t</title></channel></rss>')
    status = (await poller.poll_due([src]))[0]
    assert status.outcome == "ok"
    assert notices.texts[1] == "Source Down Source (down) works again."
    health = store.get_source_health("down")
    assert health and health.consecutive_failures == 0 and health.last_error == "HTTP 503"
    assert health.next_poll_at == clock.now + timedelta(seconds=300)


async def test_a_busy_database_is_not_the_sources_failure(
    feed_server: FeedServer,
    store: Store,
    poller: Poller,
    notices: Notices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed_server.route("/down", b"busy", status=503, content_type="text/plain")
    src = Source("down", "Down Source", feed_server.url("/down"))

    def locked(source: Source) -> None:
        raise StoreError("database error (ensure source): database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(store, "ensure_source", locked)
        status = await poller.poll_source(src)
    assert (status.outcome, status.error) == ("skipped", "database busy, will retry")
    assert store.get_source_health("down") is None and notices.texts == []
    status = await poller.poll_source(src)  # the next pass records the source's own error
    assert (status.outcome, status.error, status.failures) == ("error", "HTTP 503", 1)


async def test_backoff_is_capped(store: Store, client: httpx.AsyncClient, clock: FakeClock) -> None:
    p = Poller(store, Fetcher(client), CountingIngest(store), clock, max_backoff=timedelta(hours=1))
    src = Source("x", "X", "https://x.example/", interval=900)
    assert [p.backoff(src, n) for n in (1, 2, 3, 4, 30)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


async def test_a_crashing_ingest_is_recorded_and_others_continue(
    feed_server: FeedServer, store: Store, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    feed_server.feed("/a", "rss1_rdf.xml")
    feed_server.feed(
        "/b", "rss1_rdf.xml"
    )  # not rss091.xml: a feed without dates is refused (issue 10)
    counting = CountingIngest(store)

    async def ingest(source: Source, entries: list) -> object:  # type: ignore[type-arg]
        if source.id == "bad":
            raise KeyError("boom")
        return await counting(source, entries)

    p = Poller(store, Fetcher(client, allow_private=True), ingest, clock)
    bad, good = await p.poll_once(
        [Source("bad", "Bad", feed_server.url("/a")), Source("good", "Good", feed_server.url("/b"))]
    )
    assert bad.outcome == "error" and bad.error == "internal error: KeyError: 'boom'"
    assert good.outcome == "ok" and good.new_items == 1
    health = store.get_source_health("bad")
    assert health and health.last_error == "internal error: KeyError: 'boom'"


async def test_full_text_replaces_teasers_of_new_items(
    feed_server: FeedServer, store: Store, poller: Poller
) -> None:
    feed_server.feed("/article", "article.html", content_type="text/html; charset=utf-8")
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>Parliament adopts resolution on Belarus</title>'
        f"<pubDate>{PUB}</pubDate><link>{feed_server.url('/article')}</link><description>On Thursday the plenary adopted...</description></item></channel></rss>"
    )
    feed_server.route("/teasers", feed.encode(), etag='"t"')
    src = Source("ep", "EP", feed_server.url("/teasers"), full_text=True)
    status = await poller.poll_source(src)
    assert status.new_items == 1
    (article,) = store.articles_since(store.clock() - timedelta(hours=1))
    assert "restrictive measures already applied to Russia" in article.text
    feed_server.update("/teasers", etag='"t2"', body=feed.encode() + b"\n")
    await poller.poll_source(src)
    assert len(feed_server.requests("/article")) == 1  # known items are not fetched again


async def test_disabled_sources_are_skipped(poller: Poller, feed_server: FeedServer) -> None:
    (status,) = await poller.poll_once([Source("off", "Off", feed_server.url("/x"), enabled=False)])
    assert status.outcome == "skipped" and feed_server.requests() == []


def test_status_lines() -> None:
    ok = SourceStatus("ep-press", "ok", new_items=3, seen_items=12, duration=0.41)
    assert ok.line().split() == ["ep-press", "ok", "12", "items,", "3", "new", "0.41s"]
    err = SourceStatus(
        "ofac-recent",
        "error",
        error="HTTP 503",
        failures=2,
        retry_in=timedelta(minutes=4),
        duration=0.2,
    )
    assert "HTTP 503 (2 failures in a row, next try in 4m)" in err.line()
    assert err.line().startswith("ofac-recent ")
    nm = SourceStatus("un-news", "not_modified", duration=0.05)
    assert "not modified" in nm.line()
    assert format_delay(timedelta(hours=1, minutes=30)) == "1h30m"
    assert format_delay(timedelta(seconds=45)) == "45s"


@pytest.mark.parametrize(
    ("text", "teaser"), [("Short.", True), ("x" * 700, False), ("x" * 700 + " …", True)]
)
def test_teaser_detection(text: str, teaser: bool) -> None:
    assert is_teaser(text) is teaser


def run_poll_cli(tmp_path: Path, catalog: Path, *, allow_private: bool) -> list[str]:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANCTIONS_BOT_", "TELEGRAM_"))}
    if allow_private:
        env["SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK"] = "1"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "poll",
            "--once",
            "--db",
            str(tmp_path / "cli.db"),
            "--sources",
            str(catalog),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_poll_once_cli_prints_one_line_per_source(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.feed("/ep.xml", "rss2_quirks.xml", etag='"1"')
    feed_server.route("/down", b"x", status=503, content_type="text/plain")
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(
        "sources:\n"
        f"  - {{id: ep-press, name: EP, url: '{feed_server.url('/ep.xml')}', tier: official}}\n"
        f"  - {{id: ofac-recent, name: OFAC, url: '{feed_server.url('/down')}'}}\n",
        encoding="utf-8",
    )
    first = run_poll_cli(tmp_path, catalog, allow_private=True)
    assert [line.split()[:2] for line in first] == [["ep-press", "ok"], ["ofac-recent", "error"]]
    assert "4 items, 4 new" in first[0]
    assert "HTTP 503 (1 failure in a row, next try in 15m)" in first[1]
    second = run_poll_cli(tmp_path, catalog, allow_private=True)
    assert second[0].split()[:3] == ["ep-press", "not_modified", "not"]
    assert "HTTP 503 (2 failures in a row, next try in 30m)" in second[1]
    assert feed_server.requests("/ep.xml")[-1].status == 304
    before = len(feed_server.requests())
    (tmp_path / "cli.db").unlink()
    refused = run_poll_cli(tmp_path, catalog, allow_private=False)
    assert all("refused: 127.0.0.1 is a loopback address" in line for line in refused)
    assert len(feed_server.requests()) == before  # the guard refused before connecting
