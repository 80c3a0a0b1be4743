"""Courts: their code, name and order of channels (their schedules: schedules.py)."""

from __future__ import annotations

from sqlalchemy import select, update

from storage import tables as t
from storage.repositories._base import Repo, flush


class CourtRepository(Repo):
    async def ensure(self, code: str, name: str) -> int:
        court = await self.session.scalar(select(t.Court).where(t.Court.code == code))
        if court is None:
            court = t.Court(code=code, name=name)
            self.session.add(court)
            await flush(self.session)
        return court.id

    async def by_code(self, code: str) -> tuple[int, list[str] | None] | None:
        """A court's id and order of channels."""
        row = (
            await self.session.execute(
                select(t.Court.id, t.Court.channel_order).where(t.Court.code == code)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def set_channel_order(self, code: str, order: list[str]) -> None:
        await self.session.execute(
            update(t.Court).where(t.Court.code == code).values(channel_order=order)
        )

    async def code_of(self, court_id: int) -> str | None:
        return await self.session.scalar(select(t.Court.code).where(t.Court.id == court_id))

    async def name(self, court_id: int) -> str:
        return await self.session.scalar(select(t.Court.name).where(t.Court.id == court_id)) or ""
