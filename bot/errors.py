"""One exception tree for the whole bot; each boundary wraps foreign errors into it."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error this project raises on purpose."""


class UserInputError(BotError):
    """Bad input from a person or a file: reported in one clear line, exit code 2."""


class ConfigError(UserInputError):
    """A setting, flag or environment variable is invalid."""


class QuerySyntaxError(UserInputError):
    """A rule query does not parse; carries the position and what was expected."""

    def __init__(self, message: str, position: int, expected: str = "", query: str = "") -> None:
        self.message = message
        self.position = position
        self.expected = expected
        self.query = query
        detail = f"{message} at position {position}"
        if expected:
            detail += f": expected {expected}"
        super().__init__(detail)


class QueryCostError(QuerySyntaxError):
    """A query that parses but could cost too much per article (see matching/cost.py)."""


class PackError(UserInputError):
    """A rule pack file is malformed."""


class BadDatabaseError(UserInputError):
    """The database file is not ours to use: not SQLite, damaged, newer, or missing tables."""


class SourceError(BotError):
    """Fetching or parsing one source failed; the reason is human-readable."""

    def __init__(self, reason: str, *, transient: bool = True) -> None:
        self.reason = reason
        self.transient = transient
        super().__init__(reason)


class BlockedAddressError(SourceError):
    """The SSRF guard refused a host that resolves to a non-public address."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, transient=False)


class StoreError(BotError):
    """The database refused an operation."""


class DeliveryError(BotError):
    """A message could not be delivered."""
