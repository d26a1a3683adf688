"""The delivery tests' fixture set: a store with alerts, a recording fake bot, a gated one.

The clock is `tests.support.clock.FakeClock`; the `delivery_store` fixture (tests/conftest.py)
is `open_store` on the test's clock, closed after the test.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.models import FeedEntry, Match, Priority, Recipient, Source, Witness
from bot.store import Store
from tests.support.clock import START

WORDS = [
    "amber", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kelp", "lagoon", "meadow", "nectar", "onyx", "prairie", "quartz", "raven", "sierra", "tundra",
]  # fmt: skip


def distinct_title(n: int) -> str:
    """Titles that never group into one story."""
    a, b, c = WORDS[n % 20], WORDS[(n // 20) % 20], WORDS[(n // 400) % 20]
    return f"{a.capitalize()} {b} {c} report number {n} on sanctions"


def open_store(path: Path, clock: Any) -> Store:
    store = Store.open(path, clock)
    store.sync_sources(
        [Source(id="ep", name="European Parliament", url="https://ep.example/rss", tier="official")]
    )
    return store


_serial = itertools.count(1)


def add_alerts(
    store: Store,
    recipients: list[Recipient],
    count: int = 1,
    *,
    rule_key: str = "pack:eu",
    rule_name: str = "EU measures",
    priority: Priority = "normal",
    title: str | None = None,
) -> list[int]:
    """Queue `count` matched articles for every recipient; returns the alert ids."""
    ids: list[int] = []
    for _ in range(count):
        n = next(_serial)
        entry = FeedEntry(
            source_id="ep",
            guid=f"g{n}",
            url=f"https://ep.example/news/{n}",
            title=title or distinct_title(n),
            text=f"The European Parliament adopted resolution {n} on Belarus. Sanctions follow.",
            published=START,
        )
        article = store.add_article(entry)
        assert article is not None, "test article was taken for a duplicate"
        summary = entry.text
        match = Match(
            rule_key=rule_key,
            rule_name=rule_name,
            doc_id=str(article.id),
            witnesses=(Witness("resolution", "text", 0, 31, 41, "resolution"),),
            countries=("BY",),
            summary=summary,
            highlights=((4, 23),),
            explanation="European Parliament + resolution /s Belarus",
        )
        ids += store.record_match(article, match, recipients, priority)
    return ids


@dataclass
class Sent:
    chat_id: int
    text: str
    kwargs: dict[str, Any]
    message_id: int


@dataclass
class FakeBot:
    """Records sends; raises scripted exceptions first (optionally only for one chat)."""

    sent: list[Sent] = field(default_factory=list)
    script: deque[tuple[int | None, BaseException]] = field(default_factory=deque)
    calls: int = 0

    def fail(self, *errors: BaseException, chat_id: int | None = None) -> None:
        for error in errors:
            self.script.append((chat_id, error))

    async def send_message(self, chat_id: int | str, text: str, **kwargs: Any) -> Any:
        self.calls += 1
        for i, (target, error) in enumerate(self.script):
            if target is None or target == chat_id:
                del self.script[i]
                raise error
        message = Sent(int(chat_id), text, kwargs, len(self.sent) + 1)
        self.sent.append(message)
        return message

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [s.text for s in self.sent if chat_id is None or s.chat_id == chat_id]


def gated_bot(entered: asyncio.Event, gate: asyncio.Event) -> FakeBot:
    """A FakeBot whose sends signal `entered` and then wait for `gate` (a send in flight)."""
    slow = FakeBot()

    async def send(chat_id: int | str, text: str, **kwargs: Any) -> Any:
        entered.set()
        await gate.wait()
        return await FakeBot.send_message(slow, chat_id, text, **kwargs)

    slow.send_message = send  # type: ignore[method-assign]
    return slow
