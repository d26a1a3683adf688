"""`sanctions-bot backup FILE`: a consistent copy of the live database, verified, never overwriting.

SQLite's online backup API copies the database page by page. Done in one step it
reads inside one read transaction, so the copy is the database exactly as it was
when the backup began, every transaction committed before then included; under
WAL the bot keeps writing meanwhile (into the WAL, which the backup does not wait
for). A backup in many small steps would restart whenever the bot commits, and
might never finish.

The copy is written next to FILE under a temporary name, checked with
``PRAGMA integrity_check``, then linked into place: a link fails if FILE exists,
so an existing file is never replaced, not even by a race.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError, UserInputError


@dataclass(frozen=True)
class BackupReport:
    """What `backup` wrote."""

    path: Path
    bytes: int
    seconds: float
    schema: int
    articles: int
    alerts: int

    def lines(self) -> list[str]:
        """The command's output."""
        return [
            f"backup written to {self.path} ({self.bytes / 1_000_000:,.1f} MB, schema "
            f"{self.schema}, {self.articles:,} articles, {self.alerts:,} alerts) in "
            f"{self.seconds:.1f}s",
            "integrity check: ok",
        ]


def backup_database(source: Path, target: Path) -> BackupReport:
    """Copy `source` to `target` consistently while other connections write; verify the copy."""
    _check_paths(source, target)
    started = time.perf_counter()
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    # The copy holds everything the bot knows about its chats: owner-only from the start.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        _copy(source, partial)
        schema, articles, alerts = _verify(partial)
        _fsync(partial)
        try:
            os.link(partial, target)
        except FileExistsError:
            raise UserInputError(f"{target} appeared while the backup ran; not replaced") from None
        _fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(
        target, target.stat().st_size, time.perf_counter() - started, schema, articles, alerts
    )


def _check_paths(source: Path, target: Path) -> None:
    if not source.is_file():
        raise UserInputError(f"no database at {source} (set --db or SANCTIONS_BOT_DB)")
    if target.exists() or target.is_symlink():
        raise UserInputError(f"{target} already exists; backups never overwrite: choose a new name")
    if not target.parent.is_dir():
        raise UserInputError(f"directory {target.parent} does not exist")


def _copy(source: Path, partial: Path) -> None:
    try:
        # mode=rw: fail on a missing file instead of creating an empty database.
        src = sqlite3.connect(f"file:{source}?mode=rw", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {source}: {exc}") from exc
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout = 10000")
        src.backup(dst, pages=-1)  # one step: one snapshot (see module doc)
        # One self-contained file (no -wal beside it): restoring is copying one file back.
        dst.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot back up {source}: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _verify(path: Path) -> tuple[int, int, int]:
    """integrity_check on the copy; its schema version and row counts."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise StoreError(f"the copy failed its integrity check: {'; '.join(problems[:3])}")
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
        articles = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        alerts = int(conn.execute("SELECT count(*) FROM alerts").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the copy is not readable: {exc}") from exc
    finally:
        conn.close()
    return schema, articles, alerts


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
