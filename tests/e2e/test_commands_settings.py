"""/digest /quiet /timezone /sources, end to end; bad arguments change nothing."""

from __future__ import annotations

from bot.models import Source
from tests.e2e.harness import ADMIN, Harness

USER = 606


async def test_digest(bot: Harness) -> None:
    reply = await bot.ask("/digest daily", USER)
    assert "daily digest at 08:00 (UTC)" in reply.plain
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.digest == "daily"
    for bad in ("/digest weekly", "/digest daily 25", "/digest hourly 8"):
        reply = await bot.ask(bad, USER)
        assert "Usage: /digest [off|hourly|daily [HH]]" in reply.plain, bad
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.digest == "daily" and chat.digest_hour == 8
    reply = await bot.ask("/digest", USER)  # no argument: the current value
    assert "Alerts arrive in one daily digest at 08:00" in reply.plain
    await bot.ask("/digest off", USER)
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.digest == "off"


async def test_quiet_hours(bot: Harness) -> None:
    reply = await bot.ask("/quiet 22-07", USER)
    assert "22:00–07:00" in reply.plain
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and (chat.quiet_start, chat.quiet_end) == (22, 7)
    for bad in ("/quiet 25-07", "/quiet 7-7", "/quiet tonight", "/quiet 22:30-07:00"):
        reply = await bot.ask(bad, USER)
        assert "Usage: /quiet [HH-HH|off]" in reply.plain, bad
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and (chat.quiet_start, chat.quiet_end) == (22, 7)
    reply = await bot.ask("/quiet", USER)  # no argument: the current value
    assert reply.plain.startswith("Quiet hours 22:00–07:00 (UTC).")
    await bot.ask("/quiet off", USER)
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.quiet_start is None and chat.quiet_end is None


async def test_timezone(bot: Harness) -> None:
    reply = await bot.ask("/timezone Europe/Brussels", USER)
    assert "Europe/Brussels" in reply.plain
    for bad in ("/timezone Mars/Olympus", "/timezone ../../etc/passwd"):
        reply = await bot.ask(bad, USER)
        assert "I don't know the time zone" in reply.plain, bad
    reply = await bot.ask("/timezone", USER)  # no argument: the current value
    assert reply.plain.startswith("Time zone: Europe/Brussels (now ")
    chat = bot.runtime.store.get_chat(USER)
    assert chat is not None and chat.timezone == "Europe/Brussels"


async def test_sources_health_and_admin_only_changes(bot: Harness) -> None:
    # The harness's store knows two sources, never polled.
    reply = await bot.ask("/sources", USER)
    assert "⏳ test-wire · not polled yet" in reply.plain
    assert "other-wire" in reply.plain
    reply = await bot.ask("/sources add wire http://127.0.0.1:9/feed.xml", USER)
    assert "Only the bot's administrators can add sources" in reply.plain
    assert bot.runtime.store.get_source("wire") is None
    reply = await bot.ask("/sources add wire ftp://127.0.0.1/feed.xml", ADMIN)
    assert "not added" in reply.plain and "http" in reply.plain
    reply = await bot.ask("/sources add Bad_Id http://127.0.0.1/x", ADMIN)
    assert "Usage: /sources" in reply.plain
    # Nothing answers on port 9 (and loopback is refused here): the test fetch fails first.
    reply = await bot.ask("/sources add wire http://127.0.0.1:9/feed.xml atom", ADMIN)
    assert "not added" in reply.plain and "✅" not in reply.plain
    assert bot.runtime.store.get_source("wire") is None
    bot.runtime.store.add_source(Source("wire", "wire", "http://127.0.0.1:9/f.xml"), ADMIN)
    reply = await bot.ask("/sources", USER)
    assert "⏳ wire · not polled yet" in reply.plain
    reply = await bot.ask("/sources remove wire", USER)
    assert "Only the bot's administrators" in reply.plain
    reply = await bot.ask("/sources remove nope", ADMIN)
    assert "no source" in reply.plain
    reply = await bot.ask("/sources remove wire", ADMIN)
    assert "removed" in reply.plain
    assert bot.runtime.store.get_source("wire") is None
    reply = await bot.ask("/sources frobnicate", ADMIN)
    assert "Usage: /sources" in reply.plain
    help_ = await bot.ask("/help", ADMIN)
    assert "/sources add" in help_.plain
