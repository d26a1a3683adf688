"""Reply texts of /settings, /digest, /quiet, /timezone, /unmute and /sources (Telegram HTML).

Lines fit a phone (~40 characters) where they can: one source or setting per line,
details on a second, indented line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.delivery import timefmt
from bot.models import AlertView, Chat
from bot.sources.state import SourceHealth
from bot.telegram.views import plural, short, where


@dataclass(frozen=True)
class Mute:
    """One active mute as a person reads it."""

    key: str  # pack:<id> | watch:<id> | alert:<id>
    label: str  # 'EU sanctions', 'your rule #2', 'this story: “…”'
    until: datetime


def digest_state(chat: Chat, next_daily: datetime | None, now: datetime) -> str:
    """How alerts arrive: one by one, hourly, or daily at what time."""
    if chat.digest == "hourly":
        return "in one hourly digest"
    if chat.digest == "daily":
        text = f"in one daily digest at {chat.digest_hour:02d}:00 ({escape(chat.timezone)})"
        if next_daily is not None:
            text += f", next {timefmt.when(next_daily, chat.timezone, now=now)}"
        return text
    return "one by one, as they are published"


def quiet_state(chat: Chat) -> str:
    """The quiet hours and what they do."""
    if chat.quiet_start is None or chat.quiet_end is None:
        return "off"
    return (
        f"{chat.quiet_start:02d}:00–{chat.quiet_end:02d}:00 ({escape(chat.timezone)}). "
        f"Then only 🚨 urgent alerts come through, without sound; the others wait "
        f"until {chat.quiet_end:02d}:00"
    )


def zone_state(chat: Chat, now: datetime) -> str:
    """'Europe/Berlin (now 14:05 CET)'."""
    local = now.astimezone(timefmt.zone(chat.timezone))
    return f"{escape(chat.timezone)} (now {local:%H:%M} {timefmt.zone_label(local)})"


def mute_line(m: Mute, tz: str, now: datetime) -> str:
    """'🔕 EU sanctions · until 28 Nov, 14:05 CET'."""
    until = "" if m.key.startswith("alert:") else f" · until {timefmt.when(m.until, tz, now=now)}"
    return f"🔕 {escape(m.label)}{until}"


def settings_text(
    chat: Chat,
    topics: dict[int, list[str]],
    watch_count: int,
    mutes: Sequence[Mute],
    next_daily: datetime | None,
    now: datetime,
) -> str:
    """The /settings answer: everything this chat has set."""
    lines = [
        "⚙️ <b>Settings of this chat</b>",
        f"<b>Alerts</b>: {digest_state(chat, next_daily, now)}",
    ]
    lines.append(f"<b>Quiet hours</b>: {quiet_state(chat)}")
    lines.append(f"<b>Time zone</b>: {zone_state(chat, now)}")
    if topics:
        for thread_id, packs in topics.items():
            lines.append(f"<b>Packs{where(thread_id)}</b>: " + ", ".join(map(escape, packs)))
    else:
        lines.append("<b>Packs</b>: none (/subscribe)")
    lines.append(f"<b>Your rules</b>: {watch_count} (/rules)")
    if mutes:
        lines.append("<b>Muted</b>:")
        lines += [mute_line(m, chat.timezone, now) for m in mutes]
    else:
        lines.append("<b>Muted</b>: nothing")
    lines.append("Change: /digest, /quiet, /timezone, /unmute, or the buttons.")
    return "\n".join(lines)


def digest_reply(chat: Chat, next_daily: datetime | None, now: datetime, changed: bool) -> str:
    """/digest with or without an argument."""
    state = digest_state(chat, next_daily, now)
    head = f"✅ Alerts now arrive {state}." if changed else f"Alerts arrive {state}."
    return (
        head
        + "\nChoose: /digest off, /digest hourly, /digest daily (or /digest daily 18 for 18:00)."
    )


def quiet_reply(chat: Chat, changed: bool, released: int) -> str:
    """/quiet with or without an argument."""
    state = quiet_state(chat)
    head = ("✅ Quiet hours " if changed else "Quiet hours ") + state + "."
    if released:
        head += (
            f"\n{plural(released, 'held alert')} {'is' if released == 1 else 'are'} on the way now."
        )
    return head + "\nSet: /quiet 22-07 (or 22:00-07:00); /quiet off."


def zone_reply(chat: Chat, now: datetime, changed: bool) -> str:
    """/timezone with or without an argument."""
    head = "✅ Time zone set to " if changed else "Time zone: "
    return head + zone_state(chat, now) + ".\nChange: /timezone Europe/Berlin (any Area/City)."


def unknown_zone(text: str, guesses: Sequence[str]) -> str:
    """A time zone we do not know, with the names it probably meant."""
    hint = " Did you mean " + " or ".join(escape(g) for g in guesses) + "?" if guesses else ""
    return (
        f"⚠️ I don't know the time zone “{escape(text)}”.{hint}\n"
        "Time zones are written Area/City, e.g. Europe/Berlin, America/New_York, or UTC."
    )


def unmute_list(mutes: Sequence[Mute], tz: str, now: datetime) -> str:
    """/unmute without arguments."""
    if not mutes:
        return "Nothing is muted here. The 🔕 Mute… button under an alert mutes its story or rule."
    lines = ["<b>Muted here</b>"] + [mute_line(m, tz, now) for m in mutes]
    lines.append("Tap one to unmute it, or /unmute all.")
    return "\n".join(lines)


def unmuted(labels: Sequence[str], spared: Sequence[AlertView]) -> str:
    """What an unmute ended, and the alerts that were not sent meanwhile."""
    if not labels:
        return "Nothing was muted."
    lines = ["🔔 Unmuted: " + ", ".join(escape(label) for label in labels) + "."]
    if spared:
        refs = ", ".join(f"/alert_{v.number}" for v in spared)
        lines.append(f"Not sent while muted: {refs}")
    return "\n".join(lines)


def _source_icon(h: SourceHealth) -> str:
    if not h.enabled:
        return "⏸"
    if h.consecutive_failures:
        return "❌"
    return "✅" if h.last_success else "⏳"


def sources_list(health: Sequence[SourceHealth], tz: str, now: datetime) -> str:
    """/sources: a count line, then one short line per source (errors on a second line)."""
    if not health:
        return "No sources are configured."
    icons = [_source_icon(h) for h in health]
    counts = " · ".join(f"{i} {icons.count(i)}" for i in ("✅", "❌", "⏳", "⏸") if i in icons)
    lines = [f"<b>Sources</b> ({len(health)}) {counts}"]
    for h, icon in zip(health, icons, strict=True):
        if h.needs_browser:
            state = "needs a browser" + ("" if h.enabled else ", not polled")
        elif not h.enabled:
            state = "off"
        elif h.consecutive_failures:
            state = f"{plural(h.consecutive_failures, 'failure')}"
        elif h.last_success:
            state = timefmt.short(h.last_success, tz, now=now)
        else:
            state = "not polled yet"
        lines.append(f"{icon} {escape(short(h.id, 24))} · {state}")
        if h.consecutive_failures and h.enabled:
            lines.append(f"   {escape(short(h.last_error or 'no error recorded', 36))}")
    return "\n".join(lines)


@dataclass(frozen=True)
class PollLine:
    """One source's poll, as `/sources poll` shows it."""

    source_id: str
    ok: bool
    new_items: int
    alerts: int
    detail: str  # the error, or '' when ok


def poll_report(polls: Sequence[PollLine]) -> str:
    """/sources poll: totals first, then the sources that failed or brought something new."""
    if not polls:
        return "No sources to poll."
    failed = [p for p in polls if not p.ok]
    new = sum(p.new_items for p in polls)
    alerts = sum(p.alerts for p in polls)
    lines = [
        f"<b>Polled {plural(len(polls), 'source')}</b>: {len(polls) - len(failed)} ok, "
        f"{len(failed)} failed",
        f"{plural(new, 'new item')} · {plural(alerts, 'new alert')}",
    ]
    for p in failed:
        lines.append(f"❌ {escape(short(p.source_id, 24))}\n   {escape(short(p.detail, 36))}")
    for p in polls:
        if p.ok and p.new_items:
            extra = f", {plural(p.alerts, 'alert')}" if p.alerts else ""
            lines.append(f"✅ {escape(short(p.source_id, 24))}: {p.new_items} new{extra}")
    return "\n".join(lines)


def source_added(source_id: str, items: int, newest: str, interval: int) -> str:
    """/sources add after a good test fetch."""
    minutes = max(1, interval // 60)
    return (
        f"✅ Source {escape(source_id)} added: {plural(items, 'item')} read, "
        f"newest “{escape(short(newest, 60))}”.\nPolled every {minutes} min from the next cycle."
    )


def source_not_added(source_id: str, reason: str) -> str:
    """/sources add when the test fetch failed: nothing stored."""
    return f"⚠️ Source {escape(source_id)} not added: {escape(short(reason, 200))}. Nothing changed."
