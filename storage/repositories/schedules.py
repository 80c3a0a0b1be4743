"""Courts' schedule versions (only ever added), the case a version planned, and the outbox
rows a re-plan reads and changes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update

from bot.domain.replan import REPLANNED, OpenCase, PlanRow
from bot.domain.schedules import StoredSchedule
from bot.domain.status import ReminderStatus
from storage import tables as t
from storage.repositories._base import Repo, flush


def _stored(row: t.Schedule) -> StoredSchedule:
    return StoredSchedule(row.id, row.court_id, row.version, row.body, row.created_at)


class ScheduleRepository(Repo):
    async def latest(self, court_id: int) -> StoredSchedule | None:
        row = await self.session.scalar(
            select(t.Schedule)
            .where(t.Schedule.court_id == court_id)
            .order_by(t.Schedule.version.desc())
            .limit(1)
        )
        return _stored(row) if row else None

    async def get(self, schedule_id: int) -> StoredSchedule | None:
        row = await self.session.get(t.Schedule, schedule_id)
        return _stored(row) if row else None

    async def history(self, court_id: int) -> list[StoredSchedule]:
        """Every version of the court's schedule, newest first."""
        rows = await self.session.scalars(
            select(t.Schedule)
            .where(t.Schedule.court_id == court_id)
            .order_by(t.Schedule.version.desc())
        )
        return [_stored(row) for row in rows]

    async def add(self, court_id: int, body: dict, at: datetime) -> StoredSchedule:
        """The court's next version. Saves of one court queue on the court's row (PostgreSQL;
        SQLite has one writer at a time), so each reads the version the one before it wrote."""
        await self.session.execute(
            select(t.Court.id).where(t.Court.id == court_id).with_for_update()
        )
        last = await self.session.scalar(
            select(func.max(t.Schedule.version)).where(t.Schedule.court_id == court_id)
        )
        row = t.Schedule(court_id=court_id, version=(last or 0) + 1, body=body, created_at=at)
        self.session.add(row)
        await flush(self.session)
        return _stored(row)

    async def assign(self, case_ids: Collection[int], schedule_id: int | None) -> None:
        """The version these cases are planned with from now on."""
        await self.session.execute(
            update(t.Case).where(t.Case.id.in_(case_ids)).values(schedule_id=schedule_id)
        )

    async def cases_to_replan(
        self, court_id: int, statuses: Collection[str], schedule_id: int, after: int, limit: int
    ) -> list[OpenCase]:
        """The court's cases in `statuses` not planned with `schedule_id`, by id after `after`."""
        rows = await self.session.execute(
            select(
                t.Case.id,
                t.Case.case_number,
                t.Case.schedule_id,
                t.Case.effective_at,
                t.Case.performance_due,
                t.Case.created_at,
            )
            .where(
                t.Case.court_id == court_id,
                t.Case.status.in_(statuses),
                t.Case.id > after,
                t.Case.schedule_id.is_distinct_from(schedule_id),
            )
            .order_by(t.Case.id)
            .limit(limit)
        )
        return [OpenCase(*row) for row in rows.all()]

    async def obligors(self, case_ids: Collection[int]) -> dict[int, list[int]]:
        rows = await self.session.execute(
            select(t.CaseObligor.case_id, t.CaseObligor.obligor_id)
            .where(t.CaseObligor.case_id.in_(case_ids))
            .order_by(t.CaseObligor.obligor_id)
        )
        found: dict[int, list[int]] = {}
        for case_id, obligor_id in rows.all():
            found.setdefault(case_id, []).append(obligor_id)
        return found

    async def debtor_rows(self, case_ids: Collection[int]) -> dict[int, list[PlanRow]]:
        """The cases' outbox rows to their debtors (no notice to staff, nothing written for
        the debtor), by case."""
        rows = await self.session.execute(
            select(
                t.Reminder.case_id,
                t.Reminder.id,
                t.Reminder.obligor_id,
                t.Reminder.step_key,
                t.Reminder.template,
                t.Reminder.status,
                t.Reminder.due_at,
                t.Reminder.last_error,
            ).where(
                t.Reminder.case_id.in_(case_ids),
                t.Reminder.user_id.is_(None),
                t.Reminder.body.is_(None),
            )
        )
        found: dict[int, list[PlanRow]] = {}
        for case_id, *fields in rows.all():
            found.setdefault(case_id, []).append(PlanRow(*fields))
        return found

    async def move(self, row_id: int, template: str, due_at: datetime) -> bool:
        """A pending row to its new time (and text)."""
        result = await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == row_id, t.Reminder.status == ReminderStatus.PENDING)
            .values(template=template, due_at=due_at)
        )
        return result.rowcount == 1

    async def revive(self, row_id: int, template: str, due_at: datetime) -> bool:
        """A row an earlier re-plan cancelled, pending again at its new time."""
        result = await self.session.execute(
            update(t.Reminder)
            .where(
                t.Reminder.id == row_id,
                t.Reminder.status == ReminderStatus.CANCELLED,
                t.Reminder.last_error == REPLANNED,
            )
            .values(
                status=ReminderStatus.PENDING,
                template=template,
                due_at=due_at,
                last_error=None,
                finished_at=None,
            )
        )
        return result.rowcount == 1

    async def cancel(self, row_id: int, at: datetime) -> bool:
        result = await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == row_id, t.Reminder.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus.CANCELLED, finished_at=at, last_error=REPLANNED)
        )
        return result.rowcount == 1
