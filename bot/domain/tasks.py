"""What staff act on: the kinds of task, the numbered options each offers, and who does it.

A task is shown to its assignee as `#<id>`. Its options are numbered from 1 in the order
below, so `#12 2` means the second option of task 12 whatever the channel; `同意 #12` and
`拒绝 #12 <理由>` pick the options named accept and reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.messages import Choice
from bot.domain.status import Role
from bot.domain.texts import render


class TaskKind(StrEnum):
    DECIDE = "decide"  # the judge decides a debtor's filing (settle, grace, paid, hardship)
    CONSENT = "consent"  # the creditor consents to a settlement the judge accepted
    VERIFY = "verify"  # the official verifies a hardship report
    FOLLOW_UP = "follow_up"  # the official reaches a debtor: silent, unreachable, call-back
    DEFAULT = "default"  # the judge decides on a plan whose instalment was missed
    OFFER = "offer"  # the debtor answers the judge's counter-proposal (no staff assignee)


class Outcome(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    # an official's verdict on a hardship report, then what a visit found
    TRUE = "true"
    FALSE = "false"
    REACHED = "reached"
    WILLING = "willing"
    NOT_FOUND = "not_found"
    MOVED = "moved"
    BACK = "back"  # back in the village: the judge is alerted at once
    # the judge, on a verified hardship report
    GRACE = "grace"
    EXIT = "exit"
    CONTINUE = "continue"
    # the judge, on a missed instalment
    REOPEN = "reopen"
    REFER = "refer"
    # not an option anyone picks: what the service records
    COUNTER = "counter"
    ESCALATED = "escalated"


_VISIT = (Outcome.REACHED, Outcome.WILLING, Outcome.NOT_FOUND, Outcome.MOVED, Outcome.BACK)
_YES_NO = (Outcome.ACCEPT, Outcome.REJECT)


def options(kind: str, reason: str) -> tuple[Outcome, ...]:
    """The numbered options of a task, in order (1 is the first)."""
    if kind == TaskKind.DECIDE and reason == "hardship":
        return (Outcome.GRACE, Outcome.EXIT, Outcome.CONTINUE)
    if kind == TaskKind.VERIFY:
        return (Outcome.TRUE, Outcome.FALSE, *_VISIT)
    if kind == TaskKind.FOLLOW_UP:
        return _VISIT
    if kind == TaskKind.DEFAULT:
        return (Outcome.REOPEN, Outcome.REFER)
    return _YES_NO


# What must come with an option: a reason the debtor reads, or a date.
NEEDS_REASON = frozenset({Outcome.REJECT})
NEEDS_DATE = frozenset({Outcome.GRACE})
MAX_NOTE = 500  # characters of a reason or note kept; a longer one is refused, not cut

# Who acts on each kind (the creditor consents; a debtor answers an offer in their own flow).
ACTOR: dict[TaskKind, str | None] = {
    TaskKind.DECIDE: Role.JUDGE,
    TaskKind.CONSENT: Role.CREDITOR,
    TaskKind.VERIFY: Role.OFFICIAL,
    TaskKind.FOLLOW_UP: Role.OFFICIAL,
    TaskKind.DEFAULT: Role.JUDGE,
    TaskKind.OFFER: None,
}

# Officials' tasks run out and go one level up the area code when nobody acted in time.
ESCALATES = frozenset({TaskKind.VERIFY, TaskKind.FOLLOW_UP})
# The delays (defaults; per-court schedules are the administration's to set).
FOLLOW_UP_DUE = timedelta(days=3)  # an official's task is due this long after it opens
SILENT_AFTER = timedelta(days=7)  # a debtor silent this long after day 0 gets a visit
MISSED_AFTER = timedelta(days=3)  # an instalment unpaid this long after its day is missed


def parent_area(code: str) -> str | None:
    """One level up: village (12 digits) → township (9) → county (6) → None (the court)."""
    return {12: code[:9], 9: code[:6]}.get(len(code))


@dataclass(frozen=True)
class NoticeRow:
    """How a task's notice is keyed in the outbox, so that the dispatcher can offer the
    task's options as buttons: step `task:<id>:<user>`, template `task:<kind>:<reason>`.
    Neither is a text of the catalogs."""

    task_id: int
    kind: str
    reason: str

    def step_key(self, user_id: int) -> str:
        return f"{self.stem(self.task_id)}{user_id}"

    @staticmethod
    def stem(task_id: int) -> str:
        """What the step keys of a task's notices begin with, whoever they are to."""
        return f"task:{task_id}:"

    @property
    def template(self) -> str:
        return f"task:{self.kind}:{self.reason}"

    @classmethod
    def parse(cls, step_key: str, template: str) -> NoticeRow | None:
        """The task a notice (or the debtor's counter-proposal, step `decision:offer<id>`)
        is about; None for any other row."""
        kind_reason = template.split(":")
        if len(kind_reason) != 3 or kind_reason[0] != "task":
            return None
        ref = step_key.split(":")[1].removeprefix("offer")
        return cls(int(ref), kind_reason[1], kind_reason[2]) if ref.isdigit() else None


def choices(row: NoticeRow, locale: str) -> tuple[Choice, ...]:
    """A task's options as buttons; each key is what one would type to pick it: `#12 1` for
    staff, `1` for a debtor answering a counter-proposal (the debtor's grammar has no `#`)."""
    picks = options(row.kind, row.reason)
    return tuple(
        Choice(
            str(n) if row.kind == TaskKind.OFFER else f"#{row.task_id} {n}",
            render(f"task.option.{outcome}", locale),
        )
        for n, outcome in enumerate(picks, 1)
    )
