"""Tasks staff act on, and the instalments of accepted plans."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, or_, select, update

from bot.domain import records
from bot.domain.schedules import Versions
from bot.domain.status import InstalmentStatus, TaskStatus
from storage import tables as t
from storage.repositories._base import Repo, flush


def _task(row: t.Task) -> records.Task:
    return records.Task(
        row.id,
        row.case_id,
        row.obligor_id,
        row.filing_id,
        row.kind,
        row.reason,
        row.assignee_id,
        row.area_code,
        row.status,
        row.due_at,
        row.created_at,
        row.done_at,
        row.done_by,
        row.outcome,
        row.note,
        dict(row.detail or {}),
    )


class TaskRepository(Repo):
    async def add(self, task: records.NewTask) -> int:
        row = t.Task(**asdict(task), status=TaskStatus.OPEN)
        self.session.add(row)
        await flush(self.session)
        return row.id

    async def get(self, task_id: int) -> records.Task | None:
        row = await self.session.get(t.Task, task_id)
        return _task(row) if row else None

    async def _where(self, *where) -> list[records.Task]:
        rows = await self.session.scalars(select(t.Task).where(*where).order_by(t.Task.id))
        return [_task(row) for row in rows]

    async def open_for(self, user_id: int) -> list[records.Task]:
        return await self._where(t.Task.assignee_id == user_id, t.Task.status == TaskStatus.OPEN)

    async def open_offers(self, obligor_id: int) -> list[records.Task]:
        """Counter-proposals waiting for this debtor's answer."""
        return await self._where(
            t.Task.obligor_id == obligor_id,
            t.Task.assignee_id.is_(None),
            t.Task.status == TaskStatus.OPEN,
        )

    async def of_case(self, case_id: int) -> list[records.Task]:
        return await self._where(t.Task.case_id == case_id)

    async def overdue(self, now: datetime, kinds: frozenset[str], limit: int) -> list[records.Task]:
        rows = await self.session.scalars(
            select(t.Task)
            .where(
                t.Task.status == TaskStatus.OPEN,
                t.Task.due_at < now,
                t.Task.kind.in_(kinds),
            )
            .order_by(t.Task.due_at)
            .limit(limit)
        )
        return [_task(row) for row in rows]

    async def finish(self, task_id: int, done: records.Done) -> bool:
        """Ends an open task; False (nothing written) when it is not open any more: whoever
        ended it first, in any process, is the one decision kept."""
        result = await self.session.execute(
            update(t.Task)
            .where(t.Task.id == task_id, t.Task.status == TaskStatus.OPEN)
            .values(
                status=done.status,
                outcome=done.outcome,
                done_at=done.at,
                done_by=done.by,
                note=done.note,
            )
        )
        return result.rowcount == 1

    async def cancel_open(self, case_id: int, at: datetime, *, filing_id: int | None = None) -> int:
        """Cancels the open tasks of a case (or of one filing of it); how many."""
        where = [t.Task.case_id == case_id, t.Task.status == TaskStatus.OPEN]
        if filing_id is not None:
            where.append(t.Task.filing_id == filing_id)
        result = await self.session.execute(
            update(t.Task).where(*where).values(status=TaskStatus.CANCELLED, done_at=at)
        )
        return result.rowcount

    async def silent_debtors(
        self, before: datetime, limit: int, versions: Versions
    ) -> list[tuple[int, int]]:
        """(case, obligor) of open cases planned with `versions`, effective before `before`,
        whose debtor never wrote and has had no visit for it."""
        wrote = select(t.Message.id).where(
            t.Message.obligor_id == t.CaseObligor.obligor_id, t.Message.direction == "in"
        )
        visited = select(t.Task.id).where(
            t.Task.case_id == t.Case.id,
            t.Task.obligor_id == t.CaseObligor.obligor_id,
            t.Task.reason == "silent",
        )
        rows = await self.session.execute(
            select(t.Case.id, t.CaseObligor.obligor_id)
            .join(t.CaseObligor, t.CaseObligor.case_id == t.Case.id)
            .where(
                t.Case.status == "open",
                planned_with(versions),
                t.Case.effective_at < before,
                ~wrote.exists(),
                ~visited.exists(),
            )
            .order_by(t.Case.id)
            .limit(limit)
        )
        return [(case_id, obligor_id) for case_id, obligor_id in rows.all()]

    async def exists(
        self, case_id: int, obligor_id: int, reason: str, *, open_only: bool = False
    ) -> bool:
        """Whether this debtor has had (`open_only`: has now) a task for this reason."""
        where = [
            t.Task.case_id == case_id,
            t.Task.obligor_id == obligor_id,
            t.Task.reason == reason,
        ]
        if open_only:
            where.append(t.Task.status == TaskStatus.OPEN)
        return await self.session.scalar(select(t.Task.id).where(*where).limit(1)) is not None


def planned_with(versions: Versions) -> ColumnElement[bool]:
    """The cases planned with these schedule versions."""
    clauses = [t.Case.schedule_id.in_(versions.ids)] if versions.ids else []
    if versions.built_in:
        clauses.append(t.Case.schedule_id.is_(None))
    return or_(*clauses) if clauses else false()


def _instalment(row: t.Instalment) -> records.Instalment:
    return records.Instalment(
        row.id,
        row.case_id,
        row.filing_id,
        row.seq,
        row.due_on,
        row.amount_fen,
        row.status,
        row.paid_fen,
    )


class InstalmentRepository(Repo):
    async def add_many(self, instalments: list[records.NewInstalment]) -> None:
        self.session.add_all(t.Instalment(**asdict(i)) for i in instalments)
        await flush(self.session)

    async def of_case(self, case_id: int) -> list[records.Instalment]:
        rows = await self.session.scalars(
            select(t.Instalment)
            .where(t.Instalment.case_id == case_id)
            .order_by(t.Instalment.id)  # plans in the order agreed, each in its order
        )
        return [_instalment(row) for row in rows]

    async def add_paid(self, instalment_id: int, paid_fen: int) -> None:
        """Records what has been paid toward a payment in all, short of it: it stays due."""
        await self.session.execute(
            update(t.Instalment).where(t.Instalment.id == instalment_id).values(paid_fen=paid_fen)
        )

    async def settle(self, instalment_id: int, at: datetime) -> bool:
        """Marks a payment paid, whether it was due or missed (the missed-payment job may
        have marked it meanwhile); False if it was paid already."""
        result = await self.session.execute(
            update(t.Instalment)
            .where(t.Instalment.id == instalment_id, t.Instalment.status != InstalmentStatus.PAID)
            .values(status=InstalmentStatus.PAID, paid_at=at)
        )
        return result.rowcount == 1

    async def miss(self, instalment_id: int) -> bool:
        """Marks a payment still due missed; False if it is not due (paid meanwhile)."""
        result = await self.session.execute(
            update(t.Instalment)
            .where(t.Instalment.id == instalment_id, t.Instalment.status == InstalmentStatus.DUE)
            .values(status=InstalmentStatus.MISSED)
        )
        return result.rowcount == 1

    async def missed_by(
        self, day: date, limit: int, versions: Versions
    ) -> list[records.Instalment]:
        """Instalments still due whose day was before `day`, of cases planned with `versions`
        and with a running plan."""
        rows = await self.session.scalars(
            select(t.Instalment)
            .join(t.Case, t.Case.id == t.Instalment.case_id)
            .where(
                t.Instalment.status == InstalmentStatus.DUE,
                t.Instalment.due_on < day,
                t.Case.status == "plan",
                planned_with(versions),
            )
            .order_by(t.Instalment.due_on)
            .limit(limit)
        )
        return [_instalment(row) for row in rows]
