"""Every message in and out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.domain.status import (
    later_status,
)
from storage import tables as t
from storage.repositories._base import (
    Repo,
    flush,
)


class MessageRepository(Repo):
    async def inbound_count_since(self, channel: str, address: str, since: datetime) -> int:
        return await self.session.scalar(
            select(func.count())
            .select_from(t.Message)
            .where(
                t.Message.direction == "in",
                t.Message.channel == channel,
                t.Message.address == address,
                t.Message.at >= since,
            )
        )

    async def inbound_replies(self, channel: str, provider_id: str) -> list[str] | None:
        """The replies already given to an inbound message, or None if it is new."""
        inbound_id = await self.session.scalar(
            select(t.Message.id).where(
                t.Message.direction == "in",
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

    async def add(
        self,
        *,
        direction: str,
        channel: str,
        address: str,
        text: str,
        at: datetime,
        case_id: int | None = None,
        obligor_id: int | None = None,
        provider: str | None = None,
        provider_id: str | None = None,
        status: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        message = t.Message(
            direction=direction,
            channel=channel,
            address=address,
            text=text,
            at=at,
            case_id=case_id,
            obligor_id=obligor_id,
            provider=provider,
            provider_id=provider_id,
            status=status,
            reply_to=reply_to,
        )
        self.session.add(message)
        await flush(self.session)
        return message.id

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
