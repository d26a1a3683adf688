"""Every list kind end to end: version 1 is a baseline, version 2 gives one grouped alert.

Each fixture pair has the same story told in that format's own structure: entry A
stays, B (SILVERLINE LOGISTICS FZE) is removed, C (MARLOWE) is amended, D (KAVALENKA,
a Belarusian name with a Cyrillic spelling) is added. The files are served on
127.0.0.1 and go through the real poller, list path, packs, watches, store and the
outbox worker talking HTTP to the Bot API test server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.lists.harness import CHAT, ListWorld, make_world
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

# The field each fixture amends on MARLOWE, as the alert names it.
AMENDED = {
    "ofac-sdn": "identifiers",
    "ofac-sdn-advanced": "identifiers",
    "eu-fsf": "addresses",
    "un-sc": "identifiers",
    "uk-sanctions-list": "reason",
    "ch-sesam": "addresses",
    "ca-sema": "names",
}
PACKS = ("list-russia", "list-belarus", "list-delistings")


@pytest.fixture(params=sorted(AMENDED))
async def world(
    request: pytest.FixtureRequest, tmp_path: Path, feed_server: FeedServer, api: BotApiServer
) -> AsyncIterator[ListWorld]:
    async for w in make_world(request.param, tmp_path, feed_server, api):
        yield w


async def test_first_version_is_a_baseline_that_alerts_nothing(world: ListWorld) -> None:
    world.subscribe(*PACKS)
    world.watch('@name:"Kovalenko"')
    world.serve(1)
    status = await world.poll()
    assert status.outcome == "ok", status.line()
    assert status.seen_items == 3 and status.new_items == 0 and status.alerts == 0
    assert world.runtime.store.outbox_counts() == {}
    await world.deliver()
    assert world.api.sent(CHAT) == []
    assert world.runtime.store.list_digests(status.source_id).keys()  # the baseline is stored


async def test_second_version_gives_one_grouped_alert(world: ListWorld) -> None:
    world.subscribe(*PACKS)
    world.watch('@name:"Kovalenko"')  # written the Russian way; the list says KAVALENKA
    world.serve(1)
    await world.poll()
    world.serve(2)
    status = await world.poll()
    assert status.outcome == "ok", status.line()
    assert status.new_items == 3  # one added, one removed, one amended
    # Three packs and the name watch fired: one alert per story and chat carries them all.
    assert status.alerts == 1
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    text = message.plain
    assert "1 addition, 1 removal, 1 amendment" in text.splitlines()[0]
    assert "KAVALENKA" in text and "SILVERLINE LOGISTICS FZE" in text and "MARLOWE" in text
    added, removed, amended = (text.index(h) for h in ("Added", "Removed", "Amended"))
    assert added < text.index("KAVALENKA") < removed < text.index("SILVERLINE") < amended
    assert f"{AMENDED[world.kind]}:" in text[amended:]
    assert "→" in text[amended:]  # old → new
    assert 'Your rule #1: @name:"Kovalenko"' in text  # the name watch fired too
    # The same file again: not re-diffed, nothing new.
    again = await world.poll()
    assert again.outcome == "not_modified"
    await world.deliver()
    assert len(world.api.sent(CHAT)) == 1


async def test_a_name_watch_alone_fires_on_the_added_entry(world: ListWorld) -> None:
    world.watch('@name:"Kovalenko"')
    world.serve(1)
    await world.poll()
    world.serve(2)
    status = await world.poll()
    assert status.alerts == 1
    await world.deliver()
    (message,) = world.api.sent(CHAT)
    assert "KAVALENKA" in message.plain
    assert "SILVERLINE" not in message.plain and "MARLOWE" not in message.plain
    headline = message.plain.splitlines()[0]
    topic = "North Korea-related" if world.kind == "un-sc" else "Belarus-related"  # UN: DPRK regime
    assert headline.endswith(f": 1 addition — {topic}"), headline
