"""Inline keyboards and their callback data, parsed strictly (callback data comes from clients)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_RECENT = 20
MAX_OFFSET = 100_000

# Alert buttons ("d:<id>", "m:<id>") are made by bot.delivery.format.alert_keyboard;
# the paging buttons of /recent are "r:<page size>:<offset>".
_ALERT = re.compile(r"([dm]):([1-9][0-9]{0,11})")
_PAGE = re.compile(r"r:([1-9][0-9]?):([0-9]{1,6})")


@dataclass(frozen=True)
class AlertAction:
    """A press on an alert's Details or Mute button."""

    action: str  # "details" | "mute"
    alert_id: int


@dataclass(frozen=True)
class PageAction:
    """A press on a /recent paging button."""

    size: int
    offset: int


def parse_callback(data: str | None) -> AlertAction | PageAction | None:
    """The action behind callback data, or None when it is not one of ours or out of range."""
    if not data or len(data) > 64:
        return None
    if m := _ALERT.fullmatch(data):
        return AlertAction("details" if m.group(1) == "d" else "mute", int(m.group(2)))
    if m := _PAGE.fullmatch(data):
        size, offset = int(m.group(1)), int(m.group(2))
        if size > MAX_RECENT or offset > MAX_OFFSET:
            return None
        return PageAction(size, offset)
    return None


def recent_keyboard(size: int, offset: int, total: int) -> InlineKeyboardMarkup | None:
    """Older/Newer buttons for a page of /recent, or None when everything fits on one page."""
    buttons = []
    if offset > 0:
        buttons.append(
            InlineKeyboardButton("◀ Newer", callback_data=f"r:{size}:{max(0, offset - size)}")
        )
    if offset + size < total:
        buttons.append(InlineKeyboardButton("Older ▶", callback_data=f"r:{size}:{offset + size}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None
