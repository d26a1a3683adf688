"""Reply texts of the chat commands, as Telegram HTML (everything from users or feeds escaped).

Commands in replies are written bare ("/rules", "/unwatch_3") so that Telegram makes them
tappable; <code> is kept for things to copy (queries), never for commands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Protocol

from bot.errors import QuerySyntaxError
from bot.models import AlertView, Article, Watch
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


def short(text: str, limit: int = MAX_LIST_TITLE) -> str:
    """Whitespace collapsed, cut with '…' at `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def link(url: str, text: str) -> str:
    """An <a> for http(s) URLs, else the escaped text."""
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>'
    return escape(text)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 rule', '3 rules'."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def _usage_html(cmd: Command) -> str:
    args = f" <i>{escape(cmd.args)}</i>" if cmd.args else ""
    return f"/{cmd.name}{args}"


def usage(cmd: Command, problem: str = "") -> str:
    """A bad-argument answer: what was wrong and how the command is used."""
    head = f"⚠️ {escape(problem)}\n" if problem else ""
    return f"{head}Usage: {_usage_html(cmd)} — {escape(cmd.description)}"


def help_text(is_bot_admin: bool = False) -> str:
    """Every command of the table with its arguments; the commands are tappable."""
    lines = ["<b>Commands</b>"]
    lines += [f"{_usage_html(c)} — {escape(c.description)}" for c in COMMANDS if not c.bot_admin]
    if is_bot_admin:
        lines += ["", "<b>Bot admin</b>"] + [escape(u) for u in SOURCES_ADMIN_USAGE]
        lines += [f"{_usage_html(c)} — {escape(c.description)}" for c in COMMANDS if c.bot_admin]
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
    ids = ", ".join(escape(p.id) for p in packs) or "none installed"
    return (
        "👋 <b>Sanctions and resolutions monitor</b>\n"
        "I read official press rooms and news feeds and tell you when a rule matches: "
        "new sanctions, resolutions, listings — with the sentences that matter and why it matched.\n\n"
        f"Rule packs: {ids}\n"
        "• /subscribe — all packs (or name some)\n"
        "• /watch <i>query</i> — your own rule\n"
        "• /settings, /recent, /search, /help"
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


def not_bot_admin(action: str = "add or remove sources") -> str:
    """Refusal for the bot-admin-only commands, naming what was asked."""
    return f"⛔ Only the bot's administrators can {escape(action)}."


def free_text() -> str:
    """The answer to a message that is not a command (private chats)."""
    return (
        "I answer commands, not messages. To look through the stored articles, use "
        "/search followed by words; to be alerted when something appears, /watch followed "
        "by a query. /help lists everything."
    )


def where(thread_id: int) -> str:
    """' (topic 7)' for a forum topic, else ''."""
    return f" (topic {thread_id})" if thread_id else ""


def subscribed(added: Sequence[str], already: Sequence[str], thread_id: int) -> str:
    """The /subscribe answer."""
    lines = []
    if added:
        lines.append(f"✅ Subscribed{where(thread_id)} to: " + ", ".join(escape(p) for p in added))
    if already:
        lines.append("Already subscribed: " + ", ".join(escape(p) for p in already))
    lines.append("Alerts arrive here as matching items are published. /rules shows everything.")
    return "\n".join(lines)


def unsubscribed(
    removed: Sequence[str], remaining: Sequence[str], watches: Sequence[Watch], thread_id: int
) -> str:
    """The /unsubscribe answer: what stopped, and what still sends alerts here."""
    lines = []
    if removed:
        lines.append(f"🔕 Unsubscribed{where(thread_id)} from: " + ", ".join(map(escape, removed)))
    else:
        lines.append(f"This chat{where(thread_id)} had no such subscriptions; nothing changed.")
    if remaining:
        lines.append("Still subscribed: " + ", ".join(map(escape, remaining)))
    lines += still_active(watches)
    return "\n".join(lines)


def still_active(watches: Sequence[Watch]) -> list[str]:
    """Lines saying which of the chat's own rules keep sending alerts."""
    if not watches:
        return []
    lines = [
        "Your rule stays active:"
        if len(watches) == 1
        else f"Your {len(watches)} rules stay active:"
    ]
    lines += [f"#{w.number} {escape(short(w.query, 60))} · /unwatch_{w.number}" for w in watches]
    return lines


def stopped(removed: Sequence[str], watches: Sequence[Watch]) -> str:
    """The /stop answer."""
    if removed:
        head = "🔕 Stopped: no more pack alerts here (" + ", ".join(map(escape, removed)) + ")."
    else:
        head = "This chat had no pack subscriptions."
    lines = [head]
    if watches:
        lines += still_active(watches)
        lines.append("/unwatch all removes them too.")
    else:
        lines.append("Nothing else sends alerts here.")
    lines.append("/subscribe starts again.")
    return "\n".join(lines)


def unknown_packs(unknown: Sequence[str], packs: Sequence[PackInfo], guess: str | None) -> str:
    """Pack ids that do not exist; nothing was changed."""
    bad = ", ".join(escape(p) for p in unknown)
    known = ", ".join(escape(p.id) for p in packs)
    hint = f" Did you mean {escape(guess)}?" if guess else ""
    return f"⚠️ Unknown pack: {bad}.{hint} Nothing changed.\nAvailable packs: {known}"


def packs_list(packs: Sequence[PackInfo], subscribed: Sequence[str]) -> str:
    """The /packs answer."""
    if not packs:
        return "No rule packs are installed."
    lines = ["<b>Rule packs</b> (✓ = this chat is subscribed)"]
    for p in packs:
        mark = "✓ " if p.id in subscribed else ""
        lines.append(f"{mark}{escape(p.id)} — {escape(p.description or p.name)}")
    lines.append("\n/subscribe followed by a pack id gets one; /subscribe alone, all.")
    return "\n".join(lines)


def query_error(query: str, error: QuerySyntaxError, known: Sequence[str] = ()) -> str:
    """A query that does not parse: the message, a caret under the position, what was expected."""
    position = max(0, min(error.position, len(query)))
    expected = f"\nExpected: {escape(error.expected)}" if error.expected else ""
    if known:
        expected += "\nKnown: " + ", ".join(escape(k) for k in known)
    return (
        f"⚠️ I could not read that query: {escape(error.message)} at position {position + 1}. "
        f"Nothing was saved.{expected}\n<pre>{escape(query)}\n{' ' * position}^</pre>"
    )


def did_you_mean(command: str, query: str, word: str, fixed: str) -> str:
    """An operator typo: the whole corrected command, ready to copy."""
    return (
        f"⚠️ {escape(word)} is not an operator. Did you mean {escape(fixed)}?\n"
        f"<code>/{command} {escape(fixed_query(query, word, fixed))}</code>\n"
        f'To look for "{escape(word)}" as written, put it in quotes. Nothing was saved.'
    )


def fixed_query(query: str, word: str, fixed: str) -> str:
    """The query with the first `word` replaced by `fixed`."""
    return query.replace(word, fixed, 1)


def operator_note(words: Sequence[str]) -> str:
    """Lower-case operators were read as operators: say so, and how to search the word."""
    shown = ", ".join(f"“{escape(w)}” as {w.upper()}" for w in dict.fromkeys(words))
    return f"\nI read {shown}; to look for the word itself, put it in quotes."


def _examples(hits: Sequence[Article]) -> list[str]:
    return [f"• {link(a.url, short(a.title, 80) or '(untitled)')}" for a in hits]


def watch_added(
    watch: Watch, echo: str, count: int, hits: Sequence[Article], note: str, silent: str
) -> str:
    """The /watch answer."""
    lines = [
        f"👀 Rule #{watch.number} saved{where(watch.thread_id)}.",
        f"Understood as: <code>{escape(echo)}</code>{note}",
    ]
    if count:
        lines.append(f"It would have matched {plural(count, 'article')} of the last 7 days:")
        lines += _examples(hits)
    else:
        lines.append(f"⚠️ It would have matched nothing of the last 7 days.{silent}")
    lines.append(f"Remove it: /unwatch_{watch.number}")
    return "\n".join(lines)


def zero_hits(missing: Sequence[str], scanned: int) -> str:
    """Why a query found nothing: the words no recent article has, or that its words occur
    but never together as asked (`scanned`: articles that had them all and were read)."""
    if missing:
        words = ", ".join(f"“{escape(m)}”" for m in missing)
        return f" No article of the last 7 days has {words}: check the spelling."
    if scanned == 0:
        return " Each of its words occurs, but no article has them all together."
    return f" {plural(scanned, 'article')} had its words, but not as the query asks."


def duplicate_watch(existing: Watch, echo: str) -> str:
    """A /watch that the chat already has."""
    return (
        f"⚠️ This chat already has that rule: #{existing.number} "
        f"<code>{escape(echo)}</code>. Nothing was saved."
    )


def test_result(echo: str, count: int, hits: Sequence[Article], note: str, silent: str) -> str:
    """The /test answer: count and the newest matching titles."""
    lines = [f"🧪 Understood as: <code>{escape(echo)}</code>{note}"]
    if count:
        lines.append(f"Matches {plural(count, 'stored article')} of the last 7 days.")
        lines += _examples(hits)
        lines.append("Nothing was saved: /watch with the same query keeps it.")
    else:
        lines.append(f"Matches no stored article of the last 7 days.{silent}")
    return "\n".join(lines)


def unwatched(removed: Sequence[int], missing: Sequence[int], left: int) -> str:
    """The /unwatch answer."""
    lines = []
    if removed:
        numbers = " and ".join(", ".join(f"#{n}" for n in removed).rsplit(", ", 1))
        lines.append(f"🗑 Removed {'rule' if len(removed) == 1 else 'rules'} {numbers}.")
    if missing:
        lines.append("This chat has no rule " + ", ".join(f"#{n}" for n in missing) + ".")
    lines.append(f"{plural(left, 'rule')} left. /rules lists them.")
    return "\n".join(lines)


def rules_list(
    subs: Sequence[str],
    watches: Sequence[Watch],
    thread_id: int,
    activity: Mapping[int, tuple[int, str]],
    mutes: Sequence[str],
) -> str:
    """The /rules answer: packs, own rules (with how much they alerted), active mutes.

    `mutes` are HTML lines (settings_views.mute_line).
    """
    lines = [f"<b>Packs{where(thread_id)}</b>"]
    lines += [f"• {escape(p)}" for p in subs] or ["none — /subscribe adds packs"]
    lines.append("\n<b>Your rules</b>")
    for w in watches:
        alerts, last = activity.get(w.id, (0, ""))
        did = f"{plural(alerts, 'alert')}, last {escape(last)}" if alerts else "no alert yet"
        lines.append(
            f"#{w.number}{where(w.thread_id)} <code>{escape(short(w.query, 80))}</code>\n"
            f"   {did} · /unwatch_{w.number}"
        )
    if not watches:
        lines.append("none — /watch adds one")
    if mutes:
        lines += ["\n<b>Muted</b>", *mutes, "/unmute ends them."]
    return "\n".join(lines)


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
    lines.append("/failed retry <i>id</i> queues one again.")
    return "\n".join(lines)


def setting_changed(what: str) -> str:
    """A confirmation of a settings change (`what` is plain text)."""
    return f"✅ {escape(what)}"


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


def failed_on_my_side() -> str:
    """Any command or button that raised: the person learns it failed, never the traceback."""
    return "Sorry, that failed on my side; please try again in a moment."


def database_unavailable() -> str:
    """A command that met a StoreError (a locked, full or read-only database)."""
    return "⚠️ I could not reach my database just now. Please try again in a minute."
