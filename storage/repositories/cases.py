"""Cases: registration, status, retention, and who may see which."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, fields
from datetime import date, datetime
from operator import attrgetter

from sqlalchemy import ColumnElement, false, select, update

from bot.domain import records
from bot.domain.access import AreaCases, CaseScope, CourtCases, JudgeCases
from bot.domain.case_states import LIVE, IllegalTransition, transition
from bot.domain.retention import ERASED, erased_address
from bot.domain.status import CaseStatus, ContactStatus
from storage import tables as t
from storage.repositories._base import (
    BulkInsert,
    Repo,
    case_record,
    flush,
    insert_ignoring_duplicates,
    next_ids,
    one_of,
)

_NEW_CASE = tuple(f.name for f in fields(records.NewCase))
_NEW_CASE_VALUES = attrgetter(*_NEW_CASE)  # a tuple, without astuple's deep copies
_ADD = BulkInsert(t.Case.__table__, ("id", *_NEW_CASE, "status"))
_LINK = BulkInsert(t.CaseObligor.__table__, ("case_id", "obligor_id"), ignore_duplicates=True)


def visible(scope: CaseScope) -> ColumnElement[bool]:
    """The cases a scope (bot/domain/access.py) lets one see, as a condition on `t.Case`."""
    match scope:
        case JudgeCases(judge_id):
            return t.Case.judge_id == judge_id
        case AreaCases(prefix):
            return t.Case.id.in_(
                select(t.CaseObligor.case_id)
                .join(t.Obligor, t.Obligor.id == t.CaseObligor.obligor_id)
                .where(in_area(prefix))
            )
        case CourtCases(court_id):
            return t.Case.court_id == court_id
    return false()


def in_area(prefix: str) -> ColumnElement[bool]:
    """Obligors whose area code starts with `prefix`."""
    return t.Obligor.area_code.startswith(prefix, autoescape=True)


class CaseRepository(Repo):
    async def id_by_number(self, case_number: str) -> int | None:
        return await self.session.scalar(select(t.Case.id).where(t.Case.case_number == case_number))

    async def add(self, case: records.NewCase) -> int:
        row = t.Case(**asdict(case), status=CaseStatus.OPEN)
        self.session.add(row)
        await flush(self.session)
        return row.id

    async def ids_by_numbers(self, case_numbers: Collection[str]) -> dict[str, int]:
        """The cases already registered under any of `case_numbers`: number → id."""
        rows = await self.session.execute(
            select(t.Case.case_number, t.Case.id).where(
                one_of(self.session, t.Case.case_number, case_numbers)
            )
        )
        return dict(rows.tuples().all())

    async def add_many(self, cases: Sequence[records.NewCase]) -> dict[str, int]:
        """Adds the cases in one statement: case number → id."""
        ids = await next_ids(self.session, t.Case, len(cases))
        await _ADD(
            self.session,
            [
                (id_, *_NEW_CASE_VALUES(case), CaseStatus.OPEN)
                for id_, case in zip(ids, cases, strict=True)
            ],
        )
        return {case.case_number: id_ for id_, case in zip(ids, cases, strict=True)}

    async def link_obligors(self, links: Sequence[tuple[int, int]]) -> None:
        """Links each (case, obligor), once."""
        await _LINK(self.session, links)

    async def summary(self, case_id: int, *, lock: bool = False) -> records.CaseSummary | None:
        """The case; with `lock`, its row is held until the commit (PostgreSQL; SQLite's
        writes are one at a time already) and read afresh: decisions on one case queue."""
        row = await self.session.get(
            t.Case, case_id, with_for_update=lock or None, populate_existing=lock
        )
        return case_record(row) if row else None

    async def add_paid(self, case_id: int, fen: int) -> None:
        """Adds a payment the judge confirmed to what the case has been paid."""
        await self.session.execute(
            update(t.Case).where(t.Case.id == case_id).values(paid_fen=t.Case.paid_fen + fen)
        )

    async def set_grace(self, case_id: int, until: date | None) -> None:
        await self.session.execute(
            update(t.Case).where(t.Case.id == case_id).values(grace_until=until)
        )

    async def grace_ending(self, day: date, limit: int) -> list[records.CaseSummary]:
        """Cases in a grace period whose last day is `day` or before."""
        rows = await self.session.scalars(
            select(t.Case)
            .where(t.Case.status == CaseStatus.GRACE, t.Case.grace_until <= day)
            .limit(limit)
        )
        return [case_record(row) for row in rows]

    async def visible_id(self, scope: CaseScope, case_number: str) -> int | None:
        return await self.session.scalar(
            select(t.Case.id).where(t.Case.case_number == case_number, visible(scope))
        )

    async def link_obligor(self, case_id: int, obligor_id: int) -> None:
        await self.session.execute(
            insert_ignoring_duplicates(self.session, t.CaseObligor).values(
                case_id=case_id, obligor_id=obligor_id
            )
        )

    async def set_status(
        self, case_id: int, current: CaseStatus, target: CaseStatus, at: datetime
    ) -> None:
        """Moves the case from `current` to `target`, as bot/domain/case_states.py allows; a
        state that is not live closes the case at `at`. `IllegalTransition`, and nothing
        written, when the move is not allowed or the case is no longer in `current`."""
        status = transition(current, target)
        result = await self.session.execute(
            update(t.Case)
            .where(t.Case.id == case_id, t.Case.status == current)
            .values(status=status, closed_at=None if status in LIVE else at)
        )
        if result.rowcount != 1:
            raise IllegalTransition(current, target, f"the case is no longer {current}")

    async def purge_closed_before(self, before: datetime, at: datetime) -> int:
        """Erases the personal data of cases closed before `before`, as
        bot/domain/retention.py says; returns how many."""
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
            update(t.Message).where(t.Message.case_id.in_(ids)).values(text=ERASED, address=ERASED)
        )
        await self.session.execute(
            update(t.Filing).where(t.Filing.case_id.in_(ids)).values(payload={})
        )
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.case_id.in_(ids), t.Reminder.body.is_not(None))
            .values(body=ERASED)
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
                .values(name=ERASED, id_number_encrypted=None, id_number_hash=None, purged_at=at)
            )
            await self.session.execute(
                update(t.Message)
                .where(t.Message.obligor_id.in_(gone))
                .values(text=ERASED, address=ERASED)
            )
            for contact in await self.session.scalars(
                select(t.Contact).where(t.Contact.obligor_id.in_(gone))
            ):
                contact.address = erased_address(contact.id)
                contact.status = ContactStatus.PURGED
            await flush(self.session)
        return len(ids)
