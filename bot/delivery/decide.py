"""What delivery does with an alert, decided without touching anything.

The workers (`outbox.py`, `edits.py`, `digest.py`, `sender.py`) read state, ask one of
these functions, and carry the answer out with an exhaustive `match`. Nothing here
does I/O, reads a clock or draws a random number: each function maps (the alert's
state, the chat's settings, the pacing, the time) to one decision, so the whole
delivery policy is a table (tests/test_decide.py). To add a rule of delivery, add a row
there, a case here, and a variant if no existing one says it; mypy then points at
every worker `match` that has to carry the new variant out.

Decisions:
* `decide` (an alert that is due): Send · Hold until T (quiet hours) · Mute · Drop (the
  chat is inactive) · Digest (the digest worker takes it) · Wait (pacing) · Skip.
* `decide_edit` (a sent alert that gained a copy): Edit · ReplyInstead · LeaveUnedited · Wait.
* `decide_digest` (a digest chat): DigestNow · DigestLater.
* `after_failure` (a classified send error, `errors.classify`): RetryAt T · GiveUp (dead) ·
  Deactivate (the chat) · FollowMigration · Halt (the bot itself is broken).
* `after_part_failure` (one part of a message): AsPlainText · SplitFurther · PassUp.
* `after_edit_failure`: UpToDate · PauseEdits until T · RetryEdit · GiveUpEdit.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.delivery.errors import Failure
from bot.delivery.hours import digest_due, quiet_until
from bot.delivery.timefmt import is_old
from bot.models import AlertView, Chat, Priority

DUE_STATES = ("pending", "failed")
MAX_MIGRATIONS = 3  # a chat that migrates again after this many hops in one send: dead
MIN_PART = 64  # a part refused as too long is split in halves down to this size
MAX_EDIT_TRIES = 5  # transient edit failures before the edit is given up

Muting = Literal["none", "story", "rules"]  # what of the alert is muted in its chat now


@dataclass(frozen=True)
class AlertState:
    """What a decision reads about one alert."""

    created: datetime  # when the alert was queued
    state: str = "pending"
    priority: Priority = "normal"
    published: datetime | None = None  # the item's publication time, when known
    muting: Muting = "none"  # "story": `alert:<id>` muted; "rules": every rule of it
    attempts: int = 0  # failed attempts that counted

    @classmethod
    def of(cls, view: AlertView) -> AlertState:
        """The state of a stored alert."""
        muting: Muting = "story" if view.story_muted else "rules" if view.muted else "none"
        return cls(view.created, view.state, view.priority, view.published, muting, view.attempts)

    @property
    def old(self) -> bool:
        """Published days before it was alerted (`timefmt.is_old`): never urgent, never loud."""
        return is_old(self.published, self.created)


@dataclass(frozen=True)
class Pace:
    """What the worker's pacer says about the alert's chat now."""

    wait: float = 0.0  # seconds until the chat may get another message
    overall_ready: bool = True  # the global per-second limit allows one more now
    max_wait: float = 0.0  # how long this run may wait for a chat that is almost allowed
    queued: bool = False  # another alert of the chat already waits in this run


READY = Pace()


# -- an alert that is due -------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Send it now."""

    silent: bool  # without a notification sound (low priority, quiet hours, old item)


@dataclass(frozen=True)
class Hold:
    """Not yet: due again at `until` (no attempt counted)."""

    until: datetime
    reason: str = "quiet hours"


@dataclass(frozen=True)
class Mute:
    """Never send it: muted means "not these", not "later" (it stays in /recent)."""

    reason: str = "story or rules muted in this chat"


@dataclass(frozen=True)
class Drop:
    """The chat is inactive: every undelivered alert of it is dead."""

    reason: str = "chat is inactive"


@dataclass(frozen=True)
class Digest:
    """The chat reads digests: the digest worker groups it with the others."""


@dataclass(frozen=True)
class Wait:
    """Pacing: leave it due; `brief` when this run may wait for it (within max_wait)."""

    seconds: float
    brief: bool = False


@dataclass(frozen=True)
class Skip:
    """Not due any more: sent, dead or muted meanwhile."""

    state: str


AlertDecision = Send | Hold | Mute | Drop | Digest | Wait | Skip


def decide(alert: AlertState, chat: Chat, now: datetime, pace: Pace = READY) -> AlertDecision:
    """What to do now with an alert that came due (the outbox's and the digest's question)."""
    if alert.state not in DUE_STATES:
        return Skip(alert.state)
    if not chat.active:
        return Drop()
    if alert.muting != "none":
        return Mute()
    if chat.digest != "off":
        return Digest()
    quiet = quiet_until(chat, now)
    if quiet is not None and not comes_through_quiet(alert):
        return Hold(quiet)
    if pace.wait > 0 or not pace.overall_ready:
        brief = pace.overall_ready and pace.wait <= pace.max_wait and not pace.queued
        return Wait(pace.wait, brief=brief)
    return Send(silent=alert.priority == "low" or quiet is not None or alert.old)


def comes_through_quiet(alert: AlertState) -> bool:
    """Urgent alerts are not held by quiet hours (they come silently; old items are never urgent)."""
    return alert.priority == "urgent" and not alert.old


# -- a digest chat ----------------------------------------------------------------


@dataclass(frozen=True)
class DigestNow:
    """Send the chat's digest now."""


@dataclass(frozen=True)
class DigestLater:
    """Not now."""

    reason: Literal["not due", "quiet hours"]


DigestDecision = DigestNow | DigestLater


def decide_digest(chat: Chat, now: datetime) -> DigestDecision:
    """Whether the chat's digest goes now: its period is over and it is not quiet."""
    if not digest_due(chat, now):
        return DigestLater("not due")
    if quiet_until(chat, now) is not None:
        return DigestLater("quiet hours")
    return DigestNow()


def digest_silent(alerts: list[AlertState]) -> bool:
    """A digest of low-priority alerts only makes no sound."""
    return all(a.priority == "low" for a in alerts)


# -- a sent alert that gained a copy or an official lead ---------------------------


@dataclass(frozen=True)
class Edit:
    """editMessageText in place (edits make no sound)."""


@dataclass(frozen=True)
class ReplyInstead:
    """The new text needs several messages: a short silent reply names the new copies."""

    note: str = "replied: too long to edit"


@dataclass(frozen=True)
class LeaveUnedited:
    """The chat is gone or muted the story: the edit is dropped."""

    note: str = "not edited: chat inactive or story muted"


EditDecision = Edit | ReplyInstead | LeaveUnedited | Wait


def decide_edit(alert: AlertState, chat: Chat, pace: Pace, *, parts: int) -> EditDecision:
    """What to do with a due edit; `parts`: how many messages the new text takes."""
    if not chat.active or alert.muting == "story":
        return LeaveUnedited()
    if pace.wait > 0 or not pace.overall_ready:
        return Wait(pace.wait)  # the next run
    if parts > 1:
        return ReplyInstead()
    return Edit()


# -- after a send failed ----------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff for transient errors, then the dead letter."""

    base: float = 5.0  # seconds before the first retry
    cap: float = 1800.0  # never wait longer than this between attempts
    max_attempts: int = 10  # attempts before an alert is dead
    jitter: float = 0.1  # +- fraction, so retries of many alerts spread out

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
        """The wait after the `attempts`-th failed attempt (`rand()` in [0, 1) spreads it)."""
        raw = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return timedelta(seconds=raw * (1 + self.jitter * (2 * rand() - 1)))


@dataclass(frozen=True)
class RetryAt:
    """Try again at `at`."""

    at: datetime
    reason: str
    counts: bool = True  # a flood wait is not the alert's fault: no attempt counted
    pause: bool = False  # RetryAfter: the worker sends nothing at all until `at`


@dataclass(frozen=True)
class GiveUp:
    """The alert is dead, visible in `store.failed_alerts()` (never silence)."""

    reason: str


@dataclass(frozen=True)
class Deactivate:
    """The chat blocked or dropped the bot: deactivate it, every undelivered alert dies."""

    reason: str


@dataclass(frozen=True)
class Halt:
    """The bot itself cannot send (bad token): stop, touch nothing."""

    reason: str


@dataclass(frozen=True)
class FollowMigration:
    """The group became a supergroup: move the chat and its alerts, then (`resend`) send there."""

    new_chat_id: int
    resend: bool = True  # False after MAX_MIGRATIONS hops: the alert is given up


Settlement = RetryAt | GiveUp | Deactivate | Halt  # how a failed alert is recorded
FailurePlan = Settlement | FollowMigration


def after_failure(
    failure: Failure,
    *,
    attempts: int,
    now: datetime,
    backoff: Backoff,
    draw: float = 0.5,
    migrations: int = 0,
) -> FailurePlan:
    """The plan for an alert whose send failed with `failure` after `attempts` counted tries.

    `draw` (in [0, 1), drawn by the worker) spreads the backoff; `migrations`: hops
    already followed in this send."""
    match failure.kind:
        case "fatal":
            return Halt(failure.reason)
        case "flood":
            at = now + timedelta(seconds=failure.retry_after)
            return RetryAt(at, failure.reason, counts=False, pause=True)
        case "gone":
            return Deactivate(failure.reason)
        case "migrated" if failure.new_chat_id:
            return FollowMigration(failure.new_chat_id, resend=migrations + 1 < MAX_MIGRATIONS)
        case "transient" if attempts + 1 < backoff.max_attempts:
            at = now + backoff.delay(attempts + 1, lambda: draw)
            return RetryAt(at, failure.reason)
        case _:  # permanent, markup or too long past the fallbacks, out of attempts
            return GiveUp(failure.reason)


KEEPS_MIGRATING = GiveUp("chat keeps migrating")


@dataclass(frozen=True)
class AsPlainText:
    """Telegram could not parse the HTML: resend the part as plain text."""

    note: str


@dataclass(frozen=True)
class SplitFurther:
    """Telegram found the part too long: split it into parts of at most `size`."""

    size: int
    note: str


@dataclass(frozen=True)
class PassUp:
    """Nothing to do for this part: the alert's plan decides (`after_failure`)."""


PartPlan = AsPlainText | SplitFurther | PassUp


def after_part_failure(failure: Failure, *, plain: bool, length: int) -> PartPlan:
    """The plan for one part of a message that Telegram refused (`length`: its characters)."""
    if failure.kind == "markup" and not plain:
        return AsPlainText(f"sent as plain text after: {failure.reason}")
    if failure.kind == "too_long" and length > MIN_PART:
        return SplitFurther(max(MIN_PART, length // 2), f"split further after: {failure.reason}")
    return PassUp()


@dataclass(frozen=True)
class UpToDate:
    """Telegram says the message already shows this text."""

    note: str = "already up to date"


@dataclass(frozen=True)
class PauseEdits:
    """RetryAfter: no edit until `until`; this one stays due."""

    until: datetime


@dataclass(frozen=True)
class RetryEdit:
    """A transient failure: the edit stays due for the next run."""

    reason: str


@dataclass(frozen=True)
class GiveUpEdit:
    """The message cannot be edited; `reply`: say it in a short silent reply instead."""

    reason: str
    reply: bool


EditFailurePlan = UpToDate | PauseEdits | RetryEdit | GiveUpEdit


def after_edit_failure(failure: Failure, *, tries: int, now: datetime) -> EditFailurePlan:
    """The plan for an edit that failed with `failure` after `tries` earlier transient tries."""
    if "not modified" in failure.reason.lower():
        return UpToDate()
    match failure.kind:
        case "flood":
            return PauseEdits(now + timedelta(seconds=failure.retry_after))
        case "transient" if tries < MAX_EDIT_TRIES:
            return RetryEdit(failure.reason)
        case "permanent" | "markup" | "too_long":
            return GiveUpEdit(failure.reason, reply=True)
        case _:  # gone, migrated, fatal, transient too often
            return GiveUpEdit(failure.reason, reply=False)
