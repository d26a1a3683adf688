"""/recent (with paging buttons), /search, /alert, end to end."""

from __future__ import annotations

from tests.e2e.harness import (
    BELARUS_TITLE,
    COUNTRIES,
    OTHER_WIRE,
    Harness,
    belarus_text,
    eu_sanctions_article,
)

USER = 202


def _subscribe_and_ingest(bot: Harness, countries: tuple[str, ...]) -> None:
    bot.runtime.store.upsert_chat(USER)
    bot.runtime.store.subscribe(USER, ["eu-sanctions"])
    for country in countries:
        result = bot.ingest(*eu_sanctions_article(country))
        assert result.alerts == 1, country


async def test_recent_empty_and_bad_n(bot: Harness) -> None:
    reply = await bot.ask("/recent", USER)
    assert "No alerts in this chat yet" in reply.plain
    for bad in ("/recent 0", "/recent 21", "/recent many"):
        reply = await bot.ask(bad, USER)
        assert "Usage: /recent [n]" in reply.plain, bad


async def test_recent_pages_with_buttons(bot: Harness) -> None:
    _subscribe_and_ingest(bot, COUNTRIES[:7])
    reply = await bot.ask("/recent 3", USER)
    assert "Recent alerts 1–3 of 7" in reply.plain
    assert "Mali" in reply.plain.splitlines()[1]  # newest first
    assert [b["text"] for b in reply.buttons()] == ["Older ▶"]
    older = reply.buttons()[0]["callback_data"]
    bot.server.press_button(USER, USER, reply.message_id, older)
    await bot.server.wait_until(lambda: "4–6 of 7" in bot.server.sent(USER)[-1].plain)
    page = bot.server.sent(USER)[-1]
    assert page.message_id == reply.message_id  # edited in place
    assert [b["text"] for b in page.buttons()] == ["◀ Newer", "Older ▶"]
    bot.server.press_button(USER, USER, page.message_id, page.buttons()[1]["callback_data"])
    await bot.server.wait_until(lambda: "7–7 of 7" in bot.server.sent(USER)[-1].plain)
    assert [b["text"] for b in bot.server.sent(USER)[-1].buttons()] == ["◀ Newer"]
    await bot.server.wait_until(lambda: len(bot.server.callback_answers) == 2)


async def test_forged_button_data_is_refused(bot: Harness) -> None:
    _subscribe_and_ingest(bot, COUNTRIES[:2])
    # An alert of another chat: its id must not open it here.
    bot.runtime.store.upsert_chat(303)
    bot.runtime.store.subscribe(303, ["eu-sanctions"])
    bot.ingest(*eu_sanctions_article("Nicaragua"))
    foreign = bot.runtime.store.recent_alerts(303, limit=1)[0]
    reply = await bot.ask("/recent", USER)
    for data in ("r:99:0", "x:1", "d:abc", f"d:{foreign.id}", f"m:{foreign.id}"):
        before = len(bot.server.callback_answers)
        bot.server.press_button(USER, USER, reply.message_id, data)
        await bot.server.wait_until(lambda b=before: len(bot.server.callback_answers) > b)
        answer = bot.server.callback_answers[-1]["text"]
        assert "no longer valid" in answer or "does not belong" in answer, data
    assert bot.runtime.store.muted_rules(303, bot.clock()) == set()
    assert bot.server.sent(USER)[-1].plain == reply.plain  # nothing was edited


async def test_search_finds_and_explains_bad_queries(bot: Harness) -> None:
    bot.ingest(BELARUS_TITLE, belarus_text())
    bot.ingest(*eu_sanctions_article("Myanmar"))
    reply = await bot.ask('/search "satellite state"', USER)
    assert "1 result" in reply.plain and BELARUS_TITLE in reply.plain
    reply = await bot.ask("/search myanmar OR belarus", USER)
    assert "2 results" in reply.plain
    reply = await bot.ask("/search nothing-like-this-anywhere", USER)
    assert "Nothing stored matches" in reply.plain
    reply = await bot.ask('/search "unclosed phrase', USER)
    assert "can't search" in reply.plain and "closing" in reply.plain
    reply = await bot.ask("/search", USER)
    assert "Usage: /search <words>" in reply.plain


async def test_alert_detail_only_for_this_chat(bot: Harness) -> None:
    bot.runtime.store.upsert_chat(USER)
    bot.runtime.store.subscribe(USER, ["ep-resolutions"])
    bot.ingest(BELARUS_TITLE, belarus_text(), url="https://news.example.org/belarus")
    # The same story from a second outlet: grouped, so no second alert.
    second = bot.ingest(
        BELARUS_TITLE,
        belarus_text() + "\n\nThe vote was reported by several outlets.",
        url="https://other.example.net/by",
        source=OTHER_WIRE,
    )
    assert second.new_articles == 1 and second.alerts == 0
    [view] = bot.runtime.store.recent_alerts(USER)
    reply = await bot.ask(f"/alert {view.number}", USER)
    assert BELARUS_TITLE in reply.plain
    assert "satellite state of Russia" in reply.plain
    assert "Sources (2)" in reply.plain and "Other Wire" in reply.plain  # the second copy
    assert "Why:" in reply.plain
    reply = await bot.ask(f"/alert {view.number + 100}", USER)
    assert "no alert" in reply.plain
    reply = await bot.ask("/alert", USER)
    assert "Usage: /alert <number>" in reply.plain
    other = await bot.ask(f"/alert {view.number}", 404)
    assert "no alert" in other.plain
