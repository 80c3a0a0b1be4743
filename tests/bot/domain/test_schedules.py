"""A court's schedule: the rules it must keep (every reason at once), and what a re-plan does
to a case's outbox rows."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.plan import DEFAULT_PLAN, PlanStep
from bot.domain.quiet_hours import QuietHours
from bot.domain.replan import REPLANNED, Change, OpenCase, PlanRow, changes, planned
from bot.domain.schedules import (
    Delays,
    Schedule,
    ScheduleRefused,
    StoredSchedule,
    Versions,
    by_delay,
    crowding,
    parse,
)
from bot.domain.texts import render

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(21), time(8))
BUILT_IN = Schedule.built_in(NIGHT, 3)


def refused(body: dict) -> list[tuple[str, dict]]:
    with pytest.raises(ScheduleRefused) as caught:
        parse(body, SHANGHAI)
    return [(reason.key, reason.values) for reason in caught.value.reasons]


def test_the_built_in_schedule_keeps_every_rule_and_reads_back_as_itself() -> None:
    assert parse(BUILT_IN.to_json(), SHANGHAI) == BUILT_IN
    # its busiest reference case: a 7-day period, three reminders in a week: the cap of 3
    assert crowding(BUILT_IN.steps, NIGHT, SHANGHAI) == (7, 3)


def test_delays_left_out_are_the_shipped_ones_and_each_is_kept_within_its_limits() -> None:
    body = BUILT_IN.to_json()
    older = {name: value for name, value in body.items() if name != "delays"}  # a version 1
    assert Schedule.from_json(older).delays == Delays() == parse(older, SHANGHAI).delays
    own = parse(body | {"delays": {"silent_days": 3, "instalment_days_before": 0}}, SHANGHAI)
    assert own.delays == Delays(silent_days=3, instalment_days_before=0)
    assert refused(
        body | {"delays": {"follow_up_days": 0, "missed_days": "3", "silent_days": 61}}
    ) == [
        ("schedule.error.follow_up_days", {"min": 1, "max": 30}),
        ("schedule.error.silent_days", {"min": 1, "max": 60}),
        ("schedule.error.missed_days", {"min": 1, "max": 30}),
    ]
    assert refused(body | {"delays": {"visit_days": 3}}) == [("schedule.error.shape", {})]


def test_versions_are_grouped_by_a_delay_with_the_built_in_schedule_among_them() -> None:
    def version(id_: int, silent: int) -> StoredSchedule:
        body = BUILT_IN.to_json() | {"delays": {"silent_days": silent}}
        return StoredSchedule(id_, 1, id_, body, datetime(2026, 1, 1, tzinfo=UTC))

    versions = [version(1, 3), version(2, 7), version(3, 3)]
    assert by_delay(versions, lambda delays: delays.silent_days) == {
        3: Versions((1, 3), built_in=False),
        7: Versions((2,), built_in=True),
    }
    assert by_delay([], lambda delays: delays.missed_days) == {3: Versions((), built_in=True)}


def test_every_reason_is_given_at_once_and_nothing_is_accepted() -> None:
    body = BUILT_IN.to_json()
    steps = body["steps"]
    steps[1] |= {"days": -1}  # before the judgment takes effect
    steps[2] |= {"days": 2, "at": "25:00"}  # after the deadline, and no such time
    steps[3] |= {"template": "reminder.instalment"}  # needs an instalment's values
    steps.append(copy.deepcopy(steps[0]))  # day0 again
    steps.append({"key": "Bad Key", "anchor": "later", "days": "2", "template": 7})
    body |= {"quiet_hours": "06:00-04:00", "weekly_cap": 0}
    assert refused(body) == [
        ("schedule.error.before_effective", {"step": 2}),
        ("schedule.error.after_due", {"step": 3}),
        ("schedule.error.time", {"step": 3}),
        ("schedule.error.template", {"step": 4}),
        ("schedule.error.duplicate", {"step": 5, "other": 1}),
        ("schedule.error.key", {"step": 6}),
        ("schedule.error.anchor", {"step": 6}),
        ("schedule.error.days", {"step": 6, "max": 366}),
        ("schedule.error.template", {"step": 6}),
        ("schedule.error.quiet_all_day", {"hours": 4}),  # 22 quiet hours a day
        ("schedule.error.cap", {"max": 14}),
    ]
    assert refused({"steps": []} | {"quiet_hours": "", "weekly_cap": 3}) == [
        ("schedule.error.steps", {"max": 12})
    ]
    assert refused([1, 2]) == [("schedule.error.shape", {})]
    # a window that starts where it ends: said as such, not as a format
    [*_, same] = refused({"steps": []} | {"quiet_hours": "22:00-22:00", "weekly_cap": 3})
    assert same == ("schedule.error.quiet_same", {})
    # each reason reads as a sentence in both languages
    said = render("schedule.error.duplicate", "en", step=5, other=1)
    assert said == "Step 5: its key is already used by step 1."


def test_steps_that_clash_with_each_other_the_quiet_hours_or_the_cap_are_refused() -> None:
    body = BUILT_IN.to_json()
    body["steps"][1] |= {"days": 0, "at": "18:00"}  # 9 hours after day 0 09:00 (reference)
    body["steps"][3] |= {"at": "22:30"}  # inside 21:00-08:00
    assert refused(body) == [
        ("schedule.error.in_quiet", {"step": 4}),
        ("schedule.error.overlap", {"step": 2, "other": 1}),
    ]
    eve = {"key": "eve", "anchor": "due", "days": -1, "at": "18:00", "template": "reminder.warning"}
    body = BUILT_IN.to_json()
    body["steps"].append(eve)
    # a 7-day period: day 0, day 3, day 5, day 6 18:00 and day 7 09:00 would all go
    assert refused(body) == [("schedule.error.cap_broken", {"days": 7, "count": 4, "cap": 3})]
    body["weekly_cap"] = 4
    assert parse(body, SHANGHAI).steps[-1] == PlanStep(
        "eve", "due", -1, "18:00", "reminder.warning"
    )


# --- re-planning one case --------------------------------------------------------------

EFFECTIVE = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
CASE = OpenCase(1, "（2024）浙0522民初1234号", None, EFFECTIVE, date(2026, 12, 6), EFFECTIVE)


def row(n: int, key: str, status: str, due_at: datetime, error: str | None = None) -> PlanRow:
    return PlanRow(n, 7, key, f"reminder.{key}", status, due_at, error)


def test_a_replan_moves_adds_and_cancels_pending_rows_and_never_resends_or_sends_late() -> None:
    old = planned(BUILT_IN, CASE, SHANGHAI)
    steps = (
        DEFAULT_PLAN[0],
        PlanStep("middle", "effective", 4, "10:00", "reminder.middle"),  # a day later
        PlanStep("eve", "due", -1, "18:00", "reminder.warning"),  # new
        DEFAULT_PLAN[3],  # the deadline, as it was; the warning is gone
    )
    new = planned(Schedule(steps, NIGHT, 3), CASE, SHANGHAI)
    rows = [
        row(1, "day0", "sent", old["day0"][1]),
        row(2, "middle", "pending", old["middle"][1]),
        row(3, "warning", "pending", old["warning"][1]),
        row(4, "deadline", "pending", old["deadline"][1]),
        PlanRow(5, 7, "instalment-1", "reminder.instalment", "pending", EFFECTIVE, None),
        PlanRow(6, 7, "decision:grace", "decision.grace", "pending", EFFECTIVE, None),
    ]
    now = EFFECTIVE + timedelta(days=1)
    found = changes(old, new, [7], rows, now)
    summary = [(c.change, c.step_key, c.row_id) for c in found]
    assert summary == [
        (Change.MOVED, "middle", 2),
        (Change.ADDED, "eve", None),
        (Change.CANCELLED, "warning", 3),
    ]  # day0 was sent: never again; the deadline kept its time; other rows are not a plan's
    assert found[0].due_at == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 day 4
    # later, the day-4 step has passed: not sent late, its pending row cancelled
    late = changes(old, new, [7], rows, datetime(2026, 12, 1, tzinfo=UTC))
    assert (Change.CANCELLED, "middle", 2) in [(c.change, c.step_key, c.row_id) for c in late]
    # a row an earlier re-plan cancelled comes back when a later version has its step again
    back = changes(new, old, [7], [row(3, "warning", "cancelled", now, REPLANNED)], now)
    assert (Change.REVIVED, "warning", 3) in [(c.change, c.step_key, c.row_id) for c in back]
    gone = changes(new, old, [7], [row(3, "warning", "cancelled", now, "case performed")], now)
    assert all(c.step_key != "warning" for c in gone)  # cancelled for its own reason: stays
