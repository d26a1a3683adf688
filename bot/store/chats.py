"""Chats, subscriptions, watches, mutes and chat settings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.models import Chat, Recipient, Watch
from bot.store.base import StoreBase, iso, parse_iso

_SEQUENCES = {"alert_seq": "alerts", "watch_seq": "watches"}


def next_number(db: sqlite_utils.Database, chat_id: int, counter: str) -> int:
    """The chat's next alert or rule number (a chat's first is #1); numbers are never reused.

    `counter` is 'alert_seq' or 'watch_seq'.
    """
    return next_numbers(db, [chat_id], counter)[0]


def next_numbers(db: sqlite_utils.Database, chat_ids: Sequence[int], counter: str) -> list[int]:
    """The next numbers for these chats, in order (a chat listed twice gets two).

    One UPDATE per 500 chats, so numbering a pack's thousands of subscribers stays cheap.
    A chat without a row (stores used without the bot) counts its existing rows instead.
    """
    table = _SEQUENCES[counter]
    wanted = Counter(chat_ids)
    last: dict[int, int] = {}
    for size in sorted(set(wanted.values())):
        ids = [c for c, k in wanted.items() if k == size]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = db.execute(
                f"UPDATE chats SET {counter} = {counter} + ? WHERE id IN ({marks}) "
                f"RETURNING id, {counter}",
                [size, *chunk],
            ).fetchall()
            last.update({int(c): int(n) for c, n in rows})
    for chat_id in wanted:
        if chat_id not in last:
            row = db.execute(
                f"SELECT coalesce(max(number), 0) FROM {table} WHERE chat_id = ?", [chat_id]
            ).fetchone()
            last[chat_id] = int(row[0]) + wanted[chat_id]
    given = {c: last[c] - wanted[c] for c in wanted}  # the number before this chat's first
    out = []
    for chat_id in chat_ids:
        given[chat_id] += 1
        out.append(given[chat_id])
    return out


def _chat(row: dict[str, Any]) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        active=bool(row["active"]),
        timezone=row["timezone"],
        digest=row["digest"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        last_digest_at=parse_iso(row["last_digest_at"]),
        digest_hour=row["digest_hour"],
    )


def _watch(row: dict[str, Any]) -> Watch:
    created = parse_iso(row["created"])
    assert created is not None
    return Watch(
        id=row["id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        query=row["query"],
        created=created,
        number=row["number"] or 0,
    )


class ChatsMixin(StoreBase):
    """Chats, subscriptions, watches, mutes and chat settings."""

    # -- chats -------------------------------------------------------------

    def upsert_chat(self, chat_id: int, type: str = "private", title: str = "") -> Chat:
        """Create the chat if new, refresh its type and title, and mark it active."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO chats (id, type, title, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET type = excluded.type, title = excluded.title, "
                "active = 1",
                [chat_id, type, title, self.now()],
            )
        chat = self.get_chat(chat_id)
        assert chat is not None
        return chat

    def get_chat(self, chat_id: int) -> Chat | None:
        """The chat with this id, or None."""
        rows = list(self.db.query("SELECT * FROM chats WHERE id = ?", [chat_id]))
        return _chat(rows[0]) if rows else None

    def active_chats(self) -> list[Chat]:
        """Every chat the bot may still write to."""
        return [_chat(r) for r in self.db.query("SELECT * FROM chats WHERE active = 1 ORDER BY id")]

    def set_chat_active(self, chat_id: int, active: bool) -> None:
        """Mark a chat active or not (blocked, kicked, deleted)."""
        with self.transaction():
            self.db.execute("UPDATE chats SET active = ? WHERE id = ?", [int(active), chat_id])

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Move a group that became a supergroup, with everything that hangs on it."""
        with self.transaction():
            old = self.get_chat(old_id)
            if old is None:
                return
            self.db.execute(
                "INSERT INTO chats (id, type, title, active, timezone, digest, quiet_start, "
                "quiet_end, last_digest_at, created, alert_seq, watch_seq, digest_hour) "
                "SELECT ?, 'supergroup', title, 1, timezone, digest, quiet_start, quiet_end, "
                "last_digest_at, created, alert_seq, watch_seq, digest_hour FROM chats WHERE id = ? "
                "ON CONFLICT(id) DO UPDATE SET active = 1",
                [new_id, old_id],
            )
            for table in ("subscriptions", "watches"):
                self.db.execute(
                    f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
                )
            self.db.execute(
                "UPDATE OR IGNORE mutes SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
            )
            self.db.execute(
                "UPDATE OR IGNORE alerts SET chat_id = ? WHERE chat_id = ? AND state != 'sent'",
                [new_id, old_id],
            )
            self.db.execute(
                "UPDATE chats SET active = 0, migrated_to = ? WHERE id = ?", [new_id, old_id]
            )

    def update_chat_settings(self, chat_id: int, **settings: Any) -> None:
        """Change delivery settings: timezone, digest, digest_hour, quiet hours, last_digest_at."""
        allowed = {
            "timezone",
            "digest",
            "quiet_start",
            "quiet_end",
            "last_digest_at",
            "digest_hour",
        }
        unknown = set(settings) - allowed
        if unknown:
            raise ValueError(f"unknown chat settings: {sorted(unknown)}")
        values = {k: iso(v) if isinstance(v, datetime) else v for k, v in settings.items()}
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.transaction():
            self.db.execute(
                f"UPDATE chats SET {assignments} WHERE id = ?", [*values.values(), chat_id]
            )

    # -- subscriptions ----------------------------------------------------

    def subscribe(self, chat_id: int, pack_ids: Iterable[str], thread_id: int = 0) -> list[str]:
        """Subscribe the chat (topic) to packs; returns the packs that were new."""
        added = []
        with self.transaction():
            for pack_id in pack_ids:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO subscriptions (chat_id, thread_id, pack_id, created) "
                    "VALUES (?, ?, ?, ?)",
                    [chat_id, thread_id, pack_id, self.now()],
                )
                if cur.rowcount:
                    added.append(pack_id)
        return added

    def unsubscribe(
        self, chat_id: int, pack_ids: Iterable[str] | None = None, thread_id: int = 0
    ) -> list[str]:
        """Remove subscriptions (all of the topic's when pack_ids is None); returns those removed."""
        current = self.subscriptions(chat_id, thread_id)
        targets = current if pack_ids is None else [p for p in pack_ids if p in current]
        with self.transaction():
            for pack_id in targets:
                self.db.execute(
                    "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND pack_id = ?",
                    [chat_id, thread_id, pack_id],
                )
        return targets

    def subscriptions(self, chat_id: int, thread_id: int = 0) -> list[str]:
        """Pack ids the chat (topic) is subscribed to."""
        rows = self.db.query(
            "SELECT pack_id FROM subscriptions WHERE chat_id = ? AND thread_id = ? ORDER BY pack_id",
            [chat_id, thread_id],
        )
        return [r["pack_id"] for r in rows]

    def topic_subscriptions(self, chat_id: int) -> dict[int, list[str]]:
        """Every topic of the chat (0 = the chat itself) with its pack ids."""
        out: dict[int, list[str]] = {}
        rows = self.db.query(
            "SELECT thread_id, pack_id FROM subscriptions WHERE chat_id = ? "
            "ORDER BY thread_id, pack_id",
            [chat_id],
        )
        for r in rows:
            out.setdefault(int(r["thread_id"]), []).append(str(r["pack_id"]))
        return out

    def subscribers(self, pack_id: str) -> list[Recipient]:
        """Active chats (and topics) subscribed to a pack."""
        rows = self.db.query(
            "SELECT s.chat_id, s.thread_id FROM subscriptions s JOIN chats c ON c.id = s.chat_id "
            "WHERE s.pack_id = ? AND c.active = 1 ORDER BY s.chat_id, s.thread_id",
            [pack_id],
        )
        return [Recipient(r["chat_id"], r["thread_id"]) for r in rows]

    # -- watches ----------------------------------------------------------

    def add_watch(
        self, chat_id: int, query: str, thread_id: int = 0, user_id: int | None = None
    ) -> Watch:
        """Store a chat's own rule; it gets the chat's next rule number."""
        with self.transaction():
            number = next_number(self.db, chat_id, "watch_seq")
            cur = self.db.execute(
                "INSERT INTO watches (chat_id, thread_id, query, created, created_by, number) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [chat_id, thread_id, query, self.now(), user_id, number],
            )
            watch_id = cur.lastrowid
        rows = list(self.db.query("SELECT * FROM watches WHERE id = ?", [watch_id]))
        return _watch(rows[0])

    def remove_watch(self, chat_id: int, watch_id: int) -> bool:
        """Delete a chat's rule; False when the chat has no rule with that id."""
        with self.transaction():
            cur = self.db.execute(
                "DELETE FROM watches WHERE id = ? AND chat_id = ?", [watch_id, chat_id]
            )
        return bool(cur.rowcount)

    def watch_by_number(self, chat_id: int, number: int) -> Watch | None:
        """The chat's rule with this number (as /rules shows it), or None."""
        rows = list(
            self.db.query(
                "SELECT * FROM watches WHERE chat_id = ? AND number = ?", [chat_id, number]
            )
        )
        return _watch(rows[0]) if rows else None

    def watches(self, chat_id: int | None = None) -> list[Watch]:
        """A chat's rules, or every active chat's rules when chat_id is None."""
        if chat_id is None:
            rows = self.db.query(
                "SELECT w.* FROM watches w JOIN chats c ON c.id = w.chat_id "
                "WHERE c.active = 1 ORDER BY w.id"
            )
        else:
            rows = self.db.query("SELECT * FROM watches WHERE chat_id = ? ORDER BY id", [chat_id])
        return [_watch(r) for r in rows]

    def count_watches(self, chat_id: int) -> int:
        """How many rules the chat has."""
        row = self.db.execute(
            "SELECT count(*) FROM watches WHERE chat_id = ?", [chat_id]
        ).fetchone()
        return int(row[0])

    # -- mutes ------------------------------------------------------------

    def mute(self, chat_id: int, rule_key: str, until: datetime) -> None:
        """Hold back a rule's alerts in this chat until `until`."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO mutes (chat_id, rule_key, until) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id, rule_key) DO UPDATE SET until = excluded.until",
                [chat_id, rule_key, iso(until)],
            )

    def muted_rules(self, chat_id: int, now: datetime) -> set[str]:
        """Keys muted in the chat at `now`: rule keys, and `alert:<id>` for one story."""
        return {key for key, _ in self.mutes(chat_id, now)}

    def mutes(self, chat_id: int, now: datetime) -> list[tuple[str, datetime]]:
        """The chat's active mutes (key, until), the one ending first first."""
        rows = self.db.query(
            "SELECT rule_key, until FROM mutes WHERE chat_id = ? AND until > ? ORDER BY until",
            [chat_id, iso(now)],
        )
        out = []
        for r in rows:
            until = parse_iso(r["until"])
            assert until is not None
            out.append((str(r["rule_key"]), until))
        return out

    def unmute(self, chat_id: int, keys: Iterable[str] | None = None) -> list[str]:
        """End mutes (all of the chat's when keys is None); returns the keys that were active."""
        active = [key for key, _ in self.mutes(chat_id, self.clock())]
        targets = active if keys is None else [k for k in keys if k in active]
        with self.transaction():
            for key in targets:
                self.db.execute(
                    "DELETE FROM mutes WHERE chat_id = ? AND rule_key = ?", [chat_id, key]
                )
        return targets
