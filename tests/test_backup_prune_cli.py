"""`backup` and `prune` as a user runs them: real files, exit codes, one-line errors."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.models import FeedEntry
from bot.store import Store


def run(argv: list[str]) -> int:
    """main() as the console script runs it: argparse's usage errors exit 2 too."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with articles fetched 200 days ago and today, one of the old ones alerted."""
    path = tmp_path / "bot.db"
    now = datetime.now(UTC)
    for days, guid, title in [(200, "old1", "Harbour tender"), (200, "old2", "Council listing")]:
        store = Store.open(path, lambda d=days: now - timedelta(days=d))
        article = store.add_article(
            FeedEntry("wire", guid, f"https://x.example/{guid}", title, f"{title} text.", None)
        )
        assert article is not None
        if guid == "old2":
            from bot.models import Match, Recipient

            match = Match("pack:eu", "EU", "1", (), (), title, (), "why")
            store.record_match(article, match, [Recipient(5, 0)])
        store.close()
    store = Store.open(path)
    store.add_article(FeedEntry("wire", "new", "https://x.example/new", "Fresh", "Fresh.", None))
    store.close()
    return path


def test_backup_writes_a_verified_private_copy(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.db"
    assert main(["backup", "--db", str(db), str(target)]) == 0
    out = capsys.readouterr().out
    assert "integrity check: ok" in out and "3 articles, 1 alerts" in out
    assert dump(target) == dump(db)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not Path(f"{target}-wal").exists()  # one self-contained file
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_backup_never_overwrites(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "precious.db"
    target.write_bytes(b"keep me")
    assert main(["backup", "--db", str(db), str(target)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == b"keep me"


def test_backup_of_a_missing_database_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "--db", str(tmp_path / "nope.db"), str(tmp_path / "c.db")]) == 2
    assert "no database" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == []


def test_prune_dry_run_changes_nothing_then_prune_removes(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump(db)
    assert main(["prune", "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would remove 1 article fetched" in out and "dry run: nothing was changed" in out
    assert "kept 1 old article of alerted stories" in out
    assert dump(db) == before
    assert main(["prune", "--db", str(db)]) == 0
    assert "removed 1 article fetched" in capsys.readouterr().out
    store = Store.open(db)
    try:
        assert sorted(a.guid for a in store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))) == [
            "new",
            "old2",
        ]
    finally:
        store.close()


def test_prune_older_than_overrides_and_is_validated(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prune", "--db", str(db), "--older-than", "1y", "--dry-run"]) == 0
    assert "would remove 0 articles" in capsys.readouterr().out
    for bad in ("3d", "soon", "-5d"):
        assert run(["prune", "--db", str(db), "--older-than", bad]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "--older-than" in err


def test_retention_settings_are_validated(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANCTIONS_BOT_RETENTION", "90d")
    monkeypatch.setenv("SANCTIONS_BOT_ALERT_RETENTION", "30d")
    assert main(["prune", "--db", str(db), "--dry-run"]) == 2
    assert "at least SANCTIONS_BOT_RETENTION" in capsys.readouterr().err
    monkeypatch.setenv("SANCTIONS_BOT_ALERT_RETENTION", "never")
    assert main(["prune", "--db", str(db), "--dry-run"]) == 0
