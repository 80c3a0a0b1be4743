"""Obligors and their contacts."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, and_, bindparam, select, update
from sqlalchemy import case as sql_case

from bot.domain import records
from bot.domain.case_states import LIVE
from bot.domain.status import CaseStatus, Channel, ContactStatus, InstalmentStatus
from storage import tables as t
from storage.repositories._base import (
    BulkInsert,
    Repo,
    contact_record,
    flush,
    insert_ignoring_duplicates,
    next_ids,
    obligor_record,
    one_of,
)


def _correspondents() -> Select:
    """Who wrote from `:addresses` on `:channel`, with each live case: built once, as the
    statement of every inbound group (Core columns: no ORM objects to build)."""
    contact, obligor, case, link, payment = (
        x.__table__.c for x in (t.Contact, t.Obligor, t.Case, t.CaseObligor, t.Instalment)
    )
    # In a plan: what its next payment still lacks (the last plan agreed, its first unpaid).
    latest = t.Instalment.__table__.alias("latest").c
    last_agreed = (
        select(latest.filing_id)
        .where(latest.case_id == case.id)
        .order_by(latest.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    plan_due = (
        select(payment.amount_fen - payment.paid_fen)
        .where(
            payment.case_id == case.id,
            payment.filing_id == last_agreed,
            payment.status != InstalmentStatus.PAID,
        )
        .order_by(payment.seq)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            contact.id,
            contact.obligor_id,
            contact.address,
            contact.status,
            obligor.name,
            obligor.area_code,
            obligor.locale,
            obligor.timezone,
            case.id.label("case_id"),
            case.case_number,
            case.court_id,
            case.status.label("case_status"),
            case.amount_due_fen,
            case.performance_due,
            case.paid_fen,
            sql_case((case.status == CaseStatus.PLAN, plan_due)),
        )
        .join_from(t.Contact.__table__, t.Obligor.__table__, obligor.id == contact.obligor_id)
        .outerjoin(t.CaseObligor.__table__, link.obligor_id == obligor.id)
        .outerjoin(t.Case.__table__, and_(case.id == link.case_id, case.status.in_(LIVE)))
        .where(
            contact.channel == bindparam("channel"),
            contact.address.in_(bindparam("addresses", expanding=True)),
        )
        .order_by(case.id)
    )


_CORRESPONDENTS = _correspondents()
_ADD_COLUMNS = (
    "id",
    "name",
    "area_code",
    "locale",
    "timezone",
    "id_number_encrypted",
    "id_number_hash",
)
_ADD = BulkInsert(t.Obligor.__table__, _ADD_COLUMNS)
_ADD_PHONE = BulkInsert(t.Contact.__table__, ("obligor_id", "channel", "address", "status"))


class ObligorRepository(Repo):
    async def ensure(self, new: records.NewObligor) -> int:
        contact = await self.session.scalar(
            select(t.Contact).where(
                t.Contact.channel == Channel.SMS, t.Contact.address == new.phone
            )
        )
        if contact is not None:
            obligor = await self.session.get(t.Obligor, contact.obligor_id)
            obligor.name, obligor.area_code, obligor.locale = new.name, new.area_code, new.locale
        else:
            obligor = t.Obligor(
                name=new.name, area_code=new.area_code, locale=new.locale, timezone=new.timezone
            )
            self.session.add(obligor)
            await flush(self.session)
            self.session.add(
                t.Contact(obligor_id=obligor.id, channel=Channel.SMS, address=new.phone)
            )
        if new.id_number_hash is not None:
            obligor.id_number_encrypted, obligor.id_number_hash = (
                new.id_number_encrypted,
                new.id_number_hash,
            )
        if new.telegram_chat_id is not None:
            await self.session.execute(
                insert_ignoring_duplicates(self.session, t.Contact).values(
                    obligor_id=obligor.id,
                    channel=Channel.TELEGRAM,
                    address=str(new.telegram_chat_id),
                    status=ContactStatus.ACTIVE,
                )
            )
        await flush(self.session)
        return obligor.id

    async def ensure_many(self, new: Sequence[records.NewObligor]) -> list[int]:
        """`ensure` for each of `new`, in order, in a few statements: an obligor whose SMS
        number is known (earlier in `new` too) is updated, any other one added."""
        phones = {n.phone for n in new}
        known: dict[str, int] = dict(
            (
                await self.session.execute(
                    select(t.Contact.address, t.Contact.obligor_id).where(
                        t.Contact.channel == Channel.SMS,
                        one_of(self.session, t.Contact.address, phones),
                    )
                )
            )
            .tuples()
            .all()
        )
        fresh = iter(await next_ids(self.session, t.Obligor, len(phones - known.keys())))
        added: dict[int, dict] = {}
        changed: dict[int, dict] = {}
        ids = []
        for n in new:
            values = {"name": n.name, "area_code": n.area_code, "locale": n.locale}
            if n.id_number_hash is not None:
                values |= {
                    "id_number_encrypted": n.id_number_encrypted,
                    "id_number_hash": n.id_number_hash,
                }
            if n.phone not in known:
                known[n.phone] = next(fresh)
                added[known[n.phone]] = {
                    "id": known[n.phone],
                    "timezone": n.timezone,
                    "id_number_encrypted": None,
                    "id_number_hash": None,
                    **values,
                }
            elif known[n.phone] in added:
                added[known[n.phone]].update(values)
            else:
                changed.setdefault(known[n.phone], {"id": known[n.phone]}).update(values)
            ids.append(known[n.phone])
        if added:
            await _ADD(self.session, [tuple(map(row.get, _ADD_COLUMNS)) for row in added.values()])
            await _ADD_PHONE(
                self.session,
                [
                    (id_, Channel.SMS, phone, ContactStatus.ACTIVE)
                    for phone, id_ in known.items()
                    if id_ in added
                ],
            )
        by_columns: dict[frozenset[str], list[dict]] = {}
        for values in changed.values():  # by primary key, one statement per set of columns
            by_columns.setdefault(frozenset(values), []).append(values)
        for rows in by_columns.values():
            await self.session.execute(update(t.Obligor), rows)
        chats = {(id_, n.telegram_chat_id) for id_, n in zip(ids, new, strict=True)}
        if chats := [chat for chat in chats if chat[1] is not None]:
            await self.session.execute(
                insert_ignoring_duplicates(self.session, t.Contact),
                [
                    {
                        "obligor_id": id_,
                        "channel": Channel.TELEGRAM,
                        "address": str(chat_id),
                        "status": ContactStatus.ACTIVE,
                    }
                    for id_, chat_id in chats
                ],
            )
        return ids

    async def by_id_number_hash(self, id_number_hash: str) -> records.Obligor | None:
        row = await self.session.scalar(
            select(t.Obligor).where(t.Obligor.id_number_hash == id_number_hash)
        )
        return obligor_record(row) if row else None

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
        return (obligor_record(row[1]), contact_record(row[0])) if row else None

    async def get(self, obligor_id: int) -> records.Obligor | None:
        row = await self.session.get(t.Obligor, obligor_id)
        return obligor_record(row) if row else None

    async def of_case(self, case_id: int) -> list[records.Obligor]:
        rows = await self.session.scalars(
            select(t.Obligor)
            .join(t.CaseObligor, t.CaseObligor.obligor_id == t.Obligor.id)
            .where(t.CaseObligor.case_id == case_id)
            .order_by(t.Obligor.id)
        )
        return [obligor_record(row) for row in rows]

    async def phone_of(self, obligor_id: int) -> str:
        """The obligor's SMS number ("" if none)."""
        phone = await self.session.scalar(
            select(t.Contact.address).where(
                t.Contact.obligor_id == obligor_id, t.Contact.channel == Channel.SMS
            )
        )
        return phone or ""

    async def correspondents(
        self, channel: str, addresses: Collection[str]
    ) -> dict[str, records.Correspondent]:
        """Who wrote from each of these addresses: the obligor and contact, their live cases
        (a case the debtor may still talk about) and SMS number; nobody known: empty. One
        statement for any number of addresses (two on a channel other than SMS)."""
        rows = (
            await self.session.execute(
                _CORRESPONDENTS, {"channel": channel, "addresses": list(addresses)}
            )
        ).all()
        # Unpacked by position: a row's attributes by name cost ~0.4 us each, 20 rows a group.
        who: dict[str, tuple[records.Obligor, records.Contact]] = {}
        cases: dict[int, dict[int, records.CaseSummary]] = {}  # by obligor, then case id
        for (
            contact_id,
            obligor_id,
            address,
            status,
            name,
            area_code,
            locale,
            timezone,
            case_id,
            case_number,
            court_id,
            case_status,
            amount_due_fen,
            performance_due,
            paid_fen,
            plan_due_fen,
        ) in rows:
            if address not in who:
                who[address] = (
                    records.Obligor(obligor_id, name, area_code, locale, timezone),
                    records.Contact(contact_id, obligor_id, channel, address, status),
                )
            live = cases.setdefault(obligor_id, {})
            if case_id is not None:
                live[case_id] = records.CaseSummary(
                    case_id,
                    case_number,
                    court_id,
                    CaseStatus(case_status),
                    amount_due_fen,
                    performance_due,
                    paid_fen=paid_fen,
                    plan_due_fen=plan_due_fen,
                )
        phones: dict[int, str] = {}
        if cases and channel != Channel.SMS:
            phones = dict(
                (
                    await self.session.execute(
                        select(t.Contact.obligor_id, t.Contact.address).where(
                            t.Contact.obligor_id.in_(cases), t.Contact.channel == Channel.SMS
                        )
                    )
                ).all()
            )
        known = {
            address: records.Correspondent(
                obligor,
                contact,
                tuple(cases[obligor.id].values()),
                address if channel == Channel.SMS else phones.get(obligor.id, ""),
            )
            for address, (obligor, contact) in who.items()
        }
        return {a: known.get(a) or records.Correspondent(None, None) for a in addresses}

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
        await flush(self.session)

    async def set_contact_status(self, contact_id: int, status: ContactStatus) -> None:
        await self.session.execute(
            update(t.Contact).where(t.Contact.id == contact_id).values(status=status)
        )
