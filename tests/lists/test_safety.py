"""Bad list files change nothing stored and say why; downloads are capped, conditional, hashed."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.errors import SourceError
from bot.lists.download import ListDownloader
from bot.lists.formats import Header, parsers
from bot.sources.netguard import StaticResolver
from bot.sources.state import Validators
from tests.lists.harness import CHAT, ListWorld, make_world
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"


def sdn(uids: range, *, date: str = "11/27/2026") -> bytes:
    """A classic SDN.XML with one invented entity per uid."""
    entries = "".join(
        f"<sdnEntry><uid>{u}</uid><lastName>TEST HOLDING {u} LLC</lastName><sdnType>Entity</sdnType>"
        f"<programList><program>RUSSIA-EO14024</program></programList></sdnEntry>"
        for u in uids
    )
    return (
        f'<?xml version="1.0"?><sdnList xmlns="{NS}"><publshInformation><Publish_Date>{date}'
        f"</Publish_Date></publshInformation>{entries}</sdnList>"
    ).encode()


@pytest.fixture
async def world(
    tmp_path: Path, feed_server: FeedServer, api: BotApiServer
) -> AsyncIterator[ListWorld]:
    async for w in make_world("ofac-sdn", tmp_path, feed_server, api):
        yield w


def stored(world: ListWorld) -> int:
    return len(world.runtime.store.list_digests("test-ofac-sdn"))


async def test_a_truncated_file_fails_clearly_and_keeps_the_stored_version(
    world: ListWorld,
) -> None:
    world.subscribe("list-russia", "list-delistings")
    world.feeds.route(world.path, sdn(range(1, 80)), content_type="application/xml")
    assert (await world.poll()).outcome == "ok"
    body = sdn(range(1, 80), date="11/28/2026")
    world.feeds.route(world.path, body[: len(body) // 2], content_type="application/xml")
    status = await world.poll()
    assert status.outcome == "error" and "not well-formed XML" in (status.error or "")
    assert stored(world) == 79
    assert world.runtime.store.outbox_counts() == {}


async def test_most_entries_vanishing_at_once_is_refused(world: ListWorld) -> None:
    world.subscribe("list-delistings")
    world.feeds.route(world.path, sdn(range(1, 80)), content_type="application/xml")
    await world.poll()
    world.feeds.route(world.path, sdn(range(1, 11)), content_type="application/xml")
    status = await world.poll()
    assert status.outcome == "error"
    assert "69 of 79 entries would be removed" in (status.error or "")
    assert stored(world) == 79 and world.runtime.store.outbox_counts() == {}
    # A real delisting of a few goes through, as one grouped alert.
    world.feeds.route(world.path, sdn(range(1, 77)), content_type="application/xml")
    status = await world.poll()
    assert status.outcome == "ok" and status.new_items == 3
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    assert "3 removals" in message.plain and "TEST HOLDING 78 LLC" in message.plain


async def test_a_file_of_another_format_has_no_entries_and_is_refused(world: ListWorld) -> None:
    world.feeds.route(world.path, b"<rss><channel><item><title>x</title></item></channel></rss>")
    status = await world.poll()
    assert status.outcome == "error" and "no entries found" in (status.error or "")
    assert not world.runtime.store.has_list_version("test-ofac-sdn")


def test_entities_and_external_dtds_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE sdnList [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<sdnList xmlns="{NS}"><sdnEntry><uid>1</uid><lastName>A &x; B</lastName>'
        "<sdnType>Entity</sdnType></sdnEntry></sdnList>"
    )
    path = tmp_path / "x.xml"
    path.write_text(body, encoding="utf-8")
    with path.open("rb") as handle:
        entities = list(parsers()["ofac-sdn"](handle, Header()))
    assert "SECRET" not in entities[0].name


def test_a_billion_laughs_file_does_not_expand(tmp_path: Path) -> None:
    levels = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1}{("&l" + str(i - 1) + ";") * 9}">'
        for i in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE sdnList [<!ENTITY l0 "ha">{levels}]>'
        f"<sdnList><sdnEntry><uid>1</uid><lastName>&l9;</lastName></sdnEntry></sdnList>"
    )
    path = tmp_path / "bomb.xml"
    path.write_text(body, encoding="utf-8")
    with path.open("rb") as handle:
        try:
            entities = list(parsers()["ofac-sdn"](handle, Header()))
        except SourceError:
            return  # refused outright: fine too
    assert all(len(e.name) < 10_000 for e in entities)


async def test_download_is_conditional_capped_and_hashed(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    resolver = StaticResolver({})
    async with httpx.AsyncClient() as http:
        loader = ListDownloader(http, resolver, allow_private=True, directory=tmp_path)
        feed_server.route("/a.xml", sdn(range(1, 5)), etag='"v1"', content_type="application/xml")
        first = await loader.download(feed_server.url("/a.xml"))
        assert first.status == "ok" and first.path is not None and first.etag == '"v1"'
        assert first.path.read_bytes() == sdn(range(1, 5))
        again = await loader.download(
            feed_server.url("/a.xml"), Validators(None, None, first.body_hash)
        )
        assert again.status == "not_modified" and again.path is None  # same bytes, no parse
        feed_server.route(
            "/a.xml",
            gzip.compress(sdn(range(1, 5))),
            content_encoding="gzip",
            content_type="application/xml",
        )
        zipped = await loader.download(feed_server.url("/a.xml"))
        assert zipped.path is not None and zipped.path.read_bytes() == sdn(range(1, 5))
        small = ListDownloader(
            http, resolver, allow_private=True, max_bytes=100, directory=tmp_path
        )
        with pytest.raises(SourceError, match="over"):
            await small.download(feed_server.url("/a.xml"))
        guarded = ListDownloader(http, resolver, directory=tmp_path)
        with pytest.raises(SourceError):
            await guarded.download(feed_server.url("/a.xml"))  # 127.0.0.1 without allow_private
    # The refused downloads left no file behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.path.name, zipped.path.name])


async def test_two_polls_of_one_list_at_once_report_each_change_once(world: ListWorld) -> None:
    import asyncio

    world.subscribe("list-delistings")
    world.feeds.route(world.path, sdn(range(1, 80)), content_type="application/xml")
    await world.poll()
    world.feeds.route(world.path, sdn(range(1, 78)), content_type="application/xml")
    poller = world.runtime.make_poller(world.http)
    mine = [s for s in world.runtime.active_sources() if s.id == "test-ofac-sdn"]
    first, second = await asyncio.gather(poller.poll_once(mine), poller.poll_once(mine))
    assert sorted(s.outcome for s in (*first, *second)) == ["not_modified", "ok"]
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    assert "2 removals" in message.plain
