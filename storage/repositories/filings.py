"""What debtors file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import tables as t
from storage.repositories._base import Repo, flush


class FilingRepository(Repo):
    async def add(
        self, *, case_id: int, obligor_id: int, kind: str, payload: dict[str, Any], at: datetime
    ) -> int:
        filing = t.Filing(
            case_id=case_id, obligor_id=obligor_id, kind=kind, payload=payload, created_at=at
        )
        self.session.add(filing)
        await flush(self.session)
        return filing.id
