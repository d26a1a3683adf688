"""The read side of alerts: one AlertView per alert, with every rule and copy it collected."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from bot.models import AlertView, StorySource
from bot.store.base import StoreBase, parse_iso

_VIEW_SQL = """
SELECT a.id, a.chat_id, a.thread_id, a.priority, a.state, a.attempts, a.story_id, a.created,
       a.last_error, a.number, a.message_id,
       m.rule_key, m.rule_name, m.countries, m.summary, m.highlights, m.explanation,
       m.article_id, m.actors, m.targets,
       ar.title, ar.url, ar.source_id, ar.published,
       coalesce(s.name, ar.source_id) AS source_name, coalesce(s.tier, 'media') AS tier,
       coalesce(c.timezone, 'UTC') AS timezone
FROM alerts a
JOIN matches m ON m.id = a.match_id
JOIN articles ar ON ar.id = m.article_id
LEFT JOIN sources s ON s.id = ar.source_id
LEFT JOIN chats c ON c.id = a.chat_id
"""

# Every article an alert shows: its matches' articles and the rest of their stories.
_SOURCES_SQL = """
SELECT ar.id, ar.title, ar.url, ar.published, ar.fetched,
       coalesce(s.name, ar.source_id) AS name, coalesce(s.tier, 'media') AS tier
FROM articles ar LEFT JOIN sources s ON s.id = ar.source_id
WHERE ar.story_id IN (
    SELECT x.story_id FROM alert_matches am JOIN matches m ON m.id = am.match_id
    JOIN articles x ON x.id = m.article_id WHERE am.alert_id = ?)
OR ar.id IN (
    SELECT m.article_id FROM alert_matches am JOIN matches m ON m.id = am.match_id
    WHERE am.alert_id = ?)
ORDER BY coalesce(ar.published, ar.fetched), ar.id
"""

_WATCH_NAME = re.compile(r"^watch #\d+: ")


class AlertViewsMixin(StoreBase):
    """Alerts as people see them."""

    def alert_view(
        self, alert_id: int, chat_id: int | None = None, *, full: bool = False
    ) -> AlertView | None:
        """One alert, or None (also when it is another chat's); `full` adds the article text."""
        sql = _VIEW_SQL + " WHERE a.id = ?"
        params: list[Any] = [alert_id]
        if chat_id is not None:
            sql += " AND a.chat_id = ?"
            params.append(chat_id)
        rows = list(self.db.query(sql, params))
        return self._view(rows[0], full) if rows else None

    def alert_by_number(self, chat_id: int, number: int, *, full: bool = False) -> AlertView | None:
        """The chat's alert with this number (what /recent shows), or None."""
        row = self.db.execute(
            "SELECT id FROM alerts WHERE chat_id = ? AND number = ? ORDER BY id LIMIT 1",
            [chat_id, number],
        ).fetchone()
        return self.alert_view(int(row[0]), chat_id, full=full) if row else None

    def recent_alerts(
        self, chat_id: int | None = None, limit: int = 5, offset: int = 0, state: str | None = None
    ) -> list[AlertView]:
        """Newest alerts first (one per message), for one chat or for all."""
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
        return [self._view(r, False) for r in self.db.query(sql, [*params, limit, offset])]

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

    def watch_activity(self, chat_id: int) -> dict[int, tuple[int, datetime]]:
        """Per watch id of the chat: how many alerts it took part in, and the latest one's time."""
        rows = self.db.execute(
            "SELECT m.rule_key, count(DISTINCT a.id), max(a.created) FROM alerts a "
            "JOIN alert_matches am ON am.alert_id = a.id JOIN matches m ON m.id = am.match_id "
            "WHERE a.chat_id = ? AND m.rule_key LIKE 'watch:%' GROUP BY m.rule_key",
            [chat_id],
        ).fetchall()
        out = {}
        for key, count, last in rows:
            moment = parse_iso(last)
            if str(key)[6:].isdigit() and moment is not None:
                out[int(str(key)[6:])] = (int(count), moment)
        return out

    def alert_rule_keys(self, alert_id: int) -> list[str]:
        """Keys of every rule that fired on the alert's story, lead first."""
        rows = self.db.execute(
            "SELECT m.rule_key FROM alert_matches am JOIN matches m ON m.id = am.match_id "
            "JOIN alerts a ON a.id = am.alert_id WHERE am.alert_id = ? "
            "ORDER BY m.id != a.match_id, am.added, m.id",
            [alert_id],
        ).fetchall()
        return list(dict.fromkeys(str(r[0]) for r in rows))

    def alert_muted(self, alert_id: int, chat_id: int, rule_keys: list[str] | None = None) -> bool:
        """Whether the alert's story, or every one of its rules, is muted in the chat now."""
        story, rules = self._mute_state(alert_id, chat_id, rule_keys)
        return story or rules

    def _mute_state(
        self, alert_id: int, chat_id: int, rule_keys: list[str] | None = None
    ) -> tuple[bool, bool]:
        """(the story is muted, every rule of it is muted) in the chat now."""
        keys = self.alert_rule_keys(alert_id) if rule_keys is None else rule_keys
        rows = self.db.execute(
            "SELECT rule_key FROM mutes WHERE chat_id = ? AND until > ?", [chat_id, self.now()]
        ).fetchall()
        muted = {str(r[0]) for r in rows}
        return f"alert:{alert_id}" in muted, bool(keys) and all(k in muted for k in keys)

    # -- building the view ------------------------------------------------------

    def _view(self, row: dict[str, Any], full: bool = False) -> AlertView:
        # Columns added after the first release are read with .get: callers that select the
        # first release's columns (bench/store.py's unindexed baseline) still get a view.
        created = parse_iso(row["created"])
        assert created is not None
        keys_names = self._rules_of(row["id"])
        rule_keys = [k for k, _ in keys_names]
        sources = self._sources_of(row["id"], row["article_id"])
        story_muted, rules_muted = self._mute_state(row["id"], row["chat_id"], rule_keys)
        return AlertView(
            id=row["id"],
            chat_id=row["chat_id"],
            thread_id=row["thread_id"],
            rule_key=row["rule_key"],
            rule_name=keys_names[0][1] if keys_names else row["rule_name"],
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
            other_sources=tuple((s.name, s.url) for s in sources[1:]),
            last_error=row["last_error"],
            number=row.get("number") or 0,
            timezone=row.get("timezone") or "UTC",
            rules=tuple(dict.fromkeys(name for _, name in keys_names)),
            sources=tuple(sources),
            actors=tuple(json.loads(row.get("actors") or "[]")),
            targets=tuple(json.loads(row.get("targets") or "[]")),
            message_id=row.get("message_id"),
            article_text=self._article_text(row["article_id"]) if full else "",
            muted=story_muted or rules_muted,
            story_muted=story_muted,
            links=self._links(row["id"]),
        )

    def _links(self, alert_id: int) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM alert_matches WHERE alert_id = ?", [alert_id]
        ).fetchone()
        return int(row[0])

    def _rules_of(self, alert_id: int) -> list[tuple[str, str]]:
        """(rule key, name as shown) of every rule of the alert, lead first."""
        rows = self.db.query(
            "SELECT m.rule_key, m.rule_name, w.number AS watch_number, w.query AS watch_query "
            "FROM alert_matches am JOIN matches m ON m.id = am.match_id "
            "JOIN alerts a ON a.id = am.alert_id "
            "LEFT JOIN watches w ON m.rule_key = 'watch:' || w.id AND w.chat_id = a.chat_id "
            "WHERE am.alert_id = ? ORDER BY m.id != a.match_id, am.added, m.id",
            [alert_id],
        )
        out: dict[str, str] = {}
        for r in rows:
            out.setdefault(r["rule_key"], rule_label(r["rule_key"], r["rule_name"], r))
        return list(out.items())

    def _sources_of(self, alert_id: int, lead_article: int) -> list[StorySource]:
        rows = list(self.db.query(_SOURCES_SQL, [alert_id, alert_id]))
        rows.sort(key=lambda r: r["id"] != lead_article)  # stable: the lead first
        out = []
        for r in rows:
            seen = parse_iso(r["fetched"])
            assert seen is not None
            out.append(
                StorySource(
                    r["name"], r["url"], r["tier"], parse_iso(r["published"]), seen, r["title"]
                )
            )
        return out

    def _article_text(self, article_id: int) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE id = ?", [article_id]).fetchone()
        return str(row[0]) if row else ""


def rule_label(rule_key: str, stored_name: str, row: dict[str, Any]) -> str:
    """The name a person sees: packs by name, a chat's own rule by its number in that chat."""
    if not rule_key.startswith("watch:"):
        return stored_name
    if row.get("watch_number"):
        return f"Your rule #{row['watch_number']}: {row['watch_query']}"
    return "Your rule (removed): " + _WATCH_NAME.sub("", stored_name)
