"""A staff member or creditor writes (SMS or chat): their open tasks, and the one grammar
(bot/domain/staff_commands.py) that acts on them through bot/services/decisions.py."""

from __future__ import annotations

from datetime import datetime

from bot.domain.locales import STAFF_LOCALE
from bot.domain.messages import Reply
from bot.domain.records import StaffMember, Task
from bot.domain.staff_commands import SEPARATORS, StaffCommand, Verb, parse, reference_first
from bot.domain.status import Channel, TaskStatus
from bot.domain.tasks import Outcome, options
from bot.domain.texts import render
from bot.ports import UnitOfWork
from bot.services import decisions, tasks
from bot.services.decisions import Actor, Refused

MAX_LISTED = 8  # open tasks a help answer lists (the newest last)


def t(key: str, **values: object) -> str:
    return render(key, STAFF_LOCALE, **values)


class StaffDesk:
    """One message from a staff member, answered in the same unit of work as it is stored."""

    def __init__(self, uow: UnitOfWork, staff: StaffMember, channel: str, now: datetime) -> None:
        self.uow, self.staff, self.channel, self.now = uow, staff, channel, now
        self.actor = Actor(staff=staff)

    async def respond(self, text: str) -> Reply:
        command = parse(text)
        typed_number = command.verb == Verb.OPTION
        try:
            if command.verb == Verb.UNKNOWN:
                command = await self._by_words(text) or command
            if command.verb in (Verb.HELP, Verb.UNKNOWN):
                return await self._help(command.verb == Verb.UNKNOWN)
            task = await self._task(command)
            if task.status != TaskStatus.OPEN:  # whatever the answer, it is too late
                raise await decisions.already(self.uow, task)
            if typed_number:
                self._one_option(command, task)
            outcome = self._outcome(command, task)
            terms = self._counter(command) if command.verb == Verb.COUNTER else None
            note = "" if terms else command.text
            done = await decisions.act(
                self.uow, self.actor, task.id, outcome, self.now, note=note, terms=terms
            )
            return Reply(done)
        except Refused as refused:
            return Reply(refused.text)

    async def _help(self, unknown: bool) -> Reply:
        open_tasks = await self.uow.tasks.open_for(self.staff.id)
        head = t("staff.unknown_command") if unknown else ""
        if not open_tasks:
            return Reply("\n".join(filter(None, [head, t("staff.none_open")])))
        lines = [await self._line(task) for task in open_tasks[-MAX_LISTED:]]
        listing = t("staff.open_items", count=len(open_tasks), items="\n".join(lines))
        return Reply("\n".join(filter(None, [head, listing, t("staff.grammar")])))

    async def _line(self, task: Task) -> str:
        """The task, and its numbered options where it is answered by number: they differ
        from one kind of task to another, and its notice may not have reached this person
        yet."""
        case = await self.uow.cases.summary(task.case_id)
        item = {
            "ref": task.id,
            "case": case.case_number if case else "",
            "what": t(f"task.what.{task.kind}.{task.reason}"),
        }
        if tasks.by_number(task.kind, task.reason):
            return t(
                "staff.item_options", **item, options=tasks.option_list(task.kind, task.reason)
            )
        return t("staff.item", **item)

    async def _by_words(self, text: str) -> StaffCommand | None:
        """A task answered by number, answered instead with an option's words and a note
        ("#5 属实，已上门看过"): the option whose words the answer starts with, the longest
        where two do ("不属实" is not "属实"), followed by nothing, a space or a separator
        ("已联系不上" and "属实吗" are no option)."""
        ref, rest = reference_first(text)
        try:
            task = await self._task(StaffCommand(Verb.OPTION, ref))
        except Refused:
            if ref is not None and rest:  # "#99 属实": the one answer a reference gets
                raise
            return None
        if not tasks.by_number(task.kind, task.reason):
            return None
        if (told := _option_told(task, rest)) is None:
            return None
        number, label = told
        note = rest[len(label) :].lstrip(SEPARATORS).strip()
        return StaffCommand(Verb.OPTION, task.id, number, note)

    @staticmethod
    def _one_option(command: StaffCommand, task: Task) -> None:
        """A number followed by another option's words ("2 属实": option 2 is 不属实, or task
        2 is meant 属实): which is meant is not clear, and nothing is decided."""
        allowed = options(task.kind, task.reason)
        told = _option_told(task, command.text)
        if told is None or not 1 <= (command.option or 0) <= len(allowed):
            return
        number, said = told
        if number != command.option:
            chosen = t(f"task.option.{allowed[command.option - 1]}")
            raise Refused(
                t(
                    "staff.option_unclear",
                    ref=task.id,
                    option=command.option,
                    chosen=chosen,
                    said=said,
                )
            )

    async def _task(self, command: StaffCommand) -> Task:
        if command.ref is not None:
            return await decisions.visible_task(self.uow, self.actor, command.ref)
        open_tasks = await self.uow.tasks.open_for(self.staff.id)
        if len(open_tasks) == 1:
            return open_tasks[0]
        if not open_tasks:
            raise Refused(t("staff.none_open"))
        raise Refused(t("staff.which_item", ref=open_tasks[-1].id))

    def _outcome(self, command: StaffCommand, task: Task) -> Outcome:
        allowed = options(task.kind, task.reason)
        if command.verb == Verb.COUNTER:
            if self.channel == Channel.SMS:
                raise Refused(t("staff.counter_not_by_sms"))
            return Outcome.COUNTER
        if command.verb == Verb.OPTION:
            if command.option is not None and 1 <= command.option <= len(allowed):
                return allowed[command.option - 1]
        else:
            wanted = Outcome.ACCEPT if command.verb == Verb.ACCEPT else Outcome.REJECT
            if wanted in allowed:
                return wanted
        raise Refused(
            t("staff.not_an_option", ref=task.id, options=tasks.option_list(task.kind, task.reason))
        )

    @staticmethod
    def _counter(command: StaffCommand) -> dict:
        """`还价 #n <首付> <期数> <每期> <日>`: four values, as people write them."""
        parts = command.text.split()
        if len(parts) != 4:
            raise Refused(t("staff.counter_usage"))
        return decisions.counter(*parts)


def _option_told(task: Task, answer: str) -> tuple[int, str] | None:
    """The number and words of the option whose words `answer` starts with, the longest where
    two do ("不属实" is not "属实"), followed by nothing, a space or a separator ("已联系不上"
    and "属实吗" are no option)."""
    allowed = options(task.kind, task.reason)
    labels = [(t(f"task.option.{outcome}"), n) for n, outcome in enumerate(allowed, 1)]
    for label, number in sorted(labels, key=lambda pair: -len(pair[0])):
        after = answer[len(label) :]
        if answer.startswith(label) and (not after or after[0] in SEPARATORS or after[0].isspace()):
            return number, label
    return None
