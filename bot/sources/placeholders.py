"""Placeholders in source URLs, expanded at fetch time.

The EP open data API only sorts adopted texts by date within one `year=`; a
catalog URL saying `year={year}` keeps working on 1 January. A URL without
placeholders is fetched as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.errors import UserInputError
from bot.models import Source

_VALUES: dict[str, Callable[[datetime], str]] = {
    "year": lambda now: f"{now.year:04d}",
    "month": lambda now: f"{now.month:02d}",
    "today": lambda now: now.date().isoformat(),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def check_placeholders(url: str) -> str:
    """The URL, or UserInputError naming a placeholder we do not know."""
    for name in _PLACEHOLDER.findall(url):
        if name not in _VALUES:
            known = ", ".join("{" + k + "}" for k in _VALUES)
            raise UserInputError(f"unknown placeholder {{{name}}} in the URL (known: {known})")
    return url


def expand_url(url: str, now: datetime) -> str:
    """The URL with {year}, {month} and {today} replaced by their values at `now` (UTC)."""
    if "{" not in url:
        return url
    return _PLACEHOLDER.sub(
        lambda m: _VALUES[m.group(1)](now) if m.group(1) in _VALUES else m.group(0), url
    )


def for_fetch(source: Source, now: datetime) -> Source:
    """The source with its URL expanded (the same object when there is nothing to expand)."""
    url = expand_url(source.url, now)
    return source if url == source.url else replace(source, url=url)
