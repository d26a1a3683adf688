"""The package as deploy/install.sh installs it (the container's steps), run against loopback servers.

Not part of the normal suite (the name does not match test_*.py): .ci/run installs
the project with deploy/install.sh into a new virtual environment and then runs

    SANCTIONS_BOT_INSTALLED=<venv>/bin/sanctions-bot .venv/bin/pytest -q tests/installed_check.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = os.environ.get("SANCTIONS_BOT_INSTALLED", "")


@pytest.fixture(scope="module")
def command() -> Path:
    path = Path(INSTALLED)
    assert INSTALLED and path.is_file(), "set SANCTIONS_BOT_INSTALLED to the installed script"
    return path


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    telegram, feed = BotApiServer().start(), FeedServer().start()
    feed.route("/wire.xml", (ROOT / "seeds" / "feeds" / "newswire.xml").read_bytes())
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(
        f"sources:\n  - id: wire\n    name: Wire\n    url: {feed.url('/wire.xml')}\n    kind: rss\n",
        encoding="utf-8",
    )
    # Only what an operator sets: nothing from the checkout (no PYTHONPATH), a clean cwd.
    yield {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "SANCTIONS_BOT_DB": str(tmp_path / "bot.db"),
        "SANCTIONS_BOT_SOURCES": str(catalog),
        "SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK": "1",
    }
    feed.stop()
    telegram.stop()


def run(command: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(command), *args],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_installed_package_runs_demo_doctor_backup_and_prune(
    command: Path, env: dict[str, str]
) -> None:
    demo = run(command, env, "demo")
    assert demo.returncode == 0 and "satellite state" in demo.stdout, demo.stderr

    assert run(command, env, "poll", "--once").returncode == 0  # creates the database
    doctor = run(command, env, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert doctor.stdout.splitlines()[-1].startswith("doctor: 9 checks, 0 failed")
    assert env["TELEGRAM_BOT_TOKEN"] not in doctor.stdout

    copy = Path(env["HOME"]) / "backup.db"
    backup = run(command, env, "backup", str(copy))
    assert backup.returncode == 0, backup.stderr
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    prune = run(command, env, "prune", "--dry-run")
    assert prune.returncode == 0 and "nothing was changed" in prune.stdout, prune.stderr
