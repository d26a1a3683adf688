"""bench/retention.py at a tiny size: the paced prune and its baseline agree (never timing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench import retention


def test_paced_prune_and_one_big_delete_remove_the_same_rows(tmp_path: Path) -> None:
    result = retention.run(3_000, tmp_path, idle_seconds=0.2)
    paced, naive = result["paced"], result["naive"]
    assert result["counts"]["articles"] == 3_000
    removed = paced["result"]["articles"]
    assert 0.3 * 3_000 < removed < 0.7 * 3_000  # about half is older than 180 of 365 days
    assert removed == naive["result"]["articles"]
    assert paced["result"]["stories"] == naive["result"]["stories"]
    assert paced["articles_left"] == naive["articles_left"]
    for name in ("paced", "naive"):
        assert result[name]["writer"]["calls"] > 0 and result[name]["reader"]["calls"] > 0
        conn = sqlite3.connect(tmp_path / f"{name}.db")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        conn.close()
    assert result["paced"]["bytes_after"] < result["paced"]["bytes_before"]
