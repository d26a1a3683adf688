"""The bot token never reaches a log line: messages, httpx request logs, tracebacks."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.logging import REDACTED, Redactor, install_redaction

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A real handler with a real formatter on the root logger, installed before redaction."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    undo = install_redaction(TOKEN)
    yield stream
    undo()
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_httpx_request_log_and_error_traceback_lose_the_token(
    server_url: str, captured: io.StringIO
) -> None:
    url = f"{server_url}/bot{TOKEN}/getMe"
    with httpx.Client() as client:  # httpx logs "HTTP Request: GET <url>" at INFO
        response = client.get(url)
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError:
            logging.getLogger("bot.test").exception("request to %s failed", url)
    out = captured.getvalue()
    assert "HTTP Request: GET" in out  # httpx's own line was captured
    assert "HTTPStatusError" in out and "Traceback" in out  # and the traceback
    assert TOKEN not in out
    assert TOKEN.split(":")[1] not in out
    assert f"/bot{REDACTED}/getMe" in out


def test_handlers_added_later_and_child_loggers_are_covered(captured: io.StringIO) -> None:
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    logging.getLogger("telegram.ext").addHandler(handler)
    try:
        logging.getLogger("telegram.ext.Updater").error("token %s leaked", TOKEN)
    finally:
        logging.getLogger("telegram.ext").removeHandler(handler)
    assert late.getvalue() == f"token {REDACTED} leaked\n"
    assert TOKEN not in captured.getvalue()


def test_url_encoded_and_unknown_tokens_are_redacted() -> None:
    redact = Redactor([TOKEN])
    assert TOKEN.replace(":", "%3A") not in redact(f"x={TOKEN.replace(':', '%3A')}")
    other = "5550001112:ZZZqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # not configured, token-shaped
    assert redact(f"https://api.telegram.org/bot{other}/x") == (
        f"https://api.telegram.org/bot{REDACTED}/x"
    )
    assert redact("alert 12345 at 10:30 is fine") == "alert 12345 at 10:30 is fine"


def test_bad_format_arguments_do_not_break_logging(captured: io.StringIO) -> None:
    logging.getLogger("bot.test").warning("%d items for %s", "not a number", TOKEN)
    out = captured.getvalue()
    assert "items" in out and TOKEN not in out
