"""Filing what a debtor declared or proposed, and telling the people who act on it.

Notices go through the same durable outbox as reminders: the judge of the case for assets,
proposals and payments; the official of the debtor's area (longest matching area-code prefix)
for hardship, call-back requests and debtors no reminder reaches (the admins are told of
those too), or the court's admins where no official is registered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.case_states import AWAITS_DECISION
from bot.domain.locales import STAFF_LOCALE
from bot.domain.records import CaseSummary, NewReminder, Obligor, StaffMember
from bot.domain.sms import pages
from bot.domain.status import CaseStatus, EventKind, Role
from bot.domain.texts import format_list, render
from bot.ports import UnitOfWork

# A notice longer than this many SMS segments (a long asset list) goes in numbered parts.
NOTICE_SEGMENTS = 4
ROUTES: dict[str, tuple[str, ...]] = {
    "assets": (Role.JUDGE,),
    "hardship": (Role.OFFICIAL, Role.JUDGE),
    "settle": (Role.JUDGE,),
    "grace": (Role.JUDGE,),
    "paid": (Role.JUDGE,),
    "agent": (Role.OFFICIAL,),
    "unreachable": (Role.OFFICIAL, Role.ADMIN),
}


async def recipients(
    uow: UnitOfWork, kind: str, case: CaseSummary, obligor: Obligor
) -> list[StaffMember]:
    people: list[StaffMember] = []
    for role in ROUTES[kind]:
        if role == Role.JUDGE:
            judge = await uow.users.judge_of(case.id)
            people += [judge] if judge else await uow.users.admins_of(case.court_id)
        elif role == Role.ADMIN:
            people += await uow.users.admins_of(case.court_id)
        else:
            officials = await uow.users.officials_for(obligor.area_code)
            people += officials or await uow.users.admins_of(case.court_id)
    unique = {person.id: person for person in people}
    return list(unique.values())


def notice_text(kind: str, case_number: str, obligor: Obligor, phone: str, summary: str) -> str:
    """What a staff member reads: the case, the debtor, how to reach them, the figures."""
    return render(
        f"notify.{kind}",
        STAFF_LOCALE,
        case=case_number,
        name=obligor.name,
        phone=phone,
        summary=summary,
    )


async def _queue_notices(
    uow: UnitOfWork,
    people: list[StaffMember],
    case: CaseSummary,
    obligor: Obligor,
    text: str,
    key: str,
    now: datetime,
) -> list[StaffMember]:
    """One outbox row per recipient and part; the key makes a second queueing of the same
    notice a no-op."""
    parts = pages(text, max_segments=NOTICE_SEGMENTS)
    await uow.reminders.add_many(
        [
            NewReminder(
                case.id,
                obligor.id,
                f"{key}:{person.id}" + (f":{n}" if n > 1 else ""),
                "notice",
                now,
                user_id=person.id,
                body=part,
            )
            for person in people
            for n, part in enumerate(parts, 1)
        ]
    )
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
    """No reminder can reach this debtor: the area's official must go in person, and the
    court's admins are told. Once per case and debtor, however many reminders fail after."""
    text = render(
        "notify.unreachable",
        STAFF_LOCALE,
        case=case.case_number,
        name=obligor.name,
        phone=phone,
        reason=reason,
    )
    people = await recipients(uow, "unreachable", case, obligor)
    await _queue_notices(uow, people, case, obligor, text, f"unreachable:{obligor.id}", now)


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
    """Files `payload` on each case, queues the notices and returns the filing ids."""
    ids = []
    for case in cases:
        filing_id = await uow.filings.add(
            case_id=case.id, obligor_id=obligor.id, kind=kind, payload=payload, at=now
        )
        ids.append(filing_id)
        people = await recipients(uow, kind, case, obligor)
        if case is cases[0]:
            first = people
        if kind != "agent":  # one call back a day, whatever the number of cases: below
            text = notice_text(kind, case.case_number, obligor, phone, summary)
            await _queue_notices(uow, people, case, obligor, text, f"notice:{filing_id}", now)
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
    if kind == "agent" and cases:
        # Asked again the same day (the debtor's day): recorded above, passed on once. The
        # notice names every case and is queued on the first, so its key stays the same.
        numbers = format_list([case.case_number for case in cases], STAFF_LOCALE)
        text = notice_text(kind, numbers, obligor, phone, summary)
        day = now.astimezone(ZoneInfo(obligor.timezone)).date()
        await _queue_notices(uow, first, cases[0], obligor, text, f"callback:{day}", now)
    return ids
