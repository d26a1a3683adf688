"""Telegram-safe HTML for alerts, details and digests; splitting and plain-text fallback.

Everything that comes from a feed is escaped here, so a title such as
``<script>`` or ``AT&T </b>`` can neither break the parse nor inject markup.
Only the tags Telegram accepts are produced (b, i, a, code, blockquote).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.delivery import timefmt
from bot.delivery.evidence import Sentence, context, locate, reading_order, split_summary, word_runs
from bot.delivery.htmlsplit import split_html, utf16_len, validate_telegram_html
from bot.delivery.names import tag_list
from bot.delivery.timefmt import is_old
from bot.models import AlertView

__all__ = [
    "alert_keyboard",
    "escape",
    "format_alert",
    "format_alert_detail",
    "format_also",
    "format_digest",
    "html_to_text",
    "mute_keyboard",
    "no_link_preview",
    "split_html",
    "utf16_len",
    "validate_telegram_html",
]

MAX_TITLE = 300
MAX_LEAD = 400
MAX_SUMMARY = 1500
MAX_EXPLANATION = 400
MAX_OTHER_SOURCES = 5
MAX_MUTE_CHOICES = 3
MAX_URL = 1000

# C0/C1 controls (except tab and newline) and lone surrogates: Telegram or UTF-8 reject them.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_TIER_LABEL = {"official": "official", "media": "media"}


def clean(text: str) -> str:
    """Feed text without the characters that cannot travel in a message."""
    return _UNSAFE.sub("", text)


def escape(text: str) -> str:
    """Feed text as HTML text content."""
    return html.escape(clean(text), quote=False)


def _attr(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _truncate(text: str, limit: int) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_url(url: str) -> str | None:
    """The URL when it is an http(s) link Telegram will accept in href, else None."""
    url = clean(url).strip()
    # Characters a browser would percent-encode anyway; they must not end the attribute.
    url = re.sub(r'[\s"<>]', lambda m: quote(m.group(0)), url)
    if len(url) > MAX_URL or not re.match(r"(?i)^https?://[^\s/?#]+", url):
        return None
    return url


def _link(url: str, text: str) -> str:
    """An <a> element, or just the escaped text when the URL is not a safe http(s) link."""
    href = safe_url(url)
    if href is None:
        return escape(text)
    return f'<a href="{_attr(href)}">{escape(text)}</a>'


def _merge(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Highlight spans clamped to the text, sorted, overlaps merged."""
    clamped = sorted((max(0, a), min(length, b)) for a, b in spans if min(length, b) > max(0, a))
    merged: list[tuple[int, int]] = []
    for a, b in clamped:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def highlight(summary: str, spans: Sequence[tuple[int, int]], limit: int | None = None) -> str:
    """The text escaped, matched words in <b> (never the punctuation around them); cut at `limit`."""
    text = clean(summary)
    ellipsis = ""
    if limit is not None and len(text) > limit:
        text, ellipsis = text[: limit - 1].rstrip(), "…"
    out: list[str] = []
    pos = 0
    for a, b in _merge(spans, len(text)):
        for x, y in word_runs(text, a, b):
            out.append(escape(text[pos:x]))
            out.append(f"<b>{escape(text[x:y])}</b>")
            pos = y
    out.append(escape(text[pos:]))
    return "".join(out) + ellipsis


# -- the parts of an alert ------------------------------------------------------


def _roles(view: AlertView) -> str:
    """Who acts on whom ('🇪🇺 EU → 🇷🇺 Russia'), else the countries the story is about."""
    if view.actors and view.targets:
        return f"{escape(tag_list(view.actors, 2))} → {escape(tag_list(view.targets, 2))}"
    if view.targets:
        return f"on {escape(tag_list(view.targets))}"
    if view.actors:
        return f"by {escape(tag_list(view.actors))}"
    return escape(tag_list(view.countries))


def _old(view: AlertView) -> bool:
    return is_old(view.published, view.created)


def finding_line(view: AlertView) -> str:
    """Line 1, what a notification shows first: which act, by whom, on whom (and if it is old)."""
    act = escape(_truncate(view.rule_name or view.rule_key, 80))
    roles = _roles(view)
    line = f"<b>{act}</b>" + (f" · {roles}" if roles else "")
    if _old(view) and view.published is not None:
        return f"🗄 From {timefmt.day(view.published, view.timezone, now=view.created)} · {line}"
    return ("🚨 " if view.priority == "urgent" else "") + line


def _lead_and_rest(view: AlertView, article: str = "") -> tuple[Sentence | None, list[Sentence]]:
    sentences = split_summary(clean(view.summary), view.highlights)
    if not sentences:
        return None, []
    lead, rest = sentences[0], sentences[1:]
    if article:
        rest = locate(rest, article)
    return lead, reading_order(rest)


def _source_line(view: AlertView) -> str:
    """'📰 Council of the EU · official · 27 Nov, 13:00 CET' (publication time, chat's zone)."""
    parts = [
        escape(_truncate(view.source_name or view.source_id, 80)),
        _TIER_LABEL.get(view.tier, "media"),
    ]
    if view.published is not None:
        parts.append(timefmt.when(view.published, view.timezone, now=view.created))
    return "📰 " + " · ".join(parts)


def _headline(view: AlertView) -> str:
    title = _truncate(view.title, MAX_TITLE) or "(untitled)"
    if safe_url(view.url):
        return _link(view.url, title)
    link = clean(view.url).strip()
    return escape(title) + (f" ({escape(_truncate(link, 300))})" if link else "")


def _also(view: AlertView, cap: int | None) -> str:
    """'Also: Daily Wire 13:20, Euro News Desk 13:25' (other copies, with their time)."""
    others = list(view.sources[1:]) if view.sources else []
    if not others:
        legacy = view.other_sources if cap is None else view.other_sources[:cap]
        links = ", ".join(_link(url, _truncate(name, 60)) for name, url in legacy)
        more = len(view.other_sources) - len(legacy)
        return links + (f" and {more} more" if more > 0 else "") if links else ""
    shown = others if cap is None else others[:cap]
    items = []
    for s in shown:
        moment = s.published or s.seen
        stamp = timefmt.short(moment, view.timezone, now=view.created)
        items.append(f"{_link(s.url, _truncate(s.name, 60))} {stamp}")
    more = len(others) - len(shown)
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def _rules(view: AlertView) -> list[str]:
    return list(view.rules) or [view.rule_name or view.rule_key]


def format_alert(view: AlertView) -> str:
    """One alert as Telegram HTML: the finding first, then the lead sentence, source and headline."""
    if view.listing is not None:  # a list publication: its own grouped layout
        from bot.delivery.listformat import format_list_alert

        return format_list_alert(view)
    lead, rest = _lead_and_rest(view)
    lines = [finding_line(view)]
    if lead is not None:
        lines.append(highlight(lead.text, lead.spans, MAX_LEAD))
    lines += [_source_line(view), _headline(view)]
    if rest:
        budget = MAX_SUMMARY
        shown = []
        for s in rest:
            if len(s.text) > budget:
                break
            shown.append(highlight(s.text, s.spans))
            budget -= len(s.text)
        if shown:
            lines += ["", " ".join(shown)]
    tail = _tail(view, cap=MAX_OTHER_SOURCES)
    if tail:
        lines += ["", *tail]
    return "\n".join(lines).strip()


def _tail(view: AlertView, cap: int | None) -> list[str]:
    tail = []
    explanation = _truncate(view.explanation, MAX_EXPLANATION)
    if explanation:
        tail.append(f"Why: {escape(explanation)}")
    rules = _rules(view)
    if len(rules) > 1:
        tail.append("Rules: " + "; ".join(escape(_truncate(r, 80)) for r in rules))
    if view.listed:
        from bot.delivery.listformat import listed_line

        tail.append(listed_line(view.listed))
    also = _also(view, cap)
    if also:
        tail.append(f"Also: {also}")
    return tail


def format_alert_detail(view: AlertView) -> str:
    """The alert expanded: context from the article, every rule and source with its time."""
    if view.listing is not None:
        from bot.delivery.listformat import format_list_alert

        return format_list_alert(view, detail=True)
    lead, rest = _lead_and_rest(view, clean(view.article_text))
    lines = [finding_line(view), _source_line(view), _headline(view), ""]
    evidence = ([lead] if lead else []) + rest
    article = clean(view.article_text)
    shown = context(article, locate(evidence, article)) if article else evidence
    if shown:
        lines += [" ".join(highlight(s.text, s.spans) for s in shown), ""]
    explanation = clean(view.explanation).strip()
    if explanation:
        lines.append(f"Why: {escape(explanation)}")
    lines.append("Rules: " + "; ".join(escape(r) for r in _rules(view)))
    lines += _who(view)
    lines.append(_times(view))
    lines += _source_list(view)
    if view.number:
        lines += ["", f"Alert #{view.number} in this chat"]
    return "\n".join(lines).strip()


def _who(view: AlertView) -> list[str]:
    out = []
    if view.actors:
        out.append("Who acts: " + escape(tag_list(view.actors, 6)))
    if view.targets:
        out.append("Aimed at: " + escape(tag_list(view.targets, 6)))
    if not out and view.countries:
        out.append("Countries: " + escape(tag_list(view.countries, 12)))
    return out


def _times(view: AlertView) -> str:
    if view.published is None:
        return "Published: not given by the source"
    text = "Published: " + timefmt.when(view.published, view.timezone, now=view.created)
    return text + (" (old item)" if _old(view) else "")


def _source_list(view: AlertView) -> list[str]:
    if not view.sources:
        others = [f"• {_link(url, name)}" for name, url in view.other_sources]
        return (["", "<b>All sources of this story</b>", *others]) if others else []
    lines = ["", f"<b>Sources</b> ({len(view.sources)})"]
    for s in view.sources:
        moment = s.published or s.seen
        stamp = timefmt.when(moment, view.timezone, now=view.created)
        line = f"• {_link(s.url, _truncate(s.name, 80))} · {_TIER_LABEL.get(s.tier, 'media')} · {stamp}"
        if s.title and s.title != view.title:
            line += f"\n  {escape(_truncate(s.title, 160))}"
        lines.append(line)
    return lines


def format_also(view: AlertView) -> str:
    """A short follow-up for an alert whose message cannot be edited: the copies it gained."""
    also = _also(view, MAX_OTHER_SOURCES)
    head = f"Also reported: {also}" if also else "Updated"
    return f"{head}\n/alert_{view.number}" if view.number else head


def format_digest(
    views: Sequence[AlertView], period: str, *, tz: str = "UTC", now: datetime | None = None
) -> str:
    """A digest: alerts grouped by rule, each with its source, publication time and number."""
    count = len(views)
    noun = "alert" if count == 1 else "alerts"
    lines = [f"📬 <b>{escape(period.capitalize())} digest</b>: {count} {noun}"]
    groups: dict[str, list[AlertView]] = {}
    for view in views:
        groups.setdefault(view.rule_name or view.rule_key, []).append(view)
    for rule_name, items in groups.items():
        lines += ["", f"<b>{escape(_truncate(rule_name, 200))}</b> ({len(items)})"]
        for view in items:
            mark = "🗄 " if _old(view) else ("🚨 " if view.priority == "urgent" else "")
            title = _truncate(view.title, 200) or "(untitled)"
            source = escape(_truncate(view.source_name or view.source_id, 80))
            moment = view.published or view.created
            stamp = timefmt.when(moment, tz, now=now or view.created)
            ref = f"/alert_{view.number} " if view.number else ""
            lines.append(f"• {mark}{ref}{_link(view.url, title)}\n  {source} · {stamp}")
    return "\n".join(lines)


_TAG_OR_ENTITY = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>|&(#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_HREF = re.compile(r"""href\s*=\s*"([^"]*)\"""")


def html_to_text(markup: str) -> str:
    """Plain text of Telegram HTML: tags dropped, entities decoded, hidden link targets shown."""
    out: list[str] = []
    pending_href: list[str | None] = []
    pos = 0
    for m in _TAG_OR_ENTITY.finditer(markup):
        out.append(markup[pos : m.start()])
        pos = m.end()
        if m.group(4) is not None:
            out.append(html.unescape(m.group(0)))
        elif m.group(2).lower() == "a" and not m.group(1):
            href = _HREF.search(m.group(3) or "")
            pending_href.append(html.unescape(href.group(1)) if href else None)
        elif m.group(2).lower() == "a" and pending_href:
            out.append(f"\x00{len(pending_href) - 1}:{pending_href[-1] or ''}\x00")
            pending_href.pop()
    out.append(markup[pos:])
    return _resolve_links("".join(out))


def _resolve_links(text: str) -> str:
    """Show a link's target after its text unless the target is already visible."""
    marker = re.compile(r"\x00\d+:([^\x00]*)\x00")
    visible = marker.sub("", text)
    return marker.sub(
        lambda m: f" ({m.group(1)})" if m.group(1) and m.group(1) not in visible else "", text
    )


def alert_keyboard(
    alert_id: int, *, expanded: bool = False, muted: bool = False
) -> InlineKeyboardMarkup:
    """The buttons under an alert: Details (or Less when expanded), and Mute… (or Unmute)."""
    size = (
        InlineKeyboardButton("Less", callback_data=f"c:{alert_id}")
        if expanded
        else InlineKeyboardButton("Details", callback_data=f"d:{alert_id}")
    )
    mute = (
        InlineKeyboardButton("🔔 Unmute", callback_data=f"u:{alert_id}")
        if muted
        else InlineKeyboardButton("🔕 Mute…", callback_data=f"m:{alert_id}")
    )
    return InlineKeyboardMarkup([[size, mute]])


def mute_keyboard(alert_id: int, rule_names: Sequence[str]) -> InlineKeyboardMarkup:
    """The choice behind Mute…: this story, or one of its rules for 24 hours."""
    rows = [[InlineKeyboardButton("🔕 This story", callback_data=f"ms:{alert_id}")]]
    for index, name in enumerate(rule_names[:MAX_MUTE_CHOICES]):
        label = f"🔕 {_truncate(name, 28)} · 24 h"
        rows.append([InlineKeyboardButton(label, callback_data=f"mr:{alert_id}:{index}")])
    rows.append([InlineKeyboardButton("Cancel", callback_data=f"mx:{alert_id}")])
    return InlineKeyboardMarkup(rows)


def no_link_preview() -> LinkPreviewOptions:
    """Link previews off: alerts carry their own summary."""
    return LinkPreviewOptions(is_disabled=True)
