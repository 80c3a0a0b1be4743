"""What happens with time, not with a message: grace periods end, missed instalments are
noticed, officials' overdue tasks go one level up, silent debtors get a visit. Run every
minute by the scheduler; each pass commits what it did, so a crash loses nothing done."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.instalments import payment_name, payment_steps
from bot.domain.locales import STAFF_LOCALE
from bot.domain.money import format_yuan
from bot.domain.records import Done, Task
from bot.domain.schedules import by_delay
from bot.domain.status import CaseStatus, EventKind, Role, TaskStatus
from bot.domain.tasks import (
    ACTOR,
    ESCALATES,
    Outcome,
    TaskKind,
    parent_area,
)
from bot.domain.texts import format_date, render
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services import tasks
from bot.services.filings import assignee, judge_for

log = logging.getLogger(__name__)
BATCH = 200  # rows of each kind one pass handles; the next pass takes the rest


def t(key: str, **values: object) -> str:
    return render(key, STAFF_LOCALE, **values)


class FollowUps:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo) -> None:
        self._uow, self._clock, self._zone = uow, clock, zone

    async def run_once(self) -> int:
        """One pass; how many things it moved."""
        now = self._clock.now()
        done = 0
        for step in (self._end_graces, self._missed, self._escalate, self._silent):
            async with self._uow() as uow:
                done += await step(uow, now)
                await uow.commit()
        return done

    async def _end_graces(self, uow: UnitOfWork, now: datetime) -> int:
        """On its last day a grace period ends: the case is open again (the one reminder of
        that day was planned when it was granted)."""
        cases = await uow.cases.grace_ending(now.astimezone(self._zone).date(), BATCH)
        for case in cases:
            await uow.cases.set_status(case.id, CaseStatus.GRACE, CaseStatus.OPEN, now)
            await uow.cases.set_grace(case.id, None)
            await uow.events.add(case.id, EventKind.GRACE_ENDED, now)
        return len(cases)

    async def _missed(self, uow: UnitOfWork, now: datetime) -> int:
        """An instalment still unpaid the schedule's `missed_days` after its day: the plan is
        in default; the judge decides (back to open, or referred) and the official is told."""
        today = now.astimezone(self._zone).date()
        missed = []
        groups = by_delay(await uow.schedules.every(), lambda delays: delays.missed_days)
        for days, versions in groups.items():
            missed += await uow.instalments.missed_by(today - timedelta(days=days), BATCH, versions)
        for instalment in missed:
            if not await uow.instalments.miss(instalment.id):
                continue  # paid meanwhile
            case = await uow.cases.summary(instalment.case_id)
            filing = await uow.filings.get(instalment.filing_id)
            obligor = await uow.obligors.get(filing.obligor_id)
            await uow.reminders.cancel_steps(
                case.id, payment_steps(instalment.filing_id, instalment.seq), now
            )
            head = t(
                "notify.missed",
                case=case.case_number,
                name=obligor.name,
                payment=payment_name(instalment.seq, STAFF_LOCALE),
                amount=format_yuan(instalment.lacking_fen),
                date=format_date(instalment.due_on, STAFF_LOCALE),
            )
            await uow.events.add(case.id, EventKind.INSTALMENT_MISSED, now, seq=instalment.seq)
            judges = await judge_for(uow, case)
            if judges:
                await tasks.open_task(
                    uow,
                    case=case,
                    obligor=obligor,
                    kind=TaskKind.DEFAULT,
                    reason="instalment",
                    assignee=judges[0],
                    head=head,
                    now=now,
                    filing_id=filing.id,
                    detail={"seq": instalment.seq},
                )
            officials = await uow.users.officials_for(obligor.area_code)
            await tasks.queue_notice(
                uow, officials, case, obligor.id, head, f"missed:{instalment.id}", now
            )
        return len(missed)

    async def _escalate(self, uow: UnitOfWork, now: datetime) -> int:
        """An official's task nobody acted on in time goes one level up."""
        overdue = await uow.tasks.overdue(now, ESCALATES, BATCH)
        for task in overdue:
            await pass_up(uow, task, now)
        return len(overdue)

    async def _silent(self, uow: UnitOfWork, now: datetime) -> int:
        """A debtor who has not answered the schedule's `silent_days` after the judgment
        took effect: the official of the area calls or visits (once per case and debtor)."""
        found = []
        groups = by_delay(await uow.schedules.every(), lambda delays: delays.silent_days)
        for days, versions in groups.items():
            found += await uow.tasks.silent_debtors(now - timedelta(days=days), BATCH, versions)
        for case_id, obligor_id in found:
            case = await uow.cases.summary(case_id)
            obligor = await uow.obligors.get(obligor_id)
            phone = await uow.obligors.phone_of(obligor_id)
            head = t("notify.silent", case=case.case_number, name=obligor.name, phone=phone)
            person = await assignee(uow, Role.OFFICIAL, case, obligor, now)
            if person is not None:
                await tasks.open_task(
                    uow,
                    case=case,
                    obligor=obligor,
                    kind=TaskKind.FOLLOW_UP,
                    reason="silent",
                    assignee=person,
                    head=head,
                    now=now,
                )
        return len(found)


async def pass_up(uow: UnitOfWork, task: Task, now: datetime) -> int | None:
    """Closes an official's open task as escalated and opens it again one level up the area
    code (village → township → county → the court's admins → the judge), saying so on the
    timeline: for a task overdue, or one whose official was deactivated. The new task's id;
    None when the task was no longer open or there is nobody above."""
    return await _reopen(uow, task, now, "notify.escalated", EventKind.TASK_ESCALATED)


async def hand_over(uow: UnitOfWork, task: Task, now: datetime) -> int | None:
    """An open task of someone just deactivated, to whoever has it now: an official's goes
    one level up (`pass_up`); a judge's decision goes where a new one of the case would
    (`judge_for`: the case's active judge, else the court's admins). The new task's id;
    None when nobody else can take it (a creditor's consent, a debtor's offer)."""
    if task.kind in ESCALATES:
        return await pass_up(uow, task, now)
    if ACTOR.get(TaskKind(task.kind)) != Role.JUDGE:
        return None
    return await _reopen(uow, task, now, "notify.handed_over", EventKind.TASK_HANDED_OVER)


async def _reopen(
    uow: UnitOfWork, task: Task, now: datetime, notice: str, event: EventKind
) -> int | None:
    """Closes `task` (status escalated) and opens it again for who takes it over: an
    official's task one level up its area, a judge's for whoever decides for the case."""
    if not await tasks.close(uow, task, Done(Outcome.ESCALATED, now, status=TaskStatus.ESCALATED)):
        return None
    case = await uow.cases.summary(task.case_id)
    obligor = await uow.obligors.get(task.obligor_id)
    people = []
    if task.kind in ESCALATES:
        up = parent_area(task.area_code or "")
        people = await uow.users.officials_at(up) if up else []
        people = people or await uow.users.admins_of(case.court_id)
    if not people:
        people = await judge_for(uow, case)
    if not people:
        log.warning("task %s: nobody to take it over", task.id)
        return None
    head = t(
        notice,
        ref=task.id,
        case=case.case_number,
        name=obligor.name,
        what=t(f"task.what.{task.kind}.{task.reason}"),
    )
    new_id = await tasks.open_task(
        uow,
        case=case,
        obligor=obligor,
        kind=TaskKind(task.kind),
        reason=task.reason,
        assignee=people[0],
        head=head,
        now=now,
        filing_id=task.filing_id,
        detail=task.detail,
    )
    await uow.events.add(
        case.id,
        event,
        now,
        task_id=task.id,
        to_task=new_id,
        user_id=people[0].id,
        area_code=people[0].area_code,
    )
    return new_id
