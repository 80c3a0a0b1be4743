"""Judges, officials, admins and creditors in chat: one router per role, each behind a role
filter.

What a staff member may see is decided in one place (`bot/domain/access.py`): a judge their
own cases, an official the cases of debtors in their area, an admin their court's. Notices
about their cases reach them through the outbox, as SMS does, a task's options as buttons.
They act as by SMS: typed text and buttons go to the conversation engine, which answers a
staff member or creditor with the staff grammar and decides through the one decision service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.app import Services
from bot.domain.locales import STAFF_LOCALE
from bot.domain.money import format_yuan, to_fen
from bot.domain.records import StaffMember
from bot.domain.status import Direction, Role
from bot.domain.texts import format_date, format_list, render
from bot.domain.views import CaseLine, CaseView, EventEntry, TimelineEntry
from bot.services.linking import Linked
from handlers.telegram import conversation
from handlers.telegram.middlewares import HasRole
from handlers.telegram.replies import answer

TIMELINE = 15  # the latest entries a case view shows
TEXT_CUT = 60  # characters of a message a timeline line shows


def t(key: str, **values: object) -> str:
    """A text in the staff's locale."""
    return render(key, STAFF_LOCALE, **values)


async def greet_staff(bot: Bot, chat_id: int, staff: StaffMember) -> None:
    role = t(f"staff.role.{staff.role}")
    await answer(bot, chat_id, t("staff.linked", name=staff.name, role=role))


def _amount(yuan: Decimal) -> str:
    return format_yuan(to_fen(yuan))


def _due(day: date) -> str:
    return format_date(day, STAFF_LOCALE)


def _lines(header: str, cases: list[CaseLine]) -> str:
    if not cases:
        return t("staff.none")
    rows = [
        t(
            "staff.case_line",
            case=c.case_number,
            name=c.obligor,
            amount=_amount(c.amount_due),
            due=_due(c.performance_due),
            status=t(f"status.{c.status}"),
        )
        for c in cases
    ]
    return "\n".join([t(header, count=len(cases)), *rows])


def _timeline_line(item: TimelineEntry, zone: ZoneInfo) -> str:
    at = item.at.astimezone(zone).strftime("%m-%d %H:%M")
    if isinstance(item, EventEntry):
        return f"{at} {item.kind}"
    arrow = "→" if item.direction == Direction.OUT else "←"
    return f"{at} {arrow}{item.channel} {item.text[:TEXT_CUT]}"


def case_text(view: CaseView, zone: ZoneInfo) -> str:
    head = t(
        "staff.case_head",
        case=view.case_number,
        status=t(f"status.{view.status}"),
        amount=_amount(view.amount_due),
        due=_due(view.performance_due),
        name=format_list([o.name for o in view.obligors], STAFF_LOCALE),
    )
    return "\n".join([head, *(_timeline_line(item, zone) for item in view.timeline[-TIMELINE:])])


def role_router(role: Role) -> Router:
    """The role's commands; any other text and every button go to the engine (the staff
    grammar, bot/domain/staff_commands.py); anything else gets the role's help."""
    router = Router(name=f"staff.{role}")
    for observer in (router.message, router.callback_query):
        observer.filter(HasRole(role))

    if role != Role.CREDITOR:  # a creditor only answers what they are asked

        @router.message(Command("cases"))
        async def cases(message: Message, bot: Bot, services: Services, linked: Linked) -> None:
            assert linked.staff is not None
            found = await services.cases.live_for(linked.staff)
            await answer(bot, message.chat.id, _lines("staff.cases", found))

        @router.message(Command("case"))
        async def case(
            message: Message, command: CommandObject, bot: Bot, services: Services, linked: Linked
        ) -> None:
            assert linked.staff is not None
            if not command.args:
                await answer(bot, message.chat.id, t("staff.case_usage"))
                return
            view = await services.cases.view_for(linked.staff, command.args)
            if view is None:
                await answer(bot, message.chat.id, t("staff.case_unknown"))
                return
            await answer(bot, message.chat.id, case_text(view, services.settings.zone))

    if role == Role.OFFICIAL:

        @router.message(Command("silent"))
        async def silent(message: Message, bot: Bot, services: Services, linked: Linked) -> None:
            assert linked.staff is not None
            found = await services.cases.live_for(linked.staff, silent_only=True)
            await answer(bot, message.chat.id, _lines("staff.silent", found))

    router.message.register(conversation.text, F.text, ~F.text.startswith("/"))
    router.callback_query.register(conversation.button)
    help_text = t("staff.help_creditor" if role == Role.CREDITOR else "staff.help")

    @router.message()
    async def help_(message: Message, bot: Bot) -> None:
        """/help, another command, a sticker…: what works here."""
        await answer(bot, message.chat.id, help_text)

    return router


def routers() -> list[Router]:
    """Before the debtors' router: a linked staff member's or creditor's chat is theirs."""
    return [role_router(role) for role in (Role.JUDGE, Role.OFFICIAL, Role.ADMIN, Role.CREDITOR)]
