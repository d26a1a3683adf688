"""Match records, the alerts they create, and the read side of alerts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from bot.models import AlertView, Article, Match, Priority, Recipient
from bot.store.base import StoreBase, parse_iso

_VIEW_SQL = """
SELECT a.id, a.chat_id, a.thread_id, a.rule_key, a.priority, a.state, a.attempts,
       a.story_id, a.created, a.last_error,
       m.rule_name, m.countries, m.summary, m.highlights, m.explanation, m.article_id,
       ar.title, ar.url, ar.source_id, ar.published,
       coalesce(s.name, ar.source_id) AS source_name, coalesce(s.tier, 'media') AS tier
FROM alerts a
JOIN matches m ON m.id = a.match_id
JOIN articles ar ON ar.id = m.article_id
LEFT JOIN sources s ON s.id = ar.source_id
"""


class MatchesMixin(StoreBase):
    """Match records, the alerts they create, and the read side of alerts."""

    def record_match(
        self,
        article: Article,
        match: Match,
        recipients: Sequence[Recipient],
        priority: Priority = "normal",
    ) -> list[int]:
        """Store a match and queue one alert per recipient; returns the new alert ids.

        Runs in one transaction so a match is never recorded without its alerts.
        An alert that already exists for (chat, topic, rule, story) is skipped.
        """
        now = self.now()
        alert_ids: list[int] = []
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO matches (article_id, rule_key, rule_name, countries, "
                "summary, highlights, explanation, witnesses, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ],
            )
            if not cur.rowcount:
                return []  # matched before: nothing is matched twice
            match_id = cur.lastrowid
            for r in recipients:
                row = self.db.execute(
                    "INSERT OR IGNORE INTO alerts (chat_id, thread_id, rule_key, story_id, "
                    "match_id, priority, state, next_attempt_at, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                    [
                        r.chat_id,
                        r.thread_id,
                        match.rule_key,
                        article.story_id,
                        match_id,
                        priority,
                        now,
                        now,
                    ],
                )
                if row.rowcount:
                    alert_ids.append(int(row.lastrowid or 0))
        return alert_ids

    def alert_view(self, alert_id: int, chat_id: int | None = None) -> AlertView | None:
        """One alert with its article and story, or None (also when it is another chat's)."""
        sql = _VIEW_SQL + " WHERE a.id = ?"
        params: list[Any] = [alert_id]
        if chat_id is not None:
            sql += " AND a.chat_id = ?"
            params.append(chat_id)
        rows = list(self.db.query(sql, params))
        return self._view(rows[0]) if rows else None

    def recent_alerts(
        self, chat_id: int | None = None, limit: int = 5, offset: int = 0, state: str | None = None
    ) -> list[AlertView]:
        """Newest alerts first, for one chat or for all."""
        clauses: list[str] = []
        params: list[Any] = []
        if chat_id is not None:
            clauses.append("a.chat_id = ?")
            params.append(chat_id)
        if state is not None:
            clauses.append("a.state = ?")
            params.append(state)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = _VIEW_SQL + where + " ORDER BY a.id DESC LIMIT ? OFFSET ?"
        rows = self.db.query(sql, [*params, limit, offset])
        return [self._view(r) for r in rows]

    def count_alerts(self, chat_id: int | None = None) -> int:
        """How many alerts exist (for a chat)."""
        if chat_id is None:
            row = self.db.execute("SELECT count(*) FROM alerts").fetchone()
        else:
            row = self.db.execute(
                "SELECT count(*) FROM alerts WHERE chat_id = ?", [chat_id]
            ).fetchone()
        return int(row[0])

    def story_sources(
        self, story_id: int, exclude_article: int | None = None
    ) -> list[tuple[str, str]]:
        """(source name, url) of every article in the story, oldest first."""
        rows = self.db.query(
            "SELECT coalesce(s.name, ar.source_id) AS name, ar.url, ar.id FROM articles ar "
            "LEFT JOIN sources s ON s.id = ar.source_id WHERE ar.story_id = ? ORDER BY ar.id",
            [story_id],
        )
        return [(r["name"], r["url"]) for r in rows if r["id"] != exclude_article]

    def _view(self, row: dict[str, Any]) -> AlertView:
        created = parse_iso(row["created"])
        assert created is not None
        return AlertView(
            id=row["id"],
            chat_id=row["chat_id"],
            thread_id=row["thread_id"],
            rule_key=row["rule_key"],
            rule_name=row["rule_name"],
            priority=row["priority"],
            state=row["state"],
            attempts=row["attempts"],
            title=row["title"],
            url=row["url"],
            source_id=row["source_id"],
            source_name=row["source_name"],
            tier=row["tier"],
            published=parse_iso(row["published"]),
            countries=tuple(json.loads(row["countries"])),
            summary=row["summary"],
            highlights=tuple((int(a), int(b)) for a, b in json.loads(row["highlights"])),
            explanation=row["explanation"],
            story_id=row["story_id"],
            article_id=row["article_id"],
            created=created,
            other_sources=tuple(
                self.story_sources(row["story_id"], exclude_article=row["article_id"])
            ),
            last_error=row["last_error"],
        )
