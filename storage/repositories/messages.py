"""Every message in and out."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select

from bot.domain import records
from bot.domain.status import Direction, later_status
from storage import tables as t
from storage.repositories._base import Repo, flush


class MessageRepository(Repo):
    async def inbound_count_since(self, channel: str, address: str, since: datetime) -> int:
        return await self.session.scalar(
            select(func.count())
            .select_from(t.Message)
            .where(
                t.Message.direction == Direction.IN,
                t.Message.channel == channel,
                t.Message.address == address,
                t.Message.at >= since,
            )
        )

    async def inbound_replies(self, channel: str, provider_id: str) -> list[str] | None:
        """The replies already given to an inbound message, or None if it is new."""
        inbound_id = await self.session.scalar(
            select(t.Message.id).where(
                t.Message.direction == Direction.IN,
                t.Message.channel == channel,
                t.Message.provider_id == provider_id,
            )
        )
        if inbound_id is None:
            return None
        texts = await self.session.scalars(
            select(t.Message.text).where(t.Message.reply_to == inbound_id).order_by(t.Message.id)
        )
        return list(texts)

    async def add(self, message: records.NewMessage) -> int:
        row = t.Message(**asdict(message))
        self.session.add(row)
        await flush(self.session)
        return row.id

    async def update_status(
        self, provider: str, provider_id: str, status: str, error_code: str | None
    ) -> tuple[int | None, str | None, str | None]:
        """Moves a message's delivery status forward; returns (case_id, channel, address)."""
        message = await self.session.scalar(
            select(t.Message).where(
                t.Message.provider == provider, t.Message.provider_id == provider_id
            )
        )
        if message is None:
            return None, None, None
        message.status = later_status(message.status, status)
        message.error_code = error_code or message.error_code
        await flush(self.session)
        return message.case_id, message.channel, message.address
