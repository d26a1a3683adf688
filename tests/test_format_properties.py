"""Property: whatever a feed says, the alert is valid Telegram HTML and splits validly."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.delivery.format import (
    format_alert,
    format_alert_detail,
    format_digest,
    html_to_text,
    split_html,
    validate_telegram_html,
)
from bot.delivery.htmlsplit import utf16_len
from bot.models import AlertView
from tests.support.tghtml import parse_html, text_length

NASTY = [
    "<b>",
    "</b>",
    "<script>",
    "&amp;",
    "&",
    "&lt;",
    "&#0;",
    "&nbsp;",
    "<a href='x'>",
    '"',
    "\u200f",  # RTL mark
    "\u202e",  # RTL override
    "\u0301",  # combining acute
    "\u200d",  # zero-width joiner
    "👨‍👩‍👧",
    "🇧🇾",
    "\n\n",
    "\n",
    " ",
    "\x00",
    "\ud83d",  # a lone surrogate
]

feed_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(max_size=20)),
    max_size=30,
).map("".join)
urls = st.one_of(
    feed_text,
    st.builds(lambda tail: "https://example.org/" + tail, feed_text),
)
spans = st.lists(st.tuples(st.integers(-5, 400), st.integers(-5, 400)), max_size=6)


@st.composite
def views(draw: st.DrawFn) -> AlertView:
    return AlertView(
        id=draw(st.integers(1, 10**9)),
        chat_id=-100,
        thread_id=0,
        rule_key=draw(feed_text),
        rule_name=draw(feed_text),
        priority=draw(st.sampled_from(["urgent", "normal", "low"])),
        state="pending",
        attempts=0,
        title=draw(feed_text),
        url=draw(urls),
        source_id=draw(feed_text),
        source_name=draw(feed_text),
        tier=draw(st.sampled_from(["official", "media"])),
        published=draw(st.none() | st.just(datetime(2026, 1, 2, tzinfo=UTC))),
        countries=tuple(draw(st.lists(feed_text, max_size=3))),
        summary=draw(feed_text),
        highlights=tuple(draw(spans)),
        explanation=draw(feed_text),
        story_id=1,
        article_id=1,
        created=datetime(2026, 1, 2, tzinfo=UTC),
        other_sources=tuple(draw(st.lists(st.tuples(feed_text, urls), max_size=3))),
        last_error=draw(st.none() | feed_text),
    )


def visible(markup: str) -> str:
    """The text a reader sees, without tags and whitespace."""
    return re.sub(r"\s", "", html.unescape(re.sub(r"<[^>]+>", "", markup)))


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(views())
def test_alert_is_valid_telegram_html(view: AlertView) -> None:
    html = format_alert(view)
    assert validate_telegram_html(html) == [], html
    plain, _ = parse_html(html)  # raises HtmlEntityError where Telegram would refuse
    assert plain.strip() and text_length(plain) <= 4096
    for markup in (format_alert_detail(view), format_digest([view, view], "hourly")):
        assert validate_telegram_html(markup, limit=None) == [], markup


@FAST
@given(views(), st.integers(32, 600))
def test_every_part_is_within_the_limit_and_valid(view: AlertView, limit: int) -> None:
    html = format_alert_detail(view) + "\n\n" + format_alert(view)
    parts = split_html(html, limit)
    assert parts
    for part in parts:
        assert utf16_len(part) <= limit
        assert validate_telegram_html(part, limit) == [], (part, limit)
        plain, _ = parse_html(part)  # the Bot API test server's independent parser agrees
        assert 0 < text_length(plain) <= limit
    # nothing visible is lost: the parts carry the same text (whitespace at cuts aside)
    assert "".join(visible(p) for p in parts) == visible(html)


@FAST
@given(feed_text, st.integers(32, 200))
def test_escaped_random_text_splits_losslessly(text: str, limit: int) -> None:
    view_html = format_digest([], text)
    parts = split_html(view_html, limit)
    assert "".join(visible(p) for p in parts) == visible(view_html)
    assert visible(view_html).endswith(re.sub(r"\s", "", html_to_text(view_html))[-5:])
