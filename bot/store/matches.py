"""Match records and the alerts they create: one alert per story and chat (topic).

A match that reaches a chat where an alert for the same story (or, for a differently
titled report, the same event: `bot.store.sameevent`) already exists joins that alert
instead of creating a second one: the alert collects every rule and every copy. Its
lead is an official copy when there is one, so an official release that arrives after
a media report takes over the alert; a sent alert is marked `edit_due` and the outbox
edits its message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from bot.models import Article, Match, Priority, Recipient
from bot.store.alertviews import AlertViewsMixin
from bot.store.base import iso, parse_iso
from bot.store.chats import next_numbers
from bot.store.sameevent import WINDOW, Report, places, same_event

PRIORITY_RANK = {"urgent": 0, "normal": 1, "low": 2}
MAX_EVENT_CANDIDATES = 50


class MatchesMixin(AlertViewsMixin):
    """Match records and the alerts they create."""

    def record_match(
        self,
        article: Article,
        match: Match,
        recipients: Sequence[Recipient],
        priority: Priority = "normal",
    ) -> list[int]:
        """Store a match and give each recipient its story's alert; returns the new alert ids.

        Runs in one transaction so a match is never recorded without its alerts. A
        recipient that already has an alert for the story gets no new one: the match
        joins it (see the module docstring), so the ids returned are new messages.
        """
        now = self.now()
        alert_ids: list[int] = []
        with self.transaction():
            match_id = self._insert_match(article, match, now)
            if match_id is None:
                return []  # matched before: nothing is matched twice
            # Looked up once for all recipients: a pack may have thousands of them.
            alerts = self._alerts_of_event(article, match, match_id)
            alerts = {**alerts, **self._alerts_of_story(article.story_id)}  # the story wins
            new: list[Recipient] = []
            for r in dict.fromkeys(recipients):
                existing = alerts.get((r.chat_id, r.thread_id))
                if existing is None:
                    new.append(r)
                else:
                    self._join(existing, match_id, priority, now)
            alert_ids = self._new_alerts(new, article, match.rule_key, match_id, priority, now)
        return alert_ids

    def _insert_match(self, article: Article, match: Match, now: str) -> int | None:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO matches (article_id, rule_key, rule_name, countries, "
            "summary, highlights, explanation, witnesses, created, actors, targets) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                article.id,
                match.rule_key,
                match.rule_name,
                json.dumps(list(match.countries)),
                match.summary,
                json.dumps([list(h) for h in match.highlights]),
                match.explanation,
                json.dumps([asdict(w) for w in match.witnesses]),
                now,
                json.dumps(list(getattr(match, "actors", ()))),
                json.dumps(list(getattr(match, "targets", ()))),
            ],
        )
        return int(cur.lastrowid or 0) if cur.rowcount else None

    def _new_alerts(
        self,
        recipients: list[Recipient],
        article: Article,
        rule_key: str,
        match_id: int,
        priority: Priority,
        now: str,
    ) -> list[int]:
        """One alert per recipient, numbered in its chat, linked to the match; the new ids."""
        if not recipients:
            return []
        numbers = next_numbers(self.db, [r.chat_id for r in recipients], "alert_seq")
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO alerts (chat_id, thread_id, rule_key, story_id, match_id, "
            "priority, state, next_attempt_at, created, number) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            [
                (
                    r.chat_id,
                    r.thread_id,
                    rule_key,
                    article.story_id,
                    match_id,
                    priority,
                    now,
                    now,
                    n,
                )
                for r, n in zip(recipients, numbers, strict=True)
            ],
        )
        # Only this call inserts alerts with this (new) match as their own.
        self.db.execute(
            "INSERT OR IGNORE INTO alert_matches (alert_id, match_id, added) "
            "SELECT id, match_id, created FROM alerts WHERE match_id = ?",
            [match_id],
        )
        rows = self.db.execute(
            "SELECT id FROM alerts WHERE match_id = ? ORDER BY id", [match_id]
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _link(self, alert_id: int, match_id: int, now: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO alert_matches (alert_id, match_id, added) VALUES (?, ?, ?)",
            [alert_id, match_id, now],
        )

    # -- which alert a match joins --------------------------------------------

    def _alerts_of_story(self, story_id: int) -> dict[tuple[int, int], int]:
        """(chat, topic) -> the alert that shows an article of this story there."""
        rows = self.db.execute(
            "SELECT a.chat_id, a.thread_id, min(a.id) FROM articles ar "
            "JOIN matches m ON m.article_id = ar.id JOIN alert_matches am ON am.match_id = m.id "
            "JOIN alerts a ON a.id = am.alert_id WHERE ar.story_id = ? "
            "GROUP BY a.chat_id, a.thread_id",
            [story_id],
        ).fetchall()
        return {(int(c), int(t)): int(a) for c, t, a in rows}

    def _alerts_of_event(
        self, article: Article, match: Match, match_id: int
    ) -> dict[tuple[int, int], int]:
        """(chat, topic) -> the alert of an earlier report of the same event by another source.

        The candidates are the rule's recent matches (few: one per item the rule fired on),
        so this costs the same for one recipient as for thousands.
        """
        moment = self.clock()
        about = places(tuple(getattr(match, "targets", ())), tuple(match.countries))
        later = Report(article.title, frozenset([match.rule_key]), moment, about)
        rows = self.db.query(
            "SELECT m.id, m.created, m.targets, m.countries, ar.title FROM matches m "
            "JOIN articles ar ON ar.id = m.article_id "
            "WHERE m.rule_key = ? AND m.created >= ? AND m.id != ? AND ar.source_id != ? "
            "AND ar.story_id != ? ORDER BY m.id DESC LIMIT ?",
            [
                match.rule_key,
                iso(moment - WINDOW),
                match_id,
                article.source_id,
                article.story_id,
                MAX_EVENT_CANDIDATES,
            ],
        )
        same = []
        for row in rows:
            created = parse_iso(row["created"])
            assert created is not None
            was_about = places(
                tuple(json.loads(row["targets"])), tuple(json.loads(row["countries"]))
            )
            if same_event(Report(row["title"], later.rule_keys, created, was_about), later):
                same.append(int(row["id"]))
        if not same:
            return {}
        marks = ",".join("?" for _ in same)
        found = self.db.execute(
            "SELECT a.chat_id, a.thread_id, min(a.id) FROM alert_matches am "
            f"JOIN alerts a ON a.id = am.alert_id WHERE am.match_id IN ({marks}) "
            "GROUP BY a.chat_id, a.thread_id",
            same,
        ).fetchall()
        return {(int(c), int(t)): int(a) for c, t, a in found}

    # -- joining --------------------------------------------------------------

    def _join(self, alert_id: int, match_id: int, priority: Priority, now: str) -> None:
        """Add a match to an alert: maybe a new lead, a higher priority, an edit to send."""
        self._link(alert_id, match_id, now)
        alert = self.db.execute(
            "SELECT state, priority, match_id FROM alerts WHERE id = ?", [alert_id]
        ).fetchone()
        state, current, lead = str(alert[0]), str(alert[1]), int(alert[2])
        new_lead = self._better_lead(lead, match_id)
        if state in ("pending", "failed"):
            best = min((current, priority), key=lambda p: PRIORITY_RANK.get(p, 1))
            self.db.execute(
                "UPDATE alerts SET priority = ?, match_id = ? WHERE id = ?",
                [best, new_lead, alert_id],
            )
            return
        if state == "sent" and self._shown_alone(alert_id):
            self.db.execute(
                "UPDATE alerts SET match_id = ?, edit_due = 1 WHERE id = ?", [new_lead, alert_id]
            )

    def _better_lead(self, lead: int, candidate: int) -> int:
        """An official copy takes the lead from a media one (before or after sending)."""
        rows = {
            int(r["id"]): r
            for r in self.db.query(
                "SELECT m.id, coalesce(s.tier, 'media') AS tier, m.rule_key FROM matches m "
                "JOIN articles ar ON ar.id = m.article_id LEFT JOIN sources s ON s.id = ar.source_id "
                "WHERE m.id IN (?, ?)",
                [lead, candidate],
            )
        }
        if lead not in rows or candidate not in rows:
            return lead
        if rows[candidate]["tier"] == "official" and rows[lead]["tier"] != "official":
            return candidate
        return lead

    def _shown_alone(self, alert_id: int) -> bool:
        """Whether the alert went out as its own message (not inside a digest)."""
        row = self.db.execute(
            "SELECT 1 FROM deliveries WHERE alert_id = ? AND outcome = 'digest' LIMIT 1",
            [alert_id],
        ).fetchone()
        return row is None
