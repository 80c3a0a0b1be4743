"""Opening tasks for the people who act, and telling them and the debtor, through the outbox.

A task's notice names the task's reference `#<id>` and says how to answer; the dispatcher
offers the task's options as buttons in chat (bot/domain/tasks.py, NoticeRow). What is told to
the debtor about a decision goes through the same outbox, written in the debtor's language.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain.case_states import DECISION_STEP
from bot.domain.locales import STAFF_LOCALE
from bot.domain.money import format_yuan
from bot.domain.plan import CHAT_LINK_DELAY, FIRST_CALL_DUE
from bot.domain.records import (
    CaseSummary,
    Done,
    NewReminder,
    NewTask,
    Obligor,
    StaffMember,
    Task,
)
from bot.domain.schedules import Delays, Schedule
from bot.domain.sms import pages
from bot.domain.status import EventKind
from bot.domain.tasks import ESCALATES, NoticeRow, Outcome, TaskKind, options
from bot.domain.texts import render
from bot.ports import UnitOfWork

log = logging.getLogger(__name__)

NOTICE_SEGMENTS = 4  # a notice longer than this (a long asset list) goes in numbered parts


def option_list(kind: str, reason: str, locale: str = STAFF_LOCALE) -> str:
    """`1 同意 2 拒绝`: a task's numbered options."""
    return " ".join(
        f"{n} {render(f'task.option.{o}', locale)}" for n, o in enumerate(options(kind, reason), 1)
    )


def by_number(kind: str, reason: str) -> bool:
    """Whether a task is answered with its options' numbers (else with accept or reject)."""
    return kind not in (TaskKind.DECIDE, TaskKind.CONSENT) or reason == "hardship"


def how_to_answer(task_id: int, kind: str, reason: str) -> str:
    if not by_number(kind, reason):
        how = render("task.how.accept_reject", STAFF_LOCALE, ref=task_id)
        if reason == "paid":  # the sum that arrived, where it is not the one reported
            how += render("task.how.paid", STAFF_LOCALE, ref=task_id)
        return how
    how = render("task.how.options", STAFF_LOCALE, ref=task_id, options=option_list(kind, reason))
    if Outcome.GRACE in options(kind, reason):  # a grace period needs its last day
        how += render("task.how.grace", STAFF_LOCALE, ref=task_id)
    return how


async def queue_notice(
    uow: UnitOfWork,
    people: list[StaffMember],
    case: CaseSummary,
    obligor_id: int,
    text: str,
    key: str,
    now: datetime,
    template: str = "notice",
) -> None:
    """One outbox row per recipient and part; the key makes a second queueing of the same
    notice a no-op."""
    parts = pages(text, max_segments=NOTICE_SEGMENTS)
    await uow.reminders.add_many(
        [
            NewReminder(
                case.id,
                obligor_id,
                f"{key}:{person.id}" + (f":{n}" if n > 1 else ""),
                template,
                now,
                user_id=person.id,
                body=part,
            )
            for person in people
            for n, part in enumerate(parts, 1)
        ]
    )


async def open_task(
    uow: UnitOfWork,
    *,
    case: CaseSummary,
    obligor: Obligor,
    kind: TaskKind,
    reason: str,
    assignee: StaffMember,
    head: str,
    now: datetime,
    filing_id: int | None = None,
    due_at: datetime | None = None,
    detail: dict | None = None,
    notify_at: datetime | None = None,
) -> int:
    """Stores the task and queues its notice (at once, or at `notify_at`): `head` (what
    happened) and how to answer."""
    task_id = await uow.tasks.add(
        NewTask(
            case.id,
            kind,
            reason,
            now,
            obligor_id=obligor.id,
            filing_id=filing_id,
            assignee_id=assignee.id,
            area_code=assignee.area_code if kind in ESCALATES else None,
            due_at=due_at or (now + await follow_up_due(uow, case) if kind in ESCALATES else None),
            detail=detail or {},
        )
    )
    row = NoticeRow(task_id, kind, reason)
    text = f"{head}\n{how_to_answer(task_id, kind, reason)}"
    parts = pages(text, max_segments=NOTICE_SEGMENTS)
    await uow.reminders.add_many(
        [
            NewReminder(
                case.id,
                obligor.id,
                row.step_key(assignee.id) + (f":{n}" if n > 1 else ""),
                row.template,
                notify_at or now,
                user_id=assignee.id,
                body=part,
            )
            for n, part in enumerate(parts, 1)
        ]
    )
    await uow.events.add(
        case.id,
        EventKind.TASK_OPENED,
        now,
        task_id=task_id,
        task=kind,
        reason=reason,
        user_id=assignee.id,
        role=assignee.role,
        filing_id=filing_id,
    )
    return task_id


async def close(uow: UnitOfWork, task: Task, done: Done) -> bool:
    """Ends an open task as `done` and cancels its notice if it has not left yet: nobody is
    asked for what is done already. False when the task was no longer open."""
    if not await uow.tasks.finish(task.id, done):
        return False
    await uow.reminders.cancel_notices(task.case_id, task.id, done.at)
    return True


async def delays_of(uow: UnitOfWork, case: CaseSummary) -> Delays:
    """The follow-up delays of the schedule the case was planned with."""
    stored = await uow.schedules.get(case.schedule_id) if case.schedule_id is not None else None
    return Schedule.from_json(stored.body).delays if stored is not None else Delays()


async def follow_up_due(uow: UnitOfWork, case: CaseSummary) -> timedelta:
    """How long an official has for a task on this case before it goes one level up."""
    return timedelta(days=(await delays_of(uow, case)).follow_up_days)


async def tell_debtor(
    uow: UnitOfWork,
    case: CaseSummary,
    obligor: Obligor,
    text: str,
    key: str,
    now: datetime,
    template: str = "decision",
) -> None:
    """A message written for this debtor (a decision, a counter-proposal), in parts of two
    segments; it goes whatever the case's state (bot/domain/case_states.py)."""
    parts = pages(text)
    await uow.reminders.add_many(
        [
            NewReminder(
                case.id,
                obligor.id,
                f"{DECISION_STEP}{key}" + (f":{n}" if n > 1 else ""),
                template,
                now,
                body=part,
            )
            for n, part in enumerate(parts, 1)
        ]
    )


async def open_offer(
    uow: UnitOfWork,
    *,
    case: CaseSummary,
    obligor: Obligor,
    filing_id: int | None,
    terms: dict,
    now: datetime,
) -> int:
    """A counter-proposal waiting for the debtor's answer (1 accept, 2 refuse)."""
    task_id = await uow.tasks.add(
        NewTask(
            case.id,
            TaskKind.OFFER,
            "settle",
            now,
            obligor_id=obligor.id,
            filing_id=filing_id,
            detail={"terms": terms},
        )
    )
    await uow.events.add(
        case.id, EventKind.TASK_OPENED, now, task_id=task_id, task=TaskKind.OFFER, reason="settle"
    )
    return task_id


def offer_template() -> str:
    """The template of the message that carries a counter-proposal: its answers as buttons."""
    return NoticeRow(0, TaskKind.OFFER, "settle").template


async def first_call(uow: UnitOfWork, case_id: int, obligor_id: int, sent_at: datetime) -> None:
    """The official of the debtor's area calls them minutes after the reminder sent at
    `sent_at`, to ask whether there is any difficulty. Only an official: where none covers
    the area there is no first call (the judge's is the decision, not the call)."""
    obligor = await uow.obligors.get(obligor_id)
    officials = await uow.users.officials_for(obligor.area_code)
    if not officials:
        return
    case = await uow.cases.summary(case_id)
    head = render(
        "notify.first_call",
        STAFF_LOCALE,
        case=case.case_number,
        name=obligor.name,
        phone=await uow.obligors.phone_of(obligor_id),
        amount=format_yuan(case.owed_fen),
    )
    await open_task(
        uow,
        case=case,
        obligor=obligor,
        kind=TaskKind.FOLLOW_UP,
        reason="first_call",
        assignee=officials[0],
        head=head,
        now=sent_at,
        due_at=sent_at + FIRST_CALL_DUE,
        notify_at=sent_at + CHAT_LINK_DELAY,
    )
