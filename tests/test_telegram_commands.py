"""The command table, callback data parsing, keyboards and reply views (pure functions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.errors import QuerySyntaxError
from bot.models import Article, Watch
from bot.store.articles import SearchHit
from bot.telegram import read_views, settings_views, views
from bot.telegram.commands import COMMANDS, bot_commands, command
from bot.telegram.keyboards import (
    AlertAction,
    PageAction,
    SearchPage,
    SettingAction,
    parse_callback,
    recent_keyboard,
)
from tests.support.tghtml import parse_html

DESIGN_COMMANDS = {
    "start", "help", "subscribe", "unsubscribe", "packs", "watch", "unwatch", "rules", "test",
    "recent", "search", "alert", "digest", "quiet", "sources", "settings", "unmute", "stop",
}  # fmt: skip


def test_table_covers_the_design_and_is_valid_for_set_my_commands() -> None:
    names = [c.name for c in COMMANDS]
    assert set(names) >= DESIGN_COMMANDS
    assert len(names) == len(set(names))
    for c in bot_commands():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", c.command)
        assert 1 <= len(c.description) <= 256
    changing = {c.name for c in COMMANDS if c.admin_only}
    assert changing == {
        "subscribe", "unsubscribe", "watch", "unwatch", "digest", "quiet", "timezone", "unmute",
        "stop",
    }  # fmt: skip
    assert command("watch").usage == "/watch <query>"
    assert command("help").usage == "/help"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("d:12", AlertAction("details", 12)),
        ("c:12", AlertAction("collapse", 12)),
        ("m:7", AlertAction("mute", 7)),
        ("ms:7", AlertAction("mute_story", 7)),
        ("mr:7:1", AlertAction("mute_rule", 7, 1)),
        ("mr:7:10", None),
        ("u:7", AlertAction("unmute", 7)),
        ("q:4:5", SearchPage(4, 5)),
        ("um:pack:eu-sanctions", SettingAction("unmute_key", "pack:eu-sanctions")),
        ("um:story:1", None),
        ("s:digest:daily", SettingAction("digest", "daily")),
        ("s:drop:tables", None),
        ("tz:Europe/Berlin", SettingAction("timezone", "Europe/Berlin")),
        ("tz:../etc", None),
        ("sub:eu-sanctions", SettingAction("subscribe", "eu-sanctions")),
        ("sub:EU sanctions", None),
        ("r:5:10", PageAction(5, 10)),
        ("r:20:0", PageAction(20, 0)),
        ("r:21:0", None),
        ("r:0:0", None),
        ("d:0", None),
        ("d:-1", None),
        ("d:1 ", None),
        ("d:12345678901234", None),
        ("x:1", None),
        ("", None),
        (None, None),
        ("d:1" + "0" * 70, None),
    ],
)
def test_callback_data_is_parsed_strictly(data: str | None, expected: object) -> None:
    assert parse_callback(data) == expected


def test_recent_keyboard_pages() -> None:
    assert recent_keyboard(5, 0, 5) is None
    first = recent_keyboard(5, 0, 12)
    assert first is not None
    assert [b.callback_data for b in first.inline_keyboard[0]] == ["r:5:5"]
    middle = recent_keyboard(5, 5, 12)
    assert middle is not None
    assert [b.callback_data for b in middle.inline_keyboard[0]] == ["r:5:0", "r:5:10"]
    for row in (first.inline_keyboard[0], middle.inline_keyboard[0]):
        for button in row:
            assert parse_callback(str(button.callback_data)) is not None


def test_views_escape_user_and_feed_text() -> None:
    hostile = '<b>x</b> & "y" </i>'
    now = datetime(2026, 11, 27, tzinfo=UTC)
    watch = Watch(id=3, chat_id=1, thread_id=0, query=hostile, created=now)
    article = Article(
        id=1, source_id="s", guid="g", url='https://e.org/?a=1&b="2"', canonical_url="c",
        title=hostile, text="", published=None, fetched=now, content_hash="h", story_id=1,
    )  # fmt: skip
    mute = settings_views.Mute("pack:p", hostile, now)
    texts = [
        views.rules_list(
            ["p"], [watch], 0, {3: (2, hostile)}, [settings_views.mute_line(mute, "UTC", now)]
        ),
        settings_views.unmute_list([mute], "UTC", now),
        views.watch_added(watch, hostile, 2, [article], "", ""),
        views.test_result(hostile, 1, [article], "", ""),
        read_views.search_results(
            hostile, [SearchHit(article, hostile)], 1, 0, {"s": hostile}, "UTC", now, 100
        ),
        read_views.bad_search(hostile, hostile),
        read_views.nothing_found(hostile, [(hostile, 2)]),
        views.query_error(hostile, QuerySyntaxError("bad", 3, "a term <x>"), [hostile]),
        views.did_you_mean("watch", hostile, "x", hostile),
        views.usage(command("watch"), hostile),
        views.duplicate_watch(watch, hostile),
        settings_views.poll_report([settings_views.PollLine(hostile, False, 0, 0, hostile)]),
        settings_views.unknown_zone(hostile, [hostile]),
    ]
    for text in texts:
        plain, _ = parse_html(text)  # raises when Telegram would refuse it
        assert hostile in plain
    plain, _ = parse_html(views.help_text(True))
    assert "/sources add <id> <url> [rss|atom|json]" in plain


def test_help_writes_commands_bare_so_they_can_be_tapped() -> None:
    html = views.help_text(True)
    assert "<code>/" not in html  # a <code> command can only be copied, not tapped
    for c in COMMANDS:
        assert f"\n/{c.name}" in html


def test_query_error_puts_the_caret_under_the_position() -> None:
    text = views.query_error("a AND (b", QuerySyntaxError("unclosed", 6, "')'"))
    plain, _ = parse_html(text)
    query_line, caret_line = plain.splitlines()[-2:]
    assert query_line == "a AND (b"
    assert caret_line == " " * 6 + "^"
    assert "position 7" in plain and "Expected: ')'" in plain
