"""Telegram updates claimed and handled (webhook deliveries are at least once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update

from storage import tables as t
from storage.repositories._base import Repo, insert_ignoring_duplicates


class TelegramInboxRepository(Repo):
    async def claim(self, update_id: int, *, now: datetime, until: datetime) -> bool:
        """True if this update is ours to handle: new, or an earlier claim on it ran out
        without being handled (that handler crashed)."""
        inserted = await self.session.scalar(
            insert_ignoring_duplicates(self.session, t.TelegramUpdate)
            .values(update_id=update_id, claimed_until=until)
            .returning(t.TelegramUpdate.update_id)
        )
        if inserted is not None:
            return True
        retaken = await self.session.scalar(
            update(t.TelegramUpdate)
            .where(
                t.TelegramUpdate.update_id == update_id,
                t.TelegramUpdate.handled_at.is_(None),
                t.TelegramUpdate.claimed_until <= now,
            )
            .values(claimed_until=until)
            .returning(t.TelegramUpdate.update_id)
        )
        return retaken is not None

    async def handled(self, update_id: int, at: datetime) -> None:
        await self.session.execute(
            update(t.TelegramUpdate)
            .where(t.TelegramUpdate.update_id == update_id)
            .values(handled_at=at)
        )

    async def forget_before(self, before: datetime) -> int:
        """Drops updates handled, or last claimed, before `before`."""
        last = func.coalesce(t.TelegramUpdate.handled_at, t.TelegramUpdate.claimed_until)
        result = await self.session.execute(delete(t.TelegramUpdate).where(last < before))
        return result.rowcount or 0
