"""Repositories: queries and writes behind the ports. They flush, never commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import records
from bot.domain.areas import prefixes
from bot.domain.channels import channel_order
from bot.domain.plan import CHAT_LINK
from bot.domain.status import (
    CaseStatus,
    Channel,
    ContactStatus,
    ReminderStatus,
    Role,
    later_status,
)
from bot.ports import Conflict
from storage import tables as t

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(str(exc.orig)) from exc


def _insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return stmt.on_conflict_do_nothing()


def _obligor(row: t.Obligor) -> records.Obligor:
    return records.Obligor(row.id, row.name, row.area_code, row.locale, row.timezone)


def _contact(row: t.Contact) -> records.Contact:
    return records.Contact(row.id, row.obligor_id, row.channel, row.address, row.status)


def _staff(row: t.User) -> records.StaffMember:
    return records.StaffMember(
        row.id, row.role, row.name, row.phone, row.telegram_chat_id, row.court_id, row.area_code
    )


def _case(row: t.Case) -> records.CaseSummary:
    return records.CaseSummary(
        row.id, row.case_number, row.court_id, row.status, row.amount_due_fen, row.performance_due
    )


PURGED = "(erased)"
RECENT_REMINDERS = 20  # more than any weekly cap a court would set


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class CourtRepository(_Repo):
    async def ensure(self, code: str, name: str, default_plan: list[dict]) -> int:
        court = await self.session.scalar(select(t.Court).where(t.Court.code == code))
        if court is None:
            court = t.Court(code=code, name=name, reminder_plan=default_plan)
            self.session.add(court)
            await _flush(self.session)
        return court.id

    async def set_channel_order(self, code: str, order: list[str]) -> bool:
        result = await self.session.execute(
            update(t.Court).where(t.Court.code == code).values(channel_order=order)
        )
        return bool(result.rowcount)

    async def plan(self, court_id: int) -> list[dict] | None:
        return await self.session.scalar(
            select(t.Court.reminder_plan).where(t.Court.id == court_id)
        )


class UserRepository(_Repo):
    async def ensure(
        self,
        *,
        role: str,
        name: str,
        phone: str | None,
        court_id: int | None,
        area_code: str | None = None,
        telegram_chat_id: int | None = None,
    ) -> int:
        user = None
        if phone:
            user = await self.session.scalar(
                select(t.User).where(t.User.role == role, t.User.phone == phone)
            )
        if user is None:
            user = t.User(role=role, name=name, phone=phone, court_id=court_id)
            self.session.add(user)
        user.name = name
        user.court_id = court_id or user.court_id
        user.area_code = area_code or user.area_code
        user.telegram_chat_id = telegram_chat_id or user.telegram_chat_id
        await _flush(self.session)
        return user.id

    async def list(self, role: str | None = None) -> list[dict[str, Any]]:
        query = select(t.User).order_by(t.User.id)
        if role:
            query = query.where(t.User.role == role)
        users = (await self.session.scalars(query)).all()
        return [
            {
                "id": u.id,
                "role": u.role,
                "name": u.name,
                "phone": u.phone,
                "area_code": u.area_code,
                "court_id": u.court_id,
            }
            for u in users
        ]

    async def by_telegram_chat(self, chat_id: int) -> records.StaffMember | None:
        user = await self.session.scalar(
            select(t.User).where(
                t.User.telegram_chat_id == chat_id,
                t.User.role.in_([Role.JUDGE, Role.OFFICIAL, Role.ADMIN]),
            )
        )
        return _staff(user) if user else None

    async def set_telegram_chat(self, user_id: int, chat_id: int | None) -> None:
        """Links a chat to one staff member (unlinking it from anyone else), or unlinks."""
        if chat_id is not None:
            await self.session.execute(
                update(t.User)
                .where(t.User.telegram_chat_id == chat_id)
                .values(telegram_chat_id=None)
            )
        await self.session.execute(
            update(t.User).where(t.User.id == user_id).values(telegram_chat_id=chat_id)
        )

    async def get(self, user_id: int) -> records.StaffMember | None:
        user = await self.session.get(t.User, user_id)
        return _staff(user) if user else None

    async def judge_of(self, case_id: int) -> records.StaffMember | None:
        user = await self.session.scalar(
            select(t.User).join(t.Case, t.Case.judge_id == t.User.id).where(t.Case.id == case_id)
        )
        return _staff(user) if user else None

    async def officials_for(self, area_code: str) -> list[records.StaffMember]:
        for prefix in prefixes(area_code):
            users = (
                await self.session.scalars(
                    select(t.User)
                    .where(t.User.role == Role.OFFICIAL, t.User.area_code == prefix)
                    .order_by(t.User.id)
                )
            ).all()
            if users:
                return [_staff(u) for u in users]
        return []

    async def admins_of(self, court_id: int) -> list[records.StaffMember]:
        users = (
            await self.session.scalars(
                select(t.User)
                .where(t.User.role == Role.ADMIN, t.User.court_id == court_id)
                .order_by(t.User.id)
            )
        ).all()
        return [_staff(u) for u in users]


class AreaRepository(_Repo):
    async def ensure(self, code: str, name: str) -> None:
        area = await self.session.get(t.Area, code)
        if area is None:
            self.session.add(t.Area(code=code, name=name))
        else:
            area.name = name
        await _flush(self.session)


class CaseRepository(_Repo):
    async def id_by_number(self, case_number: str) -> int | None:
        return await self.session.scalar(select(t.Case.id).where(t.Case.case_number == case_number))

    async def add(
        self,
        *,
        case_number: str,
        court_id: int,
        judge_id: int,
        creditor_id: int | None,
        amount_due_fen: int,
        obligations: str,
        effective_at: datetime,
        performance_due: date,
        created_at: datetime,
    ) -> int:
        case = t.Case(
            case_number=case_number,
            court_id=court_id,
            judge_id=judge_id,
            creditor_id=creditor_id,
            amount_due_fen=amount_due_fen,
            obligations=obligations,
            effective_at=effective_at,
            performance_due=performance_due,
            status=CaseStatus.OPEN,
            created_at=created_at,
        )
        self.session.add(case)
        await _flush(self.session)
        return case.id

    def _visible_to(self, staff: records.StaffMember) -> Any:
        """The one rule of who sees which case: a judge their own, an official those with a
        debtor in their area, an admin their court's; anyone else nothing."""
        if staff.role == Role.JUDGE:
            return t.Case.judge_id == staff.id
        if staff.role == Role.OFFICIAL and staff.area_code:
            in_area = (
                select(t.CaseObligor.case_id)
                .join(t.Obligor, t.Obligor.id == t.CaseObligor.obligor_id)
                .where(t.Obligor.area_code.startswith(staff.area_code, autoescape=True))
            )
            return t.Case.id.in_(in_area)
        if staff.role == Role.ADMIN and staff.court_id is not None:
            return t.Case.court_id == staff.court_id
        return false()

    async def live_for(
        self, staff: records.StaffMember, *, silent_only: bool = False, limit: int = 30
    ) -> list[dict[str, Any]]:
        """Open and paused cases the staff member may see, oldest due first. `silent_only`:
        those whose debtor was reminded and has never written back."""
        query = (
            select(t.Case, t.Obligor)
            .join(t.CaseObligor, t.CaseObligor.case_id == t.Case.id)
            .join(t.Obligor, t.Obligor.id == t.CaseObligor.obligor_id)
            .where(
                self._visible_to(staff),
                t.Case.status.in_([CaseStatus.OPEN, CaseStatus.PAUSED]),
            )
            .order_by(t.Case.performance_due, t.Case.id, t.Obligor.id)
            .limit(limit)
        )
        if staff.role == Role.OFFICIAL and staff.area_code:  # only the debtors of their area
            query = query.where(t.Obligor.area_code.startswith(staff.area_code, autoescape=True))
        if silent_only:
            reminded = select(t.Reminder.id).where(
                t.Reminder.obligor_id == t.Obligor.id,
                t.Reminder.case_id == t.Case.id,
                t.Reminder.status == ReminderStatus.SENT,
                t.Reminder.user_id.is_(None),
            )
            answered = select(t.Message.id).where(
                t.Message.obligor_id == t.Obligor.id, t.Message.direction == "in"
            )
            query = query.where(reminded.exists(), ~answered.exists())
        return [
            {
                "case_number": case.case_number,
                "status": case.status,
                "amount_due_fen": case.amount_due_fen,
                "performance_due": case.performance_due,
                "obligor": obligor.name,
                "area_code": obligor.area_code,
            }
            for case, obligor in (await self.session.execute(query)).all()
        ]

    async def visible_id(self, staff: records.StaffMember, case_number: str) -> int | None:
        return await self.session.scalar(
            select(t.Case.id).where(t.Case.case_number == case_number, self._visible_to(staff))
        )

    async def link_obligor(self, case_id: int, obligor_id: int) -> None:
        await self.session.execute(
            _insert_ignoring_duplicates(self.session, t.CaseObligor).values(
                case_id=case_id, obligor_id=obligor_id
            )
        )

    async def set_status(self, case_id: int, status: str, at: datetime) -> None:
        """Open and paused cases are live; any other status closes the case at `at`."""
        live = status in (CaseStatus.OPEN, CaseStatus.PAUSED)
        await self.session.execute(
            update(t.Case)
            .where(t.Case.id == case_id)
            .values(status=status, closed_at=None if live else at)
        )

    async def purge_closed_before(self, before: datetime, at: datetime) -> int:
        """Erases the personal data of cases closed before `before`; returns how many.

        The case keeps its number, figures and timeline events (the outcome statistics);
        its messages and filings lose their text; an obligor loses name, ID number and
        addresses once none of their cases is live or unpurged.
        """
        ids = list(
            await self.session.scalars(
                select(t.Case.id).where(
                    t.Case.closed_at.is_not(None),
                    t.Case.closed_at < before,
                    t.Case.purged_at.is_(None),
                )
            )
        )
        if not ids:
            return 0
        await self.session.execute(
            update(t.Message).where(t.Message.case_id.in_(ids)).values(text=PURGED, address=PURGED)
        )
        await self.session.execute(
            update(t.Filing).where(t.Filing.case_id.in_(ids)).values(payload={})
        )
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.case_id.in_(ids), t.Reminder.body.is_not(None))
            .values(body=PURGED)
        )
        await self.session.execute(update(t.Case).where(t.Case.id.in_(ids)).values(purged_at=at))
        still_needed = (
            select(t.CaseObligor.obligor_id)
            .join(t.Case, t.Case.id == t.CaseObligor.case_id)
            .where(t.Case.purged_at.is_(None))
        )
        gone = list(
            await self.session.scalars(
                select(t.CaseObligor.obligor_id).where(
                    t.CaseObligor.case_id.in_(ids), t.CaseObligor.obligor_id.not_in(still_needed)
                )
            )
        )
        if gone:
            await self.session.execute(
                update(t.Obligor)
                .where(t.Obligor.id.in_(gone))
                .values(name=PURGED, id_number_encrypted=None, id_number_hash=None, purged_at=at)
            )
            await self.session.execute(
                update(t.Message)
                .where(t.Message.obligor_id.in_(gone))
                .values(text=PURGED, address=PURGED)
            )
            for contact in await self.session.scalars(
                select(t.Contact).where(t.Contact.obligor_id.in_(gone))
            ):
                contact.address = f"{PURGED}:{contact.id}"  # unique per channel
                contact.status = "purged"
            await _flush(self.session)
        return len(ids)

    async def view(self, case_id: int) -> dict[str, Any] | None:
        if not 0 < case_id <= MAX_ID:  # no such row; PostgreSQL would refuse the value
            return None
        case = await self.session.get(t.Case, case_id)
        if case is None:
            return None
        court = await self.session.get(t.Court, case.court_id)
        judge = await self.session.get(t.User, case.judge_id)
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
                select(t.Reminder).where(t.Reminder.case_id == case_id).order_by(t.Reminder.due_at)
            )
        ).all()
        people: dict[int, dict[str, Any]] = {}
        for obligor, contact in obligors:
            entry = people.setdefault(
                obligor.id,
                {
                    "id": obligor.id,
                    "name": obligor.name,
                    "area_code": obligor.area_code,
                    "locale": obligor.locale,
                    "contacts": [],
                },
            )
            if contact is not None:
                entry["contacts"].append(
                    {
                        "channel": contact.channel,
                        "address": contact.address,
                        "status": contact.status,
                    }
                )
        return {
            "id": case.id,
            "case_number": case.case_number,
            "status": case.status,
            "court": {"code": court.code, "name": court.name},
            "judge": {"id": judge.id, "name": judge.name},
            "amount_due": f"{case.amount_due_fen / 100:.2f}",
            "currency": case.currency,
            "obligations": case.obligations,
            "effective_at": case.effective_at.isoformat(),
            "performance_due": case.performance_due.isoformat(),
            "obligors": list(people.values()),
            "reminders": [
                {
                    "step": r.step_key,
                    "due_at": r.due_at.isoformat(),
                    "status": r.status,
                    "attempts": r.attempts,
                    "obligor_id": r.obligor_id,
                    "error": r.last_error,
                }
                for r in reminders
            ],
            "timeline": sorted(
                [
                    {"type": "event", "kind": e.kind, "at": e.at.isoformat(), "detail": e.detail}
                    for e in events
                ]
                + [
                    {
                        "type": "message",
                        "direction": m.direction,
                        "channel": m.channel,
                        "address": m.address,
                        "text": m.text,
                        "status": m.status,
                        "provider_id": m.provider_id,
                        "at": m.at.isoformat(),
                    }
                    for m in messages
                ],
                key=lambda item: item["at"],
            ),
        }


class ObligorRepository(_Repo):
    async def ensure(
        self,
        *,
        name: str,
        phone: str,
        area_code: str,
        locale: str,
        timezone: str,
        telegram_chat_id: int | None,
        id_number_encrypted: str | None = None,
        id_number_hash: str | None = None,
    ) -> int:
        contact = await self.session.scalar(
            select(t.Contact).where(t.Contact.channel == Channel.SMS, t.Contact.address == phone)
        )
        if contact is not None:
            obligor = await self.session.get(t.Obligor, contact.obligor_id)
            obligor.name, obligor.area_code, obligor.locale = name, area_code, locale
        else:
            obligor = t.Obligor(name=name, area_code=area_code, locale=locale, timezone=timezone)
            self.session.add(obligor)
            await _flush(self.session)
            self.session.add(t.Contact(obligor_id=obligor.id, channel=Channel.SMS, address=phone))
        if id_number_hash is not None:
            obligor.id_number_encrypted, obligor.id_number_hash = (
                id_number_encrypted,
                id_number_hash,
            )
        if telegram_chat_id is not None:
            await self.session.execute(
                _insert_ignoring_duplicates(self.session, t.Contact).values(
                    obligor_id=obligor.id,
                    channel=Channel.TELEGRAM,
                    address=str(telegram_chat_id),
                    status="active",
                )
            )
        await _flush(self.session)
        return obligor.id

    async def by_id_number_hash(self, id_number_hash: str) -> records.Obligor | None:
        row = await self.session.scalar(
            select(t.Obligor).where(t.Obligor.id_number_hash == id_number_hash)
        )
        return _obligor(row) if row else None

    async def id_number_encrypted(self, obligor_id: int) -> str | None:
        return await self.session.scalar(
            select(t.Obligor.id_number_encrypted).where(t.Obligor.id == obligor_id)
        )

    async def _contact_row(self, channel: str, address: str) -> tuple[t.Contact, t.Obligor] | None:
        row = (
            await self.session.execute(
                select(t.Contact, t.Obligor)
                .join(t.Obligor, t.Obligor.id == t.Contact.obligor_id)
                .where(t.Contact.channel == channel, t.Contact.address == address)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def at_address(
        self, channel: str, address: str
    ) -> tuple[records.Obligor, records.Contact] | None:
        """The obligor an address belongs to, and that contact (no cases: cheap)."""
        row = await self._contact_row(channel, address)
        return (_obligor(row[1]), _contact(row[0])) if row else None

    async def sender(self, channel: str, address: str) -> records.Sender:
        row = await self._contact_row(channel, address)
        if row is None:
            return records.Sender(None, None)
        contact, obligor = row
        cases = (
            await self.session.scalars(
                select(t.Case)
                .join(t.CaseObligor, t.CaseObligor.case_id == t.Case.id)
                .where(
                    t.CaseObligor.obligor_id == obligor.id,
                    t.Case.status.in_([CaseStatus.OPEN, CaseStatus.PAUSED]),  # a live case
                )
                .order_by(t.Case.id)
            )
        ).all()
        phone = (
            contact.address
            if contact.channel == Channel.SMS
            else await self.session.scalar(
                select(t.Contact.address).where(
                    t.Contact.obligor_id == obligor.id, t.Contact.channel == Channel.SMS
                )
            )
        )
        return records.Sender(
            _obligor(obligor), _contact(contact), tuple(map(_case, cases)), phone or ""
        )

    async def by_phone(self, phone: str) -> int | None:
        """The obligor whose SMS number this is, if any."""
        return await self.session.scalar(
            select(t.Contact.obligor_id).where(
                t.Contact.channel == Channel.SMS, t.Contact.address == phone
            )
        )

    async def link_chat(self, obligor_id: int, chat_id: int) -> None:
        """Makes a Telegram chat this obligor's (active again if it was blocked)."""
        address = str(chat_id)
        contact = await self.session.scalar(
            select(t.Contact).where(
                t.Contact.channel == Channel.TELEGRAM, t.Contact.address == address
            )
        )
        if contact is None:
            self.session.add(
                t.Contact(
                    obligor_id=obligor_id,
                    channel=Channel.TELEGRAM,
                    address=address,
                    status=ContactStatus.ACTIVE,
                )
            )
        else:
            contact.obligor_id, contact.status = obligor_id, ContactStatus.ACTIVE
        await _flush(self.session)

    async def set_contact_status(self, contact_id: int, status: str) -> None:
        await self.session.execute(
            update(t.Contact).where(t.Contact.id == contact_id).values(status=status)
        )


class ReminderRepository(_Repo):
    async def add_many(self, reminders: list[records.NewReminder]) -> None:
        """Plans reminders; a step already planned for that case and obligor is kept as it is."""
        if not reminders:
            return
        await self.session.execute(
            _insert_ignoring_duplicates(self.session, t.Reminder),
            [
                {
                    "case_id": r.case_id,
                    "obligor_id": r.obligor_id,
                    "step_key": r.step_key,
                    "template": r.template,
                    "due_at": r.due_at,
                    "status": ReminderStatus.PENDING,
                    "attempts": 0,
                    "user_id": r.user_id,
                    "body": r.body,
                }
                for r in reminders
            ],
        )

    async def claim_due(
        self, *, now: datetime, limit: int, lease_until: datetime, worker: str
    ) -> list[int]:
        """Leases up to `limit` due rows: claimed ones whose lease ran out, then pending ones.

        One statement per status, so each walks `ix_reminders_due` (status, due_at) in order and
        stops after `limit` rows. A single `status IN (…)` statement made PostgreSQL scan and
        sort every due row on each claim (bench/claim.py: 53 ms instead of 7 ms per 200 rows
        with 100k due).
        """
        claimed: list[int] = []
        for where in (
            (t.Reminder.status == ReminderStatus.CLAIMED, t.Reminder.lease_until <= now),
            (t.Reminder.status == ReminderStatus.PENDING, t.Reminder.due_at <= now),
        ):
            if len(claimed) >= limit:
                break
            due = (
                select(t.Reminder.id)
                .where(*where)
                .order_by(t.Reminder.due_at)
                .limit(limit - len(claimed))
                .with_for_update(skip_locked=True)
            )
            result = await self.session.execute(
                update(t.Reminder)
                .where(t.Reminder.id.in_(due.scalar_subquery()))
                .values(
                    status=ReminderStatus.CLAIMED,
                    lease_until=lease_until,
                    claimed_by=worker,
                    attempts=t.Reminder.attempts + 1,
                )
                .returning(t.Reminder.id)
                .execution_options(synchronize_session=False)
            )
            claimed += result.scalars().all()
        return sorted(claimed)

    async def job(self, reminder_id: int) -> records.ReminderJob | None:
        row = (
            await self.session.execute(
                select(t.Reminder, t.Case, t.Court, t.Obligor)
                .join(t.Case, t.Case.id == t.Reminder.case_id)
                .join(t.Court, t.Court.id == t.Case.court_id)
                .join(t.Obligor, t.Obligor.id == t.Reminder.obligor_id)
                .where(t.Reminder.id == reminder_id)
            )
        ).first()
        if row is None:
            return None
        reminder, case, court, obligor = row
        staff = await self.session.get(t.User, reminder.user_id) if reminder.user_id else None
        recent = (
            ()
            if staff
            else tuple(
                await self.session.scalars(
                    select(t.Reminder.finished_at)
                    .where(
                        t.Reminder.obligor_id == obligor.id,
                        t.Reminder.status == ReminderStatus.SENT,
                        t.Reminder.user_id.is_(None),  # reminders, not notices to staff
                        t.Reminder.step_key != CHAT_LINK.key,
                    )
                    .order_by(t.Reminder.finished_at.desc())
                    .limit(RECENT_REMINDERS)
                )
            )
        )
        contacts = (
            await self.session.scalars(
                select(t.Contact)
                .where(t.Contact.obligor_id == obligor.id)
                .order_by(t.Contact.id.desc())
            )
        ).all()
        return records.ReminderJob(
            reminder_id=reminder.id,
            step_key=reminder.step_key,
            template=reminder.template,
            attempts=reminder.attempts,
            case=_case(case),
            court_signature=f"【{court.name}】",
            obligor=_obligor(obligor),
            contacts=tuple(map(_contact, contacts)),
            channel_order=channel_order(court.channel_order),
            staff=_staff(staff) if staff else None,
            body=reminder.body,
            recent_reminders=recent,
        )

    async def finish(
        self,
        reminder_id: int,
        *,
        status: str,
        at: datetime,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == reminder_id)
            .values(
                status=status,
                finished_at=at,
                last_error=error,
                message_id=message_id,
                lease_until=None,
            )
        )

    async def retry_at(
        self,
        reminder_id: int,
        *,
        due_at: datetime,
        error: str | None,
        refund_attempt: bool = False,
    ) -> None:
        """Back to pending at `due_at`; a deferral (quiet hours) gives the attempt back."""
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == reminder_id)
            .values(
                status=ReminderStatus.PENDING,
                due_at=due_at,
                last_error=error,
                lease_until=None,
                attempts=t.Reminder.attempts - (1 if refund_attempt else 0),
            )
        )

    async def count_by_status(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(t.Reminder.status, func.count()).group_by(t.Reminder.status)
        )
        return {status: count for status, count in rows.all()}


class MessageRepository(_Repo):
    async def inbound_count_since(self, channel: str, address: str, since: datetime) -> int:
        return await self.session.scalar(
            select(func.count())
            .select_from(t.Message)
            .where(
                t.Message.direction == "in",
                t.Message.channel == channel,
                t.Message.address == address,
                t.Message.at >= since,
            )
        )

    async def inbound_replies(self, channel: str, provider_id: str) -> list[str] | None:
        """The replies already given to an inbound message, or None if it is new."""
        inbound_id = await self.session.scalar(
            select(t.Message.id).where(
                t.Message.direction == "in",
                t.Message.channel == channel,
                t.Message.provider_id == provider_id,
            )
        )
        if inbound_id is None:
            return None
        texts = await self.session.scalars(
            select(t.Message.text).where(t.Message.reply_to == inbound_id).order_by(t.Message.id)
        )
        return list(texts)

    async def add(
        self,
        *,
        direction: str,
        channel: str,
        address: str,
        text: str,
        at: datetime,
        case_id: int | None = None,
        obligor_id: int | None = None,
        provider: str | None = None,
        provider_id: str | None = None,
        status: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        message = t.Message(
            direction=direction,
            channel=channel,
            address=address,
            text=text,
            at=at,
            case_id=case_id,
            obligor_id=obligor_id,
            provider=provider,
            provider_id=provider_id,
            status=status,
            reply_to=reply_to,
        )
        self.session.add(message)
        await _flush(self.session)
        return message.id

    async def update_status(
        self, provider: str, provider_id: str, status: str, error_code: str | None
    ) -> tuple[int | None, str | None, str | None]:
        """Moves a message's delivery status forward; returns (case_id, channel, address)."""
        message = await self.session.scalar(
            select(t.Message).where(
                t.Message.provider == provider, t.Message.provider_id == provider_id
            )
        )
        if message is None:
            return None, None, None
        message.status = later_status(message.status, status)
        message.error_code = error_code or message.error_code
        await _flush(self.session)
        return message.case_id, message.channel, message.address

    async def thread(
        self, address: str, *, limit: int, before: int | None = None, after: int | None = None
    ) -> list[records.ThreadMessage]:
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
        return [records.ThreadMessage(m.id, m.direction, m.text, m.status, m.at) for m in rows]

    async def correspondents(self, limit: int) -> list[records.Correspondent]:
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
            records.Correspondent(address, last_at.get(address), *known.get(address, (None, None)))
            for address in addresses
        ]


class FilingRepository(_Repo):
    async def add(
        self, *, case_id: int, obligor_id: int, kind: str, payload: dict[str, Any], at: datetime
    ) -> int:
        filing = t.Filing(
            case_id=case_id, obligor_id=obligor_id, kind=kind, payload=payload, created_at=at
        )
        self.session.add(filing)
        await _flush(self.session)
        return filing.id


class EventRepository(_Repo):
    async def add(self, case_id: int, kind: str, at: datetime, **detail: Any) -> None:
        self.session.add(t.Event(case_id=case_id, kind=kind, at=at, detail=detail))
        await _flush(self.session)


class ConversationRepository(_Repo):
    async def lock(self, channel: str, address: str) -> None:
        """Holds the address until the transaction ends, so that its messages are handled one
        at a time. On PostgreSQL a transaction-scoped advisory lock on the address; SQLite's
        `BEGIN IMMEDIATE` already lets one writer in at a time."""
        if self.session.bind.dialect.name == "postgresql":
            key = func.hashtextextended(f"{channel}:{address}", 0)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def load(self, channel: str, address: str) -> records.ConversationState:
        row = await self.session.get(t.Conversation, (channel, address))
        if row is None:
            return records.ConversationState(channel, address)
        return records.ConversationState(
            channel, address, row.flow, row.step, dict(row.data), row.updated_at
        )

    async def save(self, state: records.ConversationState, at: datetime) -> None:
        row = await self.session.get(t.Conversation, (state.channel, state.address))
        if row is None:
            row = t.Conversation(channel=state.channel, address=state.address)
            self.session.add(row)
        row.flow, row.step, row.data, row.updated_at = state.flow, state.step, state.data, at
        await _flush(self.session)


class LinkRepository(_Repo):
    async def add(
        self,
        *,
        code_hash: str,
        at: datetime,
        expires_at: datetime,
        obligor_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        self.session.add(
            t.LinkCode(
                code_hash=code_hash,
                obligor_id=obligor_id,
                user_id=user_id,
                created_at=at,
                expires_at=expires_at,
            )
        )
        await _flush(self.session)

    async def redeem(self, code_hash: str, at: datetime) -> tuple[int | None, int | None] | None:
        """Uses up a live code in one statement (two chats racing for it: one wins);
        (obligor_id, user_id), or None for an unknown, used or expired code."""
        row = (
            await self.session.execute(
                update(t.LinkCode)
                .where(
                    t.LinkCode.code_hash == code_hash,
                    t.LinkCode.used_at.is_(None),
                    t.LinkCode.expires_at > at,
                )
                .values(used_at=at)
                .returning(t.LinkCode.obligor_id, t.LinkCode.user_id)
            )
        ).first()
        return (row.obligor_id, row.user_id) if row else None


class TelegramInboxRepository(_Repo):
    async def claim(self, update_id: int, *, now: datetime, until: datetime) -> bool:
        """True if this update is ours to handle: new, or an earlier claim on it ran out
        without being handled (that handler crashed)."""
        inserted = await self.session.scalar(
            _insert_ignoring_duplicates(self.session, t.TelegramUpdate)
            .values(update_id=update_id, claimed_until=until)
            .returning(t.TelegramUpdate.update_id)
        )
        if inserted is not None:
            return True
        retaken = await self.session.scalar(
            update(t.TelegramUpdate)
            .where(
                t.TelegramUpdate.update_id == update_id,
                t.TelegramUpdate.handled_at.is_(None),
                t.TelegramUpdate.claimed_until <= now,
            )
            .values(claimed_until=until)
            .returning(t.TelegramUpdate.update_id)
        )
        return retaken is not None

    async def handled(self, update_id: int, at: datetime) -> None:
        await self.session.execute(
            update(t.TelegramUpdate)
            .where(t.TelegramUpdate.update_id == update_id)
            .values(handled_at=at)
        )

    async def forget_before(self, before: datetime) -> int:
        """Drops updates handled, or last claimed, before `before`."""
        last = func.coalesce(t.TelegramUpdate.handled_at, t.TelegramUpdate.claimed_until)
        result = await self.session.execute(delete(t.TelegramUpdate).where(last < before))
        return result.rowcount or 0
