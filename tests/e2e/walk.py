"""A new user's walk through the bot, recorded as text: every reply, alert, edit and button answer.

    python -m tests.e2e.walk [OUTPUT]

The real Application runs against the Bot API test server with delivery running;
articles reach it through the real pipeline. The output lists each exchange and,
at the end, the first two lines of every alert as a phone's notification shows them.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.models import FeedEntry
from tests.e2e.harness import (
    ADMIN,
    BELARUS_TITLE,
    WIRE,
    Harness,
    belarus_text,
    start_harness,
    stop_harness,
)
from tests.e2e.stories import DAILY, EU_PACKAGE, OFAC, OLD_ITEM, STORY_SOURCES, UN_COPIES, Item
from tests.support.botapi import SentMessage

USER = 5151


class Walk:
    """Drives the bot as one user and keeps a log of what the user sees."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.lines: list[str] = []
        self.seen: dict[int, int] = {}  # message id -> number of edits already logged
        self.alerts: list[SentMessage] = []
        self.items = 0
        self._reply_ids: set[int] = set()  # command replies (not alerts)
        self.markups: dict[int, int] = {}  # message id -> button edits already logged

    def log(self, text: str) -> None:
        """One line of narration."""
        self.lines.append(text)

    def flush(self) -> None:
        """Log every bot message and edit not logged yet."""
        for message in self.bot.server.sent(USER):
            edits = len(message.edits)
            if message.message_id not in self.seen:
                self._show("🤖", message)
                if message.buttons() and message.message_id not in self._reply_ids:
                    self.alerts.append(message)
            elif self.seen[message.message_id] < edits:
                self._show(f"✏️ edit of message {message.message_id}", message)
            self.seen[message.message_id] = edits

    def _show(self, who: str, message: SentMessage) -> None:
        silent = " (silent)" if message_silent(message) else ""
        self.lines.append(f"{who}{silent}:")
        self.lines += ["    " + line for line in message.plain.splitlines()]
        buttons = " ".join(f"[{b['text']}]" for b in message.buttons())
        if buttons:
            self.lines.append("    " + buttons)

    async def say(self, text: str, user: int = USER) -> SentMessage | None:
        """The user sends a message; the reply is logged (or that none came in 5 s)."""
        self.flush()
        self.lines.append(f"\n👤 {text}")
        try:
            reply = await self.bot.ask(text, USER, user_id=user, timeout=5.0)
        except TimeoutError:
            self.lines.append("🤖 (no reply)")
            return None
        self._reply_ids.add(reply.message_id)
        await asyncio.sleep(0.3)  # a reply of several messages
        for message in self.bot.server.sent(USER):
            if message.message_id >= reply.message_id:
                self._reply_ids.add(message.message_id)
        self.flush()
        return reply

    async def publish(self, item: Item) -> None:
        """A source publishes an item; alerts and edits it causes are logged."""
        self.flush()
        self.items += 1
        when = item.published or self.bot.clock()
        self.lines.append(f"\n📰 {item.source.name} ({item.source.tier}) publishes: {item.title}")
        entry = FeedEntry(
            source_id=item.source.id,
            guid=f"walk-{self.items}",
            url=f"https://{item.source.id}.example.org/{self.items}",
            title=item.title,
            text=item.text,
            published=when,
        )
        self.bot.runtime.pipeline.ingest(item.source, [entry])
        await self.settle()
        self.flush()

    async def press(self, message: SentMessage, label: str) -> bool:
        """Press the first button of `message` whose label contains `label`; False if none."""
        self.flush()
        current = self.bot.server.sent(USER)
        fresh = next(m for m in current if m.message_id == message.message_id)
        button = next((b for b in fresh.buttons() if label in b["text"]), None)
        if button is None:
            self.lines.append(f"\n(no button “{label}” under message {message.message_id})")
            return False
        self.lines.append(f"\n👆 [{button['text']}] under message {message.message_id}")
        answers = len(self.bot.server.callback_answers)
        self.bot.server.press_button(USER, USER, message.message_id, button["callback_data"])
        await self.bot.server.wait_until(lambda: len(self.bot.server.callback_answers) > answers)
        await asyncio.sleep(0.2)
        answer = self.bot.server.callback_answers[-1]
        if answer.get("text"):
            self.lines.append(f"💬 {answer['text']}")
        fresh = next(m for m in self.bot.server.sent(USER) if m.message_id == message.message_id)
        if fresh.markup_edits > self.markups.get(fresh.message_id, 0):
            buttons = " ".join(f"[{b['text']}]" for b in fresh.buttons())
            self.lines.append(f"🔘 buttons of message {fresh.message_id} now: {buttons}")
        self.markups[fresh.message_id] = fresh.markup_edits
        self.flush()
        return True

    async def settle(self, seconds: float = 1.5) -> None:
        """Give delivery time to send (and edit) what is due."""
        await asyncio.sleep(seconds)

    def alert_heads(self) -> list[str]:
        """The first two lines of every alert message (as sent, before edits)."""
        heads = []
        for message in self.alerts:
            first = message.edits[0] if message.edits else message.text
            plain = _plain(first)
            heads.append("\n".join(plain.splitlines()[:2]))
        return heads


def _plain(html_text: str) -> str:
    from tests.support.tghtml import parse_html

    return parse_html(html_text)[0]


def message_silent(message: SentMessage) -> bool:
    """Whether the message was sent without a notification sound."""
    return bool(getattr(message, "disable_notification", False))


async def run_walk(workdir: Path) -> str:
    """The walk; returns the log."""
    bot = await start_harness(workdir, jobs=True)
    try:
        bot.runtime.store.sync_sources([WIRE, *STORY_SOURCES])
        return await _steps(Walk(bot))
    finally:
        await stop_harness(bot)


async def _steps(w: Walk) -> str:
    await w.say("/start")
    await w.say("/help")
    await w.say("/subscribe")
    await w.publish(Item(WIRE, BELARUS_TITLE, belarus_text()))
    for item in EU_PACKAGE:
        await w.publish(item)
    for item in UN_COPIES:
        await w.publish(item)
    await w.publish(OFAC)
    await w.publish(OLD_ITEM)
    alerts = list(w.alerts)
    if alerts:
        await w.press(alerts[0], "Details")
        await w.press(alerts[0], "Less")
        if await w.press(alerts[0], "Mute"):
            # Today: one "Mute 24h" press mutes the rule. Now: a choice, then the story only.
            await w.press(alerts[0], "story")
    await w.publish(Item(DAILY, BELARUS_TITLE + " (update)", belarus_text()))
    await w.say("/rules")
    await w.say("/unmute")
    await w.say("/recent")
    await w.say("/alert 2")
    await w.say("/test Belarus or Russia")
    await w.say("/watch Belarus NAER/5 sanctions")
    await w.say("/watch Belarus NEAR5 sanctions")
    await w.say("/watch @country:BY AND sanction*")
    await w.say("/watch @country:BY AND sanction*")
    await w.say("/watch @body:XYZ AND sanctions")
    await w.say("/unwatch 3 5")
    await w.say("/quiet 16-18")
    await w.say("/quiet")
    await w.say("/quiet 22:00-07:00")
    await w.say("/quiet off")
    await w.say("/settings")
    await w.say("/digest")
    await w.say("/digest daily")
    await w.say("/timezone")
    await w.say("/timezone berlin")
    await w.say("/subscribe eu-sanction")
    await w.say("belarus sanctions")
    await w.say("/search sanctions")
    await w.say("/search Lukashenka")
    await w.say("/unsubscribe eu-sanctions")
    await w.say("/stop")
    await w.say("/sources")
    await w.say("/sources poll")
    await w.say("/sources add", user=ADMIN)
    await w.say("/sources poll", user=ADMIN)
    w.flush()
    heads = ["", "## First two lines of each alert", ""]
    for head in w.alert_heads():
        heads += ["    " + line for line in head.splitlines()] + [""]
    return "\n".join(w.lines + heads) + "\n"


def main(argv: list[str]) -> int:
    """Write the walk to OUTPUT (default: stdout)."""
    with tempfile.TemporaryDirectory(prefix="walk-") as tmp:
        text = asyncio.run(run_walk(Path(tmp)))
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
        print(f"wrote {argv[0]}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
