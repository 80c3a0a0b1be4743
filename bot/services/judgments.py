"""An effective judgment arrives: store the case once and plan its reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.judgment import JudgmentIn
from bot.domain.money import to_fen
from bot.domain.plan import CHAT_LINK, CHAT_LINK_DELAY, schedule
from bot.domain.records import NewCase, NewObligor, NewReminder, NewUser
from bot.domain.status import EventKind, Role
from bot.metrics import Metrics
from bot.pii import PersonalDataKey
from bot.ports import Clock, Conflict, UnitOfWorkFactory
from bot.services import tasks
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
    ) -> None:
        self._uow, self._clock, self._zone, self._schedules = uow, clock, zone, schedules
        self._metrics = metrics
        self._data_key = data_key
        self._chat_links = chat_links  # invite each debtor to chat by SMS after the first step

    def parse(self, data: object) -> JudgmentIn:
        """Validates a judgment as received (raises pydantic's ValidationError), on the
        court's calendar."""
        return JudgmentIn.model_validate(data, context={"zone": self._zone})

    async def register(self, judgment: JudgmentIn) -> Registered:
        """Idempotent on the case number: a second delivery changes nothing."""
        try:
            result = await self._register_once(judgment)
        except Conflict:  # the same judgment arrived concurrently and the other one won
            result = await self._register_once(judgment)
        self._metrics.judgments.labels("created" if result.created else "duplicate").inc()
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

    async def _register_once(self, j: JudgmentIn) -> Registered:
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.cases.id_by_number(j.case_number)
            if existing is not None:
                return Registered(existing, created=False)
            court_id = await uow.courts.ensure(j.court.code, j.court.name)
            judge = j.judge
            judge_id = await uow.users.ensure(
                NewUser(Role.JUDGE, judge.name, judge.phone, court_id, None, judge.telegram_chat_id)
            )
            creditor_id = None
            if j.creditor is not None:
                creditor = NewUser(Role.CREDITOR, j.creditor.name, j.creditor.phone, court_id)
                creditor_id = await uow.users.ensure(creditor)
            case_id = await uow.cases.add(
                NewCase(
                    case_number=j.case_number,
                    court_id=court_id,
                    judge_id=judge_id,
                    creditor_id=creditor_id,
                    amount_due_fen=to_fen(j.amount_due),
                    obligations=j.obligations,
                    effective_at=j.effective_at,
                    performance_due=j.performance_due,
                    created_at=now,
                )
            )
            schedule_id, rules = await self._schedules.for_court(uow, court_id)
            if schedule_id is not None:  # planned with the court's latest version
                await uow.schedules.assign([case_id], schedule_id)
            reminders = []
            for person in j.obligors:
                obligor_id = await uow.obligors.ensure(
                    NewObligor(
                        name=person.name,
                        phone=person.phone,
                        area_code=person.area_code,
                        locale=person.locale,
                        timezone=self._zone.key,
                        telegram_chat_id=person.telegram_chat_id,
                        **self._sealed_id_number(person.id_number),
                    )
                )
                await uow.cases.link_obligor(case_id, obligor_id)
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
                reminders += [
                    NewReminder(case_id, obligor_id, step.key, step.template, due_at)
                    for step, due_at in steps
                ]
                for step, due_at in steps:
                    if step.follow_up:
                        await tasks.first_call(uow, case_id, obligor_id, due_at)
            await uow.reminders.add_many(reminders)
            await uow.events.add(
                case_id,
                EventKind.JUDGMENT_RECEIVED,
                now,
                obligors=len(j.obligors),
                reminders_planned=len(reminders),
            )
            await uow.commit()
            return Registered(case_id, created=True)
