"""Filing what a debtor declared or proposed, and giving it to the people who act on it.

A proposal, a grace request or a payment report is a task for the judge of the case to
decide; a hardship report, a call-back request or a debtor no reminder reaches is a task for
the official of the debtor's area (longest matching area-code prefix), the judge being told
of the hardship report and the admins of the unreachable debtor. Assets are told to the judge.
Tasks and notices go through the same durable outbox as reminders (bot/services/tasks.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.domain.case_states import AWAITS_DECISION
from bot.domain.locales import STAFF_LOCALE
from bot.domain.records import CaseSummary, Obligor, StaffMember
from bot.domain.status import CaseStatus, EventKind, Role
from bot.domain.tasks import TaskKind
from bot.domain.texts import format_list, render
from bot.ports import UnitOfWork
from bot.services import tasks

log = logging.getLogger(__name__)

# Who is told of each kind of filing, and who gets a task to act on it.
TOLD: dict[str, tuple[str, ...]] = {
    "assets": (Role.JUDGE,),
    "hardship": (Role.JUDGE,),
    "unreachable": (Role.ADMIN,),
}
TASKS: dict[str, tuple[TaskKind, str]] = {
    "settle": (TaskKind.DECIDE, Role.JUDGE),
    "grace": (TaskKind.DECIDE, Role.JUDGE),
    "paid": (TaskKind.DECIDE, Role.JUDGE),
    "hardship": (TaskKind.VERIFY, Role.OFFICIAL),
    "agent": (TaskKind.FOLLOW_UP, Role.OFFICIAL),
    "unreachable": (TaskKind.FOLLOW_UP, Role.OFFICIAL),
}


async def judge_for(uow: UnitOfWork, case: CaseSummary) -> list[StaffMember]:
    """The judge of the case, or the court's admins where it has none."""
    judge = await uow.users.judge_of(case.id)
    return [judge] if judge else await uow.users.admins_of(case.court_id)


async def assignee(
    uow: UnitOfWork, role: str, case: CaseSummary, obligor: Obligor, now: datetime
) -> StaffMember | None:
    """Who acts: the judge, or the official of the debtor's area (longest area-code prefix).
    With no official registered the judge acts, and that is logged and put on the timeline,
    so nobody is promised a visit no one will make."""
    if role == Role.OFFICIAL:
        officials = await uow.users.officials_for(obligor.area_code)
        if officials:
            return officials[0]
        log.warning("case %s: no official for area %s; the judge acts", case.id, obligor.area_code)
        await uow.events.add(
            case.id, EventKind.NO_OFFICIAL, now, area_code=obligor.area_code, obligor_id=obligor.id
        )
    people = await judge_for(uow, case)
    return people[0] if people else None


async def told(uow: UnitOfWork, kind: str, case: CaseSummary) -> list[StaffMember]:
    people: list[StaffMember] = []
    for role in TOLD.get(kind, ()):
        people += (
            await judge_for(uow, case)
            if role == Role.JUDGE
            else await uow.users.admins_of(case.court_id)
        )
    return people


async def _route(
    uow: UnitOfWork,
    kind: str,
    case: CaseSummary,
    obligor: Obligor,
    said: dict[str, str],
    key: str,
    now: datetime,
    filing_id: int | None = None,
) -> list[StaffMember]:
    """The task for whoever acts, the notice for whoever is told; returns them all. The notice
    is `notify.<kind>` with `said` (the case, the debtor, how to reach them, what they filed);
    beside a task, those told read who acts on it (`notify.<kind>.told`), not what to do."""
    text = render(f"notify.{kind}", STAFF_LOCALE, **said)
    people = await told(uow, kind, case)
    if kind in TASKS:
        task_kind, role = TASKS[kind]
        person = await assignee(uow, role, case, obligor, now)
        if person is not None:
            reason = "callback" if kind == "agent" else kind
            await tasks.open_task(
                uow,
                case=case,
                obligor=obligor,
                kind=task_kind,
                reason=reason,
                assignee=person,
                head=text,
                now=now,
                filing_id=filing_id,
            )
            people = [p for p in people if p.id != person.id]
            if people:
                copy = render(f"notify.{kind}.told", STAFF_LOCALE, **said, assignee=person.name)
                await tasks.queue_notice(uow, people, case, obligor.id, copy, key, now)
            return [person, *people]
    await tasks.queue_notice(uow, people, case, obligor.id, text, key, now)
    return people


async def follow_up_in_person(
    uow: UnitOfWork,
    *,
    case: CaseSummary,
    obligor: Obligor,
    phone: str,
    reason: str,
    now: datetime,
) -> None:
    """No reminder can reach this debtor: the area's official must go in person (a task),
    and the court's admins are told. Once per case and debtor, however many reminders fail."""
    if await uow.tasks.exists(case.id, obligor.id, "unreachable"):
        return
    said = {"case": case.case_number, "name": obligor.name, "phone": phone, "reason": reason}
    await _route(uow, "unreachable", case, obligor, said, f"unreachable:{obligor.id}", now)


async def _call_back(
    uow: UnitOfWork, cases: list[CaseSummary], obligor: Obligor, phone: str, summary: str, now
) -> list[StaffMember]:
    """One call-back task naming every case, on the first: asked again while it is open, the
    request is recorded and not passed on again."""
    if await uow.tasks.exists(cases[0].id, obligor.id, "callback", open_only=True):
        return []
    numbers = format_list([case.case_number for case in cases], STAFF_LOCALE)
    said = {"case": numbers, "name": obligor.name, "phone": phone, "summary": summary}
    return await _route(uow, "agent", cases[0], obligor, said, "callback", now)


async def file(
    uow: UnitOfWork,
    *,
    kind: str,
    payload: dict[str, Any],
    cases: list[CaseSummary],
    obligor: Obligor,
    phone: str,
    summary: str,
    now: datetime,
) -> list[int]:
    """Files `payload` on each case, routes it and returns the filing ids."""
    ids = []
    called = await _call_back(uow, cases, obligor, phone, summary, now) if kind == "agent" else []
    for case in cases:
        filing_id = await uow.filings.add(
            case_id=case.id, obligor_id=obligor.id, kind=kind, payload=payload, at=now
        )
        ids.append(filing_id)
        people = called
        if kind != "agent":
            said = {
                "case": case.case_number,
                "name": obligor.name,
                "phone": phone,
                "summary": summary,
            }
            people = await _route(
                uow, kind, case, obligor, said, f"notice:{filing_id}", now, filing_id
            )
        if kind in AWAITS_DECISION and case.status == CaseStatus.OPEN:
            await uow.cases.set_status(case.id, case.status, CaseStatus.AWAITING_DECISION, now)
        await uow.events.add(
            case.id,
            EventKind.filed(kind),
            now,
            filing_id=filing_id,
            obligor_id=obligor.id,
            notified=[{"role": p.role, "user_id": p.id} for p in people],
        )
    return ids
