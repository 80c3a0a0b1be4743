"""Reminder plans: which reminders a debtor gets and when, with late arrivals and quiet hours."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan import (
    DEFAULT_PLAN,
    MIN_GAP,
    PlanStep,
    plan_to_json,
    schedule,
)
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedules import Schedule, parse
from tests.bot.domain import BOUNDED

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(21), time(8))
EFFECTIVE = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
DUE = date(2026, 12, 6)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def keys_and_times(steps: list[tuple[PlanStep, datetime]]) -> list[tuple[str, datetime]]:
    return [(step.key, at) for step, at in steps]


def test_default_plan_sends_four_reminders_at_the_right_utc_times() -> None:
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=EFFECTIVE, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps) == [
        ("day0", utc(11, 26, 1)),  # 09:00 Shanghai, the moment the judgment takes effect
        ("middle", utc(11, 29, 2)),  # 10:00 Shanghai three days later
        ("warning", utc(12, 4, 2)),  # 10:00 two days before the due day
        ("deadline", utc(12, 6, 1)),  # 09:00 on the due day
    ]
    assert [step.template for step, _ in steps] == [
        "reminder.day0",
        "reminder.middle",
        "reminder.warning",
        "reminder.deadline",
    ]
    assert all(at.tzinfo is UTC for _, at in steps)


def test_day0_goes_when_the_judgment_arrives_if_that_is_after_it_took_effect() -> None:
    arrived = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=arrived, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps)[0] == ("day0", utc(11, 26, 2))
    assert len(steps) == 4


def test_day0_waits_for_a_judgment_that_takes_effect_later() -> None:
    early = EFFECTIVE - timedelta(hours=5)
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=early, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps)[0] == ("day0", utc(11, 26, 1))


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 11, 26), ["day0"]),  # due the day it takes effect: the deadline hour has gone
        (date(2026, 11, 27), ["day0", "deadline"]),
        # the warning would come an hour after day 0: too close, the deadline reminder stays
        (date(2026, 11, 28), ["day0", "deadline"]),
        # middle and warning fall on the same hour: the warning of the consequences wins
        (date(2026, 12, 1), ["day0", "warning", "deadline"]),
        (date(2026, 12, 6), ["day0", "middle", "warning", "deadline"]),
        (date(2027, 3, 1), ["day0", "middle", "warning", "deadline"]),
    ],
)
def test_a_short_deadline_gets_fewer_reminders(due: date, expected: list[str]) -> None:
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, due, now=EFFECTIVE, zone=SHANGHAI, quiet=NIGHT)
    assert [step.key for step, _ in steps] == expected
    end_of_due = datetime.combine(due + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    assert all(at < end_of_due for _, at in steps)


def test_a_step_already_past_is_skipped_but_day0_goes_at_once() -> None:
    """The judgment reaches us four days late: the middle reminder's time has passed."""
    late = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=late, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps) == [
        ("day0", utc(11, 30, 2)),
        ("warning", utc(12, 4, 2)),
        ("deadline", utc(12, 6, 1)),
    ]


def test_after_the_due_day_only_day0_goes() -> None:
    late = datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=late, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps) == [("day0", utc(12, 8, 7))]


def test_quiet_hours_move_day0_to_the_morning() -> None:
    evening = datetime(2026, 11, 26, 22, 30, tzinfo=SHANGHAI)
    steps = schedule(DEFAULT_PLAN, evening, DUE, now=evening, zone=SHANGHAI, quiet=NIGHT)
    assert keys_and_times(steps) == [
        ("day0", utc(11, 27, 0)),  # 08:00 Shanghai, the end of the quiet hours
        ("middle", utc(11, 29, 2)),
        ("warning", utc(12, 4, 2)),
        ("deadline", utc(12, 6, 1)),
    ]
    loud = schedule(DEFAULT_PLAN, evening, DUE, now=evening, zone=SHANGHAI, quiet=None)
    assert keys_and_times(loud)[0] == ("day0", evening.astimezone(UTC))


def test_quiet_hours_move_every_step_they_cover_and_drop_none() -> None:
    morning = QuietHours(time(9, 30), time(11))  # covers the 10:00 steps, not the 09:00 ones
    steps = schedule(DEFAULT_PLAN, EFFECTIVE, DUE, now=EFFECTIVE, zone=SHANGHAI, quiet=morning)
    assert keys_and_times(steps) == [
        ("day0", utc(11, 26, 1)),
        ("middle", utc(11, 29, 3)),  # 11:00 Shanghai
        ("warning", utc(12, 4, 3)),
        ("deadline", utc(12, 6, 1)),
    ]


def test_custom_plan_and_its_json_round_trip() -> None:
    plan = (
        PlanStep("day0", "effective", 0, None, "reminder.day0"),
        PlanStep("next_day", "effective", 1, "18:30", "reminder.middle"),
        PlanStep("eve", "due", -1, None, "reminder.warning"),  # no time: 09:00 local
    )
    body = Schedule(plan, None, 3).to_json()
    assert parse(json.loads(json.dumps(body)), SHANGHAI).steps == plan
    steps = schedule(plan, EFFECTIVE, DUE, now=EFFECTIVE, zone=SHANGHAI, quiet=None)
    assert keys_and_times(steps) == [
        ("day0", utc(11, 26, 1)),
        ("next_day", utc(11, 27, 10, 30)),
        ("eve", utc(12, 5, 1)),
    ]


def test_default_plan_json_round_trip_and_a_plan_stored_without_follow_up() -> None:
    raw = plan_to_json(DEFAULT_PLAN)
    assert raw[0] == {
        "key": "day0",
        "anchor": "effective",
        "days": 0,
        "at": None,
        "template": "reminder.day0",
        "follow_up": True,  # the official's first call
    }
    body = {"steps": json.loads(json.dumps(raw)), "quiet_hours": "", "weekly_cap": 3}
    assert parse(body, SHANGHAI).steps == DEFAULT_PLAN
    # a plan stored before steps could open a follow-up (moved into a schedule by migration
    # 0010, with the cap of its settings, 0 included) reads as opening none
    body["steps"] = [{k: v for k, v in step.items() if k != "follow_up"} for step in raw]
    stored = Schedule.from_json(body | {"weekly_cap": 0})
    assert stored.weekly_cap == 0 and not any(step.follow_up for step in stored.steps)


# Quiet hours a court might configure; each keeps clear of the 09:00 and 10:00 reminders.
_WINDOWS = st.sampled_from(
    [None, "21:00-08:00", "22:00-07:00", "20:00-08:30", "23:30-06:00", "12:00-14:00"]
).map(lambda text: QuietHours.parse(text) if text else None)


@BOUNDED
@given(
    effective=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    due_in_days=st.integers(0, 40),
    arrival_minutes=st.integers(-24 * 60, 45 * 24 * 60),
    quiet=_WINDOWS,
)
def test_schedule_properties(
    effective: datetime, due_in_days: int, arrival_minutes: int, quiet: QuietHours | None
) -> None:
    """Day 0 always goes; steps go in order, never before now, never in quiet hours; quiet
    hours move a step but never drop one."""
    effective = effective.replace(tzinfo=SHANGHAI)
    due = effective.date() + timedelta(days=due_in_days)
    now = effective + timedelta(minutes=arrival_minutes)
    steps = schedule(DEFAULT_PLAN, effective, due, now=now, zone=SHANGHAI, quiet=quiet)
    loud = schedule(DEFAULT_PLAN, effective, due, now=now, zone=SHANGHAI, quiet=None)

    assert steps and steps[0][0].key == "day0"
    times = [at for _, at in steps]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(at >= now for at in times)
    assert all(at.tzinfo is UTC for at in times)
    if quiet is not None:
        assert not any(quiet.contains(at.astimezone(SHANGHAI).time()) for at in times)
    loud_times = [at for _, at in loud]
    assert all(b - a >= MIN_GAP for a, b in itertools.pairwise(loud_times))
    assert [step.key for step, _ in steps] == [step.key for step, _ in loud]
    for (_, moved), (_, planned) in zip(steps, loud, strict=True):
        assert planned <= moved < planned + timedelta(days=1)
