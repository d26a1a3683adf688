"""Reply texts of /recent and /search (Telegram HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from bot.delivery import timefmt
from bot.models import AlertView
from bot.store.articles import SNIPPET_MARKS, SearchHit
from bot.telegram.views import link, plural, short

_STATE_MARK = {"muted": "🔕", "dead": "⚠️", "failed": "⏳", "pending": "⏳"}
_STATE_NOTE = {
    "muted": "muted, not sent",
    "dead": "could not be delivered",
    "failed": "retrying",
    "pending": "waiting (quiet hours or queue)",
}


def recent_list(views: Sequence[AlertView], offset: int, total: int, now: datetime) -> str:
    """One page of /recent: one entry per message this chat got (or was spared)."""
    if not views:
        return "No alerts in this chat yet." if total == 0 else "No alerts on this page."
    first, last = offset + 1, offset + len(views)
    lines = [f"<b>Recent alerts</b> {first}–{last} of {total}"]
    for v in views:
        old = timefmt.is_old(v.published, v.created)
        mark = _STATE_MARK.get(v.state) or ("🗄" if old else "🚨" if v.priority == "urgent" else "•")
        title = link(v.url, short(v.title, 64) or "(untitled)")
        when = timefmt.when(v.published or v.created, v.timezone, now=now)
        copies = f" +{len(v.sources) - 1}" if len(v.sources) > 1 else ""
        note = _STATE_NOTE.get(v.state, "")
        lines.append(f"{mark} /alert_{v.number} {title}")
        lines.append(f"   {escape(short(v.source_name, 20))}{copies} · {when}")
        if note:
            lines.append(f"   {note}")
    return "\n".join(lines)


def _snippet(text: str) -> str:
    """A passage from FTS5 with the matched words marked: escaped, marks become <b>."""
    start, end = SNIPPET_MARKS
    out = escape(" ".join(text.split()))
    out = out.replace(start, "<b>").replace(end, "</b>")
    return out.replace("<b></b>", "")


def search_results(
    query: str,
    hits: Sequence[SearchHit],
    total: int,
    offset: int,
    source_names: Mapping[str, str],
    tz: str,
    now: datetime,
    cap: int,
) -> str:
    """A page of /search: the true count, and each hit with the passage that matched."""
    count = f"more than {cap:,}" if total > cap else f"{total:,}"
    head = f"🔎 {count} {'result' if total == 1 else 'results'} for <code>{escape(query)}</code>"
    if not hits:
        return head + "\nNo results on this page."
    lines = [head + f" ({offset + 1}–{offset + len(hits)}):"]
    for n, hit in enumerate(hits, offset + 1):
        a = hit.article
        moment = a.published or a.fetched
        source = escape(short(source_names.get(a.source_id, a.source_id), 30))
        lines.append(f"{n}. {link(a.url, short(a.title, 90) or '(untitled)')}")
        lines.append(f"   {source} · {timefmt.when(moment, tz, now=now)}")
        if hit.snippet.strip():
            lines.append(f"   «{_snippet(hit.snippet)}»")
    return "\n".join(lines)


def nothing_found(query: str, hints: Sequence[tuple[str, int]]) -> str:
    """No result: say so, and offer the spellings the index has."""
    lines = [f"🔎 Nothing stored matches <code>{escape(query)}</code>."]
    if hints:
        options = ", ".join(f"{escape(q)} ({plural(n, 'result')})" for q, n in hints)
        lines.append(f"Other spellings found: {options}. Tap one below.")
    else:
        lines.append("Try fewer words, another spelling, or word* for every ending.")
    return "\n".join(lines)


def bad_search(query: str, reason: str) -> str:
    """A search we cannot run."""
    return (
        f"⚠️ I can't search for <code>{escape(query)}</code>: {escape(reason)}.\n"
        'Use words, "exact phrases", OR, -word to exclude, and word* for prefixes.'
    )
