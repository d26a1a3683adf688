"""Mutes as people see them: labels, muting from an alert's buttons, and undoing.

A mute key is a rule key (`pack:<id>`, `watch:<id>`: that rule for 24 hours) or
`alert:<id>` (that alert's story: no more updates of it, for a month).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.models import AlertView
from bot.telegram.settings_views import Mute
from bot.telegram.views import short

if TYPE_CHECKING:
    from bot.runtime import Runtime

RULE_MUTE = timedelta(hours=24)
STORY_MUTE = timedelta(days=30)


def labelled(rt: Runtime, chat_id: int) -> list[Mute]:
    """The chat's active mutes with the names a person knows them by."""
    packs = {f"pack:{p.id}": p.name for p in rt.packs}
    watches = {w.rule_key: w.number for w in rt.store.watches(chat_id)}
    out = []
    for key, until in rt.store.mutes(chat_id, rt.clock()):
        out.append(Mute(key, _label(rt, chat_id, key, packs, watches), until))
    return out


def _label(
    rt: Runtime, chat_id: int, key: str, packs: dict[str, str], watches: dict[str, int]
) -> str:
    if key in packs:
        return packs[key]
    if key in watches:
        return f"your rule #{watches[key]}"
    if key.startswith("alert:") and key[6:].isdigit():
        view = rt.store.alert_view(int(key[6:]), chat_id)
        if view is not None:
            return f"this story: “{short(view.title, 50)}” (#{view.number})"
    return key.split(":", 1)[-1]


def mute_story(rt: Runtime, view: AlertView) -> str:
    """Mute one alert's story in its chat; the answer shown to the person."""
    rt.store.mute(view.chat_id, f"alert:{view.id}", rt.clock() + STORY_MUTE)
    return "Muted this story: no more updates of it here. Other news still comes. /unmute undoes."


def mute_rule(rt: Runtime, view: AlertView, index: int) -> str | None:
    """Mute the alert's `index`-th rule for 24 hours; None when there is no such rule."""
    keys = rt.store.alert_rule_keys(view.id)
    if not 0 <= index < len(keys):
        return None
    rt.store.mute(view.chat_id, keys[index], rt.clock() + RULE_MUTE)
    name = view.rules[index] if index < len(view.rules) else keys[index]
    return f"Muted “{short(name, 60)}” here for 24 hours. /unmute undoes; /rules shows it."


def unmute_alert(rt: Runtime, view: AlertView) -> list[str]:
    """End the mutes that touch one alert (its story and its rules); the keys ended."""
    keys = [f"alert:{view.id}", *rt.store.alert_rule_keys(view.id)]
    return rt.store.unmute(view.chat_id, keys)


def touched(rt: Runtime, view: AlertView) -> bool:
    """Whether a mute touches the alert (its story, or any of its rules): show 'Unmute'."""
    active = rt.store.muted_rules(view.chat_id, rt.clock())
    keys = [f"alert:{view.id}", *rt.store.alert_rule_keys(view.id)]
    return any(k in active for k in keys)
