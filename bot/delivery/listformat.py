"""Telegram HTML for list-change alerts: one message per list publication and chat.

A chat whose rules matched several changes of one publication gets them in one
message (the outbox merges the alerts of one story; every change item of a
publication shares its story), led by the counts and the programme they share:
'OFAC SDN: 14 additions, 2 removals — Russia-related'. Each entry shows the facts
an analyst checks first (type, country, programme, IMO, date of birth), amended
entries name the fields that changed (old → new), and an addition says which
recent press release announced it. Everything from the list is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.format import _link, _truncate, escape, safe_url
from bot.models import AlertView, ListChangeView, ListedMention, ListPublicationView

SECTIONS = (("added", "➕", "Added"), ("removed", "➖", "Removed"), ("amended", "✏️", "Amended"))
NOUNS = {"added": ("addition", "additions"), "removed": ("removal", "removals")}
NOUNS["amended"] = ("amendment", "amendments")
SHOWN = 12  # entries per section in an alert; /alert shows them all
DETAIL_SHOWN = 200
MAX_FIELD = 160


def counts(added: int, removed: int, amended: int) -> str:
    """'14 additions, 2 removals' (zero counts left out)."""
    parts = []
    for kind, n in (("added", added), ("removed", removed), ("amended", amended)):
        if n:
            one, many = NOUNS[kind]
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts) or "no changes"


def headline(pub: ListPublicationView) -> str:
    """'OFAC SDN: 1 addition, 1 removal — Belarus-related' for the changes shown."""
    shown = {kind: sum(1 for c in pub.changes if c.kind == kind) for kind, _, _ in SECTIONS}
    text = f"{pub.list_label}: {counts(shown['added'], shown['removed'], shown['amended'])}"
    return f"{text} — {pub.topic}" if pub.topic else text


def format_list_alert(view: AlertView, *, detail: bool = False) -> str:
    """The grouped alert of one list publication (`detail`: every entry, ids and state)."""
    pub = view.listing
    assert pub is not None
    mark = "🚨 " if view.priority == "urgent" else "📋 "
    lines = [f"{mark}<b>{escape(headline(pub))}</b>"]
    meta = [f"list of {pub.published}" if pub.published else "", "official"]
    lines.append(" · ".join(escape(m) for m in meta if m))
    rules = view.rules or (view.rule_name or view.rule_key,)
    label = "Rules" if len(rules) > 1 else "Rule"
    lines.append(f"{label}: <i>{escape(_truncate('; '.join(rules), 200))}</i>")
    limit = DETAIL_SHOWN if detail else SHOWN
    for kind, icon, title in SECTIONS:
        entries = [c for c in pub.changes if c.kind == kind]
        if entries:
            lines += ["", f"{icon} <b>{title}</b>"]
            lines += [line for c in entries[:limit] for line in _entry(c)]
            if len(entries) > limit:
                lines.append(f"… and {len(entries) - limit} more: /alert {view.id}")
    total = pub.added + pub.removed + pub.amended
    if total > len(pub.changes):
        lines += ["", f"Whole publication: {escape(counts(pub.added, pub.removed, pub.amended))}."]
    href = safe_url(pub.source_url)
    if href:
        lines += ["", f"🔗 {_link(href, 'Official list')}"]
    if detail:
        lines += ["", f"Alert <code>#{view.id}</code> · state <code>{escape(view.state)}</code>"]
    return "\n".join(lines).strip()


def _entry(change: ListChangeView) -> list[str]:
    name = _truncate(change.name, 120)
    shown = _link(change.url, name) if safe_url(change.url) else escape(name)
    facts = " · ".join(escape(_truncate(f, 40)) for f in change.facts)
    lines = [f"• {shown}" + (f" — {facts}" if facts else "")]
    for field in change.fields[:6]:
        lines.append(f"  {escape(_truncate(field, MAX_FIELD))}")
    if change.announced_by is not None:
        title, url = change.announced_by
        lines.append(f"  Announced: {_link(url, _truncate(title, 100))}")
    return lines


def listed_line(mentions: Sequence[ListedMention]) -> str:
    """For a press release that names listed entries: who is already on which list."""
    items = [
        f"{escape(_truncate(m.name, 80))} ({escape(', '.join(m.lists))})" for m in mentions[:8]
    ]
    more = f" and {len(mentions) - 8} more" if len(mentions) > 8 else ""
    return "🏷 Already listed: " + "; ".join(items) + more
