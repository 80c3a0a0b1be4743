"""Reminder plans: which reminders a debtor gets, and when."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.quiet_hours import QuietHours, defer_out_of_quiet

DUE_DEFAULT = time(9)  # the local time of a due-anchored step that names none


@dataclass(frozen=True)
class PlanStep:
    """One reminder: `days` after the anchor day at local time `at` (None: the anchor instant).
    `follow_up`: it also opens a task for the official of the debtor's area to call them."""

    key: str
    anchor: Literal["effective", "due"]
    days: int
    at: str | None
    template: str
    follow_up: bool = False

    def when(self, effective_at: datetime, due: date, zone: ZoneInfo) -> datetime:
        if self.anchor == "effective" and self.at is None:
            return (effective_at + timedelta(days=self.days)).astimezone(UTC)
        base = effective_at.astimezone(zone).date() if self.anchor == "effective" else due
        local_time = time.fromisoformat(self.at) if self.at else DUE_DEFAULT
        local = datetime.combine(base + timedelta(days=self.days), local_time, tzinfo=zone)
        return local.astimezone(UTC)


DEFAULT_PLAN: tuple[PlanStep, ...] = (
    # The seed's first call: minutes after the day-0 SMS the village secretary calls the debtor
    # to ask whether there is any difficulty in performing.
    PlanStep("day0", "effective", 0, None, "reminder.day0", follow_up=True),
    PlanStep("middle", "effective", 3, "10:00", "reminder.middle"),
    PlanStep("warning", "due", -2, "10:00", "reminder.warning"),
    PlanStep("deadline", "due", 0, "09:00", "reminder.deadline"),
)

# Not a reminder of any plan: when Telegram is on, one SMS after the first reminder invites
# the debtor to chat by a one-time deep link. It does not count against the weekly cap.
CHAT_LINK = PlanStep("chat_link", "effective", 0, None, "chat.invite")
CHAT_LINK_DELAY = timedelta(minutes=1)  # after the first reminder, never before it
FIRST_CALL_DUE = timedelta(hours=1)  # the official's call after a `follow_up` step is due in


def plan_to_json(plan: tuple[PlanStep, ...]) -> list[dict]:
    return [asdict(step) for step in plan]


MIN_GAP = timedelta(hours=12)


def schedule(
    plan: tuple[PlanStep, ...],
    effective_at: datetime,
    due: date,
    *,
    now: datetime,
    zone: ZoneInfo,
    quiet: QuietHours | None,
) -> list[tuple[PlanStep, datetime]]:
    """The steps to send with their UTC times, in time order.

    The first step always goes (at once if its time has passed). Another step goes only if it
    falls after the first one, before the end of the due day, and at least MIN_GAP from every step
    kept: where steps crowd together (a short deadline), the later ones in the plan win — the
    warning of the consequences and the deadline matter more than a middle reminder. Quiet
    hours then move a time, never drop it.
    """
    first, *rest = plan
    end_of_due = datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone)
    start = max(first.when(effective_at, due, zone), now)
    kept = [(first, start)]
    for step in reversed(rest):
        at = step.when(effective_at, due, zone)
        if start < at < end_of_due and all(abs(at - other) >= MIN_GAP for _, other in kept):
            kept.append((step, at))
    kept.sort(key=lambda item: item[1])
    return [(step, defer_out_of_quiet(at, quiet, zone)) for step, at in kept]
