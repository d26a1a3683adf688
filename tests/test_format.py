"""Formatting alerts as Telegram HTML: escaping, highlights, splitting, plain fallback."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.delivery.format import (
    alert_keyboard,
    format_alert,
    format_alert_detail,
    format_digest,
    html_to_text,
    no_link_preview,
    split_html,
    validate_telegram_html,
)
from bot.delivery.htmlsplit import utf16_len
from bot.models import AlertView

SUMMARY = "The European Parliament adopted a resolution on Belarus. Sanctions should apply."


def make_view(**changes: object) -> AlertView:
    view = AlertView(
        id=7,
        chat_id=100,
        thread_id=0,
        rule_key="pack:eu-belarus",
        rule_name="EU measures on Belarus",
        priority="normal",
        state="pending",
        attempts=0,
        title="Parliament resolution on Belarus",
        url="https://example.org/news/1",
        source_id="ep",
        source_name="European Parliament",
        tier="official",
        published=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        countries=("BY", "RU"),
        summary=SUMMARY,
        highlights=((4, 23), (34, 44), (48, 55)),
        explanation="European Parliament + resolution /s Belarus",
        story_id=3,
        article_id=4,
        created=datetime(2026, 11, 27, 11, 0, tzinfo=UTC),
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def test_alert_has_every_part() -> None:
    html = format_alert(make_view(other_sources=(("Daily Wire", "https://news.example/b"),)))
    assert validate_telegram_html(html) == []
    first = html.splitlines()[0]
    assert (
        first == '<b><a href="https://example.org/news/1">Parliament resolution on Belarus</a></b>'
    )
    assert "European Parliament · official · 2026-11-27" in html
    assert "Rule: <i>EU measures on Belarus</i> · 🇧🇾 BY 🇷🇺 RU" in html
    assert "The <b>European Parliament</b> adopted a <b>resolution</b> on <b>Belarus</b>." in html
    assert "Why: European Parliament + resolution /s Belarus" in html
    assert '🔗 <a href="https://example.org/news/1">https://example.org/news/1</a>' in html
    assert 'Also reported by <a href="https://news.example/b">Daily Wire</a>' in html


def test_urgent_alert_is_marked() -> None:
    assert format_alert(make_view(priority="urgent")).startswith("🚨 ")
    assert not format_alert(make_view()).startswith("🚨")


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        "AT&T </b> unbalanced <i>",
        "&amp; already escaped &lt;b&gt;",
        '<a href="javascript:x">click</a>',
    ],
)
def test_feed_markup_is_escaped(title: str) -> None:
    html = format_alert(make_view(title=title, source_name=title, rule_name=title, summary=title))
    assert validate_telegram_html(html) == []
    assert "<script" not in html and "javascript" not in html.split("href=")[0]
    # The person sees exactly what the feed said, markup and all.
    assert title in html_to_text(html)


def test_unsafe_urls_are_not_linked() -> None:
    html = format_alert(make_view(url="javascript:alert(1)"))
    assert validate_telegram_html(html) == []
    assert "href" not in html
    assert "Link: javascript:alert(1)" in html


def test_quotes_in_url_cannot_close_the_attribute() -> None:
    html = format_alert(make_view(url='https://example.org/a?q="x" onclick=y&z=1'))
    assert validate_telegram_html(html) == []
    assert 'href="https://example.org/a?q=%22x%22%20onclick=y&amp;z=1"' in html


def test_highlights_out_of_range_and_overlapping_are_safe() -> None:
    view = make_view(highlights=((-5, 3), (2, 8), (40, 10), (70, 500)))
    html = format_alert(view)
    assert validate_telegram_html(html) == []
    assert "<b>The Euro</b>pean" in html
    assert "<b>uld apply.</b>" in html
    assert html_to_text(html).count(SUMMARY[:60]) == 1


def test_long_summary_is_cut_with_ellipsis_and_fits_one_message() -> None:
    html = format_alert(make_view(summary="word " * 3000, highlights=((0, 4),)))
    assert validate_telegram_html(html) == []
    assert "…" in html
    assert len(split_html(html)) == 1


def test_control_characters_and_lone_surrogates_are_removed() -> None:
    html = format_alert(make_view(title="a\x00b\x1b\ud800c"))
    assert "abc" in html
    assert validate_telegram_html(html) == []


def test_bad_country_codes_are_shown_without_flags() -> None:
    html = format_alert(make_view(countries=("by", "X<1")))
    assert "🇧🇾 BY X&lt;1" in html


def test_detail_lists_every_source_and_state() -> None:
    sources = tuple((f"Outlet {n}", f"https://n{n}.example/x") for n in range(12))
    view = make_view(other_sources=sources, state="failed", attempts=3, last_error="timed out")
    html = format_alert_detail(view)
    assert validate_telegram_html(html) == []
    for name, url in sources:
        assert f'<a href="{url}">{name}</a>' in html
    assert "Alert <code>#7</code> · state <code>failed</code> · attempts 3" in html
    assert "Last error: timed out" in html
    # the short alert caps the list
    assert "and 7 more" in format_alert(view)


def test_digest_groups_by_rule_with_counts() -> None:
    views = [
        make_view(id=1),
        make_view(id=2, title="Second <item>"),
        make_view(id=3, rule_name="UN Security Council", rule_key="pack:unsc"),
    ]
    html = format_digest(views, "daily")
    assert validate_telegram_html(html) == []
    assert html.startswith("📬 <b>Daily digest</b>: 3 alerts")
    assert "<b>EU measures on Belarus</b> (2)" in html
    assert "<b>UN Security Council</b> (1)" in html
    assert "Second &lt;item&gt;" in html
    assert "/alert 3" in html


def test_split_keeps_short_messages_whole() -> None:
    html = format_alert(make_view())
    assert split_html(html) == [html]


def test_split_prefers_paragraphs_then_lines() -> None:
    paragraphs = [f"Paragraph {n} " + "x" * 50 for n in range(10)]
    parts = split_html("\n\n".join(paragraphs), limit=140)
    assert all(utf16_len(p) <= 140 for p in parts)
    for part in parts:  # every part is whole paragraphs
        assert all(chunk in paragraphs for chunk in part.split("\n\n"))


def test_split_closes_and_reopens_tags() -> None:
    inner = "word " * 60
    html = f'<b>bold <a href="https://e.example/x">{inner}</a></b> tail'
    parts = split_html(html, limit=140)
    assert len(parts) > 2
    for part in parts:
        assert validate_telegram_html(part, limit=140) == [], part
    assert parts[1].startswith('<b><a href="https://e.example/x">')
    assert parts[0].endswith("</a></b>")
    words = " ".join(re.sub(r"<[^>]+>", "", p) for p in parts).split()
    assert words == re.sub(r"<[^>]+>", "", html).split()


def test_split_drops_a_tag_too_long_to_repeat_but_keeps_its_text() -> None:
    url = "https://e.example/" + "p" * 200
    html = f'<a href="{url}">{"word " * 40}</a>'
    parts = split_html(html, limit=120)
    assert all(validate_telegram_html(p, limit=120) == [] for p in parts)
    assert "".join(parts).count("word") == 40


def test_split_never_cuts_an_entity() -> None:
    html = "&amp;" * 100
    parts = split_html(html, limit=33)
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)
    assert "".join(parts) == html


def test_split_counts_utf16_units() -> None:
    text = "🇧🇾" * 50  # 4 UTF-16 units each
    parts = split_html(text, limit=40)
    assert all(utf16_len(p) <= 40 for p in parts)
    assert "".join(parts) == text


def test_split_hard_cuts_a_word_longer_than_the_limit() -> None:
    parts = split_html("a" * 100, limit=32)
    assert "".join(parts) == "a" * 100
    assert all(len(p) <= 32 for p in parts)


def test_split_rejects_tiny_limits() -> None:
    with pytest.raises(ValueError):
        split_html("abc", limit=10)


def test_html_to_text_decodes_and_shows_hidden_links() -> None:
    html = '<b>A &amp; B</b> see <a href="https://e.example/?a=1&amp;b=2">here</a>'
    assert html_to_text(html) == "A & B see here (https://e.example/?a=1&b=2)"
    same = '<a href="https://e.example/">https://e.example/</a>'
    assert html_to_text(same) == "https://e.example/"


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>x", "unclosed"),
        ("x</b>", "unexpected end tag"),
        ("<script>x</script>", "not allowed"),
        ("a < b", "bare '<'"),
        ("a & b", "bare '&'"),
        ("&nbsp;", "unsupported named entity"),
        ('<a href="x" onclick="y">z</a>', "attribute onclick"),
        ("<b> </b>", "empty"),
        ("<b><i>x</b></i>", "unexpected end tag"),
    ],
)
def test_validator_catches_what_telegram_rejects(html: str, problem: str) -> None:
    assert any(problem in p for p in validate_telegram_html(html)), validate_telegram_html(html)


def test_keyboard_and_preview() -> None:
    keyboard = alert_keyboard(42)
    buttons = keyboard.inline_keyboard[0]
    assert [(b.text, b.callback_data) for b in buttons] == [
        ("Details", "d:42"),
        ("Mute 24h", "m:42"),
    ]
    assert no_link_preview().is_disabled is True
