"""Log lines: one per event, key=value or JSON, never the token; and `run` as a service logs them."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.logging import install_redaction
from bot.ops.logs import JsonFormatter, KeyValueFormatter, keyvalue, log_options
from tests.e2e.feeds import rss
from tests.e2e.process import bot_env, catalog_yaml, running_bot
from tests.support.botapi import BotApiServer
from tests.support.feedserver import FeedServer

TOKEN = "7654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, list[str], logging.Handler]]:
    """A logger whose formatted lines are collected (the formatter is set by the test)."""
    out: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            out.append(self.format(record))

    handler = Collect()
    logger = logging.getLogger("bot.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out, handler
    logger.removeHandler(handler)


def test_keyvalue_line_is_stable_and_one_line(
    lines: tuple[logging.Logger, list[str], logging.Handler],
) -> None:
    logger, out, handler = lines
    handler.setFormatter(KeyValueFormatter())
    logger.info("poll", extra={"source": "ep-press", "new": 3, "outcome": "ok"})
    logger.warning('a "quoted"\nmessage', extra={"error": "HTTP 500 from x=y"})
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    first, second, third = out
    assert first.split(" ", 1)[1] == (
        "level=info logger=bot.test-logs msg=poll new=3 outcome=ok source=ep-press"
    )
    assert first.startswith("ts=20") and first.split()[0].endswith("Z")
    assert 'msg="a \\"quoted\\"\\nmessage" error="HTTP 500 from x=y"' in second
    assert "\n" not in third and "exc=" in third and "ValueError: boom" in third


def test_json_lines_parse_and_carry_the_extras(
    lines: tuple[logging.Logger, list[str], logging.Handler],
) -> None:
    logger, out, handler = lines
    handler.setFormatter(JsonFormatter())
    logger.error("prune failed", extra={"event": "prune_failed", "seconds": 1.5})
    record = json.loads(out[0])
    assert record["level"] == "error" and record["msg"] == "prune failed"
    assert record["event"] == "prune_failed" and record["seconds"] == 1.5
    assert list(record)[:4] == ["ts", "level", "logger", "msg"]


@pytest.mark.parametrize("formatter", [KeyValueFormatter(), JsonFormatter()])
def test_no_format_prints_the_token(
    lines: tuple[logging.Logger, list[str], logging.Handler], formatter: logging.Formatter
) -> None:
    logger, out, handler = lines
    handler.setFormatter(formatter)
    undo = install_redaction(TOKEN)
    try:
        logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        undo()
    assert out and all(TOKEN not in line and TOKEN.split(":")[1] not in line for line in out)


def test_options_are_validated() -> None:
    assert log_options({}) == ("keyvalue", logging.WARNING)
    assert log_options({}, service=True) == ("keyvalue", logging.INFO)
    assert log_options(
        {"SANCTIONS_BOT_LOG_FORMAT": "json", "SANCTIONS_BOT_LOG_LEVEL": "debug"}
    ) == (
        "json",
        logging.DEBUG,
    )
    with pytest.raises(ConfigError, match="keyvalue or json"):
        log_options({"SANCTIONS_BOT_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        log_options({"SANCTIONS_BOT_LOG_LEVEL": "loud"})
    assert keyvalue({"a": "", "b": None, "c": [1, 2]}) == 'a="" b=null c="[1, 2]"'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_logs_json_lines_and_serves_health_in_polling_mode(tmp_path: Path) -> None:
    telegram = BotApiServer().start()
    feed = FeedServer().start()
    try:
        feed.route("/wire.xml", rss([("w1", "Weather in Brussels", "Sunny.")], datetime.now(UTC)))
        catalog = tmp_path / "sources.yaml"
        catalog.write_text(catalog_yaml(feed.url("/wire.xml")), encoding="utf-8")
        port = _free_port()
        env = bot_env(telegram, tmp_path / "bot.db", catalog)
        env.update(SANCTIONS_BOT_LOG_FORMAT="json", SANCTIONS_BOT_HEALTH_PORT=str(port))
        with running_bot(["run"], env, tmp_path) as bot:
            await telegram.wait_until(
                lambda: len(feed.requests("/wire.xml")) >= 1 or not bot.alive(), 60
            )
            assert bot.alive(), bot.log()

            def healthy() -> bool:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                except httpx.HTTPError:
                    return False
                return (
                    answer.status_code == 200
                    and answer.json()["checks"]["polling"]["ever_succeeded"]
                )

            await telegram.wait_until(healthy, 30)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            assert 'sanctions_bot_items_ingested_total{source="loopback-wire"} 1.0' in metrics
        assert bot.returncode == 0, bot.log()
        log = bot.log()
    finally:
        feed.stop()
        telegram.stop()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert records, "run logged nothing"
    polls = [r for r in records if r.get("event") == "poll"]
    assert polls and polls[0]["source"] == "loopback-wire" and polls[0]["outcome"] == "ok"
    assert telegram.token not in log and telegram.token.split(":")[1] not in log
    assert not [r for r in records if r["level"] in ("error", "critical")], log
