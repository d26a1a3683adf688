"""Opening the SQLite database: WAL, foreign keys, migrations, transactions."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from bot.errors import BadDatabaseError, StoreError
from bot.store.schema import MIGRATIONS

SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLE_DDL = re.compile(
    r"\b(CREATE\s+(?:VIRTUAL\s+)?TABLE|DROP\s+TABLE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)",
    re.IGNORECASE,
)


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date.

    A new file is created readable by its owner only. A file that is not an SQLite
    database, is truncated or damaged, comes from a newer version of the bot or lacks
    tables raises BadDatabaseError before anything is written to it."""
    on_disk = str(path) != ":memory:"
    if on_disk:
        create_private(Path(path))
        check_file(Path(path))
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        return _prepare(conn, path, on_disk)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BadDatabaseError(f"{path} is truncated or damaged ({exc}); restore a backup") from None
    except BaseException:
        conn.close()
        raise


def _prepare(conn: sqlite3.Connection, path: Path | str, on_disk: bool) -> sqlite_utils.Database:
    conn.execute("PRAGMA busy_timeout = 5000")
    db = sqlite_utils.Database(conn)
    version = schema_version(db)  # reads the header: fails here on a file that is not SQLite
    if version > len(MIGRATIONS):
        raise BadDatabaseError(
            f"{path} was written by a newer sanctions-bot (schema {version}; this version "
            f"knows {len(MIGRATIONS)}): upgrade sanctions-bot or use another --db"
        )
    conn.execute("PRAGMA foreign_keys = ON")
    if on_disk:
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL under WAL keeps every committed transaction across a process crash.
        conn.execute("PRAGMA synchronous = NORMAL")
    migrate(db)
    missing = sorted(expected_tables() - set(db.table_names()))
    if missing:
        raise BadDatabaseError(
            f"{path} is missing table(s) {', '.join(missing)}: it is damaged or not this "
            "bot's database; restore a backup or use another --db"
        )
    return db


def create_private(path: Path) -> None:
    """Create an empty database file readable and writable by its owner only."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create database {path}: {exc.strerror}") from None
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask


def check_file(path: Path) -> None:
    """Refuse a file that is not SQLite, or shorter than its own header says (truncated)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read database {path}: {exc.strerror}") from None
    if size == 0:
        return  # a new, empty database
    head = header[: len(SQLITE_MAGIC)]
    if head != SQLITE_MAGIC[: len(head)]:
        raise BadDatabaseError(
            f"{path} is not an SQLite database: point --db or SANCTIONS_BOT_DB at the bot's database"
        )
    if len(header) < 100:
        raise BadDatabaseError(f"{path} is truncated or damaged ({size} bytes); restore a backup")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the page count is valid only then
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # the newest pages may be in the write-ahead log, not yet in the file
    if valid and pages and size < pages * page_size:
        raise BadDatabaseError(
            f"{path} is truncated or damaged ({size:,} of {pages * page_size:,} bytes); "
            "restore a backup"
        )


def expected_tables() -> set[str]:
    """The tables the migrations leave behind (created and not dropped)."""
    made: set[str] = set()
    for script in MIGRATIONS:
        for verb, name in _TABLE_DDL.findall(script):
            if verb.upper().startswith("CREATE"):
                made.add(name)
            else:
                made.discard(name)
    return made


def schema_version(db: sqlite_utils.Database) -> int:
    """The number of migrations applied."""
    row = db.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(db: sqlite_utils.Database) -> None:
    """Apply the migrations this database has not seen, each in its own transaction."""
    current = schema_version(db)
    if current == 0:
        # A new file: incremental auto-vacuum lets retention hand space back (see
        # store/retention.py); it can only be chosen by a rewrite, free while empty.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(db):
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement:
                yield statement
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; nests as a savepoint."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute("SAVEPOINT nested")
        try:
            yield db
        except BaseException:
            conn.execute("ROLLBACK TO nested")
            conn.execute("RELEASE nested")
            raise
        conn.execute("RELEASE nested")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
