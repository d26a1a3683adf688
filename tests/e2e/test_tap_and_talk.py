"""Commands you can tap, no silence, /search that shows why, numbers per chat."""

from __future__ import annotations

from tests.e2e.harness import BELARUS_TITLE, Harness, belarus_text, eu_sanctions_article, is_alert
from tests.support.botapi import SentMessage

USER = 1801
OTHER = 1802
GROUP = -1801
ADMIN_USER = 18


async def _press(bot: Harness, chat: int, message: SentMessage, data: str) -> None:
    edits = len(message.edits)
    bot.server.press_button(chat, chat, message.message_id, data)
    await bot.server.wait_until(lambda: len(message.edits) > edits)


async def test_help_and_replies_write_commands_that_can_be_tapped(bot: Harness) -> None:
    reply = await bot.ask("/help", USER)
    assert "<code>/" not in reply.text
    assert "\n/watch <i>&lt;query&gt;</i> — " in reply.text
    bot.runtime.store.upsert_chat(USER)
    bot.runtime.store.subscribe(USER, ["eu-sanctions"])
    bot.ingest(*eu_sanctions_article("Iran"))
    recent = await bot.ask("/recent", USER)
    assert "/alert_1" in recent.plain and "/alert 1" not in recent.plain
    shown = await bot.ask("/alert_1", USER)  # what a tap on it sends
    assert "Iran: Council adopts" in shown.plain and "Sources (1)" in shown.plain
    shown = await bot.ask("/alert_1@sanctions_test_bot", GROUP, ADMIN_USER, "supergroup")
    assert "no alert #1" in shown.plain  # the group has its own numbers
    saved = await bot.ask("/watch Iran AND sanctions", USER)
    assert "/unwatch_1" in saved.plain
    removed = await bot.ask("/unwatch_1", USER)
    assert "Removed rule #1." in removed.plain
    before = len(bot.server.sent(GROUP))
    bot.server.send_message(GROUP, ADMIN_USER, "/alert_1@some_other_bot", "supergroup")
    # Updates are handled in order: once the next command is answered, the one before it
    # was handled too, so the count shows whether it got a reply (no sleep and hope).
    bot.server.send_message(GROUP, ADMIN_USER, "/alert_2@sanctions_test_bot", "supergroup")
    await bot.server.wait_for_message(GROUP, lambda m: "no alert #2" in m.plain)
    replies = [m.plain for m in bot.server.sent(GROUP)[before:]]
    assert len(replies) == 1 and "no alert #2" in replies[0]  # meant for another bot: not answered


async def test_free_text_gets_a_hint_and_a_search_button(bot: Harness) -> None:
    bot.ingest(BELARUS_TITLE, belarus_text())
    reply = await bot.ask("satellite state", USER)
    assert "I answer commands, not messages" in reply.plain and "/search" in reply.plain
    [button] = reply.buttons()
    assert button["text"] == "🔎 Search: satellite state"
    await _press(bot, USER, reply, button["callback_data"])
    assert reply.plain.startswith("🔎 1 result for satellite state")


async def test_stop_and_unsubscribe_say_what_remains(bot: Harness) -> None:
    await bot.ask("/subscribe eu-sanctions un-sanctions", USER)
    await bot.ask("/watch Belarus AND sanctions", USER)
    reply = await bot.ask("/unsubscribe eu-sanctions", USER)
    assert "Still subscribed: un-sanctions" in reply.plain
    assert "Your rule stays active:\n#1 Belarus AND sanctions · /unwatch_1" in reply.plain
    reply = await bot.ask("/stop", USER)
    assert "🔕 Stopped: no more pack alerts here (un-sanctions)." in reply.plain
    assert "#1 Belarus AND sanctions · /unwatch_1" in reply.plain
    assert bot.runtime.store.topic_subscriptions(USER) == {}
    assert len(bot.runtime.store.watches(USER)) == 1


async def test_search_counts_pages_and_shows_why_each_hit_matched(bot: Harness) -> None:
    countries = ("Iran", "Syria", "Mali", "Sudan", "Haiti", "Libya", "Yemen")
    for country in countries:
        bot.ingest(*eu_sanctions_article(country))
    reply = await bot.ask("/search asset freeze", USER)
    assert reply.plain.startswith("🔎 7 results for asset freeze (1–5):")
    assert "«" in reply.plain and "<b>asset</b> <b>freeze</b>" in reply.text
    assert [b["text"] for b in reply.buttons()] == ["More ▶"]
    await _press(bot, USER, reply, reply.buttons()[0]["callback_data"])
    assert "7 results for asset freeze (6–7):" in reply.plain
    assert [b["text"] for b in reply.buttons()] == ["◀ Back"]


async def test_search_suggests_other_spellings(bot: Harness) -> None:
    bot.ingest(BELARUS_TITLE, belarus_text())
    reply = await bot.ask("/search Lukashenka", USER)
    assert "Nothing stored matches Lukashenka" in reply.plain
    assert "Other spellings found: Lukashenko (1 result)" in reply.plain
    [button] = reply.buttons()
    await _press(bot, USER, reply, button["callback_data"])
    assert reply.plain.startswith("🔎 1 result for Lukashenko")


async def test_numbers_are_per_chat_and_digests_show_them(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", OTHER)
    for country in ("Iran", "Syria", "Mali"):
        bot.ingest(*eu_sanctions_article(country))
    await bot.server.wait_until(lambda: len(bot.alerts(OTHER)) == 3)
    first = await bot.ask("/watch Belarus AND Council", USER)
    assert "Rule #1 saved" in first.plain  # not #4 or #12: this chat's first rule
    await bot.ask("/digest hourly", USER)
    bot.ingest(*eu_sanctions_article("Belarus"))
    digest = await bot.server.wait_for_message(USER, lambda m: "Hourly digest" in m.plain)
    assert "/alert_1" in digest.plain and "Your rule #1: Belarus AND Council (1)" in digest.plain
    assert not any(is_alert(m) for m in bot.server.sent(USER))
    other = await bot.ask("/recent", OTHER)
    assert "/alert_3 Mali" in other.plain and "/alert_1 Iran" in other.plain
