"""Inline keyboards and their callback data, parsed strictly (callback data comes from clients).

Callback data (at most 64 bytes, Telegram's limit):
  d:<alert> details · c:<alert> collapse · m:<alert> mute choices · ms:<alert> mute the story ·
  mr:<alert>:<k> mute the alert's k-th rule for 24 h · mx:<alert> cancel · u:<alert> unmute
  (alert buttons, bot.delivery.format); r:<size>:<offset> /recent pages; q:<search>:<offset>
  /search pages; um:<mute key> end one mute; s:<setting>:<value> /settings buttons;
  tz:<zone> a suggested time zone; sub:<pack> a suggested pack.
Alert and search ids are global; every handler checks they belong to the pressing chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_RECENT = 20
MAX_OFFSET = 100_000
SEARCH_PAGE = 5

_ALERT = re.compile(r"(d|c|m|ms|mx|u):([1-9][0-9]{0,11})")
_MUTE_RULE = re.compile(r"mr:([1-9][0-9]{0,11}):([0-9])")
_PAGE = re.compile(r"r:([1-9][0-9]?):([0-9]{1,6})")
_SEARCH = re.compile(r"q:([1-9][0-9]{0,11}):([0-9]{1,6})")
_UNMUTE = re.compile(r"um:((?:pack|watch|alert):[a-z0-9-]{1,40})")
_SETTING = re.compile(r"s:(digest|quiet|unmute|show):([a-z0-9]{1,12})")
_ZONE = re.compile(r"tz:([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2})")
_PACK = re.compile(r"sub:([a-z0-9][a-z0-9-]{0,39})")
_ALERT_ACTIONS = {
    "d": "details",
    "c": "collapse",
    "m": "mute",
    "ms": "mute_story",
    "mx": "cancel",
    "u": "unmute",
}


@dataclass(frozen=True)
class AlertAction:
    """A press on an alert's buttons: details, collapse, mute (choices), mute_story, cancel,
    unmute, mute_rule (with `rule`, the index of the alert's rule)."""

    action: str
    alert_id: int
    rule: int = 0


@dataclass(frozen=True)
class PageAction:
    """A press on a /recent paging button."""

    size: int
    offset: int


@dataclass(frozen=True)
class SearchPage:
    """A press on a /search paging button (or a suggested spelling)."""

    search_id: int
    offset: int


@dataclass(frozen=True)
class SettingAction:
    """A /settings button, an unmute from /unmute, a suggested time zone or pack."""

    name: str  # digest | quiet | unmute | show | unmute_key | timezone | subscribe
    value: str


Action = AlertAction | PageAction | SearchPage | SettingAction


def parse_callback(data: str | None) -> Action | None:
    """The action behind callback data, or None when it is not one of ours or out of range."""
    if not data or len(data) > 64:
        return None
    if m := _ALERT.fullmatch(data):
        return AlertAction(_ALERT_ACTIONS[m.group(1)], int(m.group(2)))
    if m := _MUTE_RULE.fullmatch(data):
        return AlertAction("mute_rule", int(m.group(1)), int(m.group(2)))
    if m := _PAGE.fullmatch(data):
        size, offset = int(m.group(1)), int(m.group(2))
        if size > MAX_RECENT or offset > MAX_OFFSET:
            return None
        return PageAction(size, offset)
    if m := _SEARCH.fullmatch(data):
        offset = int(m.group(2))
        return SearchPage(int(m.group(1)), offset) if offset <= MAX_OFFSET else None
    return _parse_setting(data)


def _parse_setting(data: str) -> SettingAction | None:
    if m := _UNMUTE.fullmatch(data):
        return SettingAction("unmute_key", m.group(1))
    if m := _SETTING.fullmatch(data):
        return SettingAction(m.group(1), m.group(2))
    if m := _ZONE.fullmatch(data):
        return SettingAction("timezone", m.group(1))
    if m := _PACK.fullmatch(data):
        return SettingAction("subscribe", m.group(1))
    return None


def recent_keyboard(size: int, offset: int, total: int) -> InlineKeyboardMarkup | None:
    """Older/Newer buttons for a page of /recent, or None when everything fits on one page."""
    return _pager(f"r:{size}", size, offset, total)


def search_keyboard(search_id: int, offset: int, total: int) -> InlineKeyboardMarkup | None:
    """Previous/next buttons for a page of /search results."""
    return _pager(f"q:{search_id}", SEARCH_PAGE, offset, total, ("◀ Back", "More ▶"))


def _pager(
    prefix: str,
    size: int,
    offset: int,
    total: int,
    labels: tuple[str, str] = ("◀ Newer", "Older ▶"),
) -> InlineKeyboardMarkup | None:
    buttons = []
    if offset > 0:
        buttons.append(
            InlineKeyboardButton(labels[0], callback_data=f"{prefix}:{max(0, offset - size)}")
        )
    if offset + size < total:
        buttons.append(InlineKeyboardButton(labels[1], callback_data=f"{prefix}:{offset + size}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def choices_keyboard(choices: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One button per (label, callback data) row, or None when there is nothing to offer."""
    rows = [[InlineKeyboardButton(label, callback_data=data)] for label, data in choices]
    return InlineKeyboardMarkup(rows) if rows else None
