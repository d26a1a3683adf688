"""Telegram-safe HTML for alerts, details and digests; splitting and plain-text fallback.

Everything that comes from a feed is escaped here, so a title such as
``<script>`` or ``AT&T </b>`` can neither break the parse nor inject markup.
Only the tags Telegram accepts are produced (b, i, a, code, blockquote).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.delivery.htmlsplit import split_html, utf16_len, validate_telegram_html
from bot.models import AlertView

__all__ = [
    "alert_keyboard",
    "escape",
    "format_alert",
    "format_alert_detail",
    "format_digest",
    "html_to_text",
    "no_link_preview",
    "split_html",
    "utf16_len",
    "validate_telegram_html",
]

MAX_TITLE = 300
MAX_SUMMARY = 1500
MAX_EXPLANATION = 400
MAX_OTHER_SOURCES = 5
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


def flag(code: str) -> str:
    """The regional-indicator flag emoji for an ISO2 code, or '' when it is not one."""
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def _countries(codes: Iterable[str]) -> str:
    tags = []
    for code in codes:
        mark = flag(code)
        label = escape(code.strip().upper()[:8])
        tags.append(f"{mark} {label}" if mark else label)
    return " ".join(t for t in tags if t)


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


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
    """The summary escaped, with the matched spans in <b>; cut at `limit` characters."""
    text = summary
    ellipsis = ""
    if limit is not None and len(text) > limit:
        text, ellipsis = text[: limit - 1], "…"
    out: list[str] = []
    pos = 0
    for a, b in _merge(spans, len(text)):
        out.append(escape(text[pos:a]))
        out.append(f"<b>{escape(text[a:b])}</b>")
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out) + ellipsis


def _headline(view: AlertView) -> str:
    mark = "🚨 " if view.priority == "urgent" else ""
    title = _truncate(view.title, MAX_TITLE) or "(untitled)"
    return f"{mark}<b>{_link(view.url, title)}</b>"


def _meta(view: AlertView) -> str:
    parts = [escape(_truncate(view.source_name or view.source_id, 120))]
    parts.append(_TIER_LABEL.get(view.tier, escape(str(view.tier))))
    date = _date(view.published)
    if date:
        parts.append(date)
    return " · ".join(p for p in parts if p)


def _rule_line(view: AlertView) -> str:
    line = f"Rule: <i>{escape(_truncate(view.rule_name or view.rule_key, 200))}</i>"
    countries = _countries(view.countries[:12])
    return f"{line} · {countries}" if countries else line


def _also(sources: Sequence[tuple[str, str]], cap: int | None) -> str:
    shown = list(sources if cap is None else sources[:cap])
    links = ", ".join(_link(url, _truncate(name, 120)) for name, url in shown)
    more = len(sources) - len(shown)
    if more > 0:
        links += f" and {more} more"
    return links


def format_alert(view: AlertView) -> str:
    """One alert as Telegram HTML: headline, source, rule, summary, why, link."""
    if view.listing is not None:  # a list publication: its own grouped layout
        from bot.delivery.listformat import format_list_alert

        return format_list_alert(view)
    lines = [_headline(view), _meta(view), _rule_line(view), ""]
    summary = clean(view.summary).strip()
    if summary:
        lines += [highlight(clean(view.summary), view.highlights, MAX_SUMMARY), ""]
    explanation = _truncate(view.explanation, MAX_EXPLANATION)
    if explanation:
        lines.append(f"Why: {escape(explanation)}")
    if view.listed:
        from bot.delivery.listformat import listed_line

        lines.append(listed_line(view.listed))
    href = safe_url(view.url)
    if href:
        lines.append(f"🔗 {_link(href, href)}")
    elif clean(view.url).strip():
        lines.append(f"Link: {escape(_truncate(view.url, 300))}")
    if view.other_sources:
        lines.append(f"Also reported by {_also(view.other_sources, MAX_OTHER_SOURCES)}")
    return "\n".join(lines).strip()


def format_alert_detail(view: AlertView) -> str:
    """Everything about one alert: every source of the story, ids, state and last error."""
    if view.listing is not None:
        from bot.delivery.listformat import format_list_alert

        return format_list_alert(view, detail=True)
    lines = [_headline(view), _meta(view), _rule_line(view), ""]
    if clean(view.summary).strip():
        lines += [highlight(clean(view.summary), view.highlights), ""]
    if clean(view.explanation).strip():
        lines.append(f"Why: {escape(view.explanation)}")
    href = safe_url(view.url)
    lines.append(f"🔗 {_link(href, href)}" if href else f"Link: {escape(view.url)}")
    if view.other_sources:
        lines += ["", "<b>All sources of this story</b>"]
        lines += [f"• {_link(url, name)}" for name, url in view.other_sources]
    lines += [
        "",
        f"Alert <code>#{view.id}</code> · state <code>{escape(view.state)}</code> · "
        f"attempts {view.attempts} · priority {escape(view.priority)}",
        f"Rule key <code>{escape(view.rule_key)}</code> · story {view.story_id} · "
        f"article {view.article_id} · queued {_date(view.created)}",
    ]
    if view.last_error:
        lines.append(f"Last error: {escape(_truncate(view.last_error, 500))}")
    return "\n".join(lines).strip()


def format_digest(views: Sequence[AlertView], period: str) -> str:
    """A digest: alerts grouped by rule, with counts and links."""
    count = len(views)
    noun = "alert" if count == 1 else "alerts"
    lines = [f"📬 <b>{escape(period.capitalize())} digest</b>: {count} {noun}"]
    groups: dict[str, list[AlertView]] = {}
    for view in views:
        groups.setdefault(view.rule_name or view.rule_key, []).append(view)
    for rule_name, items in groups.items():
        lines += ["", f"<b>{escape(_truncate(rule_name, 200))}</b> ({len(items)})"]
        for view in items:
            mark = "🚨 " if view.priority == "urgent" else ""
            title = _truncate(view.title, 200) or "(untitled)"
            source = escape(_truncate(view.source_name or view.source_id, 80))
            lines.append(f"• {mark}{_link(view.url, title)} — {source} · /alert {view.id}")
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


def alert_keyboard(alert_id: int) -> InlineKeyboardMarkup:
    """The buttons under an alert: details and a 24-hour mute of its rule."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Details", callback_data=f"d:{alert_id}"),
                InlineKeyboardButton("Mute 24h", callback_data=f"m:{alert_id}"),
            ]
        ]
    )


def no_link_preview() -> LinkPreviewOptions:
    """Link previews off: alerts carry their own summary."""
    return LinkPreviewOptions(is_disabled=True)
