"""The case timeline's events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from bot.domain.status import EventKind
from storage import tables as t
from storage.repositories._base import Repo, flush

_INSERT = insert(t.Event.__table__)  # built once: every inbound group runs it


class EventRepository(Repo):
    async def add(self, case_id: int, kind: EventKind, at: datetime, **detail: Any) -> None:
        self.session.add(t.Event(case_id=case_id, kind=kind, at=at, detail=detail))
        await flush(self.session)

    async def add_many(self, events: Sequence[tuple[int, EventKind, datetime, dict]]) -> None:
        """(case id, kind, at, detail) each, in one statement."""
        await self.session.execute(
            _INSERT,
            [
                {"case_id": case_id, "kind": kind, "at": at, "detail": detail}
                for case_id, kind, at, detail in events
            ],
        )
