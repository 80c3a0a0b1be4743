"""The case timeline's events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from bot.domain import records
from bot.domain.status import EventKind
from storage import tables as t
from storage.repositories._base import Repo, flush


class EventRepository(Repo):
    async def add(self, case_id: int, kind: EventKind, at: datetime, **detail: Any) -> None:
        self.session.add(t.Event(case_id=case_id, kind=kind, at=at, detail=detail))
        await flush(self.session)

    async def add_all(self, events: Sequence[records.NewEvent]) -> None:
        """Stores many events in one statement."""
        if events:
            await self.session.execute(insert(t.Event.__table__), [vars(event) for event in events])
