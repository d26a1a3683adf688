"""Telegram's errors met by the running application, injected by the Bot API test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.delivery.ratelimit import make_rate_limiter
from tests.e2e.harness import Harness, eu_sanctions_article, start_harness, stop_harness

USER = 808


@pytest.fixture
async def limited_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot with the production rate limiter (it honours RetryAfter) and its jobs."""
    h = await start_harness(tmp_path, jobs=True, rate_limiter=make_rate_limiter())
    yield h
    await stop_harness(h)


def _active(bot: Harness, chat_id: int) -> bool:
    chat = bot.runtime.store.get_chat(chat_id)
    assert chat is not None
    return chat.active


async def test_reply_survives_a_429(limited_bot: Harness) -> None:
    bot = limited_bot
    bot.server.add_chat(USER)
    bot.server.fail("sendMessage", "retry_after", chat_id=USER, retry_after=1)
    reply = await bot.ask("/help", USER)
    assert "Commands" in reply.plain
    stats = bot.server.stats()
    assert stats["answered_429"] == 1
    assert stats["requests"]["sendMessage"] == 2  # the refused one, then the retry


async def test_blocked_user_deactivates_the_chat(bot: Harness) -> None:
    bot.server.add_chat(USER)
    bot.server.fail("sendMessage", "blocked", chat_id=USER)
    bot.server.send_message(USER, USER, "/start")
    await bot.server.wait_until(lambda: bot.server.stats()["errors"].get("403") == 1)
    await bot.server.wait_until(lambda: not _active(bot, USER))
    assert bot.server.sent(USER) == []


async def test_reply_follows_a_group_that_became_a_supergroup(bot: Harness) -> None:
    old, new = -5001, -1005001
    bot.server.add_chat(new, "supergroup", title="Upgraded")
    bot.server.fail("sendMessage", "migrate", chat_id=old, migrate_to=new)
    bot.server.send_message(old, 1, "/packs", "group", title="Old group")
    reply = await bot.server.wait_for_message(new, lambda m: "Rule packs" in m.plain)
    assert reply.chat_id == new
    assert _active(bot, new) and not _active(bot, old)


async def test_alert_to_a_blocked_user_ends_dead_and_the_chat_inactive(live_bot: Harness) -> None:
    bot = live_bot
    await bot.ask("/subscribe eu-sanctions", USER)
    bot.server.fail("sendMessage", "blocked", chat_id=USER)
    bot.ingest(*eu_sanctions_article("Syria"))
    await bot.server.wait_until(
        lambda: bot.runtime.store.recent_alerts(USER)[0].state == "dead", timeout=20
    )
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and not chat.active
