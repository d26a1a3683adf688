"""Commands for the bot's own admins (SANCTIONS_BOT_ADMINS): the dead-letter queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram import views
from bot.telegram.context import BadArgs, Reply, Where

if TYPE_CHECKING:
    from bot.runtime import Runtime

FAILED_SHOWN = 10


def failed(rt: Runtime, w: Where, args: str) -> Reply:
    """List dead and failing alerts; `retry <id>` gives one a fresh start."""
    if w.user_id is None or w.user_id not in rt.settings.admin_ids:
        return Reply("⛔ Only the bot's administrators can see the dead-letter queue.")
    words = args.split()
    if not words:
        alerts = rt.store.failed_alerts(limit=FAILED_SHOWN)
        return Reply(views.failed_list(alerts, rt.store.outbox_counts()))
    if words[0] != "retry" or len(words) != 2 or not words[1].lstrip("#").isdigit():
        raise BadArgs("/failed alone lists them; /failed retry <id> queues one again")
    alert_id = int(words[1].lstrip("#"))
    if not rt.store.requeue_alert(alert_id):
        return Reply(f"⚠️ Alert #{alert_id} is not dead or failing.")
    return Reply(f"🔁 Alert #{alert_id} is queued again.")
