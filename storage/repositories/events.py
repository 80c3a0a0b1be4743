"""The case timeline's events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.status import EventKind
from storage import tables as t
from storage.repositories._base import BulkInsert, Repo, flush

_ADD = BulkInsert(t.Event.__table__, ("case_id", "kind", "at", "detail"))  # every inbound group


class EventRepository(Repo):
    async def add(self, case_id: int, kind: EventKind, at: datetime, **detail: Any) -> None:
        self.session.add(t.Event(case_id=case_id, kind=kind, at=at, detail=detail))
        await flush(self.session)

    async def add_many(self, events: Sequence[tuple[int, EventKind, datetime, dict]]) -> None:
        """(case id, kind, at, detail) each, in one statement (held on SQLite:
        `BulkInsert.later`)."""
        await _ADD.later(self.session, events)
