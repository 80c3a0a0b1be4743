"""An effective judgment arrives: store the case once and plan its reminders.

Judgments are registered in groups, in one transaction and a few statements per group: those
that arrive over the API at the same moment, or a chunk of a bulk import.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from bot.domain.areas import prefixes
from bot.domain.judgment import JudgmentIn, ObligorIn
from bot.domain.money import to_fen
from bot.domain.plan import CHAT_LINK, CHAT_LINK_DELAY, PlanStep, schedule
from bot.domain.records import NewCase, NewObligor, NewReminder, NewUser
from bot.domain.schedules import Schedule
from bot.domain.status import EventKind, Role
from bot.metrics import Metrics
from bot.pii import PersonalDataKey
from bot.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from bot.services import tasks
from bot.services.grouping import Group
from bot.services.schedules import ScheduleService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered:
    case_id: int
    created: bool


class JudgmentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        zone: ZoneInfo,
        schedules: ScheduleService,
        metrics: Metrics,
        data_key: PersonalDataKey | None = None,
        chat_links: bool = False,
        on_new: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow, self._clock, self._zone, self._schedules = uow, clock, zone, schedules
        self._metrics = metrics
        self._data_key = data_key
        self._chat_links = chat_links  # invite each debtor to chat by SMS after the first step
        self._arrivals: Group[JudgmentIn, Registered] = Group(self._register_group)
        self._on_new = on_new  # new cases were planned (the dispatcher looks at once)

    def parse(self, data: object) -> JudgmentIn:
        """Validates a judgment as received (raises pydantic's ValidationError), on the
        court's calendar."""
        return JudgmentIn.model_validate(data, context={"zone": self._zone})

    async def register(self, judgment: JudgmentIn) -> Registered:
        """Idempotent on the case number: a second delivery changes nothing. Judgments that
        arrive at the same moment are registered together, in one transaction."""
        return await self._arrivals(judgment)

    async def register_many(self, judgments: Sequence[JudgmentIn]) -> list[Registered]:
        """Each of `judgments` as `register` would, in one transaction (a bulk import)."""
        results = await self._register_group(list(judgments))
        for result in results:
            if isinstance(result, Exception):
                raise result
        return cast(list[Registered], results)

    async def _register_group(self, judgments: list[JudgmentIn]) -> list[Registered | Exception]:
        try:
            results = await self._register_once(judgments)
        except Conflict:  # a case or debtor of theirs was registered concurrently: again
            if len(judgments) > 1:  # one by one, so that one conflict holds up no other
                return [await self._register_alone(j) for j in judgments]
            results = await self._register_once(judgments)  # the other delivery won
        for result in results:
            self._metrics.judgments.labels("created" if result.created else "duplicate").inc()
        if any(result.created for result in results):
            self._on_new()
        return list(results)

    async def _register_alone(self, judgment: JudgmentIn) -> Registered | Exception:
        try:
            [result] = await self._register_group([judgment])
        except Exception as exc:
            return exc
        return result

    def _sealed_id_number(self, id_number: str | None) -> dict[str, str]:
        """The ID number encrypted, with its lookup hash; nothing at all without a data key."""
        if not id_number:
            return {}
        if self._data_key is None:
            log.warning("an ID number arrived but DUCU_DATA_KEY is not set: it is not stored")
            return {}
        return {
            "id_number_encrypted": self._data_key.encrypt(id_number.upper()),
            "id_number_hash": self._data_key.lookup_hash(id_number),
        }

    async def _register_once(self, judgments: list[JudgmentIn]) -> list[Registered]:
        now = self._clock.now()
        async with self._uow() as uow:
            ids = await uow.cases.ids_by_numbers({j.case_number for j in judgments})
            new: dict[str, JudgmentIn] = {}
            for j in judgments:  # the first of a number that comes twice is the one kept
                if j.case_number not in ids:
                    new.setdefault(j.case_number, j)
            if new:
                ids |= await self._add(uow, list(new.values()), now)
                await uow.commit()
        results = []
        for j in judgments:
            results.append(
                Registered(ids[j.case_number], created=new.pop(j.case_number, None) is j)
            )
        return results

    async def _add(
        self, uow: UnitOfWork, judgments: list[JudgmentIn], now: datetime
    ) -> dict[str, int]:
        """Adds the cases with their people and plans: case number → case id."""
        courts: dict[str, int] = {}
        rules: dict[int, tuple[int | None, Schedule]] = {}  # the version a court's cases get
        staff: list[NewUser] = []  # each judgment's judge, then its creditor if any
        for j in judgments:
            if j.court.code not in courts:
                court_id = await uow.courts.ensure(j.court.code, j.court.name)
                courts[j.court.code] = court_id
                rules[court_id] = await self._schedules.for_court(uow, court_id)
            court_id, judge = courts[j.court.code], j.judge
            staff.append(
                NewUser(Role.JUDGE, judge.name, judge.phone, court_id, None, judge.telegram_chat_id)
            )
            if j.creditor is not None:
                staff.append(NewUser(Role.CREDITOR, j.creditor.name, j.creditor.phone, court_id))
        user_ids = iter(await uow.users.ensure_many(staff))
        cases = [
            NewCase(
                case_number=j.case_number,
                court_id=courts[j.court.code],
                judge_id=next(user_ids),
                creditor_id=next(user_ids) if j.creditor is not None else None,
                amount_due_fen=to_fen(j.amount_due),
                obligations=j.obligations,
                effective_at=j.effective_at,
                performance_due=j.performance_due,
                created_at=now,
            )
            for j in judgments
        ]
        official_areas = {
            u.area_code
            for u in await uow.users.list(role=Role.OFFICIAL)
            if u.active and u.area_code
        }

        def covered(area_code: str) -> bool:
            """Whether an official covers the area (a first call needs one): looked up once
            for the chunk, not for each debtor."""
            return any(prefix in official_areas for prefix in prefixes(area_code))

        case_ids = await uow.cases.add_many(cases)
        for court_id, (schedule_id, _) in rules.items():
            if schedule_id is not None:  # planned with the court's latest version
                court_cases = [c.case_number for c in cases if c.court_id == court_id]
                await uow.schedules.assign([case_ids[n] for n in court_cases], schedule_id)
        people = [(j, person) for j in judgments for person in j.obligors]
        obligor_ids = await uow.obligors.ensure_many(
            [
                NewObligor(
                    name=person.name,
                    phone=person.phone,
                    area_code=person.area_code,
                    locale=person.locale,
                    timezone=self._zone.key,
                    telegram_chat_id=person.telegram_chat_id,
                    **self._sealed_id_number(person.id_number),
                )
                for _, person in people
            ]
        )
        await uow.cases.link_obligors(
            [(case_ids[j.case_number], o) for (j, _), o in zip(people, obligor_ids, strict=True)]
        )
        reminders: list[NewReminder] = []
        planned: Counter[int] = Counter()
        plans: dict[tuple, list[tuple[PlanStep, datetime]]] = {}  # worked out once for a chunk
        for (j, person), obligor_id in zip(people, obligor_ids, strict=True):
            case_id, court_id = case_ids[j.case_number], courts[j.court.code]
            # What a plan depends on; many judgments of a chunk share it.
            plan = (court_id, j.effective_at, j.performance_due, person.telegram_chat_id is None)
            if (steps := plans.get(plan)) is None:
                steps = plans[plan] = self._steps(rules[court_id][1], j, person, now)
            reminders += [
                NewReminder(case_id, obligor_id, step.key, step.template, due_at)
                for step, due_at in steps
            ]
            planned[case_id] += len(steps)
            if any(step.follow_up for step, _ in steps) and covered(person.area_code):
                for step, due_at in steps:
                    if step.follow_up:
                        await tasks.first_call(uow, case_id, obligor_id, due_at)
        await uow.reminders.add_many(reminders)
        await uow.events.add_many(
            [
                (
                    case_ids[j.case_number],
                    EventKind.JUDGMENT_RECEIVED,
                    now,
                    {
                        "obligors": len(j.obligors),
                        "reminders_planned": planned[case_ids[j.case_number]],
                    },
                )
                for j in judgments
            ]
        )
        return case_ids

    def _steps(
        self, rules: Schedule, j: JudgmentIn, person: ObligorIn, now: datetime
    ) -> list[tuple[PlanStep, datetime]]:
        """The planning rule: when each step of the court's schedule reaches this debtor."""
        steps = schedule(
            rules.steps,
            j.effective_at,
            j.performance_due,
            now=now,
            zone=self._zone,
            quiet=rules.quiet,
        )
        if self._chat_links and person.telegram_chat_id is None:
            steps.append((CHAT_LINK, steps[0][1] + CHAT_LINK_DELAY))
        return steps
