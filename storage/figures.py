"""The outcome figures (bot/domain/figures.py) from SQL aggregates, on SQLite and PostgreSQL.

Nothing is loaded case by case: each query groups or counts in the database, and a median is
`percentile_cont` on PostgreSQL and a window-function query on SQLite (which has neither).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select

from bot.domain.figures import (
    DEAD_CONTACT,
    DECIDED_STATES,
    FIRST_STEP,
    OFFICIAL_TASKS,
    Dashboard,
    Figures,
    MonthFigures,
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
Months = Sequence[tuple[date, datetime, datetime]]  # a month's first day, its UTC window


@dataclass(frozen=True)
class _Scope:
    """The selection as SQL: joins and conditions added to a query over a table with a
    case_id and an obligor_id column (plain joins: the planner walks each table once)."""

    court_id: int | None
    area: str | None
    start: datetime | None
    end: datetime | None

    def cases(self) -> list[ColumnElement[bool]]:
        found = []
        if self.court_id is not None:
            found.append(t.Case.court_id == self.court_id)
        if self.start is not None:
            found.append(t.Case.effective_at >= self.start)
        if self.end is not None:
            found.append(t.Case.effective_at < self.end)
        return found

    def apply(self, query: Select, table: Any) -> Select:
        if self.cases():
            query = query.join(t.Case, t.Case.id == table.case_id).where(*self.cases())
        if self.area is not None:
            query = query.join(t.Obligor, t.Obligor.id == table.obligor_id).where(
                in_area(self.area)
            )
        return query


class FigureQueries(Repo):
    async def court_code(self, court_id: int) -> str | None:
        return await self.session.scalar(select(t.Court.code).where(t.Court.id == court_id))

    async def dashboard(
        self,
        chosen: Selection,
        start: datetime | None,
        end: datetime | None,
        as_of: date,
        months: Months,
    ) -> Dashboard | None:
        """The figures of the debtors `chosen` selects, whose case took effect in
        [`start`, `end`), and the selected cases of each of `months` (counted in the same
        query as the cases' figures); None when no court has the code asked for."""
        court_id, court_name = None, ""
        if chosen.court is not None:
            court = (
                await self.session.execute(
                    select(t.Court.id, t.Court.name).where(t.Court.code == chosen.court)
                )
            ).first()
            if court is None:
                return None
            court_id, court_name = court
        scope = _Scope(court_id, chosen.area, start, end)
        cases, per_month = await self._cases(scope, as_of, months)
        figures = Figures(
            selection=chosen,
            as_of=as_of,
            **cases,
            **await self._debtors(scope),
            **await self._filings(scope),
            **await self._hardship(scope),
            **await self._followups(scope),
        )
        return Dashboard(figures=figures, months=per_month, court_name=court_name)

    async def _cases(
        self, scope: _Scope, as_of: date, months: Months
    ) -> tuple[dict[str, Any], list[MonthFigures]]:
        """The cases by status, and by month of effect (-1: none of `months`): one GROUP BY
        over a subquery, so both dialects group by the same column."""
        selected = scope.cases()
        if scope.area is not None:
            in_scope = scope.apply(select(t.CaseObligor.case_id), t.CaseObligor)
            selected.append(t.Case.id.in_(in_scope))
        at = t.Case.effective_at
        month = (  # one comparison a month, oldest first: `months` follow one another
            case(
                (at < months[0][1], -1),
                *((at < after, k) for k, (_, _, after) in enumerate(months)),
                else_=-1,
            )
            if months
            else literal(-1)
        )
        rows = (
            select(
                t.Case.status, month.label("month"), (t.Case.performance_due < as_of).label("late")
            )
            .where(*selected)
            .subquery()
        )
        found = await self.session.execute(
            select(
                rows.c.status, rows.c.month, func.count(), func.count().filter(rows.c.late)
            ).group_by(rows.c.status, rows.c.month)
        )
        count: Counter[str] = Counter()
        decided: Counter[int] = Counter()
        by_month: Counter[int] = Counter()
        performed: Counter[int] = Counter()
        for status, k, n, late in found:
            count[status] += n
            by_month[k] += n
            decided[k] += n if status in DECIDED_STATES else late
            performed[k] += n if status == S.PERFORMED else 0
        days = self._seconds(t.Case.closed_at, t.Case.effective_at) / DAY
        median_days = await self._median(
            select(days.label("v")).where(*selected, t.Case.status == S.PERFORMED)
        )
        figures = {
            "cases": count.total(),
            "decided": decided.total(),
            "performed": count[S.PERFORMED],
            "referred": count[S.REFERRED],
            "exited": count[S.EXITED],
            "closed": count[S.CLOSED],
            "median_days_to_performance": median_days,
        }
        per_month = [
            MonthFigures(month=first, cases=by_month[k], decided=decided[k], performed=performed[k])
            for k, (first, _, _) in enumerate(months)
        ]
        return figures, per_month

    async def _debtors(self, scope: _Scope) -> dict[str, Any]:
        """Set-based: each debtor meets at most one row of each side (its day-0 reminder, its
        last inbound message, its `unreachable` events, its dead contacts), so both planners
        join once instead of looking each debtor up four times."""
        pair = t.CaseObligor
        day0 = (
            select(t.Reminder.case_id, t.Reminder.obligor_id, t.Reminder.finished_at)
            .where(
                t.Reminder.step_key == FIRST_STEP,
                t.Reminder.status == ReminderStatus.SENT,
                t.Reminder.user_id.is_(None),
            )
            .subquery()
        )
        last_in = (
            select(t.Message.obligor_id, func.max(t.Message.at).label("at"))
            .where(t.Message.obligor_id.is_not(None), t.Message.direction == Direction.IN)
            .group_by(t.Message.obligor_id)
            .subquery()
        )
        named = (
            select(t.Event.case_id, t.Event.detail["obligor_id"].as_integer().label("obligor_id"))
            .where(t.Event.kind == EventKind.UNREACHABLE)
            .distinct()
            .subquery()
        )
        dead = (
            select(t.Contact.obligor_id)
            .group_by(t.Contact.obligor_id)
            .having(
                func.count().filter(t.Contact.status == ContactStatus.ACTIVE) == 0,
                func.count().filter(t.Contact.status.in_(DEAD_CONTACT)) > 0,
            )
            .subquery()
        )
        query = (
            select(
                func.count(),
                func.count(day0.c.finished_at),
                func.count().filter(last_in.c.at >= day0.c.finished_at),
                func.count().filter(
                    or_(named.c.obligor_id.is_not(None), dead.c.obligor_id.is_not(None))
                ),
            )
            .select_from(pair)
            .outerjoin(
                day0, and_(day0.c.case_id == pair.case_id, day0.c.obligor_id == pair.obligor_id)
            )
            .outerjoin(last_in, last_in.c.obligor_id == pair.obligor_id)
            .outerjoin(
                named, and_(named.c.case_id == pair.case_id, named.c.obligor_id == pair.obligor_id)
            )
            .outerjoin(dead, dead.c.obligor_id == pair.obligor_id)
        )
        debtors, reminded, responded, unreachable = (
            await self.session.execute(scope.apply(query, pair))
        ).one()
        return {
            "debtors": debtors,
            "first_reminded": reminded,
            "responded": responded,
            "unreachable": unreachable,
        }

    async def _filings(self, scope: _Scope) -> dict[str, Any]:
        rows = await self.session.execute(
            scope.apply(
                select(t.Filing.kind, t.Filing.status, func.count())
                .where(t.Filing.kind.in_(("settle", "grace", "hardship")))
                .group_by(t.Filing.kind, t.Filing.status),
                t.Filing,
            )
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

    # The task queries count by status (GROUP BY, FILTER) rather than pick `done` in WHERE: on
    # SQLite an equality on the status walks ix_tasks_due for most of the table, slower than
    # a scan.

    async def _hardship(self, scope: _Scope) -> dict[str, Any]:
        """The official's verdicts and the judge's decisions, one per hardship report."""
        rows = await self.session.execute(
            scope.apply(
                select(
                    t.Task.kind,
                    t.Task.status,
                    t.Task.outcome,
                    func.count(t.Task.filing_id.distinct()),
                )
                .where(
                    t.Task.reason == "hardship",
                    t.Task.kind.in_((TaskKind.VERIFY, TaskKind.DECIDE)),
                )
                .group_by(t.Task.kind, t.Task.status, t.Task.outcome),
                t.Task,
            )
        )
        done = {(kind, outcome): n for kind, status, outcome, n in rows if status == "done"}
        verified, decided = TaskKind.VERIFY, TaskKind.DECIDE
        return {
            "hardship_true": done.get((verified, Outcome.TRUE), 0),
            "hardship_false": done.get((verified, Outcome.FALSE), 0),
            "hardship_grace": done.get((decided, Outcome.GRACE), 0),
            "hardship_exit": done.get((decided, Outcome.EXIT), 0),
            "hardship_continue": done.get((decided, Outcome.CONTINUE), 0),
        }

    async def _followups(self, scope: _Scope) -> dict[str, Any]:
        tasks = scope.apply(
            select(t.Task)
            .outerjoin(t.User, t.User.id == t.Task.done_by)
            .where(t.Task.kind.in_(OFFICIAL_TASKS)),
            t.Task,
        )
        by_official = and_(t.Task.status == TaskStatus.DONE, t.User.role == Role.OFFICIAL)
        opened, done = (
            await self.session.execute(
                tasks.with_only_columns(
                    func.count().filter(t.Task.status != TaskStatus.ESCALATED),
                    func.count().filter(by_official),
                )
            )
        ).one()
        hours = self._seconds(t.Task.done_at, t.Task.created_at) / 3600.0
        median_hours = await self._median(
            tasks.with_only_columns(case((by_official, hours)).label("v"))
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
        """The median of the column `v` that `values` selects, NULLs left out; None when no
        value is left."""
        found = values.subquery()
        if self._postgres:
            median = await self.session.scalar(
                select(func.percentile_cont(0.5).within_group(found.c.v))
            )
        else:  # the middle row, or the mean of the middle two, by row number
            ranked = (
                select(
                    found.c.v,
                    func.row_number().over(order_by=found.c.v).label("n"),
                    func.count().over().label("total"),
                )
                .where(found.c.v.is_not(None))
                .subquery()
            )
            median = await self.session.scalar(
                select(func.avg(ranked.c.v)).where(
                    ranked.c.n.in_(((ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2))
                )
            )
        return None if median is None else round(float(median), 4)
