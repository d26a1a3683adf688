"""One user tries to freeze the bot; another keeps using it. Through the real Application.

500 stored articles; the attacker sends the queries of issue 11 (and others) to /test,
/watch and /search, each followed at once by a bystander's /start. The bystander is
always answered, and before the attacker whenever the attacker's command does real work;
the attacker always gets a clear reply. Latency figures are in bench/abuse.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.corpus import make_articles, make_world
from bot.models import FeedEntry
from tests.e2e.harness import Harness, start_harness, stop_harness
from tests.support.botapi import SentMessage

ATTACKER, BYSTANDER = 666, 777
OR_OF_NEARS = (
    "(" + "|".join(["(the NEAR/100 of)"] * 13) + ") NEAR/100 ("
    + "|".join(["(of NEAR/100 the)"] * 13) + ")"
)  # fmt: skip
SIXTY = "(" + "|".join(["the"] * 60) + ") NEAR/100 (" + "|".join(["the"] * 60) + ")"
WIDE_SEARCH = " ".join(["c*"] * 166)


@pytest.fixture
async def stocked(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot over 500 stored articles of the last days."""
    h = await start_harness(tmp_path)
    store = h.runtime.store
    for index, doc in enumerate(make_articles(500, world=make_world())):
        store.add_article(
            FeedEntry("test-wire", f"a{index}", f"https://news.example.org/a{index}",
                      doc.title, doc.text, h.clock())
        )  # fmt: skip
    yield h
    await stop_harness(h)


async def _attack(bot: Harness, text: str) -> tuple[SentMessage, SentMessage, list[SentMessage]]:
    """The attacker's command, the bystander's /start right behind it; both replies."""
    before_a, before_b = len(bot.server.sent(ATTACKER)), len(bot.server.sent(BYSTANDER))
    bot.server.send_message(ATTACKER, ATTACKER, text)
    bot.server.send_message(BYSTANDER, BYSTANDER, "/start")
    await bot.server.wait_until(
        lambda: len(bot.server.sent(ATTACKER)) > before_a
        and len(bot.server.sent(BYSTANDER)) > before_b,
        timeout=30,
    )
    return bot.server.sent(ATTACKER)[before_a], bot.server.sent(BYSTANDER)[before_b], bot.server.sent()


def _before(first: SentMessage, second: SentMessage, log: list[SentMessage]) -> bool:
    return log.index(first) < log.index(second)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (f"/test {OR_OF_NEARS}", "could be too slow"),
        (f"/watch {OR_OF_NEARS}", "could be too slow"),
        (f"/test {SIXTY}", "could be too slow"),
        (f"/search {WIDE_SEARCH}", "at most 12 words"),
    ],
)
async def test_costly_queries_are_refused_and_the_bystander_is_answered(
    stocked: Harness, command: str, words: str
) -> None:
    reply, welcome, _ = await _attack(stocked, command)
    assert words in reply.plain, reply.plain
    assert "Sanctions and resolutions monitor" in welcome.plain
    assert stocked.runtime.store.watches(ATTACKER) == []  # nothing saved


@pytest.mark.parametrize(
    "query",
    [
        "the",  # every stored article is a candidate
        "(the of) NEAR/50 (in to)",  # accepted, and as costly per article as allowed
        "(the OR of OR on) /s (to OR in) /p (a OR for)",
    ],
)
async def test_heavy_accepted_work_never_delays_the_bystander(
    stocked: Harness, query: str
) -> None:
    reply, welcome, log = await _attack(stocked, f"/test {query}")
    assert "Matches" in reply.plain and "stored article" in reply.plain, reply.plain
    assert "Sanctions and resolutions monitor" in welcome.plain
    assert _before(welcome, reply, log)  # answered while the attacker's dry run ran


async def test_watch_saves_after_its_dry_run_and_the_bystander_goes_first(
    stocked: Harness,
) -> None:
    reply, welcome, log = await _attack(stocked, "/watch (the of) NEAR/50 (in to)")
    assert "saved" in reply.plain and "would have matched" in reply.plain, reply.plain
    assert _before(welcome, reply, log)
    [saved] = stocked.runtime.store.watches(ATTACKER)
    assert saved.rule_key in stocked.runtime.registry.engine().rules
    assert stocked.runtime.registry.full_compiles <= 1  # the new watch was compiled alone


async def test_a_flood_of_tests_is_rate_limited_per_user(stocked: Harness) -> None:
    replies = []
    for _ in range(5):
        replies.append(await stocked.ask("/test sanctions", ATTACKER, timeout=30))
    assert any("Try again in" in r.plain for r in replies), [r.plain for r in replies]
    assert sum("Matches" in r.plain for r in replies) == 3  # the burst, then the limit
    welcome = await stocked.ask("/start", BYSTANDER)
    assert "Sanctions and resolutions monitor" in welcome.plain
    mine = await stocked.ask("/test sanctions", BYSTANDER, timeout=30)
    assert "Matches" in mine.plain  # another user has buckets of their own


async def test_bidi_controls_never_reach_the_chat(stocked: Harness) -> None:
    reply = await stocked.ask("/watch sanctions \u202eIran\u202c \u2066x\u2069", ATTACKER, timeout=30)
    assert "saved" in reply.plain
    assert not any(ch in reply.text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    [saved] = stocked.runtime.store.watches(ATTACKER)
    assert saved.query == "sanctions Iran x"
