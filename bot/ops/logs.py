"""Log lines a machine can read: one line per event, key=value by default or JSON.

    ts=2026-12-01T18:00:00.120Z level=info logger=bot.ops.health msg=poll outcome=ok source=ep-press

Fields: ts (UTC), level, logger, msg, then the record's `extra` fields in name
order, then exc (a traceback folded onto the line). Set with
SANCTIONS_BOT_LOG_FORMAT=json|keyvalue and SANCTIONS_BOT_LOG_LEVEL. The token
redaction of bot/logging.py runs before formatting (it rewrites each record when
it is made), so neither format can print the token.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.errors import ConfigError

FORMATS = ("keyvalue", "json")
LEVELS = ("debug", "info", "warning", "error")
_STANDARD = set(vars(logging.LogRecord("x", 0, "", 0, "", (), None))) | {"message", "asctime"}
_BARE = re.compile(r"^[A-Za-z0-9_.:/@+%,-]+$")
# Libraries that log every request or job run at INFO: one line per event means ours.
_CHATTY = ("httpx", "httpcore", "apscheduler", "telegram.ext.ExtBot", "hpack")


def fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    """The record as ordered fields: ts, level, logger, msg, extras by name, exc."""
    out: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(record.msecs):03d}Z",
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key in sorted(set(vars(record)) - _STANDARD):
        if not key.startswith("_"):
            out[key] = vars(record)[key]
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    if record.exc_text:
        out["exc"] = record.exc_text
    if record.stack_info:
        out["stack"] = record.stack_info
    return out


def keyvalue(values: Mapping[str, Any]) -> str:
    """key=value pairs on one line; values quoted when they need it, newlines escaped."""
    return " ".join(f"{key}={_value(value)}" for key, value in values.items())


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and _BARE.match(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


class KeyValueFormatter(logging.Formatter):
    """One key=value line per record."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as key=value pairs."""
        return keyvalue(fields(record, self))


class JsonFormatter(logging.Formatter):
    """One JSON object per line per record."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object."""
        return json.dumps(fields(record, self), default=str, ensure_ascii=False)


def log_options(
    env: Mapping[str, str] | None = None, *, verbose: bool = False, service: bool = False
) -> tuple[str, int]:
    """(format, level) from the environment; ConfigError on a value we do not know."""
    env = os.environ if env is None else env
    fmt = (env.get("SANCTIONS_BOT_LOG_FORMAT") or "keyvalue").strip().lower()
    fmt = "keyvalue" if fmt in ("kv", "key=value", "text") else fmt
    if fmt not in FORMATS:
        raise ConfigError(f"SANCTIONS_BOT_LOG_FORMAT must be keyvalue or json, not {fmt!r}")
    default = "info" if verbose or service else "warning"
    level = (env.get("SANCTIONS_BOT_LOG_LEVEL") or default).strip().lower()
    if level not in LEVELS:
        raise ConfigError(f"SANCTIONS_BOT_LOG_LEVEL must be one of {', '.join(LEVELS)}")
    return fmt, getattr(logging, level.upper())


def configure_logging(fmt: str, level: int) -> logging.Handler | None:
    """Send every log record to stderr as one line in `fmt`; returns the handler.

    Like logging.basicConfig, it leaves alone a process whose logging someone else
    has set up already (a test runner, a program embedding the bot).
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "sanctions_bot", False)]
    if root.handlers and not ours:
        return None
    for old in ours:
        root.removeHandler(old)
    handler = logging.StreamHandler()
    handler.sanctions_bot = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
