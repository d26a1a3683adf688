"""Formatting alerts as Telegram HTML: escaping, highlights, splitting, plain fallback."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from telegram import InlineKeyboardMarkup

from bot.delivery.format import (
    alert_keyboard,
    format_alert,
    format_alert_detail,
    format_digest,
    html_to_text,
    mute_keyboard,
    no_link_preview,
    split_html,
    validate_telegram_html,
)
from bot.delivery.htmlsplit import utf16_len
from bot.models import AlertView, StorySource

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


def test_alert_leads_with_the_finding_then_source_and_headline() -> None:
    html = format_alert(make_view(other_sources=(("Daily Wire", "https://news.example/b"),)))
    assert validate_telegram_html(html) == []
    lines = html.splitlines()
    # Line 1, what a notification shows: the act (rule) and whom it is about.
    assert lines[0] == "<b>EU measures on Belarus</b> · 🇧🇾 Belarus, 🇷🇺 Russia"
    # Line 2: the lead sentence of the summary, matched words in bold.
    assert (
        lines[1] == "The <b>European Parliament</b> adopted a <b>resolution</b> on <b>Belarus</b>."
    )
    assert lines[2] == "📰 European Parliament · official · 27 Nov, 10:00 UTC"
    assert lines[3] == '<a href="https://example.org/news/1">Parliament resolution on Belarus</a>'
    assert "Sanctions should apply." in html  # the rest of the evidence
    assert "Why: European Parliament + resolution /s Belarus" in html
    assert 'Also: <a href="https://news.example/b">Daily Wire</a>' in html


def test_actors_and_targets_lead_when_known() -> None:
    html = format_alert(make_view(actors=("EU",), targets=("RU", "BY")))
    assert html.splitlines()[0] == "<b>EU measures on Belarus</b> · 🇪🇺 EU → 🇷🇺 Russia, 🇧🇾 Belarus"
    detail = format_alert_detail(make_view(actors=("EU",), targets=("RU",)))
    assert "Who acts: 🇪🇺 EU" in detail and "Aimed at: 🇷🇺 Russia" in detail


def test_evidence_after_the_lead_is_in_reading_order() -> None:
    # The summary leads with the strongest sentence; the others follow as the article has them.
    summary = "Third sentence matters most. First one. Second one."
    article = "First one. Second one. Third sentence matters most."
    view = make_view(summary=summary, highlights=(), article_text=article)
    lines = format_alert(view).splitlines()
    assert lines[1] == "Third sentence matters most."
    assert "First one. Second one." in format_alert(view)
    assert "First one. Second one. Third sentence matters most." in format_alert_detail(view)


def test_bold_never_takes_in_punctuation() -> None:
    text = "They are added to the Specially Designated Nationals (SDN) List."
    start = text.index("SDN")
    html = format_alert(make_view(summary=text, highlights=((start, len(text) - 1),)))
    assert "(<b>SDN</b>) <b>List</b>." in html
    quoted = 'It called Belarus a "satellite state of Russia", urging more.'
    a, b = quoted.index('"'), quoted.index(",")
    assert '"<b>satellite state of Russia</b>",' in format_alert(
        make_view(summary=quoted, highlights=((a, b),))
    )


def test_times_are_in_the_chat_time_zone() -> None:
    html = format_alert(make_view(timezone="Europe/Berlin"))
    assert "27 Nov, 11:00 CET" in html


def test_an_old_item_says_so_first_and_is_never_urgent_looking() -> None:
    old = make_view(priority="urgent", published=datetime(2024, 2, 26, 10, 0, tzinfo=UTC))
    html = format_alert(old)
    assert html.startswith("🗄 From 26 Feb 2024 · <b>EU measures on Belarus</b>")
    assert "🚨" not in html
    assert "26 Feb 2024, 10:00 UTC" in html
    assert "(old item)" in format_alert_detail(old)


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
    assert "Parliament resolution on Belarus (javascript:alert(1))" in html


def test_quotes_in_url_cannot_close_the_attribute() -> None:
    html = format_alert(make_view(url='https://example.org/a?q="x" onclick=y&z=1'))
    assert validate_telegram_html(html) == []
    assert 'href="https://example.org/a?q=%22x%22%20onclick=y&amp;z=1"' in html


def test_highlights_out_of_range_and_overlapping_are_safe() -> None:
    view = make_view(highlights=((-5, 3), (2, 8), (40, 10), (70, 500)))
    html = format_alert(view)
    assert validate_telegram_html(html) == []
    assert "<b>The Euro</b>pean" in html  # a span cut inside a word stays as it was
    assert "sho<b>uld apply</b>." in html  # the final period stays outside the bold
    assert html_to_text(html).count("The European Parliament adopted a resolution") == 1


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
    assert "🇧🇾 Belarus, X&lt;1" in html


def test_detail_lists_every_source_with_its_time_and_no_internals() -> None:
    published = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    sources = tuple(
        StorySource(f"Outlet {n}", f"https://n{n}.example/x", "media", published, published)
        for n in range(12)
    )
    lead = StorySource(
        "European Parliament", "https://example.org/news/1", "official", published, published
    )
    view = make_view(
        sources=(lead, *sources),
        state="failed",
        attempts=3,
        last_error="timed out",
        rules=("EU measures on Belarus", "Calls for sanctions"),
        number=3,
    )
    html = format_alert_detail(view)
    assert validate_telegram_html(html) == []
    for s in sources:
        assert f'<a href="{s.url}">{s.name}</a> · media · 27 Nov, 10:00 UTC' in html
    assert "Rules: EU measures on Belarus; Calls for sanctions" in html
    assert "Published: 27 Nov, 10:00 UTC" in html
    assert "Alert #3 in this chat" in html
    text = html_to_text(html).lower()
    for internal in ("state", "attempts", "priority", "pack:", "story 3", "article 4", "timed out"):
        assert internal not in text, internal
    # The short alert caps the list, and keeps every rule the detail shows.
    short = format_alert(view)
    assert "and 7 more" in short
    assert "Rules: EU measures on Belarus; Calls for sanctions" in short


def test_digest_groups_by_rule_with_counts() -> None:
    views = [
        make_view(id=1, number=11),
        make_view(id=2, number=12, title="Second <item>"),
        make_view(id=3, number=13, rule_name="UN Security Council", rule_key="pack:unsc"),
    ]
    html = format_digest(views, "daily", tz="Europe/Berlin", now=views[0].created)
    assert validate_telegram_html(html) == []
    assert html.startswith("📬 <b>Daily digest</b>: 3 alerts")
    assert "<b>EU measures on Belarus</b> (2)" in html
    assert "<b>UN Security Council</b> (1)" in html
    assert "Second &lt;item&gt;" in html
    assert "/alert_13 <a href" in html  # the per-chat number, tappable
    assert "European Parliament · 27 Nov, 11:00 CET" in html  # publication time, chat zone
    assert "/alert 3" not in html and "/alert_3" not in html  # never the global id


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
    def labels(keyboard: InlineKeyboardMarkup) -> list[tuple[str, str]]:
        return [(b.text, str(b.callback_data)) for row in keyboard.inline_keyboard for b in row]

    assert labels(alert_keyboard(42)) == [("Details", "d:42"), ("🔕 Mute…", "m:42")]
    assert labels(alert_keyboard(42, expanded=True, muted=True)) == [
        ("Less", "c:42"),
        ("🔔 Unmute", "u:42"),
    ]
    assert labels(mute_keyboard(42, ["EU sanctions", "Calls"])) == [
        ("🔕 This story", "ms:42"),
        ("🔕 EU sanctions · 24 h", "mr:42:0"),
        ("🔕 Calls · 24 h", "mr:42:1"),
        ("Cancel", "mx:42"),
    ]
    assert no_link_preview().is_disabled is True
