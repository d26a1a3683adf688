"""The first line is the news; details add and never leak; times in the chat's zone;
old items marked and silent; quiet hours do what the reply says."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.harness import (
    BELARUS_TITLE,
    Harness,
    belarus_text,
    eu_sanctions_article,
    is_alert,
    start_harness,
    stop_harness,
)
from tests.e2e.stories import OFAC, OLD_ITEM, TREASURY
from tests.support.botapi import SentMessage
from tests.support.tghtml import parse_html

USER = 1601
INTERNALS = (
    r"\bstate (sent|pending|failed)",
    r"\battempts \d",
    r"\bpriority (urgent|normal|low)",
    r"Rule key",
    r"\bpack:",
    r"\bstory \d",
    r"\barticle \d",
)


def _bold_texts(message: SentMessage) -> list[str]:
    plain, entities = parse_html(message.text)
    units = plain.encode("utf-16-le")
    return [
        units[2 * int(e["offset"]) : 2 * (int(e["offset"]) + int(e["length"]))].decode("utf-16-le")
        for e in entities
        if e["type"] == "bold"
    ]


async def test_the_finding_leads_and_details_add_without_leaking(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe ep-resolutions", USER)
    await bot.ask("/timezone Europe/Brussels", USER)
    bot.ingest(BELARUS_TITLE, belarus_text())
    alert = await bot.server.wait_for_message(USER, is_alert)
    first, second = alert.plain.splitlines()[:2]
    # What a phone shows: the act and whom it concerns, then the sentence that says it.
    assert first.startswith("🚨 European Parliament and PACE resolutions · ")
    assert "🇧🇾 Belarus" in first
    assert '"satellite state of Russia"' in second and BELARUS_TITLE not in second
    assert alert.plain.splitlines()[2] == "📰 Test Wire · media · 27 Nov, 13:00 CET"
    assert alert.plain.splitlines()[3] == BELARUS_TITLE
    for bold in _bold_texts(alert):
        assert not re.match(r"^\W|.*\W$", bold), bold  # bold never swallows punctuation
    short = alert.plain

    bot.server.press_button(USER, USER, alert.message_id, f"d:{_view_id(bot)}")
    await bot.server.wait_until(lambda: len(alert.edits) == 1)
    detail = alert.plain
    assert "Minsk has become ever more entangled" in detail  # context from the article
    assert "Published: 27 Nov, 13:00 CET" in detail and "Sources (1)" in detail
    assert "Rules: European Parliament and PACE resolutions" in detail
    for internal in INTERNALS:
        assert not re.search(internal, detail), internal
    assert [b["text"] for b in alert.buttons()] == ["Less", "🔕 Mute…"]
    bot.server.press_button(USER, USER, alert.message_id, f"c:{_view_id(bot)}")
    await bot.server.wait_until(lambda: len(alert.edits) == 2)
    assert alert.plain == short  # Less collapses back to the alert as it was
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 2)


def _view_id(bot: Harness) -> int:
    return bot.runtime.store.recent_alerts(USER)[0].id


async def test_bold_around_a_bracketed_acronym(live_bot: Harness) -> None:
    bot = live_bot
    bot.runtime.store.sync_sources([TREASURY, *bot.runtime.store.list_sources()])
    await bot.ask("/subscribe us-sanctions", USER)
    bot.ingest(OFAC.title, OFAC.text, source=TREASURY)
    alert = await bot.server.wait_for_message(USER, is_alert)
    for bold in _bold_texts(alert):
        assert not re.match(r"^\W|.*\W$", bold), bold
    assert "(SDN) List" in alert.plain


async def test_recent_and_alert_show_publication_time_in_the_chat_zone(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    await bot.ask("/timezone America/New_York", USER)
    published = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # queued at 12:00, published 09:30
    bot.ingest(*eu_sanctions_article("Iran"), published=published)
    alert = await bot.server.wait_for_message(USER, is_alert)
    assert "27 Nov, 04:30 EST" in alert.plain
    recent = await bot.ask("/recent", USER)
    assert "/alert_1 Iran: Council adopts" in recent.plain
    assert "Test Wire · 27 Nov, 04:30 EST" in recent.plain
    detail = await bot.ask("/alert_1", USER)
    assert "Published: 27 Nov, 04:30 EST" in detail.plain


async def test_an_old_item_is_held_back_by_default(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    held = bot.ingest(OLD_ITEM.title, OLD_ITEM.text, published=OLD_ITEM.published)
    assert (held.alerts, held.held_back) == (0, 1)  # stored for /search, never alerted
    fresh = bot.ingest(*eu_sanctions_article("Iran"))
    assert fresh.alerts == 1
    await bot.server.wait_for_message(USER, lambda m: is_alert(m) and "Iran" in m.plain)
    assert [m for m in bot.alerts(USER) if "2024" in m.plain] == []


async def test_an_old_item_is_marked_and_arrives_without_sound(tmp_path: Path) -> None:
    # An operator who switched the age gate off (SANCTIONS_BOT_MAX_ITEM_AGE=off) still
    # never gets a 2024 item as fresh news with sound.
    bot = await start_harness(tmp_path, jobs=True, max_item_age=None)
    try:
        await _old_item_is_marked(bot)
    finally:
        await stop_harness(bot)


async def _old_item_is_marked(bot: Harness) -> None:
    await bot.ask("/subscribe eu-sanctions", USER)
    bot.ingest(OLD_ITEM.title, OLD_ITEM.text, published=OLD_ITEM.published)
    alert = await bot.server.wait_for_message(USER, is_alert)
    assert alert.disable_notification is True
    assert alert.plain.startswith("🗄 From 26 Feb 2024 · EU sanctions")
    assert "🚨" not in alert.plain
    fresh = bot.ingest(*eu_sanctions_article("Iran"))
    assert fresh.alerts == 1
    new = await bot.server.wait_for_message(USER, lambda m: is_alert(m) and "Iran" in m.plain)
    assert new.disable_notification is not True and new.plain.startswith("🚨 ")


async def test_quiet_hours_let_urgent_alerts_through_silently_and_release_the_rest(
    live_bot: Harness,
) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)  # an urgent pack
    await bot.ask("/watch Sudan AND Council", USER)  # a chat's own rule: normal priority
    reply = await bot.ask("/quiet 11:00-14:00", USER)  # the clock starts at 12:00 UTC
    assert "Then only 🚨 urgent alerts come through, without sound" in reply.plain
    bot.ingest(*eu_sanctions_article("Iran"))
    urgent = await bot.server.wait_for_message(USER, is_alert)
    assert urgent.disable_notification is True and urgent.plain.startswith("🚨")
    bot.ingest(
        "Sudan: Council holds talks",
        "The Council of the EU discussed the situation in Sudan with the African Union.",
    )
    [held] = [v for v in bot.runtime.store.recent_alerts(USER) if "Sudan" in v.title]

    def was_held() -> bool:
        return any(r["outcome"] == "held" for r in bot.runtime.store.delivery_log(held.id))

    await bot.server.wait_until(was_held)
    assert len(bot.alerts(USER)) == 1
    reply = await bot.ask("/quiet off", USER)  # no need to wait for 14:00
    assert "1 held alert is on the way now" in reply.plain
    released = await bot.server.wait_for_message(USER, lambda m: is_alert(m) and "Sudan" in m.plain)
    assert released.disable_notification is not True
