"""Smoke test of bench/abuse.py's cost part at a tiny size: the same counts both ways (never timing)."""

from __future__ import annotations

from bench.abuse import QUERIES, costs


def test_dry_run_counts_what_todays_path_counts() -> None:
    data = costs((300,), watches=5)
    assert [r["query"] for r in data["rows"]] == list(QUERIES)
    for row in data["rows"]:
        assert row["old_measured_articles"] == 300  # today's path saw every article
        assert row["complete"] and row["checked"] == row["candidates"] <= 300
        assert row["matched"] == row["old_matched_in_measured"], row
    assert any(r["matched"] for r in data["rows"])  # not a vacuous agreement
