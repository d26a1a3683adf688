"""A command reply is not stuck behind a backlog of alerts (real Application, production limiter)."""

from __future__ import annotations

from pathlib import Path

from bot.delivery.ratelimit import make_rate_limiter
from bot.models import Recipient
from bot.telegram.app import Intervals
from tests.e2e.harness import start_harness, stop_harness
from tests.support.delivery import add_alerts

CHATS = [7000 + n for n in range(120)]
USER = 6999


async def test_reply_overtakes_a_backlog_of_alerts(tmp_path: Path) -> None:
    h = await start_harness(
        tmp_path,
        jobs=True,
        rate_limiter=make_rate_limiter(),  # 29 messages a second overall, like production
        intervals=Intervals(delivery=0.5, digest=60, poll=60),
    )
    try:
        store = h.runtime.store
        for chat in CHATS:
            h.server.add_chat(chat, "private")
            store.upsert_chat(chat)
        ids = add_alerts(store, [Recipient(chat) for chat in CHATS])
        await h.server.wait_until(lambda: len(h.server.sent()) >= 5)  # the backlog is draining
        reply = await h.ask("/help", USER)
        queued_when_replied = store.outbox_counts().get("pending", 0)
        assert "/subscribe" in reply.plain
        # At 25 messages a second the backlog needs about 5 s; the reply did not wait for it.
        assert queued_when_replied > 0, "the reply only came after every alert"
        await h.server.wait_until(lambda: store.outbox_counts() == {"sent": len(ids)}, 60)
        alert_chats = [m.chat_id for m in h.server.sent() if m.chat_id != USER]
        assert sorted(alert_chats) == CHATS  # each exactly once
        print(f"\nreply arrived with {queued_when_replied} of {len(ids)} alerts still queued")
    finally:
        await stop_harness(h)
