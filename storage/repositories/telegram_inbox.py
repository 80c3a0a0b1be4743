"""Telegram updates claimed and handled (webhook deliveries are at least once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.domain.status import InboxClaim
from storage import tables as t
from storage.repositories._base import Repo, insert_ignoring_duplicates


class TelegramInboxRepository(Repo):
    async def claim(self, update_id: int, *, now: datetime, until: datetime) -> InboxClaim:
        """MINE if this update is ours to handle: new, or an earlier claim on it ran out
        without being handled (that handler crashed); else DONE or BUSY."""
        inserted = await self.session.scalar(
            insert_ignoring_duplicates(self.session, t.TelegramUpdate)
            .values(update_id=update_id, claimed_until=until)
            .returning(t.TelegramUpdate.update_id)
        )
        if inserted is not None:
            return InboxClaim.MINE
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
        if retaken is not None:
            return InboxClaim.MINE
        handled = await self.session.scalar(
            select(t.TelegramUpdate.handled_at).where(t.TelegramUpdate.update_id == update_id)
        )
        return InboxClaim.DONE if handled is not None else InboxClaim.BUSY

    async def release(self, update_id: int) -> None:
        """Gives up an unhandled claim, so that the provider's next delivery is handled."""
        await self.session.execute(
            delete(t.TelegramUpdate).where(
                t.TelegramUpdate.update_id == update_id, t.TelegramUpdate.handled_at.is_(None)
            )
        )

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
