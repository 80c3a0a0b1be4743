"""The outcome figures (bot/domain/figures.py) from SQL aggregates, on SQLite and PostgreSQL.

Nothing is loaded case by case: each query groups or counts in the database, and a median is
`percentile_cont` on PostgreSQL and a window-function query on SQLite (which has neither).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, and_, func, literal_column, or_, select

from bot.domain.figures import (
    DEAD_CONTACT,
    DECIDED_STATES,
    FIRST_STEP,
    OFFICIAL_TASKS,
    Figures,
    Selection,
)
from bot.domain.status import (
    CaseStatus,
    ContactStatus,
    Direction,
    EventKind,
    FilingStatus,
    ReminderStatus,
    Role,
    TaskStatus,
)
from bot.domain.tasks import Outcome, TaskKind
from storage import tables as t
from storage.repositories._base import Repo
from storage.repositories.cases import in_area

S = CaseStatus
DAY = 86_400.0


def _of(sel: CTE, table: Any) -> ColumnElement[bool]:
    """A row of `table` (it has case_id and obligor_id) that belongs to a selected debtor."""
    return and_(table.case_id == sel.c.case_id, table.obligor_id == sel.c.obligor_id)


class FigureQueries(Repo):
    async def figures(
        self,
        chosen: Selection,
        start: datetime | None,
        end: datetime | None,
        as_of: date,
    ) -> Figures | None:
        """The figures of the debtors `chosen` selects, whose case took effect in
        [`start`, `end`); None when no court has the code asked for."""
        pairs = select(t.CaseObligor.case_id, t.CaseObligor.obligor_id).join(
            t.Case, t.Case.id == t.CaseObligor.case_id
        )
        if chosen.court is not None:
            court_id = await self.session.scalar(
                select(t.Court.id).where(t.Court.code == chosen.court)
            )
            if court_id is None:
                return None
            pairs = pairs.where(t.Case.court_id == court_id)
        if chosen.area is not None:
            pairs = pairs.join(t.Obligor, t.Obligor.id == t.CaseObligor.obligor_id).where(
                in_area(chosen.area)
            )
        if start is not None:
            pairs = pairs.where(t.Case.effective_at >= start)
        if end is not None:
            pairs = pairs.where(t.Case.effective_at < end)
        sel = pairs.cte("sel")
        return Figures(
            selection=chosen,
            as_of=as_of,
            **await self._cases(sel, as_of),
            **await self._debtors(sel),
            **await self._filings(sel),
            **await self._hardship(sel),
            **await self._followups(sel),
        )

    async def _cases(self, sel: CTE, as_of: date) -> dict[str, Any]:
        selected = t.Case.id.in_(select(sel.c.case_id))
        rows = await self.session.execute(
            select(
                t.Case.status,
                func.count(),
                func.count().filter(t.Case.performance_due < as_of),
            )
            .where(selected)
            .group_by(t.Case.status)
        )
        count, past_due = {}, {}
        for status, n, late in rows:
            count[status], past_due[status] = n, late
        days = self._seconds(t.Case.closed_at, t.Case.effective_at) / DAY
        median_days = await self._median(
            select(days.label("v")).where(selected, t.Case.status == S.PERFORMED)
        )
        return {
            "cases": sum(count.values()),
            "decided": sum(
                n if status in DECIDED_STATES else past_due[status] for status, n in count.items()
            ),
            "performed": count.get(S.PERFORMED, 0),
            "referred": count.get(S.REFERRED, 0),
            "exited": count.get(S.EXITED, 0),
            "closed": count.get(S.CLOSED, 0),
            "median_days_to_performance": median_days,
        }

    async def _debtors(self, sel: CTE) -> dict[str, Any]:
        last_in = (
            select(t.Message.obligor_id, func.max(t.Message.at).label("at"))
            .where(t.Message.direction == Direction.IN, t.Message.obligor_id.is_not(None))
            .group_by(t.Message.obligor_id)
            .subquery()
        )
        reminded, responded = (
            await self.session.execute(
                select(func.count(), func.count().filter(last_in.c.at >= t.Reminder.finished_at))
                .select_from(t.Reminder)
                .join(sel, _of(sel, t.Reminder))
                .outerjoin(last_in, last_in.c.obligor_id == t.Reminder.obligor_id)
                .where(
                    t.Reminder.step_key == FIRST_STEP,
                    t.Reminder.status == ReminderStatus.SENT,
                    t.Reminder.user_id.is_(None),
                )
            )
        ).one()
        named = (
            select(literal_column("1"))
            .select_from(t.Event)
            .where(
                t.Event.case_id == sel.c.case_id,
                t.Event.kind == EventKind.UNREACHABLE,
                t.Event.detail["obligor_id"].as_integer() == sel.c.obligor_id,
            )
        )
        dead = (
            select(t.Contact.obligor_id)
            .group_by(t.Contact.obligor_id)
            .having(
                func.count().filter(t.Contact.status == ContactStatus.ACTIVE) == 0,
                func.count().filter(t.Contact.status.in_(DEAD_CONTACT)) > 0,
            )
        )
        debtors, unreachable = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(or_(named.exists(), sel.c.obligor_id.in_(dead))),
                ).select_from(sel)
            )
        ).one()
        return {
            "debtors": debtors,
            "first_reminded": reminded,
            "responded": responded,
            "unreachable": unreachable,
        }

    async def _filings(self, sel: CTE) -> dict[str, Any]:
        rows = await self.session.execute(
            select(t.Filing.kind, t.Filing.status, func.count())
            .join(sel, _of(sel, t.Filing))
            .where(t.Filing.kind.in_(("settle", "grace", "hardship")))
            .group_by(t.Filing.kind, t.Filing.status)
        )
        filed: dict[str, int] = {}
        accepted: dict[str, int] = {}
        for kind, status, n in rows:
            filed[kind] = filed.get(kind, 0) + n
            if status == FilingStatus.ACCEPTED:
                accepted[kind] = n
        return {
            "settlements_proposed": filed.get("settle", 0),
            "settlements_accepted": accepted.get("settle", 0),
            "grace_requested": filed.get("grace", 0),
            "grace_granted": accepted.get("grace", 0),
            "hardship_reports": filed.get("hardship", 0),
        }

    async def _hardship(self, sel: CTE) -> dict[str, Any]:
        """The official's verdicts and the judge's decisions, one per hardship report."""
        rows = await self.session.execute(
            select(t.Task.kind, t.Task.outcome, func.count(t.Task.filing_id.distinct()))
            .join(sel, _of(sel, t.Task))
            .where(
                t.Task.reason == "hardship",
                t.Task.status == TaskStatus.DONE,
                t.Task.kind.in_((TaskKind.VERIFY, TaskKind.DECIDE)),
            )
            .group_by(t.Task.kind, t.Task.outcome)
        )
        found = {(kind, outcome): n for kind, outcome, n in rows}
        verified, decided = TaskKind.VERIFY, TaskKind.DECIDE
        return {
            "hardship_true": found.get((verified, Outcome.TRUE), 0),
            "hardship_false": found.get((verified, Outcome.FALSE), 0),
            "hardship_grace": found.get((decided, Outcome.GRACE), 0),
            "hardship_exit": found.get((decided, Outcome.EXIT), 0),
            "hardship_continue": found.get((decided, Outcome.CONTINUE), 0),
        }

    async def _followups(self, sel: CTE) -> dict[str, Any]:
        by_official = and_(t.Task.status == TaskStatus.DONE, t.User.role == Role.OFFICIAL)
        tasks = (
            select(t.Task)
            .join(sel, _of(sel, t.Task))
            .outerjoin(t.User, t.User.id == t.Task.done_by)
            .where(
                t.Task.kind.in_(OFFICIAL_TASKS),
                t.Task.status != TaskStatus.ESCALATED,
            )
        )
        opened, done = (
            await self.session.execute(
                tasks.with_only_columns(func.count(), func.count().filter(by_official))
            )
        ).one()
        hours = self._seconds(t.Task.done_at, t.Task.created_at) / 3600.0
        median_hours = await self._median(
            tasks.with_only_columns(hours.label("v")).where(by_official)
        )
        return {"followups": opened, "followups_done": done, "median_hours_to_done": median_hours}

    # --- dialects -------------------------------------------------------------------------

    @property
    def _postgres(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[float]:
        if self._postgres:
            return func.extract("epoch", later - earlier)
        return (func.julianday(later) - func.julianday(earlier)) * DAY

    async def _median(self, values: Select) -> float | None:
        """The median of the one column `v` that `values` selects; None when it selects no row."""
        found = values.subquery()
        if self._postgres:
            median = await self.session.scalar(
                select(func.percentile_cont(0.5).within_group(found.c.v))
            )
        else:  # the middle row, or the mean of the middle two, by row number
            ranked = select(
                found.c.v,
                func.row_number().over(order_by=found.c.v).label("n"),
                func.count().over().label("total"),
            ).subquery()
            median = await self.session.scalar(
                select(func.avg(ranked.c.v)).where(
                    ranked.c.n.in_(((ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2))
                )
            )
        return None if median is None else round(float(median), 4)
