"""Settings you can see: /settings with buttons, values shown without arguments, suggestions
with a button for a mistyped time zone or pack."""

from __future__ import annotations

from tests.e2e.harness import Harness
from tests.support.botapi import SentMessage

USER = 1701
GROUP = -1701
MEMBER = 17


async def _press(bot: Harness, chat: int, user: int, message: SentMessage, data: str) -> str:
    answers = len(bot.server.callback_answers)
    bot.server.press_button(chat, user, message.message_id, data)
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) > answers)
    return bot.server.callback_answers[-1]["text"] or ""


async def test_settings_shows_everything_and_its_buttons_change_it(bot: Harness) -> None:
    await bot.ask("/subscribe eu-sanctions", USER)
    await bot.ask("/watch Iran AND sanctions", USER)
    await bot.ask("/quiet 22-07", USER)
    await bot.ask("/timezone Europe/Berlin", USER)
    bot.runtime.store.mute(USER, "pack:eu-sanctions", bot.clock().replace(hour=18))
    reply = await bot.ask("/settings", USER)
    for line in (
        "Alerts: one by one, as they are published",
        "Quiet hours: 22:00–07:00 (Europe/Berlin). Then only 🚨 urgent alerts come through",
        "Time zone: Europe/Berlin (now 13:",
        "Packs: eu-sanctions",
        "Your rules: 1 (/rules)",
        "🔕 EU sanctions · until 27 Nov, 19:00 CET",
    ):
        assert line in reply.plain, line
    buttons = [b["callback_data"] for b in reply.buttons()]
    assert buttons == [
        "s:digest:off",
        "s:digest:hourly",
        "s:digest:daily",
        "s:quiet:off",
        "s:unmute:all",
    ]
    assert "Digest: daily" in await _press(bot, USER, USER, reply, "s:digest:daily")
    assert "Alerts: in one daily digest at 08:00 (Europe/Berlin), next 28 Nov, 08:00 CET" in (
        reply.plain
    )
    assert [b["text"] for b in reply.buttons()][:3] == ["One by one", "Hourly", "✓ Daily 08:00"]
    await _press(bot, USER, USER, reply, "s:quiet:off")
    assert "Quiet hours: off" in reply.plain
    await _press(bot, USER, USER, reply, "s:unmute:all")
    assert "Muted: nothing" in reply.plain
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.digest == "daily" and chat.quiet_start is None
    assert bot.runtime.store.mutes(USER, bot.clock()) == []


async def test_settings_buttons_in_a_group_are_for_admins(bot: Harness) -> None:
    reply = await bot.ask("/settings", GROUP, MEMBER, "supergroup")  # anyone may look
    assert "Settings of this chat" in reply.plain
    answer = await _press(bot, GROUP, MEMBER, reply, "s:digest:hourly")
    assert "Only admins" in answer
    chat = bot.runtime.store.get_chat(GROUP)
    assert chat is not None and chat.digest == "off"


async def test_daily_digest_says_when_and_takes_an_hour(bot: Harness) -> None:
    reply = await bot.ask("/digest daily 18", USER)
    assert "✅ Alerts now arrive in one daily digest at 18:00 (UTC), next 27 Nov, 18:00 UTC" in (
        reply.plain
    )
    reply = await bot.ask("/digest", USER)
    assert reply.plain.startswith("Alerts arrive in one daily digest at 18:00")


async def test_a_city_gets_the_time_zone_suggested_with_a_button(bot: Harness) -> None:
    reply = await bot.ask("/timezone berlin", USER)
    assert "Did you mean Europe/Berlin?" in reply.plain
    assert [b["callback_data"] for b in reply.buttons()] == ["tz:Europe/Berlin"]
    assert "Europe/Berlin" in await _press(bot, USER, USER, reply, "tz:Europe/Berlin")
    assert reply.plain.startswith("✅ Time zone set to Europe/Berlin (now 13:")
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.timezone == "Europe/Berlin"
    reply = await bot.ask("/timezone new york", USER)
    assert "America/New_York" in reply.plain
    reply = await bot.ask("/timezone europe/paris", USER)  # any case: just set
    assert "✅ Time zone set to Europe/Paris" in reply.plain


async def test_a_mistyped_pack_gets_a_suggestion_with_a_button(bot: Harness) -> None:
    reply = await bot.ask("/subscribe eu-sanction", USER)
    assert "Unknown pack: eu-sanction. Did you mean eu-sanctions? Nothing changed." in reply.plain
    assert bot.runtime.store.subscriptions(USER) == []
    answer = await _press(bot, USER, USER, reply, "sub:eu-sanctions")
    assert "Subscribed to eu-sanctions" in answer
    assert "✅ Subscribed to: eu-sanctions" in reply.plain
    assert bot.runtime.store.subscriptions(USER) == ["eu-sanctions"]
