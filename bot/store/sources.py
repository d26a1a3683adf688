"""Source catalog rows and per-source health."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.errors import UserInputError
from bot.models import Source
from bot.sources.netguard import validate_source_url
from bot.sources.state import SourceHealth, Validators
from bot.store.base import StoreBase, iso, parse_iso

_UPSERT = """
INSERT INTO sources (id, name, url, kind, tier, interval, config, enabled, added_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET
    name = excluded.name, url = excluded.url, kind = excluded.kind, tier = excluded.tier,
    interval = excluded.interval, config = excluded.config, enabled = excluded.enabled
"""


def _config(source: Source) -> str:
    return json.dumps(
        {
            "full_text": source.full_text,
            "selectors": dict(source.selectors),
            "notes": source.notes,
            "blocks_bots": source.blocks_bots,
            "needs_browser": source.needs_browser,
            "full_text_from": source.full_text_from,
        },
        sort_keys=True,
    )


def _row_params(source: Source, added_by: int | None) -> list[Any]:
    return [
        source.id,
        source.name,
        source.url,
        source.kind,
        source.tier,
        source.interval,
        _config(source),
        int(source.enabled),
        added_by,
    ]


class SourcesMixin(StoreBase):
    """Source catalog rows and per-source health."""

    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Upsert the catalog; catalog rows no longer listed are disabled, health is kept."""
        with self.transaction():
            for source in sources:
                self.db.execute(_UPSERT, _row_params(source, None))
            ids = [s.id for s in sources]
            marks = ",".join("?" for _ in ids) or "''"
            self.db.execute(
                f"UPDATE sources SET enabled = 0 WHERE added_by IS NULL AND id NOT IN ({marks})",
                ids,
            )

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]:
        """Every source row (catalog and admin-added), by id."""
        sql = "SELECT * FROM sources" + (" WHERE enabled = 1" if enabled_only else "")
        return [self._source(row) for row in self.db.query(sql + " ORDER BY id")]

    def ensure_source(self, source: Source) -> None:
        """Insert a catalog row for a source the store has not seen (others untouched)."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO sources (id, name, url, kind, tier, interval, config, "
                "enabled, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _row_params(source, None),
            )

    def get_source(self, source_id: str) -> Source | None:
        """One source by id."""
        rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return self._source(rows[0]) if rows else None

    def add_source(self, source: Source, added_by: int) -> Source:
        """Add a source from the admin command; UserInputError when the id is taken."""
        validate_source_url(source.url)
        with self.transaction():
            if self.get_source(source.id) is not None:
                raise UserInputError(f"a source with id {source.id!r} already exists")
            self.db.execute(_UPSERT, _row_params(source, added_by))
        return source

    def remove_source(self, source_id: str) -> bool:
        """Delete a source row (its articles stay); False when there was none."""
        with self.transaction():
            cur = self.db.execute("DELETE FROM sources WHERE id = ?", [source_id])
        return bool(cur.rowcount)

    def validators(self, source_id: str) -> Validators | None:
        """ETag, Last-Modified and body hash from the last successful fetch."""
        rows = list(
            self.db.query(
                "SELECT etag, last_modified, body_hash FROM sources WHERE id = ?", [source_id]
            )
        )
        if not rows:
            return None
        row = rows[0]
        return Validators(row["etag"], row["last_modified"], row["body_hash"])

    def record_poll_success(
        self,
        source_id: str,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        new_items: int,
        not_modified: bool,
        next_poll_at: datetime | None = None,
    ) -> bool:
        """Record a good poll; returns True when admins had been told it was broken."""
        with self.transaction():
            before = self.get_source_health(source_id)
            validators = ", etag = ?, last_modified = ?, body_hash = ?" if not not_modified else ""
            params: list[Any] = [self.now(), new_items, iso(next_poll_at)]
            if not not_modified:
                params += [etag, last_modified, body_hash]
            self.db.execute(
                "UPDATE sources SET last_success = ?, consecutive_failures = 0, "
                "items_seen = items_seen + ?, next_poll_at = ?, failure_reported = 0"
                + validators
                + " WHERE id = ?",
                [*params, source_id],
            )
        return bool(before and before.failure_reported)

    def record_poll_failure(self, source_id: str, reason: str, next_poll_at: datetime) -> int:
        """Record a failed poll; returns the number of failures in a row."""
        with self.transaction():
            self.db.execute(
                "UPDATE sources SET last_error = ?, last_error_at = ?, "
                "consecutive_failures = consecutive_failures + 1, next_poll_at = ? WHERE id = ?",
                [reason[:500], self.now(), iso(next_poll_at), source_id],
            )
            row = self.db.execute(
                "SELECT consecutive_failures FROM sources WHERE id = ?", [source_id]
            ).fetchone()
        return int(row[0]) if row else 0

    def mark_failure_reported(self, source_id: str) -> bool:
        """Set the 'admins were told' flag; True only for the call that set it."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE sources SET failure_reported = 1 WHERE id = ? AND failure_reported = 0",
                [source_id],
            )
        return bool(cur.rowcount)

    def source_health(self) -> list[SourceHealth]:
        """Health of every source, by id."""
        return [self._health(r) for r in self.db.query("SELECT * FROM sources ORDER BY id")]

    def get_source_health(self, source_id: str) -> SourceHealth | None:
        """Health of one source."""
        rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return self._health(rows[0]) if rows else None

    def _source(self, row: dict[str, Any]) -> Source:
        config = json.loads(row["config"] or "{}")
        return Source(
            id=row["id"],
            name=row["name"],
            url=row["url"],
            kind=row["kind"],
            tier=row["tier"],
            interval=row["interval"],
            full_text=bool(config.get("full_text", False)),
            selectors=dict(config.get("selectors") or {}),
            notes=str(config.get("notes", "")),
            blocks_bots=bool(config.get("blocks_bots", False)),
            enabled=bool(row["enabled"]),
            needs_browser=bool(config.get("needs_browser", False)),
            full_text_from=str(config.get("full_text_from", "")),
        )

    def _health(self, row: dict[str, Any]) -> SourceHealth:
        return SourceHealth(
            id=row["id"],
            name=row["name"],
            tier=row["tier"],
            last_success=parse_iso(row["last_success"]),
            last_error=row["last_error"],
            last_error_at=parse_iso(row["last_error_at"]),
            consecutive_failures=row["consecutive_failures"],
            items_seen=row["items_seen"],
            next_poll_at=parse_iso(row["next_poll_at"]),
            enabled=bool(row["enabled"]),
            failure_reported=bool(row["failure_reported"]),
            needs_browser=bool(json.loads(row["config"] or "{}").get("needs_browser", False)),
        )
