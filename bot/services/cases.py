"""Read-only views of cases for the API and the admin."""

from __future__ import annotations

from bot.domain.access import case_scope
from bot.domain.case_number import normalize_case_number
from bot.domain.records import StaffMember
from bot.domain.views import CaseLine, CaseView, MessageRow, UserRow
from bot.ports import UnitOfWorkFactory


class CaseQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def view(self, case_id: int) -> CaseView | None:
        async with self._uow() as uow:
            return await uow.views.case(case_id)

    async def live_for(self, staff: StaffMember, *, silent_only: bool = False) -> list[CaseLine]:
        """The open cases a staff member may see (`silent_only`: whose debtor never answered)."""
        async with self._uow() as uow:
            return await uow.views.case_lines(case_scope(staff), silent_only=silent_only)

    async def view_for(self, staff: StaffMember, case_number: str) -> CaseView | None:
        """A case by its number, if this staff member may see it; None either way otherwise,
        so a guess learns nothing."""
        try:
            case_number = normalize_case_number(case_number)
        except ValueError:
            return None
        async with self._uow() as uow:
            case_id = await uow.cases.visible_id(case_scope(staff), case_number)
            return await uow.views.case(case_id) if case_id is not None else None

    async def reminder_counts(self) -> dict[str, int]:
        async with self._uow() as uow:
            return await uow.reminders.count_by_status()

    async def recent_messages(self, limit: int = 1000) -> list[MessageRow]:
        async with self._uow() as uow:
            return await uow.views.recent_messages(limit)

    async def people(self) -> list[UserRow]:
        """The staff directory (the sandbox lists them so one can reply as a judge or official)."""
        async with self._uow() as uow:
            return await uow.users.list()
