"""The read models (bot/domain/views.py) as storage builds them: a case's view, the case lines
of a staff member's lists, the latest messages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy import case as when

from bot.domain import views
from bot.domain.access import AreaCases, CaseScope
from bot.domain.case_states import LIVE
from bot.domain.money import from_fen, still_owed
from bot.domain.status import (
    CaseStatus,
    Channel,
    Direction,
    InstalmentStatus,
    ReminderStatus,
    TaskStatus,
)
from bot.domain.tasks import options
from storage import tables as t
from storage.repositories._base import Repo
from storage.repositories.cases import in_area, visible

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def _payment(row: t.Instalment) -> views.PaymentView:
    """A plan's payment; one settled has been paid in full (whatever was kept toward it:
    payments settled before their sums were kept have none)."""
    settled = row.status == InstalmentStatus.PAID
    return views.PaymentView(
        plan=row.filing_id,
        seq=row.seq,
        due_on=row.due_on,
        amount=from_fen(row.amount_fen),
        paid=from_fen(row.amount_fen if settled else row.paid_fen),
        status=row.status,
    )


def _matching(search: views.CaseSearch) -> ColumnElement[bool]:
    """A case line whose number, debtor, creditor or debtor's phone contains the text."""
    creditor = select(t.User.id).where(
        t.User.id == t.Case.creditor_id, t.User.name.contains(search.text, autoescape=True)
    )
    phone = select(t.Contact.id).where(
        t.Contact.obligor_id == t.Obligor.id,
        t.Contact.address.contains(search.phone or search.text, autoescape=True),
    )
    return or_(
        t.Case.case_number.contains(search.text, autoescape=True),
        t.Obligor.name.contains(search.text, autoescape=True),
        creditor.exists(),
        phone.exists(),
    )


class ViewQueries(Repo):
    async def case(self, case_id: int) -> views.CaseView | None:
        if not 0 < case_id <= MAX_ID:  # no such row; PostgreSQL would refuse the value
            return None
        case = await self.session.get(t.Case, case_id)
        if case is None:
            return None
        court = await self.session.get(t.Court, case.court_id)
        judge = await self.session.get(t.User, case.judge_id)
        creditor = await self.session.get(t.User, case.creditor_id) if case.creditor_id else None
        obligors = (
            await self.session.execute(
                select(t.Obligor, t.Contact)
                .join(t.CaseObligor, t.CaseObligor.obligor_id == t.Obligor.id)
                .outerjoin(t.Contact, t.Contact.obligor_id == t.Obligor.id)
                .where(t.CaseObligor.case_id == case_id)
                .order_by(t.Obligor.id, t.Contact.id)
            )
        ).all()
        obligor_ids = sorted({o.id for o, _ in obligors})
        events = (
            await self.session.scalars(
                select(t.Event).where(t.Event.case_id == case_id).order_by(t.Event.at, t.Event.id)
            )
        ).all()
        messages = (
            await self.session.scalars(
                select(t.Message)
                .where(
                    or_(
                        t.Message.case_id == case_id,
                        (t.Message.case_id.is_(None)) & t.Message.obligor_id.in_(obligor_ids),
                    )
                )
                .order_by(t.Message.at, t.Message.id)
            )
        ).all()
        reminders = (
            await self.session.scalars(
                select(t.Reminder)
                .where(t.Reminder.case_id == case_id)
                .order_by(t.Reminder.due_at, t.Reminder.id)  # rows due together: as queued
            )
        ).all()
        payments = (
            await self.session.scalars(
                select(t.Instalment)
                .where(t.Instalment.case_id == case_id)
                .order_by(t.Instalment.id)  # plans in the order agreed, each in its order
            )
        ).all()
        filings = (
            await self.session.scalars(
                select(t.Filing)
                .where(t.Filing.case_id == case_id)
                .order_by(t.Filing.created_at, t.Filing.id)
            )
        ).all()
        decided = (
            await self.session.execute(
                select(t.Task, t.User.name)
                .outerjoin(t.User, t.User.id == t.Task.done_by)
                .where(
                    t.Task.case_id == case_id,
                    t.Task.filing_id.is_not(None),
                    t.Task.status == TaskStatus.DONE,
                )
                .order_by(t.Task.done_at, t.Task.id)
            )
        ).all()
        decisions: dict[int, list[views.DecisionView]] = {}
        for task, name in decided:
            decisions.setdefault(task.filing_id, []).append(
                views.DecisionView(
                    task_id=task.id,
                    task=task.kind,
                    user_id=task.done_by,
                    by=name,
                    outcome=task.outcome,
                    at=task.done_at,
                    reason=task.note,
                )
            )
        contacts: dict[int, list[views.ContactView]] = {}
        for obligor, contact in obligors:
            found = contacts.setdefault(obligor.id, [])
            if contact is not None:
                found.append(views.ContactView.model_validate(contact))
        people = {
            o.id: views.ObligorView(
                id=o.id,
                name=o.name,
                area_code=o.area_code,
                locale=o.locale,
                contacts=contacts[o.id],
            )
            for o, _ in obligors
        }
        timeline: list[views.EventEntry | views.MessageEntry] = [
            *map(views.EventEntry.model_validate, events),
            *map(views.MessageEntry.model_validate, messages),
        ]
        return views.CaseView(
            id=case.id,
            case_number=case.case_number,
            status=case.status,
            court=views.CourtRef.model_validate(court),
            judge=views.JudgeRef.model_validate(judge),
            creditor=views.PartyRef.model_validate(creditor) if creditor else None,
            amount_due=from_fen(case.amount_due_fen),
            paid=from_fen(case.paid_fen),
            currency=case.currency,
            obligations=case.obligations,
            effective_at=case.effective_at,
            performance_due=case.performance_due,
            obligors=list(people.values()),
            reminders=[
                views.ReminderView(
                    step=r.step_key,
                    due_at=r.due_at,
                    status=r.status,
                    attempts=r.attempts,
                    obligor_id=r.obligor_id,
                    error=r.last_error,
                )
                for r in reminders
            ],
            payments=[_payment(p) for p in payments],
            filings=[
                views.FilingView.model_validate(f).model_copy(
                    update={"decisions": decisions.get(f.id, [])}
                )
                for f in filings
            ],
            timeline=sorted(timeline, key=lambda item: item.at),
            staff=await self._named(events),
        )

    async def _named(self, events: Sequence[t.Event]) -> list[views.StaffRef]:
        """The staff members `events` name by id (who acted, who was told)."""
        ids = set()
        for event in events:
            detail = event.detail or {}
            ids.add(detail.get("user_id"))
            ids.update(person.get("user_id") for person in detail.get("notified") or [])
        ids.discard(None)
        if not ids:
            return []
        rows = await self.session.execute(
            select(t.User.id, t.User.name).where(t.User.id.in_(sorted(ids))).order_by(t.User.id)
        )
        return [views.StaffRef(id=id_, name=name) for id_, name in rows.all()]

    async def case_for(self, scope: CaseScope, case_id: int) -> views.CaseView | None:
        """The case, if `scope` lets one see it: None for a foreign case as for a missing one."""
        if not 0 < case_id <= MAX_ID:
            return None
        seen = await self.session.scalar(
            select(t.Case.id).where(t.Case.id == case_id, visible(scope))
        )
        return await self.case(case_id) if seen is not None else None

    async def change_stamp(self) -> str:
        """The newest event and message ids: a new one of either changes it."""
        event = await self.session.scalar(select(func.max(t.Event.id)))
        message = await self.session.scalar(select(func.max(t.Message.id)))
        return f"{event or 0}.{message or 0}"

    async def open_tasks(
        self, *, assignee_id: int | None = None, case_id: int | None = None, limit: int = 200
    ) -> list[views.TaskLine]:
        """Open staff tasks (not debtors' offers), of one assignee or of one case, due and
        overdue first; who may act on which is the caller's to judge (`may_act`)."""
        phone = (
            select(t.Contact.address)
            .where(t.Contact.obligor_id == t.Task.obligor_id, t.Contact.channel == Channel.SMS)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                t.Task,
                t.Case.case_number,
                t.Case.court_id,
                t.Case.amount_due_fen,
                t.Case.paid_fen,
                t.User.name,
                t.Obligor.name,
                phone,
                t.Filing,
            )
            .join(t.Case, t.Case.id == t.Task.case_id)
            .outerjoin(t.User, t.User.id == t.Task.assignee_id)
            .outerjoin(t.Obligor, t.Obligor.id == t.Task.obligor_id)
            .outerjoin(t.Filing, t.Filing.id == t.Task.filing_id)
            .where(t.Task.status == TaskStatus.OPEN, t.Task.assignee_id.is_not(None))
            .order_by(t.Task.due_at.is_(None), t.Task.due_at, t.Task.id)
            .limit(limit)
        )
        if assignee_id is not None:
            query = query.where(t.Task.assignee_id == assignee_id)
        if case_id is not None:
            query = query.where(t.Task.case_id == case_id)
        rows = (await self.session.execute(query)).all()
        return [
            views.TaskLine(
                id=task.id,
                case_id=task.case_id,
                case_number=number,
                court_id=court_id,
                kind=task.kind,
                reason=task.reason,
                filing_id=task.filing_id,
                obligor_id=task.obligor_id,
                assignee_id=task.assignee_id,
                assignee=assignee,
                obligor=obligor,
                obligor_phone=sms,
                area_code=task.area_code,
                due_at=task.due_at,
                created_at=task.created_at,
                options=list(options(task.kind, task.reason)),
                detail=dict(task.detail or {}),
                owed_fen=still_owed(due, paid),
                filing=views.FilingView.model_validate(filing) if filing is not None else None,
            )
            for task, number, court_id, due, paid, assignee, obligor, sms, filing in rows
        ]

    async def case_lines(
        self,
        scope: CaseScope,
        *,
        silent_only: bool = False,
        search: views.CaseSearch | None = None,
        limit: int = 30,
    ) -> list[views.CaseLine]:
        """Cases in `scope`, one line per debtor (an area's scope: only the debtors of that
        area), those awaiting a decision first, then oldest due first. `search` picks by text
        and status (default: the live states, bot/domain/case_states.py). `silent_only`: those
        whose debtor was reminded and has never written back."""
        search = search or views.CaseSearch()
        statuses = LIVE if search.status is None else (search.status,)
        answered = (
            select(t.Message.id)
            .where(t.Message.obligor_id == t.Obligor.id, t.Message.direction == Direction.IN)
            .exists()
        )
        query = (
            select(t.Case, t.Obligor, answered.label("answered"))
            .join(t.CaseObligor, t.CaseObligor.case_id == t.Case.id)
            .join(t.Obligor, t.Obligor.id == t.CaseObligor.obligor_id)
            .where(
                visible(scope),
                t.Case.status.in_(statuses),
            )
            .order_by(
                when((t.Case.status == CaseStatus.AWAITING_DECISION, 0), else_=1),
                t.Case.performance_due,
                t.Case.id,
                t.Obligor.id,
            )
            .limit(limit)
        )
        if isinstance(scope, AreaCases):
            query = query.where(in_area(scope.area_prefix))
        if search.text:
            query = query.where(_matching(search))
        if silent_only:
            reminded = select(t.Reminder.id).where(
                t.Reminder.obligor_id == t.Obligor.id,
                t.Reminder.case_id == t.Case.id,
                t.Reminder.status == ReminderStatus.SENT,
                t.Reminder.user_id.is_(None),
            )
            query = query.where(reminded.exists(), ~answered)
        return [
            views.CaseLine(
                case_id=case.id,
                case_number=case.case_number,
                status=case.status,
                amount_due=from_fen(case.amount_due_fen),
                performance_due=case.performance_due,
                obligor=obligor.name,
                area_code=obligor.area_code,
                answered=has_answered,
            )
            for case, obligor, has_answered in (await self.session.execute(query)).all()
        ]

    async def thread(
        self, address: str, *, limit: int, before: int | None = None, after: int | None = None
    ) -> list[views.ThreadMessage]:
        """Messages to and from one address, oldest first: the first `limit` after `after`,
        else the newest `limit` (before `before`)."""
        query = select(t.Message).where(t.Message.address == address)
        if after is not None:
            query = query.where(t.Message.id > min(after, MAX_ID)).order_by(t.Message.id)
        else:
            if before is not None:
                query = query.where(t.Message.id < min(before, MAX_ID))
            query = query.order_by(t.Message.id.desc())
        rows = list(await self.session.scalars(query.limit(limit)))
        if after is None:
            rows.reverse()
        return [views.ThreadMessage.model_validate(m) for m in rows]

    async def addresses(self, limit: int) -> list[views.AddressRow]:
        """The `limit` addresses with the latest messages, newest first, then the staff phones
        that have none; each named where we know it (a debtor by contact, staff by phone)."""
        latest = (
            select(t.Message.address, func.max(t.Message.id).label("last_id"))
            .group_by(t.Message.address)
            .order_by(func.max(t.Message.id).desc())
            .limit(limit)
            .subquery()
        )
        last_at = dict(
            (
                await self.session.execute(
                    select(latest.c.address, t.Message.at)
                    .join(t.Message, t.Message.id == latest.c.last_id)
                    .order_by(latest.c.last_id.desc())
                )
            ).all()
        )
        known = {
            address: (name, "debtor")
            for address, name in await self.session.execute(
                select(t.Contact.address, t.Obligor.name)
                .join(t.Obligor, t.Obligor.id == t.Contact.obligor_id)
                .where(t.Contact.address.in_(list(last_at)))
            )
        }
        staff = await self.session.execute(
            select(t.User.phone, t.User.name, t.User.role)
            .where(t.User.phone.is_not(None))
            .order_by(t.User.id.desc())  # a phone with several roles: the first one's
        )
        known |= {phone: (name, role) for phone, name, role in staff}
        addresses = list(last_at) + sorted(known.keys() - last_at.keys())
        return [
            views.AddressRow(
                address=address,
                last_at=last_at.get(address),
                name=known.get(address, (None, None))[0],
                role=known.get(address, (None, None))[1],
            )
            for address in addresses
        ]
