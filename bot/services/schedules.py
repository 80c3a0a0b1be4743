"""Courts' reminder schedules: the current version, saving a new one (checked, audited), the
history, and re-planning a court's open cases to the latest version (bot/domain/replan.py).

A court without a schedule of its own runs the built-in one (the shipped plan, the settings'
quiet hours and cap), version 0. Versions never change once saved, so the dispatcher looks a
case's version up once per process (`rules`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import replan
from bot.domain.audit import Action, AuditActor, NewAudit
from bot.domain.case_states import LIVE
from bot.domain.records import NewReminder
from bot.domain.schedules import Schedule, StoredSchedule, parse
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services import tasks

BATCH = 100  # cases one re-plan transaction handles
SAMPLES = 20  # cases a re-plan's report shows in detail


class NoSuchCourt(LookupError):
    """No court of that code that this actor may see."""


@dataclass(frozen=True)
class CourtSchedule:
    court_id: int
    court_code: str
    version: int  # 0: the built-in schedule
    schedule: Schedule
    created_at: datetime | None = None


@dataclass(frozen=True)
class CaseReplan:
    case_id: int
    case_number: str
    changes: list[replan.RowChange]


@dataclass
class Replan:
    """What a re-plan does (a dry run) or did: the counts of row changes, the cases it
    touched, and the first `SAMPLES` of them in detail."""

    court_code: str
    version: int
    applied: bool
    cases: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    samples: list[CaseReplan] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """As the API answers and the command line prints it (times in UTC, ISO 8601)."""
        return {
            "court": self.court_code,
            "version": self.version,
            "applied": self.applied,
            "cases": self.cases,
            "counts": {kind.value: self.counts[kind.value] for kind in replan.Change},
            "samples": [
                {
                    "case_id": case.case_id,
                    "case_number": case.case_number,
                    "changes": [
                        {
                            "obligor_id": change.obligor_id,
                            "step": change.step_key,
                            "change": change.change.value,
                            "due_at": change.due_at.isoformat() if change.due_at else None,
                        }
                        for change in case.changes
                    ],
                }
                for case in self.samples
            ],
        }


class ScheduleService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, zone: ZoneInfo, default: Schedule
    ) -> None:
        self._uow, self._clock, self._zone, self._default = uow, clock, zone, default
        self._versions: dict[int, Schedule] = {}

    @property
    def default(self) -> Schedule:
        return self._default

    async def _court(self, uow: UnitOfWork, actor: AuditActor, code: str | None) -> tuple[int, str]:
        """The court's id and code: `code`, or the actor's own court when None."""
        if code is None:
            court_id = actor.court_id
            code = await uow.courts.code_of(court_id) if court_id is not None else None
        else:
            found = await uow.courts.by_code(code)
            court_id = found[0] if found else None
        if court_id is None or code is None or not actor.sees(court_id):
            raise NoSuchCourt(f"there is no court {code or ''!r}")
        return court_id, code

    async def current(self, actor: AuditActor, code: str | None = None) -> CourtSchedule:
        async with self._uow() as uow:
            court_id, code = await self._court(uow, actor, code)
            stored = await uow.schedules.latest(court_id)
        if stored is None:
            return CourtSchedule(court_id, code, 0, self._default)
        return CourtSchedule(
            court_id, code, stored.version, self._remember(stored), stored.created_at
        )

    async def history(self, actor: AuditActor, code: str | None = None) -> list[StoredSchedule]:
        """Every saved version, newest first."""
        async with self._uow() as uow:
            court_id, _ = await self._court(uow, actor, code)
            return await uow.schedules.history(court_id)

    async def save(self, actor: AuditActor, body: object, code: str | None = None) -> int:
        """A new version of the court's schedule, if it keeps every rule (else
        `ScheduleRefused`, nothing saved); its number. Cases keep the version they were
        planned with until a re-plan."""
        async with self._uow() as uow:
            court_id, code = await self._court(uow, actor, code)  # an unknown court first
            rules = parse(body, self._zone)
            before = await uow.schedules.latest(court_id)
            stored = await uow.schedules.add(court_id, rules.to_json(), self._clock.now())
            await uow.audit.add(
                NewAudit(
                    self._clock.now(),
                    actor,
                    Action.SET_SCHEDULE,
                    "court",
                    code,
                    court_id,
                    {"version": before.version, **before.body} if before else None,
                    {"version": stored.version, **stored.body},
                )
            )
            await uow.commit()
            return stored.version

    async def for_court(self, uow: UnitOfWork, court_id: int) -> tuple[int | None, Schedule]:
        """The version a new case of the court is planned with (its id; None: built-in)."""
        stored = await uow.schedules.latest(court_id)
        if stored is None:
            return None, self._default
        return stored.id, self._remember(stored)

    def _remember(self, stored: StoredSchedule) -> Schedule:
        if stored.id not in self._versions:
            self._versions[stored.id] = Schedule.from_json(stored.body)
        return self._versions[stored.id]

    async def rules(self, schedule_id: int | None) -> Schedule:
        """The schedule a case was planned with (cached: a version never changes)."""
        if schedule_id is not None and schedule_id not in self._versions:
            async with self._uow() as uow:
                return await self._rules_in(uow, schedule_id)
        return self._versions.get(schedule_id, self._default)

    async def _rules_in(self, uow: UnitOfWork, schedule_id: int | None) -> Schedule:
        """`rules`, read in the caller's unit of work."""
        if schedule_id is None or schedule_id in self._versions:
            return self._versions.get(schedule_id, self._default)
        stored = await uow.schedules.get(schedule_id)
        return self._remember(stored) if stored else self._default

    async def replan(self, actor: AuditActor, code: str | None = None, *, apply: bool) -> Replan:
        """Moves the court's live cases to its latest version (bot/domain/replan.py), a batch
        of cases per transaction; with `apply` False only says what it would do."""
        async with self._uow() as uow:
            court_id, code = await self._court(uow, actor, code)
            latest = await uow.schedules.latest(court_id)
        if latest is None:  # every case runs the built-in schedule already
            return Replan(code, 0, apply)
        report = Replan(code, latest.version, apply)
        new_rules = self._remember(latest)
        after = 0
        while True:
            async with self._uow() as uow:
                cases = await uow.schedules.cases_to_replan(court_id, LIVE, latest.id, after, BATCH)
                if not cases:
                    return report
                after = cases[-1].id
                done = await self._batch(uow, cases, new_rules, apply=apply)
                changed = [(case, found) for case, found in done if found]
                counts = replan.count([change for _, found in changed for change in found])
                report.cases += len(changed)
                report.counts.update(counts)
                room = SAMPLES - len(report.samples)
                report.samples += [CaseReplan(c.id, c.case_number, f) for c, f in changed[:room]]
                if apply:
                    await uow.schedules.assign([case.id for case in cases], latest.id)
                    await uow.audit.add(
                        NewAudit(
                            self._clock.now(),
                            actor,
                            Action.REPLAN,
                            "court",
                            code,
                            court_id,
                            None,
                            {"version": latest.version, "cases": len(changed), **counts},
                        )
                    )
                    await uow.commit()

    async def _batch(
        self, uow: UnitOfWork, cases: list[replan.OpenCase], new_rules: Schedule, *, apply: bool
    ) -> list[tuple[replan.OpenCase, list[replan.RowChange]]]:
        now = self._clock.now()
        ids = [case.id for case in cases]
        obligors = await uow.schedules.obligors(ids)
        rows = await uow.schedules.debtor_rows(ids)
        done = []
        for case in cases:
            old = replan.planned(await self._rules_in(uow, case.schedule_id), case, self._zone)
            new = replan.planned(new_rules, case, self._zone)
            found = replan.changes(old, new, obligors.get(case.id, []), rows.get(case.id, []), now)
            if apply:
                await self._write(uow, case, found, now)
            done.append((case, found))
        return done

    async def _write(
        self, uow: UnitOfWork, case: replan.OpenCase, found: list[replan.RowChange], now: datetime
    ) -> None:
        added = []
        for change in found:
            step, at = change.step, change.due_at
            match change.change:
                case replan.Change.ADDED:
                    added.append(
                        NewReminder(case.id, change.obligor_id, step.key, step.template, at)
                    )
                case replan.Change.MOVED:
                    await uow.schedules.move(change.row_id, step.template, at)
                case replan.Change.REVIVED:
                    await uow.schedules.revive(change.row_id, step.template, at)
                case replan.Change.CANCELLED:
                    await uow.schedules.cancel(change.row_id, now)
            if step is not None and step.follow_up and change.change != replan.Change.MOVED:
                await tasks.first_call(uow, case.id, change.obligor_id, at)
        await uow.reminders.add_many(added)
