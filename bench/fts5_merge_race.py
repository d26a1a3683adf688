"""Evidence for bot/store/retention.py: FTS5 'merge' with a negative argument and a second writer.

    python -m bench.fts5_merge_race [--trials N]

One connection runs the incremental FTS5 merge in steps while another inserts
rows (through the content table's trigger) between the steps, as the bot does
while retention runs. On SQLite 3.40.1 the negative form ('merge everything')
leaves the index corrupt ("database disk image is malformed") in some trials (it
is a race); the positive form
(merge only levels with enough segments, which is what automerge does on every
write anyway) stays intact. Retention therefore uses only the positive form.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT);
CREATE VIRTUAL TABLE f USING fts5(t, content='a', content_rowid='id');
CREATE TRIGGER ai AFTER INSERT ON a BEGIN INSERT INTO f(rowid, t) VALUES (new.id, new.t); END;
CREATE TRIGGER ad AFTER DELETE ON a BEGIN
    INSERT INTO f(f, rowid, t) VALUES ('delete', old.id, old.t);
END;
"""


def trial(path: Path, pages: int, rows: int = 20_000) -> str:
    """'ok' or the error the merge, the writer or the final integrity-check met."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.executescript(SCHEMA)
    words = [f"w{i}" for i in range(3000)]
    rng = random.Random(1)
    conn.execute("BEGIN")
    for _ in range(rows):
        conn.execute("INSERT INTO a (t) VALUES (?)", (" ".join(rng.choices(words, k=150)),))
    conn.execute("COMMIT")
    conn.execute("DELETE FROM a WHERE id <= ?", (rows // 2,))  # what a retention run leaves
    stop, errors = threading.Event(), []

    def writer() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("PRAGMA busy_timeout = 5000")
        r = random.Random(2)
        while not stop.is_set():
            try:
                other.execute("INSERT INTO a (t) VALUES (?)", (" ".join(r.choices(words, k=150)),))
            except sqlite3.Error as exc:
                errors.append(f"writer: {exc}")
                return
            time.sleep(0.01)
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(3000):
            before = conn.total_changes
            conn.execute("INSERT INTO f (f, rank) VALUES ('merge', ?)", (pages,))
            if conn.total_changes - before < 2:
                break
            time.sleep(0.01)
    except sqlite3.Error as exc:
        errors.append(f"merge: {exc}")
    stop.set()
    thread.join()
    try:
        conn.execute("INSERT INTO f (f) VALUES ('integrity-check')")
    except sqlite3.Error as exc:
        errors.append(f"integrity-check: {exc}")
    conn.close()
    return "; ".join(errors) or "ok"


def main(argv: list[str] | None = None) -> int:
    """Run both forms a few times each (it is a race) and print what each left."""
    import argparse

    parser = argparse.ArgumentParser(description="FTS5 merge next to a second writer")
    parser.add_argument("--trials", type=int, default=4)
    args = parser.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory() as tmp:
        for pages in (-64, 64):
            outcomes = [trial(Path(tmp) / f"m{pages}-{i}.db", pages) for i in range(args.trials)]
            bad = [o for o in outcomes if o != "ok"]
            print(f"merge {pages:>4}: corrupt in {len(bad)} of {len(outcomes)} trials")
            for outcome in sorted(set(bad)):
                print(f"    {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
