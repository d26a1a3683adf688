"""A database that fails under a running bot: the person gets one clear line, never a traceback."""

from __future__ import annotations

from tests.e2e.harness import Harness

USER = 414


async def test_a_store_error_is_answered_in_one_line(bot: Harness) -> None:
    reply = await bot.ask("/start", USER)
    assert "subscribe" in reply.plain.lower()
    bot.runtime.store.db.execute("DROP TABLE mutes")  # what /unmute reads: the store fails
    reply = await bot.ask("/unmute", USER)
    assert reply.plain == "⚠️ I could not reach my database just now. Please try again in a minute."
    assert "mutes" not in reply.plain and "SELECT" not in reply.plain
    reply = await bot.ask("/help", USER)  # the bot goes on
    assert "/subscribe" in reply.plain
