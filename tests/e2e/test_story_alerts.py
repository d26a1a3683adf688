"""One story, one alert per chat: across rules and sources, official copies lead, later copies
edit the alert (or reply silently), and /alert lists every source with its time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    BELARUS_TITLE,
    Harness,
    belarus_text,
    eu_sanctions_article,
    is_alert,
    start_harness,
    stop_harness,
)
from tests.e2e.stories import EU_PACKAGE, STORY_SOURCES, UN_COPIES, Item

USER = 1301


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await start_harness(tmp_path, jobs=True, known_sources=STORY_SOURCES)
    await h.ask("/subscribe", USER)
    yield h
    await stop_harness(h)


def _publish(bot: Harness, item: Item) -> None:
    bot.ingest(item.title, item.text, source=item.source, published=item.published)


async def _settled(bot: Harness) -> None:
    """Wait until nothing is left to send or to edit."""

    def idle() -> bool:
        rows = bot.runtime.store.db.execute(
            "SELECT count(*) FROM alerts WHERE state IN ('pending', 'failed') OR edit_due = 1"
        ).fetchone()
        return not rows[0]

    await bot.server.wait_until(idle)


async def test_council_and_two_media_copies_give_one_alert_edited_with_the_others(
    live: Harness,
) -> None:
    bot = live
    council, daily, euro = EU_PACKAGE
    _publish(bot, council)
    [alert] = [await bot.server.wait_for_message(USER, is_alert)]
    assert "Council of the EU · official" in alert.plain
    for copy in (daily, euro):
        _publish(bot, copy)
        await _settled(bot)
    assert len(bot.alerts(USER)) == 1, "one message for the package, not one per outlet"
    [alert] = bot.alerts(USER)
    assert len(alert.edits) == 2  # each later copy edited the alert in place
    assert "Also: Daily Wire" in alert.plain and "Euro News Desk" in alert.plain
    assert alert.plain.splitlines()[2].startswith("📰 Council of the EU · official")
    [view] = bot.runtime.store.recent_alerts(USER)
    detail = await bot.ask(f"/alert {view.number}", USER)
    assert "Sources (3)" in detail.plain
    for name in ("Council of the EU · official · 27 Nov, 12:", "Daily Wire · media · 27 Nov, 12:"):
        assert name in detail.plain


async def test_an_official_copy_after_media_copies_takes_the_lead(live: Harness) -> None:
    bot = live
    media, reprint, official = UN_COPIES
    _publish(bot, media)
    first = await bot.server.wait_for_message(USER, is_alert)
    assert "📰 Daily Wire · media" in first.plain
    _publish(bot, reprint)  # the same text verbatim from another outlet
    _publish(bot, official)
    await _settled(bot)
    [alert] = bot.alerts(USER)
    assert alert.message_id == first.message_id
    lines = alert.plain.splitlines()
    assert lines[2].startswith("📰 UN press · official"), "the official release leads"
    assert "Also: Daily Wire" in alert.plain and "Euro News Desk" in alert.plain
    detail = await bot.ask(f"/alert {bot.runtime.store.recent_alerts(USER)[0].number}", USER)
    assert "Sources (3)" in detail.plain and "UN press · official" in detail.plain


async def test_several_rules_on_one_story_give_one_alert_naming_them_all(live: Harness) -> None:
    bot = live
    bot.ingest(BELARUS_TITLE, belarus_text())
    alert = await bot.server.wait_for_message(USER, is_alert)
    await _settled(bot)
    assert len(bot.alerts(USER)) == 1
    assert "Rules: European Parliament and PACE resolutions; Calls and proposals" in alert.plain
    reply = await bot.ask("/recent", USER)
    assert reply.plain.count("/alert_") == 1  # one line per message, not one per rule


async def test_the_same_measures_on_two_countries_stay_two_alerts(live: Harness) -> None:
    bot = live
    for country in ("Iran", "Belarus"):
        bot.ingest(*eu_sanctions_article(country))
    await _settled(bot)
    assert len(bot.alerts(USER)) == 2


async def test_an_alert_that_cannot_be_edited_gets_a_silent_reply(live: Harness) -> None:
    bot = live
    council, daily, _ = EU_PACKAGE
    _publish(bot, council)
    alert = await bot.server.wait_for_message(USER, is_alert)
    bot.server.fail(
        "editMessageText", "bad_request", description="Bad Request: message to edit not found"
    )
    _publish(bot, daily)
    reply = await bot.server.wait_for_message(USER, lambda m: m.reply_to == alert.message_id)
    assert reply.disable_notification is True
    assert "Also reported: Daily Wire" in reply.plain and "/alert_1" in reply.plain
    await _settled(bot)
    assert len(bot.alerts(USER)) == 1
