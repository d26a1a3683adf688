"""Settings: environment and flags, validated once with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, data_dir, load_settings
from bot.errors import ConfigError
from bot.telegram.app import file_url_for


def test_defaults_point_at_bundled_data(tmp_path: Path) -> None:
    settings = load_settings({}, db=str(tmp_path / "x.db"))
    assert settings.rules_dir == data_dir("rules")
    assert settings.sources_path == data_dir("seeds") / "sources.yaml"
    assert settings.api_url == DEFAULT_API_URL
    assert settings.token is None
    assert settings.allow_private_network is False


def test_environment_is_read(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_API_URL": "http://127.0.0.1:9999/bot",
        "SANCTIONS_BOT_DB": str(tmp_path / "env.db"),
        "SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK": "1",
        "SANCTIONS_BOT_ADMINS": "42, 7",
    }
    settings = load_settings(env)
    assert settings.token == "123:abc"
    assert settings.db_path == tmp_path / "env.db"
    assert settings.allow_private_network is True
    assert settings.admin_ids == frozenset({42, 7})
    assert file_url_for(settings.api_url) == "http://127.0.0.1:9999/file/bot"


def test_flags_beat_environment(tmp_path: Path) -> None:
    env = {"SANCTIONS_BOT_DB": str(tmp_path / "env.db")}
    settings = load_settings(env, db=str(tmp_path / "flag.db"))
    assert settings.db_path == tmp_path / "flag.db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK": "maybe"}, "must be 1 or 0"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "http(s) URL"),
        ({"SANCTIONS_BOT_ADMINS": "alice"}, "numeric user ids"),
        ({"SANCTIONS_BOT_RULES": "/nonexistent/rules"}, "rules directory not found"),
        ({"SANCTIONS_BOT_DB": "/nonexistent/dir/x.db"}, "database directory does not exist"),
    ],
)
def test_bad_settings_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(env)


def test_missing_token_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({}, db=str(tmp_path / "x.db"))
    with pytest.raises(ConfigError, match="BotFather"):
        settings.require_token()
