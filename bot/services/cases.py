"""Read-only views of cases for the API and the admin."""

from __future__ import annotations

from bot.domain.access import case_scope
from bot.domain.case_number import normalize_case_number
from bot.domain.phones import PhoneError, normalize_phone
from bot.domain.records import StaffMember
from bot.domain.status import CaseStatus
from bot.domain.views import (
    AddressRow,
    CaseLine,
    CaseSearch,
    CaseView,
    ThreadMessage,
    ThreadPage,
)
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

    async def find_for(
        self, staff: StaffMember, text: str = "", status: CaseStatus | None = None, *, limit: int
    ) -> list[CaseLine]:
        """The cases a staff member may see whose number, party's name or debtor's phone
        contains `text`, in `status` (None: the live ones)."""
        text = text.strip()[:100]
        try:
            phone = normalize_phone(text) if text else None
        except PhoneError:
            phone = None
        search = CaseSearch(text=text, phone=phone, status=status)
        async with self._uow() as uow:
            return await uow.views.case_lines(case_scope(staff), search=search, limit=limit)

    async def case_for(self, staff: StaffMember, case_id: int) -> CaseView | None:
        """A case by its id, if this staff member may see it; None for a foreign case as for
        a missing one."""
        async with self._uow() as uow:
            return await uow.views.case_for(case_scope(staff), case_id)

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

    async def change_stamp(self) -> str:
        async with self._uow() as uow:
            return await uow.views.change_stamp()

    async def reminder_counts(self) -> dict[str, int]:
        async with self._uow() as uow:
            return await uow.reminders.count_by_status()

    async def thread(self, address: str, *, limit: int, before: int | None = None) -> ThreadPage:
        """The newest `limit` messages of an address (before the message `before`)."""
        async with self._uow() as uow:
            messages = await uow.views.thread(address, limit=limit + 1, before=before)
        return ThreadPage(messages=tuple(messages[-limit:]), older=len(messages) > limit)

    async def thread_after(self, address: str, after: int, *, limit: int) -> list[ThreadMessage]:
        """An address's messages that came after the message `after`, the first `limit`."""
        async with self._uow() as uow:
            return await uow.views.thread(address, limit=limit, after=after)

    async def addresses(self, limit: int) -> list[AddressRow]:
        """The addresses with the latest messages, and the staff phones (the sandbox's list)."""
        async with self._uow() as uow:
            return await uow.views.addresses(limit)
