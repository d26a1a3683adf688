"""The delivery policy as a table: (alert state, chat settings, pacing, time) -> decision.

One row per situation; the workers only carry these out (tests/test_outbox.py and the
Bot API tests check that they do). A new decision variant needs a row here: the last
tests fail while a variant of a decision type has none.
"""

from __future__ import annotations

import typing
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.delivery.decide import (
    AlertDecision,
    AlertState,
    AsPlainText,
    Backoff,
    Deactivate,
    Digest,
    DigestDecision,
    DigestLater,
    DigestNow,
    Drop,
    Edit,
    EditDecision,
    EditFailurePlan,
    FailurePlan,
    FollowMigration,
    GiveUp,
    GiveUpEdit,
    Halt,
    Hold,
    LeaveUnedited,
    Mute,
    Pace,
    PartPlan,
    PassUp,
    PauseEdits,
    ReplyInstead,
    RetryAt,
    RetryEdit,
    Send,
    Skip,
    SplitFurther,
    UpToDate,
    Wait,
    after_edit_failure,
    after_failure,
    after_part_failure,
    decide,
    decide_digest,
    decide_edit,
)
from bot.delivery.errors import classify
from bot.models import Chat, Recipient
from tests.support.clock import FakeClock
from tests.support.delivery import add_alerts, open_store

NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo, 13:00 in Berlin
FRESH = AlertState(created=NOON, published=NOON - timedelta(hours=1))
OLD = AlertState(created=NOON, published=NOON - timedelta(days=5))
URGENT = AlertState(created=NOON, published=NOON, priority="urgent")
PLAIN = Chat(1)
TOKYO_NIGHTS = Chat(1, timezone="Asia/Tokyo", quiet_start=20, quiet_end=7)  # wraps midnight
BERLIN_NIGHTS = Chat(1, timezone="Europe/Berlin", quiet_start=22, quiet_end=7)


def retry_after(seconds: int) -> RetryAfter:
    with warnings.catch_warnings():  # PTB 22 warns that the int form will become timedelta
        warnings.simplefilter("ignore")
        return RetryAfter(seconds)


def state(**kw: Any) -> AlertState:
    return AlertState(**{"created": NOON, "published": NOON - timedelta(hours=1), **kw})


def at(hour: int, minute: int = 0, *, day: int = 27) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    situation: str
    alert: AlertState
    chat: Chat
    now: datetime
    expected: AlertDecision
    pace: Pace = field(default_factory=Pace)


SEND_ROWS = [
    Row("a fresh alert, a plain chat", FRESH, PLAIN, NOON, Send(silent=False)),
    Row("a retrying alert is due like a new one", state(state="failed", attempts=2), PLAIN, NOON,
        Send(silent=False)),
    Row("low priority comes without sound", state(priority="low"), PLAIN, NOON, Send(silent=True)),
    Row("an old item comes without sound", OLD, PLAIN, NOON, Send(silent=True)),
    Row("sent meanwhile", state(state="sent"), PLAIN, NOON, Skip("sent")),
    Row("dead meanwhile (admin, chat killed)", state(state="dead"), PLAIN, NOON, Skip("dead")),
    Row("muted earlier", state(state="muted"), PLAIN, NOON, Skip("muted")),
    Row("an inactive chat", FRESH, Chat(1, active=False), NOON, Drop()),
    Row("an inactive chat wins over a mute", state(muting="story"), Chat(1, active=False), NOON,
        Drop()),
    Row("its story is muted", state(muting="story"), PLAIN, NOON, Mute()),
    Row("every rule of it is muted", state(muting="rules"), PLAIN, NOON, Mute()),
    Row("an urgent alert of a muted rule is muted too", state(priority="urgent", muting="rules"),
        PLAIN, NOON, Mute()),
    Row("a digest chat: the digest worker's", FRESH, Chat(1, digest="hourly"), NOON, Digest()),
    Row("a digest chat mutes what is muted", state(muting="rules"), Chat(1, digest="daily"), NOON,
        Mute()),
    Row("quiet hours across midnight (21:00 in Tokyo)", FRESH, TOKYO_NIGHTS, NOON,
        Hold(at(22))),  # 07:00 in Tokyo
    Row("quiet hours after midnight (00:30 in Berlin)", FRESH, BERLIN_NIGHTS, at(23, 30),
        Hold(at(6, day=28))),  # 07:00 CET
    Row("quiet hours end at their end hour (07:00 in Berlin)", FRESH, BERLIN_NIGHTS, at(6),
        Send(silent=False)),
    Row("quiet hours start at their start hour (22:00 in Berlin)", FRESH, BERLIN_NIGHTS, at(21),
        Hold(at(6, day=28))),
    Row("outside quiet hours (13:00 in Berlin)", FRESH, BERLIN_NIGHTS, NOON, Send(silent=False)),
    Row("a window inside one day (11-14 UTC)", FRESH, Chat(1, quiet_start=11, quiet_end=14), NOON,
        Hold(at(14))),
    Row("an empty window is no quiet hours", FRESH, Chat(1, quiet_start=5, quiet_end=5), NOON,
        Send(silent=False)),
    Row("an unknown time zone counts as UTC", FRESH,
        Chat(1, timezone="No/Such_Zone", quiet_start=11, quiet_end=13), NOON, Hold(at(13))),
    Row("urgent during quiet hours: now, silently", URGENT, TOKYO_NIGHTS, NOON, Send(silent=True)),
    Row("an old item is never urgent: held", state(priority="urgent", published=NOON - timedelta(days=4)),
        TOKYO_NIGHTS, NOON, Hold(at(22))),
    Row("urgent outside quiet hours makes a sound", URGENT, BERLIN_NIGHTS, NOON, Send(silent=False)),
    Row("held, then quiet hours switched off: due and loud", state(created=NOON - timedelta(hours=3)),
        Chat(1, timezone="Asia/Tokyo"), NOON, Send(silent=False)),
    Row("held, then the window moved away", FRESH, Chat(1, timezone="Asia/Tokyo", quiet_start=1,
        quiet_end=6), NOON, Send(silent=False)),
    Row("the chat is almost allowed: this run waits for it", FRESH, PLAIN, NOON,
        Wait(0.2, brief=True), Pace(wait=0.2, max_wait=0.25)),
    Row("almost allowed, but another of its alerts already waits", FRESH, PLAIN, NOON,
        Wait(0.2), Pace(wait=0.2, max_wait=0.25, queued=True)),
    Row("paced for longer than a run waits: the next run", FRESH, PLAIN, NOON, Wait(0.9),
        Pace(wait=0.9, max_wait=0.25)),
    Row("the global limit is reached", FRESH, PLAIN, NOON, Wait(0.0),
        Pace(overall_ready=False, max_wait=0.25)),
    Row("quiet hours hold before pacing is asked", FRESH, TOKYO_NIGHTS, NOON, Hold(at(22)),
        Pace(wait=0.5)),
    Row("a muted alert is muted, paced or not", state(muting="story"), PLAIN, NOON, Mute(),
        Pace(wait=0.5)),
]  # fmt: skip


@pytest.mark.parametrize("row", SEND_ROWS, ids=[r.situation for r in SEND_ROWS])
def test_decide(row: Row) -> None:
    assert decide(row.alert, row.chat, row.now, row.pace) == row.expected


def test_quiet_hours_follow_daylight_saving() -> None:
    # 30 March 2025: Berlin moves to summer time; 07:00 CEST is 05:00 UTC.
    assert decide(FRESH, BERLIN_NIGHTS, datetime(2025, 3, 29, 23, 30, tzinfo=UTC)) == Hold(
        datetime(2025, 3, 30, 5, 0, tzinfo=UTC)
    )


HOURLY = Chat(1, digest="hourly", last_digest_at=NOON - timedelta(minutes=30))
DAILY = Chat(1, digest="daily", timezone="Europe/Berlin", digest_hour=8,
             last_digest_at=datetime(2026, 11, 26, 7, tzinfo=UTC))  # fmt: skip
DIGEST_ROWS: list[tuple[str, Chat, datetime, DigestDecision]] = [
    ("an hourly digest before its hour", HOURLY, NOON, DigestLater("not due")),
    ("an hourly digest after its hour", HOURLY, NOON + timedelta(minutes=30), DigestNow()),
    ("a first digest goes at once", Chat(1, digest="hourly"), NOON, DigestNow()),
    ("a daily digest before 08:00 local", DAILY, datetime(2026, 11, 27, 6, 59, tzinfo=UTC),
     DigestLater("not due")),
    ("a daily digest at 08:00 local", DAILY, datetime(2026, 11, 27, 7, tzinfo=UTC), DigestNow()),
    ("a due digest waits out quiet hours", Chat(1, digest="hourly", quiet_start=11, quiet_end=14),
     NOON, DigestLater("quiet hours")),
    ("no digest for a chat without one", PLAIN, NOON, DigestLater("not due")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "chat", "now", "expected"), DIGEST_ROWS, ids=[r[0] for r in DIGEST_ROWS]
)
def test_decide_digest(situation: str, chat: Chat, now: datetime, expected: DigestDecision) -> None:
    assert decide_digest(chat, now) == expected


EDIT_ROWS: list[tuple[str, AlertState, Chat, Pace, int, EditDecision]] = [
    ("a copy joined: edit in place", FRESH, PLAIN, Pace(), 1, Edit()),
    ("the new text needs two messages: reply", FRESH, PLAIN, Pace(), 2, ReplyInstead()),
    ("the chat went away", FRESH, Chat(1, active=False), Pace(), 1, LeaveUnedited()),
    ("its story is muted: not edited", state(muting="story"), PLAIN, Pace(), 1, LeaveUnedited()),
    ("only its rules are muted: still edited", state(muting="rules"), PLAIN, Pace(), 1, Edit()),
    ("the chat is paced: the next run", FRESH, PLAIN, Pace(wait=0.4), 1, Wait(0.4)),
    ("the global limit is reached: the next run", FRESH, PLAIN, Pace(overall_ready=False), 1,
     Wait(0.0)),
    ("paced before too long is looked at", FRESH, PLAIN, Pace(wait=0.4), 3, Wait(0.4)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "alert", "chat", "pace", "parts", "expected"),
    EDIT_ROWS,
    ids=[r[0] for r in EDIT_ROWS],
)
def test_decide_edit(
    situation: str, alert: AlertState, chat: Chat, pace: Pace, parts: int, expected: EditDecision
) -> None:
    assert decide_edit(alert, chat, pace, parts=parts) == expected


BACKOFF = Backoff(base=10, cap=40, max_attempts=4, jitter=0.1)
FAILURE_ROWS: list[tuple[str, BaseException, int, int, float, FailurePlan]] = [
    ("RetryAfter: wait, not counted, pause all", retry_after(5), 0, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=5), "RetryAfter: Flood control exceeded. Retry in 5 seconds",
             counts=False, pause=True)),
    ("RetryAfter late in the attempts still waits", retry_after(30), 3, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=30),
             "RetryAfter: Flood control exceeded. Retry in 30 seconds", counts=False, pause=True)),
    ("Forbidden: blocked by the user", Forbidden("Forbidden: bot was blocked by the user"), 0, 0,
     0.5, Deactivate("Forbidden: Forbidden: bot was blocked by the user")),
    ("chat not found", BadRequest("Chat not found"), 0, 0, 0.5,
     Deactivate("BadRequest: Chat not found")),
    ("ChatMigrated: follow it", ChatMigrated(-100123), 0, 0, 0.5, FollowMigration(-100123)),
    ("ChatMigrated a third time in one send: give up", ChatMigrated(-100124), 0, 2, 0.5,
     FollowMigration(-100124, resend=False)),
    ("a parse error past the plain-text fallback", BadRequest("Can't parse entities: x"), 0, 0,
     0.5, GiveUp("BadRequest: Can't parse entities: x")),
    ("too long past the splitting", BadRequest("Message is too long"), 0, 0, 0.5,
     GiveUp("BadRequest: Message is too long")),
    ("any other bad request: dead at once", BadRequest("Message thread not found"), 0, 0, 0.5,
     GiveUp("BadRequest: Message thread not found")),
    ("transient: first retry after 10 s", TimedOut(), 0, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=10), "TimedOut: Timed out")),
    ("transient: then 20 s", NetworkError("Bad Gateway"), 1, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=20), "NetworkError: Bad Gateway")),
    ("transient: then 40 s (the cap)", TimedOut(), 2, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=40), "TimedOut: Timed out")),
    ("transient until dead: the 4th failure", TimedOut(), 3, 0, 0.5, GiveUp("TimedOut: Timed out")),
    ("jitter spreads a retry down 10 %", TimedOut(), 0, 0, 0.0,
     RetryAt(NOON + timedelta(seconds=9), "TimedOut: Timed out")),
    ("jitter spreads a retry up 10 %", TimedOut(), 0, 0, 1.0,
     RetryAt(NOON + timedelta(seconds=11), "TimedOut: Timed out")),
    ("an unexpected exception is retried", ValueError("a bug"), 0, 0, 0.5,
     RetryAt(NOON + timedelta(seconds=10), "ValueError: a bug")),
    ("a bad token stops everything", InvalidToken("Unauthorized"), 0, 0, 0.5,
     Halt("InvalidToken: Unauthorized")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "error", "attempts", "migrations", "draw", "expected"),
    FAILURE_ROWS,
    ids=[r[0] for r in FAILURE_ROWS],
)
def test_after_failure(
    situation: str,
    error: BaseException,
    attempts: int,
    migrations: int,
    draw: float,
    expected: FailurePlan,
) -> None:
    plan = after_failure(
        classify(error),
        attempts=attempts,
        now=NOON,
        backoff=BACKOFF,
        draw=draw,
        migrations=migrations,
    )
    assert plan == expected


def test_a_migration_without_a_new_id_is_dead() -> None:
    from bot.delivery.errors import Failure

    plan = after_failure(Failure("migrated", "odd"), attempts=0, now=NOON, backoff=BACKOFF)
    assert plan == GiveUp("odd")


PART_ROWS: list[tuple[str, BaseException, bool, int, PartPlan]] = [
    ("a parse error: resend as plain text", BadRequest("Can't parse entities: bad tag"), False,
     500, AsPlainText("sent as plain text after: BadRequest: Can't parse entities: bad tag")),
    ("a parse error of plain text: the alert's plan", BadRequest("Can't parse entities: x"), True,
     500, PassUp()),
    ("message too long: split in halves", BadRequest("Message is too long"), False, 4000,
     SplitFurther(2000, "split further after: BadRequest: Message is too long")),
    ("too long, small: split to the floor", BadRequest("Message is too long"), False, 100,
     SplitFurther(64, "split further after: BadRequest: Message is too long")),
    ("too long at the floor: the alert's plan", BadRequest("Message is too long"), False, 64,
     PassUp()),
    ("anything else: the alert's plan", TimedOut(), False, 500, PassUp()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "error", "plain", "length", "expected"), PART_ROWS, ids=[r[0] for r in PART_ROWS]
)
def test_after_part_failure(
    situation: str, error: BaseException, plain: bool, length: int, expected: PartPlan
) -> None:
    assert after_part_failure(classify(error), plain=plain, length=length) == expected


EDIT_FAILURE_ROWS: list[tuple[str, BaseException, int, EditFailurePlan]] = [
    ("not modified: already up to date", BadRequest("Message is not modified: same"), 0,
     UpToDate()),
    ("RetryAfter: pause edits, keep this one due", retry_after(7), 0,
     PauseEdits(NOON + timedelta(seconds=7))),
    ("transient: try again next run", TimedOut(), 0, RetryEdit("TimedOut: Timed out")),
    ("transient five times: give up quietly", TimedOut(), 5,
     GiveUpEdit("TimedOut: Timed out", reply=False)),
    ("the message is gone: reply instead", BadRequest("Message to edit not found"), 0,
     GiveUpEdit("BadRequest: Message to edit not found", reply=True)),
    ("a parse error: reply instead", BadRequest("Can't parse entities: x"), 0,
     GiveUpEdit("BadRequest: Can't parse entities: x", reply=True)),
    ("blocked: nothing to reply to", Forbidden("Forbidden: bot was blocked by the user"), 0,
     GiveUpEdit("Forbidden: Forbidden: bot was blocked by the user", reply=False)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "error", "tries", "expected"),
    EDIT_FAILURE_ROWS,
    ids=[r[0] for r in EDIT_FAILURE_ROWS],
)
def test_after_edit_failure(
    situation: str, error: BaseException, tries: int, expected: EditFailurePlan
) -> None:
    assert after_edit_failure(classify(error), tries=tries, now=NOON) == expected


def test_alert_state_of_a_stored_alert_tells_a_muted_story_from_muted_rules(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    store = open_store(tmp_path / "bot.db", clock)
    store.upsert_chat(7)
    (story,) = add_alerts(store, [Recipient(7)], rule_key="pack:eu")
    (rules,) = add_alerts(store, [Recipient(7)], rule_key="pack:un", rule_name="UN")
    (free,) = add_alerts(store, [Recipient(7)], rule_key="pack:ch", rule_name="CH")
    store.mute(7, f"alert:{story}", clock.now + timedelta(days=1))
    store.mute(7, "pack:un", clock.now + timedelta(days=1))
    mutings = []
    for alert_id in (story, rules, free):
        view = store.alert_view(alert_id)
        assert view is not None
        mutings.append(AlertState.of(view).muting)
    assert mutings == ["story", "rules", "none"]
    store.close()


@pytest.mark.parametrize(
    ("union", "expected"),
    [
        (AlertDecision, [r.expected for r in SEND_ROWS]),
        (DigestDecision, [r[3] for r in DIGEST_ROWS]),
        (EditDecision, [r[5] for r in EDIT_ROWS]),
        (FailurePlan, [r[5] for r in FAILURE_ROWS]),
        (PartPlan, [r[4] for r in PART_ROWS]),
        (EditFailurePlan, [r[3] for r in EDIT_FAILURE_ROWS]),
    ],
    ids=["decide", "digest", "edit", "failure", "part", "edit-failure"],
)
def test_every_variant_has_a_row(union: Any, expected: list[object]) -> None:
    assert set(typing.get_args(union)) == {type(e) for e in expected}
