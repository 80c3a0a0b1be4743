"""Read-only views of cases for the API and the admin."""

from __future__ import annotations

from bot.ports import UnitOfWorkFactory


class CaseQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def view(self, case_id: int) -> dict | None:
        async with self._uow() as uow:
            return await uow.cases.view(case_id)

    async def reminder_counts(self) -> dict[str, int]:
        async with self._uow() as uow:
            return await uow.reminders.count_by_status()

    async def recent_messages(self, limit: int = 1000) -> list[dict]:
        async with self._uow() as uow:
            return await uow.messages.recent(limit)

    async def people(self) -> list[dict]:
        """The staff directory (the sandbox lists them so one can reply as a judge or official)."""
        async with self._uow() as uow:
            return await uow.users.list()
