"""`sanctions-bot doctor` against a loopback Bot API server and loopback sources."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Store
from bot.store.schema import MIGRATIONS
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer, feed_server  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]
NEWSWIRE = (ROOT / "seeds" / "feeds" / "newswire.xml").read_bytes()


@pytest.fixture
def telegram() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


def catalog(path: Path, server: FeedServer) -> Path:
    server.route("/good.xml", NEWSWIRE)
    server.route("/broken.xml", b"gone", status=500, content_type="text/plain")
    path.write_text(
        "sources:\n"
        "  - id: good-wire\n"
        "    name: Good Wire\n"
        f"    url: {server.url('/good.xml')}\n"
        "    kind: rss\n"
        "  - id: broken-wire\n"
        "    name: Broken Wire\n"
        f"    url: {server.url('/broken.xml')}\n"
        "    kind: rss\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram: BotApiServer,
    feed_server: FeedServer,  # noqa: F811
) -> Path:
    db = tmp_path / "bot.db"
    Store.open(db).close()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.base_url)
    monkeypatch.setenv("SANCTIONS_BOT_DB", str(db))
    monkeypatch.setenv(
        "SANCTIONS_BOT_SOURCES", str(catalog(tmp_path / "sources.yaml", feed_server))
    )
    monkeypatch.setenv("SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK", "1")
    return db


def verdicts(out: str) -> dict[str, tuple[str, str]]:
    """check name -> (verdict, detail); fails on a check reported twice."""
    found: dict[str, tuple[str, str]] = {}
    for line in out.splitlines()[:-1]:
        verdict, rest = line.split(None, 1)
        name, detail = rest[:28].strip(), rest[28:].strip()
        assert name not in found, f"{name} reported twice"
        found[name] = (verdict, detail)
    return found


def test_one_verdict_per_check_and_failure_exit(
    env: Path, telegram: BotApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["doctor", "--timeout", "5"])
    out = capsys.readouterr().out
    checks = verdicts(out)
    assert list(checks) == [
        "config",
        "rules",
        "sources file",
        "token",
        "database integrity",
        "database schema",
        "database size",
        "disk space",
        "source good-wire",
        "source broken-wire",
    ]
    assert code == 1
    assert checks["source broken-wire"][0] == "FAIL" and "500" in checks["source broken-wire"][1]
    assert checks["source good-wire"][0] == "ok" and "items" in checks["source good-wire"][1]
    assert checks["token"][0] == "ok" and "@" in checks["token"][1]
    ok = {"config", "rules", "sources file", "database integrity", "database schema"}
    assert all(checks[name][0] == "ok" for name in ok)
    assert out.splitlines()[-1] == "doctor: 10 checks, 1 failed, 0 warnings"
    assert telegram.token not in out
    assert telegram.requests["getMe"] == 1


def test_rejected_token_fails_without_printing_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", wrong)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    verdict, detail = verdicts(out)["token"]
    assert verdict == "FAIL" and "401" in detail
    assert wrong not in out and wrong.split(":")[1] not in out


def test_missing_token_and_unreachable_api(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert main(["doctor"]) == 1
    assert "not set" in verdicts(capsys.readouterr().out)["token"][1]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:secret-token-value-long-enough-xx")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")  # nothing listens there
    assert main(["doctor", "--timeout", "2"]) == 1
    out = capsys.readouterr().out
    assert "cannot reach" in verdicts(out)["token"][1]
    assert "secret-token-value" not in out


def test_the_ssrf_guard_still_applies(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK", "0")
    assert main(["doctor"]) == 1
    checks = verdicts(capsys.readouterr().out)
    for name in ("source good-wire", "source broken-wire"):
        verdict, detail = checks[name]
        assert verdict == "FAIL" and "127.0.0.1" in detail, detail


def test_database_from_a_newer_version_fails(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(env)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    assert main(["doctor"]) == 1
    verdict, detail = verdicts(capsys.readouterr().out)["database schema"]
    assert verdict == "FAIL" and "newer" in detail


def test_not_a_database_and_missing_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env.unlink()
    assert main(["doctor"]) == 1  # the broken source still fails
    checks = verdicts(capsys.readouterr().out)
    assert checks["database"][0] == "warn" and "creates it" in checks["database"][1]
    assert not env.exists()  # the doctor created nothing
    env.write_bytes(b"this is a text file, not SQLite\n" * 10)
    assert main(["doctor"]) == 1
    verdict, detail = verdicts(capsys.readouterr().out)["database"]
    assert verdict == "FAIL" and "not an SQLite database" in detail


def test_bad_setting_is_the_config_verdict(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANCTIONS_BOT_RETENTION", "3d")
    assert main(["doctor"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL  config") and "at least 7d" in lines[0]
    assert lines[-1] == "doctor: 1 checks, 1 failed, 0 warnings"
