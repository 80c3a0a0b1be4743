"""One-time codes that link a chat to an obligor or a staff member."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import update

from bot.domain import records
from storage import tables as t
from storage.repositories._base import Repo, flush


class LinkRepository(Repo):
    async def add(self, link: records.NewLink) -> None:
        self.session.add(t.LinkCode(**asdict(link)))
        await flush(self.session)

    async def redeem(self, code_hash: str, at: datetime) -> tuple[int | None, int | None] | None:
        """Uses up a live code in one statement (two chats racing for it: one wins);
        (obligor_id, user_id), or None for an unknown, used or expired code."""
        row = (
            await self.session.execute(
                update(t.LinkCode)
                .where(
                    t.LinkCode.code_hash == code_hash,
                    t.LinkCode.used_at.is_(None),
                    t.LinkCode.expires_at > at,
                )
                .values(used_at=at)
                .returning(t.LinkCode.obligor_id, t.LinkCode.user_id)
            )
        ).first()
        return (row.obligor_id, row.user_id) if row else None
