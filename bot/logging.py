"""Keep the bot token out of every log line, including tracebacks.

httpx logs every request URL at INFO, and Bot API URLs carry the token
(``https://api.telegram.org/bot<TOKEN>/sendMessage``); exceptions repeat it.
`install_redaction` wraps the log-record factory, so every record created from
then on, by any logger and for any handler added later, is scrubbed before it
is formatted: message, arguments, exception text and stack. Uncaught exceptions, in
any thread, are printed through the same redaction (sys.excepthook, threading.excepthook).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote

REDACTED = "<redacted>"
# Any Bot API token shape, even one we were not told about: "<digits>:<35ish url-safe chars>".
_TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}")


class Redactor:
    """Replaces a token (and anything shaped like one) in text."""

    def __init__(self, secrets: list[str]) -> None:
        variants = {v for s in secrets if s for v in (s, quote(s, safe=""), quote(s))}
        self._secrets = sorted(variants, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs a record in place; never drops it."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record's message, exception text and stack information."""
        scrub(record, self.redact)
        return True


def scrub(record: logging.LogRecord, redact: Redactor) -> None:
    """Render the record's message and exception now, redacted, so formatters reuse them."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what we have, redacted
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction(token: str | None, *extra: str) -> Callable[[], None]:
    """Scrub `token` (and token-shaped strings) from every log record; returns an undo function."""
    redact = Redactor([s for s in (token, *extra) if s])
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub(record, redact)
        return record

    logging.setLogRecordFactory(factory)
    # Records that bypass the factory (made by hand and passed to handle()) meet the filter.
    log_filter = RedactingFilter(redact)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(log_filter)

    undo_hooks = _redact_uncaught(redact)

    def undo() -> None:
        logging.setLogRecordFactory(previous)
        for handler in root.handlers:
            handler.removeFilter(log_filter)
        undo_hooks()

    return undo


def _redact_uncaught(redact: Redactor) -> Callable[[], None]:
    """Uncaught exceptions (main thread and others) are printed redacted, not by Python."""
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        sys.stderr.write(redact(f"Exception in thread {name}:\n{text}"))

    sys.excepthook, threading.excepthook = hook, thread_hook

    def undo() -> None:
        sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook

    return undo
