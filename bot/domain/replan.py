"""Re-planning a case to a new version of its court's schedule: what changes in its outbox.

Only the rows of plan steps are touched: a decision told to the debtor, instalment reminders,
the grace period's last-day reminder, notices to staff and the chat invitation are not steps
of any plan (their keys cannot be a step's, bot/domain/schedules.py) and are left alone. Per
debtor and step, comparing the times the old and the new version give the case (both planned
as at its registration, quiet hours applied):

- a step with no row: added, if its time is still ahead;
- a pending row: left alone if the step's time and text did not change; else moved to the new
  time if that is still ahead, and cancelled if it has passed (a reminder is never sent late
  because of a re-plan); a pending row of a step the new version does not have: cancelled;
- a row sent, failed, being sent, or cancelled for any other reason: never touched (nothing is
  sent twice), but a row an earlier re-plan cancelled comes back (revived) when a later version
  has the step again with its time still ahead.
A row is changed in place, so there are never two rows of one (case, debtor, step).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.plan import PlanStep, schedule
from bot.domain.schedules import Schedule, is_plan_key
from bot.domain.status import ReminderStatus

REPLANNED = "replanned"  # the last_error of a row a re-plan cancelled


class Change(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CANCELLED = "cancelled"
    REVIVED = "revived"


@dataclass(frozen=True)
class PlanRow:
    """A debtor's outbox row of a plan step, as it is now."""

    id: int
    obligor_id: int
    step_key: str
    template: str
    status: str
    due_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class OpenCase:
    id: int
    case_number: str
    schedule_id: int | None
    effective_at: datetime
    performance_due: date
    created_at: datetime  # when it was registered (and planned)


@dataclass(frozen=True)
class RowChange:
    change: Change
    obligor_id: int
    step: PlanStep | None  # None for a cancellation
    step_key: str
    due_at: datetime | None  # the new time; None for a cancellation
    row_id: int | None = None  # None for a row to add


def planned(
    rules: Schedule, case: OpenCase, zone: ZoneInfo
) -> dict[str, tuple[PlanStep, datetime]]:
    """The case's steps and times under `rules`, as planned when it was registered."""
    steps = schedule(
        rules.steps,
        case.effective_at,
        case.performance_due,
        now=case.created_at,
        zone=zone,
        quiet=rules.quiet,
    )
    return {step.key: (step, at) for step, at in steps}


def changes(
    old: dict[str, tuple[PlanStep, datetime]],
    new: dict[str, tuple[PlanStep, datetime]],
    obligor_ids: list[int],
    rows: list[PlanRow],
    now: datetime,
) -> list[RowChange]:
    """What the re-plan does to one case's rows (the rules above)."""
    rows = [row for row in rows if is_plan_key(row.step_key)]
    by_key = {(row.obligor_id, row.step_key): row for row in rows}
    out = []
    for obligor_id in obligor_ids:
        for key, (step, at) in new.items():
            row = by_key.get((obligor_id, key))
            ahead = at > now
            if row is None:
                if ahead:
                    out.append(RowChange(Change.ADDED, obligor_id, step, key, at))
            elif row.status == ReminderStatus.PENDING:
                was = old.get(key)
                if was is not None and was[1] == at and was[0].template == step.template:
                    continue
                if ahead:
                    out.append(RowChange(Change.MOVED, obligor_id, step, key, at, row.id))
                else:
                    out.append(RowChange(Change.CANCELLED, obligor_id, None, key, None, row.id))
            elif row.status == ReminderStatus.CANCELLED and row.last_error == REPLANNED and ahead:
                out.append(RowChange(Change.REVIVED, obligor_id, step, key, at, row.id))
        for row in rows:
            if (
                row.obligor_id == obligor_id
                and row.step_key not in new
                and row.status == ReminderStatus.PENDING
            ):
                out.append(
                    RowChange(Change.CANCELLED, obligor_id, None, row.step_key, None, row.id)
                )
    return out


def count(found: list[RowChange]) -> Counter[str]:
    return Counter(change.change.value for change in found)
