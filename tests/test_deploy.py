"""deploy/: the systemd unit verifies, the env example is what the bot reads, the image and compose fit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.ops.logs import log_options

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "sanctions-bot.service"


def unit_options(text: str) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            options.setdefault(key.strip(), []).append(value.strip())
    return options


def test_unit_has_the_sandboxing_options() -> None:
    options = unit_options(UNIT.read_text(encoding="utf-8"))
    expected = {
        "DynamicUser": "yes",
        "StateDirectory": "sanctions-bot",
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }
    for key, value in expected.items():
        assert options.get(key) == [value], key
    db = options["Environment"][0].split("=", 1)[1]
    assert db.startswith("/var/lib/sanctions-bot/")  # inside the state directory


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    # verify also checks that ExecStart's program exists: point it at this installation's.
    script = Path(sys.executable).with_name("sanctions-bot")
    assert script.exists()
    text = UNIT.read_text(encoding="utf-8").replace(
        "/opt/sanctions-bot/bin/sanctions-bot", str(script)
    )
    unit = tmp_path / "sanctions-bot.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    # verify exits 0 even on unknown keys or bad values; it only warns: so no output at all.
    problems = [line for line in (result.stdout + result.stderr).splitlines() if unit.name in line]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    level = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
    if security.returncode == 0 and level:  # --offline needs systemd 252 or later
        assert float(level.group(1)) <= 2.0, security.stdout[-2000:]


def env_example() -> tuple[set[str], dict[str, str]]:
    """(every variable named, commented out or not; the values of those that are set)."""
    named: set[str] = set()
    active: dict[str, str] = {}
    for line in (DEPLOY / "sanctions-bot.env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#?)([A-Z_]+)=(.*)$", line.strip())
        if match:
            named.add(match.group(2))
            if not match.group(1):
                active[match.group(2)] = match.group(3)
    return named, active


def test_env_example_names_what_the_bot_reads_and_loads(tmp_path: Path) -> None:
    named, active = env_example()
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    for key in named:
        assert f'"{key}"' in code, f"{key} is in the env example but the bot never reads it"
    read = set(re.findall(r'"((?:SANCTIONS_BOT|TELEGRAM)_[A-Z_]+)"', code))
    assert read - named == set(), "the env example misses settings the bot reads"
    env = {**active, "SANCTIONS_BOT_DB": str(tmp_path / "bot.db")}
    settings = load_settings(env)  # every value set in the example is valid as written
    assert settings.retention.days == 180 and settings.alert_retention is None
    assert settings.token and not settings.allow_private_network
    assert log_options(env) == ("keyvalue", 30)


def test_dockerfile_uses_the_install_script_and_the_health_endpoint() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "deploy/install.sh /opt/sanctions-bot" in text
    assert "SANCTIONS_BOT_HEALTH_PORT=9464" in text and "127.0.0.1:9464/health" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "SANCTIONS_BOT_DB=/data/" in text and 'VOLUME ["/data"]' in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "*.db", ".git"} <= set(ignore)


def test_compose_runs_the_bot_with_a_named_volume_for_the_database() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    volume, mount = bot["volumes"][0].split(":")
    assert volume in compose["volumes"] and mount == "/data"
    assert bot["environment"]["SANCTIONS_BOT_DB"].startswith(mount + "/")
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"


def test_install_script_refuses_bad_use(tmp_path: Path) -> None:
    script = DEPLOY / "install.sh"
    usage = subprocess.run(["sh", str(script)], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
    existing = subprocess.run(["sh", str(script), str(tmp_path)], capture_output=True, text=True)
    assert existing.returncode == 2 and "exists" in existing.stderr


def test_constraints_pin_every_runtime_dependency() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {
        _norm(line.split("==")[0])
        for line in (DEPLOY / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    wanted = {_norm(re.split(r"[\[<>=!~ ]", dep, maxsplit=1)[0]) for dep in project["dependencies"]}
    assert wanted - pinned == set()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
