"""/failed: bot admins see the dead-letter queue and can queue an alert again."""

from __future__ import annotations

from bot.models import Recipient
from tests.e2e.harness import ADMIN, Harness
from tests.support.delivery import add_alerts

USER = 707


async def test_failed_lists_dead_alerts_for_admins_only(bot: Harness) -> None:
    store = bot.runtime.store
    store.sync_sources(store.list_sources())
    store.upsert_chat(-5005, "group", "Gone group")
    [alert_id] = add_alerts(store, [Recipient(-5005)])
    store.mark_dead(alert_id, "Forbidden: bot was kicked from the group chat")

    refused = await bot.ask("/failed", USER)
    assert "Only the bot's administrators" in refused.plain
    listing = await bot.ask("/failed", ADMIN)
    assert f"#{alert_id} [dead]" in listing.plain
    assert "bot was kicked" in listing.plain

    for bad in ("/failed retry", "/failed retry x", "/failed frobnicate 3"):
        reply = await bot.ask(bad, ADMIN)
        assert "Usage: /failed [retry <id>]" in reply.plain, bad
    view = store.alert_view(alert_id)
    assert view is not None and view.state == "dead"  # bad input changed nothing

    retried = await bot.ask(f"/failed retry {alert_id}", ADMIN)
    assert "queued again" in retried.plain
    view = store.alert_view(alert_id)
    assert view is not None and view.state == "pending"
    again = await bot.ask(f"/failed retry {alert_id}", ADMIN)
    assert "is not dead or failing" in again.plain


async def test_failed_is_not_in_the_public_menu(bot: Harness) -> None:
    help_user = await bot.ask("/help", USER)
    assert "/failed" not in help_user.plain
    help_admin = await bot.ask("/help", ADMIN)
    assert "/failed [retry <id>]" in help_admin.plain
    published = [c["command"] for c in bot.server.commands]  # what setMyCommands published
    assert "help" in published and "failed" not in published
