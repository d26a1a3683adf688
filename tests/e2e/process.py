"""Starting `sanctions-bot run` as a user does: a subprocess configured by environment."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import ADMIN, ROOT
from tests.support.botapi import BotApiServer


def bot_command(*args: str) -> list[str]:
    """The installed console script when there is one, else `python -m bot` (the same main)."""
    script = shutil.which("sanctions-bot", path=str(Path(sys.executable).parent))
    return [script, *args] if script else [sys.executable, "-m", "bot", *args]


def catalog_yaml(feed_url: str, source_id: str = "loopback-wire") -> str:
    """A one-source catalog pointing at a loopback feed."""
    return (
        "sources:\n"
        f"  - id: {source_id}\n"
        "    name: Loopback Wire\n"
        f"    url: {feed_url}\n"
        "    kind: rss\n"
        "    tier: media\n"
        "    interval: 1m\n"
    )


def bot_env(telegram: BotApiServer, db: Path, catalog: Path) -> dict[str, str]:
    """The environment a user sets before `sanctions-bot run`."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "SANCTIONS_BOT_DB": str(db),
        "SANCTIONS_BOT_SOURCES": str(catalog),
        "SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK": "1",
        "SANCTIONS_BOT_ADMINS": str(ADMIN),
        # A checkout that is not pip-installed still finds the package.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }


@dataclass
class BotProcess:
    """A running bot subprocess and its log file."""

    proc: subprocess.Popen[bytes]
    log_path: Path
    returncode: int | None = None

    def log(self) -> str:
        """Everything the bot printed."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """Still running."""
        return self.proc.poll() is None


@contextmanager
def running_bot(args: Sequence[str], env: dict[str, str], workdir: Path) -> Iterator[BotProcess]:
    """Run the bot; on exit send SIGTERM (as a service manager does) and wait for it."""
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(bot_command(*args), cwd=workdir, env=env, stdout=log, stderr=log)
        bot = BotProcess(proc, log_path)
        try:
            yield bot
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                bot.returncode = proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
