"""The source catalog: a YAML file listing every feed the poller reads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError, UserInputError
from bot.lists.kinds import LIST_KINDS
from bot.models import Source, SourceKind, Tier
from bot.sources.netguard import validate_source_url
from bot.sources.placeholders import check_placeholders

KINDS: tuple[SourceKind, ...] = ("rss", "atom", "json", "html", *LIST_KINDS)
TIERS: tuple[Tier, ...] = ("official", "media")
# Where full text comes from (bot/sources/fulltext.py): the item page or the EC documents API.
FULL_TEXT_FROM = ("page", "presscorner")
# html: CSS selector lists; `base` (a URL, also for rss/atom/json) is what relative
# links resolve against, so alerts link to the publisher whatever address served the body.
# `date_order: mdy` reads ambiguous numeric dates (09/02/2026) the US way.
SELECTOR_KEYS = frozenset({"item", "title", "link", "date", "summary", "base", "date_order"})
_NOT_CSS = frozenset({"base", "date_order"})
# JSON sources name where their items and fields are (see parse.parse_json_api).
JSON_KEYS = frozenset({"items", "title", "link", "date", "summary", "guid", "base", "date_order"})
_KNOWN = frozenset(
    {"id", "name", "url", "kind", "tier", "interval", "full_text", "selectors"}
    | {"notes", "blocks_bots", "enabled", "needs_browser", "full_text_from"}
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL = 60  # seconds: polling an official site more often is rude
MAX_INTERVAL = 7 * 86400


def load_catalog(path: Path) -> list[Source]:
    """Read and validate the catalog file; ConfigError names the file, entry and problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read source catalog: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_first_line(exc)}") from exc
    if not isinstance(raw, Mapping) or not isinstance(raw.get("sources"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'sources:' list")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, item in enumerate(raw["sources"], start=1):
        label = f"{path}: source #{index}"
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            label += f" ({item['id']})"
        try:
            source = parse_source(item)
        except UserInputError as exc:
            raise ConfigError(f"{label}: {exc}") from None
        if source.id in seen:
            raise ConfigError(f"{label}: duplicate id {source.id!r}")
        seen.add(source.id)
        sources.append(source)
    return sources


def parse_source(item: object) -> Source:
    """One catalog entry (a mapping) into a Source; UserInputError says what is wrong."""
    if not isinstance(item, Mapping):
        raise UserInputError("each source must be a mapping of fields")
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise UserInputError(f"unknown field {unknown[0]!r}")
    source_id = _text(item, "id", required=True)
    if not _ID.match(source_id):
        raise UserInputError(
            f"id {source_id!r} must be lowercase letters, digits, '-' or '_' (at most 40)"
        )
    kind = _text(item, "kind") or "rss"
    if kind not in KINDS:
        raise UserInputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    tier = _text(item, "tier") or "media"
    if tier not in TIERS:
        raise UserInputError(f"unknown tier {tier!r}; expected official or media")
    selectors = _selectors(item.get("selectors"), kind)
    full_text_from = _text(item, "full_text_from")
    if full_text_from and full_text_from not in FULL_TEXT_FROM:
        raise UserInputError(
            f"unknown full_text_from {full_text_from!r}; expected one of {', '.join(FULL_TEXT_FROM)}"
        )
    needs_browser = _bool(item, "needs_browser", False)
    url = check_placeholders(validate_source_url(_text(item, "url", required=True)))
    return Source(
        id=source_id,
        name=_text(item, "name") or source_id,
        url=url,
        kind=kind,
        tier=tier,
        interval=parse_interval(item.get("interval", 900)),
        full_text=_bool(item, "full_text", False) or bool(full_text_from),
        selectors=selectors,
        notes=_text(item, "notes"),
        blocks_bots=_bool(item, "blocks_bots", False),
        # A source that needs a browser is listed (so /sources can say why) but not polled.
        enabled=_bool(item, "enabled", not needs_browser),
        needs_browser=needs_browser,
        full_text_from=full_text_from,
    )


def parse_interval(value: object) -> int:
    """Seconds from an int or a text such as '90', '15m', '1h', '1d'."""
    if isinstance(value, bool):
        raise UserInputError(f"bad interval {value!r}")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and (m := _INTERVAL.match(value.lower())):
        seconds = int(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise UserInputError(f"bad interval {value!r}; use seconds or e.g. '15m', '1h'")
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise UserInputError(f"interval {value!r} must be between 1m and 7d")
    return seconds


def _selectors(raw: object, kind: str) -> dict[str, str]:
    if raw is None:
        if kind == "html":
            raise UserInputError("kind html needs selectors (item, title, link)")
        return {}
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in raw.items()
    ):
        raise UserInputError("selectors must map names to non-empty strings")
    allowed = SELECTOR_KEYS if kind == "html" else JSON_KEYS
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise UserInputError(f"unknown selector {unknown[0]!r} for kind {kind}")
    if kind == "html":
        missing = sorted({"item", "title", "link"} - set(raw))
        if missing:
            raise UserInputError(f"kind html needs selector {missing[0]!r}")
        _check_css({k: v for k, v in raw.items() if k not in _NOT_CSS})
    if "base" in raw:
        validate_source_url(str(raw["base"]))
    if raw.get("date_order", "dmy") not in ("dmy", "mdy"):
        raise UserInputError("selector 'date_order' must be dmy or mdy")
    return {str(k): str(v) for k, v in raw.items()}


def _check_css(selectors: Mapping[str, Any]) -> None:
    # Imported here so that loading a catalog without HTML sources needs no cssselect.
    from cssselect import GenericTranslator, SelectorError

    for name, css in selectors.items():
        try:
            GenericTranslator().css_to_xpath(css)
        except SelectorError as exc:
            raise UserInputError(f"selector {name!r} is not valid CSS: {exc}") from None


def _text(item: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise UserInputError(f"missing {key!r}")
        return ""
    if not isinstance(value, str):
        raise UserInputError(f"{key!r} must be text, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise UserInputError(f"{key!r} is empty")
    return value


def _bool(item: Mapping[str, Any], key: str, default: bool) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise UserInputError(f"{key!r} must be true or false, not {value!r}")
    return value


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
