"""Mute that is narrow, visible and undoable: a choice, an Unmute button, /rules, /settings,
/unmute, and muted alerts kept in /recent."""

from __future__ import annotations

from tests.e2e.harness import (
    BELARUS_TITLE,
    Harness,
    SentMessage,
    belarus_text,
    eu_sanctions_article,
    is_alert,
)
from tests.e2e.stories import DAILY

USER = 1401


async def _press(bot: Harness, message: SentMessage, label: str) -> str:
    """Press the button whose label contains `label`; returns the callback answer's text."""
    fresh = next(m for m in bot.server.sent(USER) if m.message_id == message.message_id)
    [button] = [b for b in fresh.buttons() if label in b["text"]]
    answers = len(bot.server.callback_answers)
    bot.server.press_button(USER, USER, message.message_id, button["callback_data"])
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) > answers)
    return bot.server.callback_answers[-1]["text"] or ""


def _labels(bot: Harness, message: SentMessage) -> list[str]:
    fresh = next(m for m in bot.server.sent(USER) if m.message_id == message.message_id)
    return [b["text"] for b in fresh.buttons()]


async def test_mute_offers_story_or_rule_and_this_story_mutes_only_the_story(
    live_bot: Harness,
) -> None:
    bot = live_bot
    bot.runtime.store.sync_sources([DAILY, *bot.runtime.store.list_sources()])
    await bot.ask("/subscribe ep-resolutions eu-sanctions", USER)
    bot.ingest(BELARUS_TITLE, belarus_text())
    alert = await bot.server.wait_for_message(USER, is_alert)
    await _press(bot, alert, "Mute")
    choices = _labels(bot, alert)
    assert choices[0] == "🔕 This story" and "European Parliament and PAC" in choices[1]
    assert choices[-1] == "Cancel"
    answer = await _press(bot, alert, "This story")
    assert "Muted this story" in answer
    assert _labels(bot, alert) == ["Details", "🔔 Unmute"]
    assert alert.markup_edits >= 2 and alert.edits == []  # only the buttons changed
    # Narrow: the pack still alerts other news; the muted story gets no more updates.
    bot.ingest(BELARUS_TITLE, belarus_text() + "\n\nUpdated.", source=DAILY)
    bot.ingest(*eu_sanctions_article("Iran"))
    await bot.server.wait_until(lambda: len(bot.alerts(USER)) == 2)
    fresh = next(m for m in bot.server.sent(USER) if m.message_id == alert.message_id)
    assert "Daily Wire" not in fresh.plain  # no edit of a muted story
    rules = await bot.ask("/rules", USER)
    assert "🔕 this story: “MEPs call Belarus" in rules.plain
    settings = await bot.ask("/settings", USER)
    assert "🔕 this story" in settings.plain
    # Undo with the button: it turns back into Mute….
    assert "Unmuted" in await _press(bot, alert, "Unmute")
    assert _labels(bot, alert) == ["Details", "🔕 Mute…"]
    assert bot.runtime.store.mutes(USER, bot.clock()) == []


async def test_muting_a_rule_for_a_day_keeps_its_alerts_in_recent_and_unmute_ends_it(
    live_bot: Harness,
) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    bot.ingest(*eu_sanctions_article("Iran"))
    alert = await bot.server.wait_for_message(USER, is_alert)
    await _press(bot, alert, "Mute")
    answer = await _press(bot, alert, "EU sanctions · 24 h")
    assert "Muted “EU sanctions” here for 24 hours" in answer
    assert _labels(bot, alert) == ["Details", "🔔 Unmute"]
    bot.ingest(*eu_sanctions_article("Syria"))

    def muted_one() -> bool:
        return any(v.state == "muted" for v in bot.runtime.store.recent_alerts(USER))

    await bot.server.wait_until(muted_one)
    assert len(bot.alerts(USER)) == 1  # not sent…
    recent = await bot.ask("/recent", USER)
    assert "🔕 /alert_2 Syria: Council adopts" in recent.plain and "muted, not sent" in recent.plain
    rules = await bot.ask("/rules", USER)
    assert "🔕 EU sanctions · until 28 Nov, 12:00 UTC" in rules.plain
    listing = await bot.ask("/unmute", USER)
    assert "EU sanctions" in listing.plain
    assert [b["callback_data"] for b in listing.buttons()] == ["um:pack:eu-sanctions"]
    reply = await bot.ask("/unmute all", USER)
    assert "🔔 Unmuted: EU sanctions." in reply.plain
    assert "Not sent while muted: /alert_2" in reply.plain
    assert bot.runtime.store.mutes(USER, bot.clock()) == []
    shown = await bot.ask("/alert_2", USER)  # …and not lost: readable in full
    assert "Syria: Council adopts" in shown.plain


async def test_unmute_button_in_the_list_ends_one_mute(bot: Harness) -> None:
    bot.runtime.store.upsert_chat(USER)
    bot.runtime.store.mute(USER, "pack:eu-sanctions", bot.clock().replace(year=2027))
    bot.runtime.store.mute(USER, "pack:un-sanctions", bot.clock().replace(year=2027))
    listing = await bot.ask("/unmute", USER)
    assert [b["text"] for b in listing.buttons()][-1] == "🔔 Unmute all"
    [button] = [b for b in listing.buttons() if b["callback_data"] == "um:pack:un-sanctions"]
    bot.server.press_button(USER, USER, listing.message_id, button["callback_data"])
    await bot.server.wait_until(lambda: len(listing.edits) == 1)
    assert "UN Security Council" not in listing.plain and "EU sanctions" in listing.plain
    assert [k for k, _ in bot.runtime.store.mutes(USER, bot.clock())] == ["pack:eu-sanctions"]
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 1)
    assert "Unmuted" in (bot.server.callback_answers[-1]["text"] or "")
