"""Watches over list changes (names, programmes, IMO numbers, countries) and the cross-links."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.lists import items
from bot.lists.diff import Change
from bot.lists.model import Identifier, ListedEntity
from bot.lists.names import ListResolver, NameIndex
from bot.lists.normalize import make_name
from bot.matching.engine import Engine
from bot.matching.gazetteer import load_gazetteer
from bot.models import Document, FeedEntry, Rule, Source
from tests.lists.harness import CHAT, ListWorld, make_world
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

KAVALENKA = ListedEntity(
    id="90004",
    type="person",
    names=tuple(
        n
        for n in (
            make_name("KAVALENKA, Mikalai Ivanavich"),
            make_name("КАВАЛЕНКА, Мікалай Іванавіч", "alias"),
        )
        if n is not None
    ),
    programs=("BELARUS-EO14038",),
    nationalities=("BY",),
)
TANKER = ListedEntity(
    id="90010",
    type="vessel",
    names=tuple(n for n in (make_name("OCEAN PEARL"),) if n is not None),
    programs=("RUSSIA-EO14024",),
    nationalities=("GA",),
    identifiers=(Identifier("imo", "9876543", "", "Vessel Registration Identification"),),
)
PRESS = Source(
    id="treasury",
    name="Treasury press releases",
    url="https://treasury.example/rss",
    tier="official",
)


def document(entity: ListedEntity) -> Document:
    change = Change("added", entity)
    return Document(entity.id, items.title("OFAC SDN", change), items.text("OFAC SDN", change))


@pytest.mark.parametrize(
    ("query", "fires_on"),
    [
        ('@name:"Kovalenko"', {"90004"}),
        ('@name:"Mikalai Kovalenko"', {"90004"}),
        ('"IMO 9876543"', {"90010"}),
        ("9876543", {"90010"}),
        ("@program:BELARUS-EO14038", {"90004"}),
        ("@program:russia-eo14024", {"90010"}),
        ("@country:BY", {"90004"}),
        ("@country:GA", {"90010"}),
        ('@name:"Kovalchuk"', set()),
    ],
)
def test_watches_on_change_items(query: str, fires_on: set[str]) -> None:
    resolver = ListResolver(
        load_gazetteer(), lambda: NameIndex([("OFAC SDN", KAVALENKA), ("OFAC SDN", TANKER)])
    )
    engine = Engine.compile([Rule(key="watch:1", name="w", query=query)], resolver)
    fired = {e.id for e in (KAVALENKA, TANKER) if engine.match(document(e))}
    assert fired == fires_on


def test_a_name_watch_matches_the_spellings_in_news_text_too() -> None:
    resolver = ListResolver(load_gazetteer(), lambda: NameIndex([("OFAC SDN", KAVALENKA)]))
    engine = Engine.compile([Rule(key="watch:1", name="w", query='@name:"Kovalenko"')], resolver)
    for text in (
        "Mikalai Kavalenka was sanctioned.",
        "Санкции против Коваленко.",
        "КАВАЛЕНКА пад санкцыямі.",
    ):
        assert engine.match(Document("n", "News", text)), text
    assert not engine.match(Document("n", "News", "Kovalchuk was sanctioned."))


@pytest.fixture
async def world(
    tmp_path: Path, feed_server: FeedServer, api: BotApiServer
) -> AsyncIterator[ListWorld]:
    async for w in make_world("ofac-sdn", tmp_path, feed_server, api):
        w.runtime.store.ensure_source(PRESS)
        yield w


def press(guid: str, title: str, text: str) -> FeedEntry:
    return FeedEntry(
        PRESS.id,
        guid,
        f"https://treasury.example/{guid}",
        title,
        text,
        datetime(2026, 11, 26, tzinfo=UTC),
    )


async def test_a_list_change_names_the_press_release_that_announced_it(world: ListWorld) -> None:
    world.subscribe("list-belarus")
    world.serve(1)
    await world.poll()
    world.runtime.pipeline.ingest(
        PRESS,
        [
            press(
                "p1",
                "Treasury targets Belarusian potash network",
                "Today the Treasury designated Mikalai Kavalenka, director of a state potash "
                "exporter, and froze his assets in the United States.",
            )
        ],
    )
    world.serve(2)
    await world.poll()
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    assert "Announced: Treasury targets Belarusian potash network" in message.plain
    # Change items are articles: /search finds them.
    found = world.runtime.store.search_articles("KAVALENKA")
    assert any(a.title.startswith("OFAC SDN: designated KAVALENKA") for a in found)


async def test_an_alert_on_a_press_release_says_who_is_already_listed(world: ListWorld) -> None:
    world.serve(2)
    await world.poll()  # baseline: KAVALENKA and NORTHWIND are listed
    world.watch("potash")
    world.runtime.pipeline.ingest(
        PRESS,
        [
            press(
                "p2",
                "Potash exporters face new measures",
                "The network run by Mikalai Kavalenka ships potash through Northwind Trading LLC, "
                "officials said.",
            )
        ],
    )
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    assert "Already listed:" in message.plain
    assert "KAVALENKA, Mikalai Ivanavich (OFAC SDN)" in message.plain
    assert "NORTHWIND TRADING LLC (OFAC SDN)" in message.plain


async def test_announced_but_not_on_the_list_after_the_grace_period(
    tmp_path: Path, feed_server: FeedServer, api: BotApiServer
) -> None:
    from bot.lists.formats import Header, parsers
    from tests.lists.harness import FIXTURES

    async for world in make_world("eu-fsf", tmp_path, feed_server, api):
        store = world.runtime.store
        council = Source(
            "council", "Council of the EU press", "https://council.example/rss", tier="official"
        )
        store.ensure_source(council)
        # KAVALENKA is already on the OFAC list (another source, stored as a version).
        ofac = Source(
            "ofac", "OFAC SDN", "https://ofac.example/sdn.xml", kind="ofac-sdn", tier="official"
        )
        store.ensure_source(ofac)
        with (FIXTURES / "ofac-sdn-v2.xml").open("rb") as handle:
            entities = list(parsers()["ofac-sdn"](handle, Header()))
        version, _ = store.add_list_version(
            "ofac",
            published="",
            content_hash="x",
            entities=3,
            counts=__import__("collections").Counter(),
            baseline=True,
        )
        store.store_list_entities("ofac", version, entities)
        world.runtime.resolver.refresh()  # type: ignore[attr-defined]
        world.subscribe("list-not-yet-listed")
        world.serve(1)
        await world.poll()  # the EU baseline: KAVALENKA is not on it
        world.runtime.pipeline.ingest(
            council,
            [
                FeedEntry(
                    "council",
                    "c1",
                    "https://council.example/c1",
                    "Belarus: Council lists potash executives",
                    "The Council of the EU today adopted restrictive measures against Mikalai "
                    "Kavalenka and two other executives of the state potash exporter.",
                    world.clock(),
                )
            ],
        )
        world.clock.advance(3 * 86400)
        assert (await world.poll()).alerts == 0  # within the grace period: nothing yet
        world.clock.advance(5 * 86400)
        status = await world.poll()  # the EU file has not changed; the check still runs
        assert status.outcome == "not_modified" and status.alerts == 1
        await world.deliver()
        (message,) = world.api.sent(CHAT)
        assert "EU consolidated list: announced 7+ days ago, not yet listed" in message.plain
        assert "KAVALENKA, Mikalai Ivanavich" in message.plain
        assert "OFAC SDN" in message.plain
        assert (await world.poll()).alerts == 0  # said once
