"""What debtors file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.domain import records
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

    async def get(self, filing_id: int) -> records.Filing | None:
        row = await self.session.get(t.Filing, filing_id)
        if row is None:
            return None
        return records.Filing(
            row.id,
            row.case_id,
            row.obligor_id,
            row.kind,
            row.status,
            dict(row.payload),
            row.created_at,
        )

    async def set_status(self, filing_id: int, status: str) -> None:
        await self.session.execute(
            update(t.Filing).where(t.Filing.id == filing_id).values(status=status)
        )

    async def waiting(self, case_id: int, kinds: frozenset[str], but: int) -> bool:
        """Whether another filing of these kinds still waits for a decision on the case."""
        found = await self.session.scalar(
            select(t.Filing.id)
            .where(
                t.Filing.case_id == case_id,
                t.Filing.kind.in_(kinds),
                t.Filing.status.in_(("filed", "in_review", "countered")),
                t.Filing.id != but,
            )
            .limit(1)
        )
        return found is not None
