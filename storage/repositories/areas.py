"""Administrative areas."""

from __future__ import annotations

from sqlalchemy import select

from storage import tables as t
from storage.repositories._base import Repo, flush


class AreaRepository(Repo):
    async def ensure(self, code: str, name: str) -> None:
        area = await self.session.get(t.Area, code)
        if area is None:
            self.session.add(t.Area(code=code, name=name))
        else:
            area.name = name
        await flush(self.session)

    async def name(self, code: str) -> str | None:
        area = await self.session.get(t.Area, code)
        return area.name if area else None

    async def list(self) -> list[tuple[str, str]]:
        rows = await self.session.execute(select(t.Area.code, t.Area.name).order_by(t.Area.code))
        return [(code, name) for code, name in rows]
