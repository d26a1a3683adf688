"""Settings from environment variables and flags, validated once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from bot.errors import ConfigError

DEFAULT_API_URL = "https://api.telegram.org/bot"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# Items published longer ago than this are stored (for /search and /test) but never
# alerted: a newly added source must not flood chats with its archive.
DEFAULT_MAX_ITEM_AGE = timedelta(days=3)
_ITEM_AGE = re.compile(r"^\s*(\d+)\s*([mhd]?)\s*$")
_ITEM_AGE_UNIT = {"m": "minutes", "h": "hours", "d": "days", "": "days"}
DEFAULT_RETENTION = timedelta(days=180)
# /watch and /test look back 7 days, and stories group reports of the last 72 hours.
MIN_RETENTION = timedelta(days=7)
_AGE = re.compile(r"^\s*(\d{1,6})\s*(h|d|w|y)\s*$")
_AGE_UNIT = {
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}
_NEVER = {"never", "forever", "off"}


def data_dir(name: str) -> Path:
    """Directory of bundled data ('rules' or 'seeds'), installed or in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "_data" / name
    if installed.is_dir():
        return installed
    return package.parent / name


def default_db_path() -> Path:
    """Where the database lives when neither flag nor environment says."""
    return Path.cwd() / "sanctions-bot.db"


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know about its environment."""

    db_path: Path = field(default_factory=default_db_path)
    sources_path: Path = field(default_factory=lambda: data_dir("seeds") / "sources.yaml")
    rules_dir: Path = field(default_factory=lambda: data_dir("rules"))
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    allow_private_network: bool = False
    admin_ids: frozenset[int] = frozenset()
    max_item_age: timedelta | None = DEFAULT_MAX_ITEM_AGE  # None: alert on items of any age
    retention: timedelta = DEFAULT_RETENTION  # never-alerted articles (SANCTIONS_BOT_RETENTION)
    alert_retention: timedelta | None = None  # alerted stories; None: kept for good
    health_port: int | None = None  # SANCTIONS_BOT_HEALTH_PORT; 0 = off, None = default

    def require_token(self) -> str:
        """The bot token, or a clear error when it is missing."""
        if not self.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        return self.token


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {raw!r}")


def _admins(env: Mapping[str, str]) -> frozenset[int]:
    raw = env.get("SANCTIONS_BOT_ADMINS", "")
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"SANCTIONS_BOT_ADMINS must list numeric user ids, not {part!r}"
            ) from None
    return frozenset(ids)


def parse_max_age(raw: str) -> timedelta | None:
    """SANCTIONS_BOT_MAX_ITEM_AGE: days ('3'), or '36h', '90m', '2d'; 'off' keeps no limit."""
    text = raw.strip().lower()
    if text in ("off", "none"):
        return None
    found = _ITEM_AGE.match(text)
    if not found:
        raise ConfigError(
            f"SANCTIONS_BOT_MAX_ITEM_AGE must be days or a duration such as 36h, not {raw!r}"
        )
    amount = int(found.group(1))
    return timedelta(**{_ITEM_AGE_UNIT[found.group(2)]: amount}) if amount else None


def _api_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_URL must be an http(s) URL, not {raw!r}")
    return raw


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db: str | None = None,
    sources: str | None = None,
    rules: str | None = None,
) -> Settings:
    """Build Settings from the environment, with flags taking precedence."""
    env = os.environ if env is None else env
    base = Settings()
    db_raw = db or env.get("SANCTIONS_BOT_DB")
    sources_raw = sources or env.get("SANCTIONS_BOT_SOURCES")
    rules_raw = rules or env.get("SANCTIONS_BOT_RULES")
    settings = replace(
        base,
        db_path=Path(db_raw) if db_raw else base.db_path,
        sources_path=Path(sources_raw) if sources_raw else base.sources_path,
        rules_dir=Path(rules_raw) if rules_raw else base.rules_dir,
        token=env.get("TELEGRAM_BOT_TOKEN") or None,
        api_url=_api_url(env.get("TELEGRAM_API_URL") or DEFAULT_API_URL),
        allow_private_network=_flag(env, "SANCTIONS_BOT_ALLOW_PRIVATE_NETWORK"),
        admin_ids=_admins(env),
        max_item_age=(
            parse_max_age(env["SANCTIONS_BOT_MAX_ITEM_AGE"])
            if env.get("SANCTIONS_BOT_MAX_ITEM_AGE", "").strip()
            else base.max_item_age
        ),
    )
    settings = _with_retention(settings, env)
    raw_port = env.get("SANCTIONS_BOT_HEALTH_PORT", "").strip()
    if raw_port:
        settings = replace(settings, health_port=parse_port(raw_port, "SANCTIONS_BOT_HEALTH_PORT"))
    _validate_paths(settings)
    return settings


def parse_port(text: str, what: str) -> int:
    """A TCP port 1-65535, or 'off' (0)."""
    if text.strip().lower() in _NEVER | {"0"}:
        return 0
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise ConfigError(f"{what} must be a port number (1-65535) or 'off', not {text!r}")
    return int(text)


def parse_age(text: str, what: str = "an age") -> timedelta:
    """A retention age such as '180d', '26w', '1y' or '36h'; ConfigError otherwise."""
    match = _AGE.match(text.lower())
    if match is None:
        raise ConfigError(f"{what} must look like 180d, 26w or 1y, not {text!r}")
    return int(match.group(1)) * _AGE_UNIT[match.group(2)]


def _with_retention(settings: Settings, env: Mapping[str, str]) -> Settings:
    raw = env.get("SANCTIONS_BOT_RETENTION", "").strip()
    retention = parse_age(raw, "SANCTIONS_BOT_RETENTION") if raw else DEFAULT_RETENTION
    check_retention(retention, "SANCTIONS_BOT_RETENTION")
    raw = env.get("SANCTIONS_BOT_ALERT_RETENTION", "").strip()
    alerted = None
    if raw and raw.lower() not in _NEVER:
        alerted = parse_age(raw, "SANCTIONS_BOT_ALERT_RETENTION")
        if alerted < retention:
            raise ConfigError(
                "SANCTIONS_BOT_ALERT_RETENTION must be at least SANCTIONS_BOT_RETENTION: "
                "alerted articles are kept longer, not shorter"
            )
    return replace(settings, retention=retention, alert_retention=alerted)


def check_retention(age: timedelta, what: str) -> None:
    """Refuse a retention shorter than the 7 days that /watch and /test look back."""
    if age < MIN_RETENTION:
        raise ConfigError(f"{what} must be at least 7d (/watch and /test look back 7 days)")


def _validate_paths(settings: Settings) -> None:
    # The sources file is checked by the catalog loader: only run and poll need it.
    if not settings.rules_dir.exists():
        raise ConfigError(f"rules directory not found: {settings.rules_dir}")
    parent = settings.db_path.expanduser().resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"database directory does not exist: {parent}")
