"""Alerts delivered by the running application: topics, buttons, digests, quiet hours."""

from __future__ import annotations

from tests.e2e.harness import BELARUS_TITLE, COUNTRIES, Harness, belarus_text, eu_sanctions_article
from tests.support.botapi import RateLimits, SentMessage

FORUM = -1003
ADMIN_USER = 21
MEMBER_USER = 22
USER = 707


def _is_alert(message: SentMessage) -> bool:
    return any(b["callback_data"].startswith("d:") for b in message.buttons())


async def test_alert_reaches_the_forum_topic_with_buttons(live_bot: Harness) -> None:
    bot = live_bot
    bot.server.set_member(FORUM, ADMIN_USER, "administrator")
    await bot.ask(
        "/subscribe ep-resolutions", FORUM, ADMIN_USER, "supergroup", thread_id=77, is_forum=True
    )
    result = bot.ingest(BELARUS_TITLE, belarus_text())
    assert result.alerts == 1
    alert = await bot.server.wait_for_message(FORUM, _is_alert)
    assert alert.thread_id == 77
    assert BELARUS_TITLE in alert.plain
    assert "satellite state of Russia" in alert.plain
    assert alert.link_preview_options == {"is_disabled": True}
    [view] = bot.runtime.store.recent_alerts(FORUM)
    assert [b["callback_data"] for b in alert.buttons()] == [f"d:{view.id}", f"m:{view.id}"]

    # A member may open the details; the alert is edited into its long form.
    bot.server.press_button(FORUM, MEMBER_USER, alert.message_id, f"d:{view.id}")
    await bot.server.wait_until(lambda: "Sources (1)" in bot.server.sent(FORUM)[-1].plain)
    assert bot.server.sent(FORUM)[-1].message_id == alert.message_id
    # A member may not mute; an admin may (first the choice, then the rule for 24 hours).
    bot.server.press_button(FORUM, MEMBER_USER, alert.message_id, f"m:{view.id}")
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 2)
    assert "Only admins" in (bot.server.callback_answers[-1]["text"] or "")
    assert bot.runtime.store.muted_rules(FORUM, bot.clock()) == set()
    bot.server.press_button(FORUM, ADMIN_USER, alert.message_id, f"m:{view.id}")
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 3)
    bot.server.press_button(FORUM, ADMIN_USER, alert.message_id, f"mr:{view.id}:0")
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 4)
    assert "24 hours" in (bot.server.callback_answers[-1]["text"] or "")
    assert bot.runtime.store.muted_rules(FORUM, bot.clock()) == {"pack:ep-resolutions"}


async def test_recent_lists_a_delivered_alert(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    bot.ingest(*eu_sanctions_article("Iran"))
    await bot.server.wait_for_message(USER, _is_alert)
    await bot.server.wait_until(lambda: bot.runtime.store.recent_alerts(USER)[0].state == "sent")
    reply = await bot.ask("/recent", USER)
    assert "Iran: Council adopts" in reply.plain and "(pending)" not in reply.plain


async def test_digest_arrives_as_one_message(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    await bot.ask("/digest hourly", USER)
    for country in COUNTRIES[:3]:
        bot.ingest(*eu_sanctions_article(country))
    digest = await bot.server.wait_for_message(
        USER, lambda m: "digest" in m.plain.lower() and "alerts" in m.plain
    )
    assert "3 alerts" in digest.plain
    for country in COUNTRIES[:3]:
        assert f"{country}: Council adopts" in digest.plain
    assert not any(_is_alert(m) for m in bot.server.sent(USER))
    await bot.server.wait_until(
        lambda: {v.state for v in bot.runtime.store.recent_alerts(USER)} == {"sent"}
    )
    # The next ones wait for the next period, then come together.
    for country in COUNTRIES[3:5]:
        bot.ingest(*eu_sanctions_article(country))
    sent_before = len(bot.server.sent(USER))
    # Run the digest worker once more by hand: within the hour it must send nothing.
    report = await bot.app.bot_data["jobs"].digests.run_once()
    assert report.sent == 0
    assert len(bot.server.sent(USER)) == sent_before
    assert {v.state for v in bot.runtime.store.recent_alerts(USER, limit=2)} == {"pending"}
    bot.clock.advance(hours=1, minutes=1)
    second = await bot.server.wait_for_message(USER, lambda m: "2 alerts" in m.plain)
    assert "Myanmar" in second.plain and "Venezuela" in second.plain


async def test_quiet_hours_hold_then_release(live_bot: Harness) -> None:
    bot = live_bot
    # A chat's own rule has normal priority (urgent packs pass through quiet hours).
    await bot.ask("/watch Sudan AND Council", USER)
    await bot.ask("/quiet 11-14", USER)  # the clock starts at 12:00 UTC
    bot.ingest(*eu_sanctions_article("Sudan"))
    [view] = bot.runtime.store.recent_alerts(USER)
    assert view.priority == "normal"

    def held() -> bool:
        rows = bot.runtime.store.db.execute(
            "SELECT count(*) FROM deliveries WHERE alert_id = ? AND outcome = 'held'", [view.id]
        ).fetchone()
        return bool(rows[0])

    await bot.server.wait_until(held)
    assert not any(_is_alert(m) for m in bot.server.sent(USER))
    bot.clock.advance(hours=2, minutes=1)
    alert = await bot.server.wait_for_message(USER, _is_alert)
    assert "Sudan" in alert.plain


async def test_a_burst_of_alerts_respects_the_per_chat_limit(live_bot: Harness) -> None:
    bot = live_bot
    # Subscribed without a command, so every message in the chat is an alert.
    bot.server.add_chat(USER)
    bot.runtime.store.upsert_chat(USER)
    bot.runtime.store.subscribe(USER, ["eu-sanctions"])
    # The server answers 429 to anything faster than ~1 message per 0.8 s in one chat.
    bot.server.enforce_limits(RateLimits(per_chat_per_second=1.25))
    for country in COUNTRIES[:4]:
        bot.ingest(*eu_sanctions_article(country))
    await bot.server.wait_until(lambda: sum(_is_alert(m) for m in bot.server.sent(USER)) == 4)
    stats = bot.server.stats()
    assert stats["rate_violations"] == 0 and stats["answered_429"] == 0
