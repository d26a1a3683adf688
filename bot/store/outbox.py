"""The alert outbox: which alerts are due, their state machine, and the delivery log.

States: ``pending`` (queued, never tried or held), ``failed`` (a transient error;
retried at ``next_attempt_at``), ``sent``, ``dead`` (given up; visible to admins
through `failed_alerts`), ``muted`` (its rule was muted in that chat when it
came due: not sent, but listed by /recent and /unmute), and ``sent`` alerts with
``edit_due`` (a new copy or an official lead joined them: their message is edited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import AlertView
from bot.store.base import StoreBase, iso


class OutboxMixin(StoreBase):
    """The alert outbox and its delivery log."""

    # -- reading ----------------------------------------------------------

    def due_alert_ids(self, now: datetime, limit: int = 50, per_chat: int = 3) -> list[int]:
        """Alerts to send individually now: urgent first, then oldest; at most `per_chat` a chat.

        The per-chat cap keeps one chat's backlog from filling every batch while
        the other chats wait. Digest chats are left to the digest worker, except
        when the chat is inactive: those alerts come here to be closed as dead.
        """
        rows = self.db.execute(
            "SELECT id FROM (SELECT a.id, a.priority, a.next_attempt_at, "
            "row_number() OVER (PARTITION BY a.chat_id "
            "ORDER BY a.priority = 'urgent' DESC, a.next_attempt_at, a.id) AS nth "
            "FROM alerts a LEFT JOIN chats c ON c.id = a.chat_id "
            "WHERE a.state IN ('pending', 'failed') AND a.next_attempt_at <= ? "
            "AND (coalesce(c.digest, 'off') = 'off' OR c.active = 0)) "
            "WHERE nth <= ? ORDER BY priority = 'urgent' DESC, next_attempt_at, id LIMIT ?",
            [iso(now), per_chat, limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def due_digest_alert_ids(self, chat_id: int, now: datetime) -> list[int]:
        """A digest chat's alerts that are ready to go into its digest, oldest first."""
        rows = self.db.execute(
            "SELECT id FROM alerts WHERE chat_id = ? AND state IN ('pending', 'failed') "
            "AND next_attempt_at <= ? ORDER BY id",
            [chat_id, iso(now)],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def due_edit_ids(self, limit: int = 20) -> list[int]:
        """Sent alerts whose message must be edited (a new copy or an official lead), oldest first."""
        rows = self.db.execute(
            "SELECT id FROM alerts WHERE edit_due = 1 AND state = 'sent' "
            "AND message_id IS NOT NULL ORDER BY id LIMIT ?",
            [limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def muted_alerts(self, chat_id: int, limit: int = 10) -> list[AlertView]:
        """The chat's alerts that were held back by a mute, newest first."""
        rows = self.db.execute(
            "SELECT id FROM alerts WHERE chat_id = ? AND state = 'muted' ORDER BY id DESC LIMIT ?",
            [chat_id, limit],
        ).fetchall()
        views = (self.alert_view(int(r[0])) for r in rows)
        return [v for v in views if v is not None]

    def parts_sent(self, alert_id: int) -> int:
        """How many parts of this alert's message were already delivered."""
        row = self.db.execute("SELECT parts_sent FROM alerts WHERE id = ?", [alert_id]).fetchone()
        return int(row[0]) if row else 0

    def failed_alerts(self, limit: int = 50, chat_id: int | None = None) -> list[AlertView]:
        """Dead alerts and alerts that are failing (retrying), newest first: for admins."""
        views = []
        sql = "SELECT id FROM alerts WHERE state IN ('dead', 'failed')"
        params: list[Any] = []
        if chat_id is not None:
            sql += " AND chat_id = ?"
            params.append(chat_id)
        rows = self.db.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
        for (alert_id,) in rows:
            view = self.alert_view(int(alert_id))
            if view is not None:
                views.append(view)
        return views

    def alert_view(
        self, alert_id: int, chat_id: int | None = None, *, full: bool = False
    ) -> AlertView | None:
        """Provided by AlertViewsMixin, which comes first in the Store's MRO."""
        raise NotImplementedError

    def delivery_log(self, alert_id: int) -> list[dict[str, Any]]:
        """Every recorded attempt for an alert, oldest first."""
        return list(
            self.db.query(
                "SELECT at, outcome, error, message_id FROM deliveries "
                "WHERE alert_id = ? ORDER BY id",
                [alert_id],
            )
        )

    def outbox_counts(self) -> dict[str, int]:
        """Alerts per state."""
        rows = self.db.execute("SELECT state, count(*) FROM alerts GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    # -- writing ----------------------------------------------------------

    def log_delivery(
        self, alert_id: int, outcome: str, error: str | None = None, message_id: int | None = None
    ) -> None:
        """Append one row to the delivery log."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO deliveries (alert_id, at, outcome, error, message_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [alert_id, self.now(), outcome, error, message_id],
            )

    def mark_part_sent(self, alert_id: int, part: int, message_id: int) -> None:
        """Part `part` (1-based) of a split message arrived: a restart resumes after it."""
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET parts_sent = max(parts_sent, ?) WHERE id = ?", [part, alert_id]
            )
            self.log_delivery(alert_id, "part", None, message_id)

    def mark_sent(
        self,
        alert_id: int,
        message_id: int | None,
        outcome: str = "sent",
        links_shown: int | None = None,
    ) -> None:
        """The alert arrived. `links_shown`: how many matches the sent text showed; when the
        alert gained more meanwhile (a copy joined during the send), its edit is due."""
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET state = 'sent', attempts = attempts + 1, message_id = ?, "
                "sent_at = ?, last_error = NULL, edit_due = "
                "(? IS NOT NULL AND (SELECT count(*) FROM alert_matches "
                "WHERE alert_id = alerts.id) > ?) WHERE id = ?",
                [message_id, self.now(), links_shown, links_shown, alert_id],
            )
            self.log_delivery(alert_id, outcome, None, message_id)

    def mark_retry(
        self, alert_id: int, error: str, next_attempt: datetime, *, count: bool = True
    ) -> None:
        """A transient failure: try again at `next_attempt` (flood waits do not count)."""
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET state = 'failed', attempts = attempts + ?, "
                "next_attempt_at = ?, last_error = ? WHERE id = ?",
                [int(count), iso(next_attempt), error, alert_id],
            )
            self.log_delivery(alert_id, "retry", error)

    def mark_dead(self, alert_id: int, error: str, *, count: bool = True) -> None:
        """Give up on the alert; it stays visible in `failed_alerts`."""
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET state = 'dead', attempts = attempts + ?, last_error = ? "
                "WHERE id = ?",
                [int(count), error, alert_id],
            )
            self.log_delivery(alert_id, "dead", error)

    def mark_edited(self, alert_id: int, message_id: int | None, note: str = "") -> None:
        """The alert's message now shows what the alert collected (or could not be edited)."""
        with self.transaction():
            self.db.execute("UPDATE alerts SET edit_due = 0 WHERE id = ?", [alert_id])
            self.log_delivery(alert_id, "edited", note or None, message_id)

    def mark_muted(self, alert_id: int, until: str = "") -> None:
        """The alert's story or rules are muted in its chat: not sent (it stays in /recent)."""
        with self.transaction():
            self.db.execute("UPDATE alerts SET state = 'muted' WHERE id = ?", [alert_id])
            self.log_delivery(alert_id, "muted", until or None)

    def hold_alert(self, alert_id: int, until: datetime, reason: str) -> None:
        """Postpone without counting an attempt (quiet hours)."""
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET next_attempt_at = ? WHERE id = ?", [iso(until), alert_id]
            )
            self.log_delivery(alert_id, "held", reason)

    def release_held(self, chat_id: int) -> int:
        """Alerts held for quiet hours become due now (the hours ended or changed); how many."""
        now = self.now()
        with self.transaction():
            cur = self.db.execute(
                "UPDATE alerts SET next_attempt_at = ? WHERE chat_id = ? AND state = 'pending' "
                "AND next_attempt_at > ?",
                [now, chat_id, now],
            )
        return int(cur.rowcount or 0)

    def kill_chat_alerts(self, chat_id: int, reason: str) -> int:
        """Every undelivered alert of a chat becomes dead with `reason`; returns how many."""
        with self.transaction():
            ids = [
                int(r[0])
                for r in self.db.execute(
                    "SELECT id FROM alerts WHERE chat_id = ? AND state IN ('pending', 'failed')",
                    [chat_id],
                ).fetchall()
            ]
            for alert_id in ids:
                self.mark_dead(alert_id, reason, count=False)
        return len(ids)

    def move_chat_alerts(self, old_id: int, new_id: int) -> None:
        """Undelivered alerts follow a migrated group; duplicates already queued there die."""
        with self.transaction():
            self.db.execute(
                "UPDATE OR IGNORE alerts SET chat_id = ? WHERE chat_id = ? "
                "AND state IN ('pending', 'failed')",
                [new_id, old_id],
            )
            self.kill_chat_alerts(old_id, f"chat migrated to {new_id}; already queued there")

    def requeue_alert(self, alert_id: int) -> bool:
        """Give a dead or failed alert a fresh start (admin action); False if not found."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE alerts SET state = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE id = ? AND state IN ('dead', 'failed')",
                [self.now(), alert_id],
            )
        return bool(cur.rowcount)
