"""Administrative areas."""

from __future__ import annotations

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
