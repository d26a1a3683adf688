"""The Bot API test server, driven by the real python-telegram-bot `Bot` over HTTP."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.support.botapi import BotApiServer, RateLimits
from tests.support.botapi_remote import RemoteBotApi
from tests.support.tghtml import HtmlEntityError, parse_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(bot_api_server: BotApiServer) -> BotApiServer:
    return bot_api_server


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=2.0, connect_timeout=2.0)
    updates_request = HTTPXRequest(read_timeout=5.0)
    async with Bot(
        server.token, base_url=server.base_url, request=request, get_updates_request=updates_request
    ) as b:
        yield b


async def test_get_me_and_wrong_token(server: BotApiServer, bot: Bot) -> None:
    assert bot.username == "sanctions_test_bot"
    assert server.stats()["requests"]["getMe"] == 1
    from telegram.error import InvalidToken

    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=server.base_url):
            pass


async def test_long_poll_waits_for_update_and_offset_confirms(
    server: BotApiServer, bot: Bot
) -> None:
    assert await bot.get_updates(timeout=0) == ()
    task = asyncio.create_task(bot.get_updates(timeout=4))
    await server.wait_until(lambda: server.polls_held == 1)  # the server holds the poll
    assert not task.done()  # held: nothing to deliver yet
    server.send_message(42, 42, "/start")
    updates = await asyncio.wait_for(task, 5)
    assert len(updates) == 1
    msg = updates[0].message
    assert msg is not None and msg.text == "/start" and msg.chat.id == 42
    assert msg.entities[0].type == "bot_command"
    # Not confirmed yet: delivered again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert server.pending_updates() == 0


async def test_send_message_records_everything(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(-100, "supergroup", title="Forum", is_forum=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Details", callback_data="d:1")]])
    sent = await bot.send_message(
        -100,
        "<b>EU</b> &amp; <a href='https://example.org/x'>link</a>",
        parse_mode=ParseMode.HTML,
        message_thread_id=7,
        reply_markup=markup,
        disable_web_page_preview=True,
    )
    assert sent.text == "EU & link"
    assert sent.message_thread_id == 7
    record = server.sent(-100)[0]
    assert record.thread_id == 7 and record.parse_mode == "HTML"
    assert record.buttons() == [{"text": "Details", "callback_data": "d:1"}]
    assert record.link_preview_options == {"is_disabled": True} or record.disable_web_page_preview


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    server: BotApiServer, bot: Bot, text: str, needle: str
) -> None:
    server.add_chat(5)
    with pytest.raises(BadRequest) as info:
        await bot.send_message(5, text, parse_mode=ParseMode.HTML)
    assert "can't parse entities" in str(info.value).lower()
    assert needle.lower() in str(info.value).lower()
    assert server.sent(5) == []


def test_html_parser_accepts_what_telegram_accepts() -> None:
    plain, entities = parse_html(
        "<b>1</b><strong>2</strong><i>3</i><u>4</u><s>5</s><code>6</code><pre>7</pre>"
        '<tg-spoiler>8</tg-spoiler><span class="tg-spoiler">9</span><blockquote>q</blockquote>'
        "&lt;&#65;&quot;&gt; & tail"
    )
    assert plain == '123456789q<A"> & tail'
    assert [e["type"] for e in entities][:3] == ["bold", "bold", "italic"]
    with pytest.raises(HtmlEntityError):
        parse_html("<script>x</script>")


async def test_too_long_and_empty_text(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(5)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(5, "x" * 4097)
    # Tags do not count toward the limit: only the visible text does.
    await bot.send_message(5, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(5, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(6, "nobody here")


async def test_scripted_faults(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(5)
    server.add_chat(6)
    server.fail("sendMessage", "retry_after", chat_id=5, retry_after=3)
    server.fail("sendMessage", "blocked", chat_id=6)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(5, "a")
    assert "retry in 3 seconds" in info.value.message.lower()
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(6, "a")
    await bot.send_message(5, "a")  # faults are consumed
    server.fail("sendMessage", "migrate", migrate_to=-1005)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(5, "a")
    assert migrated.value.new_chat_id == -1005
    server.fail("sendMessage", "chat_not_found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(5, "a")
    server.fail("sendMessage", "server_error")
    with pytest.raises(NetworkError):
        await bot.send_message(5, "a")
    server.fail("sendMessage", "parse_entities")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_message(5, "a")
    stats = server.stats()
    assert stats["answered_429"] == 1
    assert stats["requests"]["sendMessage"] == 7
    assert len(server.sent(5)) == 1


async def test_timeout_fault_holds_past_client_timeout(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(5)
    server.fail("sendMessage", "timeout", hold=4.0)
    with pytest.raises(TimedOut):
        await bot.send_message(5, "slow")  # client read timeout is 2 s
    # The server processed it anyway, as Telegram may: the retry risk delivery must handle.
    await server.wait_until(lambda: len(server.messages) == 1, timeout=10)


async def test_edit_callback_member_and_commands(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(-7, "group", title="G")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Older", callback_data="r:5")]])
    sent = await bot.send_message(-7, "page 1", reply_markup=markup)
    query_id = server.press_button(-7, 11, sent.message_id, "r:5")
    updates = await bot.get_updates(timeout=1)
    cq = updates[-1].callback_query
    assert cq is not None and cq.data == "r:5" and cq.message is not None
    assert cq.id == query_id
    await bot.answer_callback_query(cq.id, text="ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(cq.id)
    await bot.edit_message_text("page 2", chat_id=-7, message_id=sent.message_id)
    assert server.sent(-7)[0].plain == "page 2" and server.sent(-7)[0].edits == ["page 1"]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("page 2", chat_id=-7, message_id=sent.message_id)
    server.set_member(-7, 11, "administrator")
    assert (await bot.get_chat_member(-7, 11)).status == "administrator"
    assert (await bot.get_chat_member(-7, 12)).status == "member"
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert (await bot.get_chat(-7)).title == "G"
    assert await bot.delete_message(-7, sent.message_id)
    assert server.sent(-7) == []


async def test_my_chat_member_and_topics_and_anonymous_admin(
    server: BotApiServer, bot: Bot
) -> None:
    server.bot_added(-9, 3, "supergroup", title="Forum", is_forum=True)
    server.send_message(-9, 3, "/rules", "supergroup", thread_id=77)
    server.send_message(-9, 0, "/digest daily", "supergroup", anonymous_admin=True)
    updates = await bot.get_updates(timeout=1)
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    topic = updates[1].message
    assert topic is not None and topic.message_thread_id == 77 and topic.is_topic_message
    anon = updates[2].message
    assert anon is not None and anon.sender_chat is not None and anon.sender_chat.id == -9


async def test_rate_checker_answers_429(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(5)
    server.enforce_limits(RateLimits(per_chat_per_second=1.0))
    await bot.send_message(5, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(5, "two")
    stats = server.stats()
    assert stats["rate_violations"] == 1 and stats["answered_429"] == 1
    assert len(stats["send_times"]["5"]) == 1


async def test_webhook_blocks_get_updates(server: BotApiServer, bot: Bot) -> None:
    from telegram.error import Conflict

    await bot.set_webhook("https://127.0.0.1:8443/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://127.0.0.1:8443/hook"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_standalone_process_with_control_api() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.botapi", "--port", "0", "--token", "77:ABC"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        assert line.startswith("READY ")
        remote = RemoteBotApi(line.split()[1], "77:ABC")
        remote.send_message(1, 1, "/start")
        remote.fail("sendMessage", "retry_after", retry_after=2)
        async with Bot("77:ABC", base_url=remote.base_url) as b:
            updates = await b.get_updates(timeout=1)
            assert updates[0].message is not None and updates[0].message.text == "/start"
            with pytest.raises(RetryAfter):
                await b.send_message(1, "hi")
            await b.send_message(1, "hi")
        got = await remote.wait_for_message(1, lambda m: m.plain == "hi", timeout=10)
        assert got.chat_id == 1
        assert remote.stats()["answered_429"] == 1
        remote.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_allowed_updates_filter_what_is_delivered(server: BotApiServer, bot: Bot) -> None:
    server.bot_added(-4, 1, "group")
    server.send_message(1, 1, "/start")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.message is not None for u in updates] == [True]
    server.bot_removed(-4, 1, "group")
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
