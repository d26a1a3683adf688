"""Reply texts of the chat commands, as Telegram HTML (everything from users or feeds escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Protocol

from bot.errors import QuerySyntaxError
from bot.models import AlertView, Article, Watch
from bot.sources.state import SourceHealth
from bot.telegram.commands import COMMANDS, SOURCES_ADMIN_USAGE, Command

MAX_LIST_TITLE = 120


class PackInfo(Protocol):
    """What the views need from a rule pack."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


def _short(text: str, limit: int = MAX_LIST_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _link(url: str, text: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>'
    return escape(text)


def usage(cmd: Command, problem: str = "") -> str:
    """A bad-argument answer: what was wrong and the usage line."""
    head = f"⚠️ {escape(problem)}\n" if problem else ""
    return f"{head}Usage: <code>{escape(cmd.usage)}</code> — {escape(cmd.description)}"


def help_text(is_bot_admin: bool = False) -> str:
    """Every command of the table with its arguments."""
    lines = ["<b>Commands</b>"]
    lines += [
        f"<code>{escape(c.usage)}</code> — {escape(c.description)}"
        for c in COMMANDS
        if not c.bot_admin
    ]
    if is_bot_admin:
        lines += ["", "<b>Bot admin</b>"] + [
            f"<code>{escape(u)}</code>" for u in SOURCES_ADMIN_USAGE
        ]
        lines += [
            f"<code>{escape(c.usage)}</code> — {escape(c.description)}"
            for c in COMMANDS
            if c.bot_admin
        ]
    lines += [
        "",
        'Queries: words, <code>"exact phrase"</code>, <code>sanction*</code>, '
        "<code>@country:BY</code>, <code>@body:EP</code>, AND, OR, NOT (or <code>-word</code>), "
        "<code>a NEAR/5 b</code>, <code>a /s b</code> (same sentence), <code>title:(…)</code>.",
        "In groups only admins change subscriptions, rules and settings.",
    ]
    return "\n".join(lines)


def welcome(packs: Sequence[PackInfo]) -> str:
    """The /start answer."""
    ids = ", ".join(f"<code>{escape(p.id)}</code>" for p in packs) or "none installed"
    return (
        "👋 <b>Sanctions and resolutions monitor</b>\n"
        "I read official press rooms and news feeds and tell you when a rule matches: "
        "new sanctions, resolutions, listings — with the sentences that matter and why it matched.\n\n"
        f"Rule packs: {ids}\n"
        "• /subscribe — all packs (or name some)\n"
        "• /watch <code>query</code> — your own rule\n"
        "• /recent, /search, /help"
    )


def group_greeting() -> str:
    """Said when the bot is added to a group."""
    return (
        "👋 Thanks for adding me. A group admin can /subscribe this chat (or a forum topic: "
        "send the command inside the topic) to rule packs, or add rules with /watch. /help lists everything."
    )


def not_admin() -> str:
    """Refusal for non-admins in groups."""
    return "⛔ Only admins of this group can change its subscriptions, rules and settings."


def not_bot_admin() -> str:
    """Refusal for the admin-only /sources subcommands."""
    return "⛔ Only the bot's administrators can add or remove sources."


def _where(thread_id: int) -> str:
    return f" (topic {thread_id})" if thread_id else ""


def subscribed(added: Sequence[str], already: Sequence[str], thread_id: int) -> str:
    """The /subscribe answer."""
    lines = []
    if added:
        lines.append(
            f"✅ Subscribed{_where(thread_id)} to: "
            + ", ".join(f"<code>{escape(p)}</code>" for p in added)
        )
    if already:
        lines.append(
            "Already subscribed: " + ", ".join(f"<code>{escape(p)}</code>" for p in already)
        )
    lines.append("Alerts arrive here as matching items are published. /rules shows everything.")
    return "\n".join(lines)


def unsubscribed(removed: Sequence[str], thread_id: int) -> str:
    """The /unsubscribe answer."""
    if not removed:
        return f"This chat{_where(thread_id)} had no such subscriptions; nothing changed."
    names = ", ".join(f"<code>{escape(p)}</code>" for p in removed)
    return f"🔕 Unsubscribed{_where(thread_id)} from: {names}"


def unknown_packs(unknown: Sequence[str], packs: Sequence[PackInfo]) -> str:
    """Pack ids that do not exist; nothing was changed."""
    bad = ", ".join(f"<code>{escape(p)}</code>" for p in unknown)
    known = ", ".join(f"<code>{escape(p.id)}</code>" for p in packs)
    return f"⚠️ Unknown pack: {bad}. Nothing changed.\nAvailable packs: {known}"


def packs_list(packs: Sequence[PackInfo], subscribed: Sequence[str]) -> str:
    """The /packs answer."""
    if not packs:
        return "No rule packs are installed."
    lines = ["<b>Rule packs</b> (✓ = this chat is subscribed)"]
    for p in packs:
        mark = "✓ " if p.id in subscribed else ""
        lines.append(f"{mark}<code>{escape(p.id)}</code> — {escape(p.description or p.name)}")
    lines.append("\n/subscribe <code>id</code> to get one, /subscribe for all.")
    return "\n".join(lines)


def query_error(query: str, error: QuerySyntaxError) -> str:
    """A query that does not parse: the message, a caret under the position, what was expected."""
    position = max(0, min(error.position, len(query)))
    expected = f"\nExpected: {escape(error.expected)}" if error.expected else ""
    return (
        f"⚠️ I could not read that query: {escape(error.message)} at position {position + 1}."
        f"{expected}\n<pre>{escape(query)}\n{' ' * position}^</pre>"
    )


def watch_added(watch: Watch, echo: str, count: int, thread_id: int) -> str:
    """The /watch answer."""
    return (
        f"👀 Rule <b>#{watch.id}</b> saved{_where(thread_id)}.\n"
        f"Understood as: <code>{escape(echo)}</code>\n"
        f"It would have matched {count} stored article{'s' if count != 1 else ''} "
        "of the last 7 days.\n/unwatch "
        f"{watch.id} removes it."
    )


def test_result(echo: str, count: int, hits: Sequence[Article]) -> str:
    """The /test answer: count and the newest matching titles."""
    lines = [
        f"🧪 Understood as: <code>{escape(echo)}</code>",
        f"Matches {count} stored article{'s' if count != 1 else ''} of the last 7 days.",
    ]
    for article in hits:
        lines.append(f"• {_link(article.url, _short(article.title) or '(untitled)')}")
    if count:
        lines.append("Nothing was saved: /watch with the same query keeps it.")
    return "\n".join(lines)


def rules_list(subs: Sequence[str], watches: Sequence[Watch], thread_id: int) -> str:
    """The /rules answer."""
    lines = [f"<b>Subscriptions{_where(thread_id)}</b>"]
    lines += [f"• <code>{escape(p)}</code>" for p in subs] or ["none — /subscribe adds packs"]
    lines.append("\n<b>Your rules</b>")
    for w in watches:
        lines.append(f"• #{w.id}{_where(w.thread_id)}: <code>{escape(w.query)}</code>")
    if not watches:
        lines.append("none — /watch adds one")
    return "\n".join(lines)


def recent_list(views: Sequence[AlertView], offset: int, total: int) -> str:
    """One page of /recent."""
    if not views:
        return "No alerts in this chat yet." if total == 0 else "No alerts on this page."
    first, last = offset + 1, offset + len(views)
    lines = [f"<b>Recent alerts</b> {first}–{last} of {total}"]
    for v in views:
        mark = "🚨 " if v.priority == "urgent" else ""
        state = "" if v.state == "sent" else f" <i>({escape(v.state)})</i>"
        lines.append(
            f"{mark}<b>#{v.id}</b> {_link(v.url, _short(v.title) or '(untitled)')}{state}\n"
            f"   {escape(v.source_name)} · {escape(v.rule_name)} · {v.created:%Y-%m-%d %H:%M} · /alert {v.id}"
        )
    return "\n".join(lines)


def search_results(
    query: str, articles: Sequence[Article], source_names: Mapping[str, str] | None = None
) -> str:
    """The /search answer."""
    names = source_names or {}
    if not articles:
        return f"🔎 Nothing stored matches <code>{escape(query)}</code>."
    lines = [
        f"🔎 <b>{len(articles)}</b> result{'s' if len(articles) != 1 else ''} for <code>{escape(query)}</code>"
    ]
    for a in articles:
        day = a.published or a.fetched
        lines.append(
            f"• {_link(a.url, _short(a.title) or '(untitled)')} — "
            f"{escape(names.get(a.source_id, a.source_id))}, {day:%Y-%m-%d}"
        )
    return "\n".join(lines)


def bad_search(query: str, reason: str) -> str:
    """A search we cannot run."""
    return (
        f"⚠️ I can't search for <code>{escape(query)}</code>: {escape(reason)}.\n"
        'Use words, "exact phrases", OR, -word to exclude, and word* for prefixes.'
    )


def setting_changed(what: str) -> str:
    """A confirmation of a settings change."""
    return f"✅ {escape(what)}"


def sources_list(health: Sequence[SourceHealth]) -> str:
    """The /sources answer: one line per source."""
    if not health:
        return "No sources are configured."
    lines = ["<b>Sources</b>"]
    for h in health:
        if not h.enabled:
            icon = "⏸"
        elif h.consecutive_failures:
            icon = "❌"
        elif h.last_success:
            icon = "✅"
        else:
            icon = "⏳"
        line = f"{icon} <code>{escape(h.id)}</code> {escape(_short(h.name, 60))} · last ok {_when(h.last_success)}"
        if h.consecutive_failures:
            line += (
                f" · {h.consecutive_failures} failure(s): {escape(_short(h.last_error or '', 120))}"
            )
        lines.append(line)
    return "\n".join(lines)


def poll_report(lines: Sequence[str]) -> str:
    """The answer to `/sources poll`: one status line per source."""
    if not lines:
        return "No sources to poll."
    body = "\n".join(escape(line) for line in lines)
    return f"<b>Polled {len(lines)} source{'s' if len(lines) != 1 else ''}</b>\n<pre>{body}</pre>"


def unknown_command(word: str) -> str:
    """Answer to a command the bot does not have (`word` is already escaped)."""
    return f"I don't know {word}. /help lists what I can do."


def failed_list(alerts: Sequence[AlertView], counts: Mapping[str, int]) -> str:
    """The /failed answer: dead and retrying alerts with their last error."""
    summary = ", ".join(f"{escape(k)} {v}" for k, v in sorted(counts.items())) or "empty"
    if not alerts:
        return f"✅ No dead or failing alerts. Outbox: {summary}."
    lines = [f"<b>Dead or failing alerts</b> (outbox: {summary})"]
    for a in alerts:
        lines.append(
            f"#{a.id} [{escape(a.state)}] chat {a.chat_id} · {a.attempts} attempts · "
            f"{escape(a.title[:80])}\n   {escape(a.last_error or 'no error recorded')}"
        )
    lines.append("<code>/failed retry &lt;id&gt;</code> queues one again.")
    return "\n".join(lines)


def query_too_slow(error: QuerySyntaxError) -> str:
    """A query that parses but could cost too much per article: why, and what to change."""
    message = error.message[:1].upper() + error.message[1:]
    hint = f"\nTry {escape(error.expected)}." if error.expected else ""
    return f"⚠️ {escape(message)}. Nothing was saved.{hint}"



def dry_run_partial(checked: int, candidates: int, seconds: float) -> str:
    """Said under a dry-run count when the time budget ran out before every candidate."""
    return (
        f"⏱ I stopped after checking {checked:,} of the {candidates:,} recent articles "
        f"with its words ({seconds:g} s limit), so the count is a lower bound."
    )


def try_again_later(what: str, seconds: int) -> str:
    """A command refused by the per-user or per-chat rate limit."""
    return f"⏳ Too many {escape(what)} in a short time. Try again in {seconds} s."


def still_working() -> str:
    """A second expensive command while the first one of the same user is still running."""
    return "⏳ I am still working on your previous request; send this again when it is answered."


def busy(seconds: int) -> str:
    """A dry run or search that could not start in time behind other people's."""
    return f"⏳ I am busy with other people's searches right now. Try again in {seconds} s."
