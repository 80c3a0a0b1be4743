"""Every message in and out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, insert, literal, select, union_all

from bot.domain import records
from bot.domain.status import Direction, later_status
from storage import tables as t
from storage.repositories._base import Repo, flush


class MessageRepository(Repo):
    async def inbound_counts_since(
        self, channel: str, addresses: Collection[str], since: datetime, up_to: int
    ) -> dict[str, int]:
        """How many messages each address sent since then, counted up to `up_to` at most (the
        limit is all the caller needs, and a busy sender's minute may hold thousands): one
        statement, each count an index range (`ix_messages_address`) that stops at `up_to`."""
        counts = [
            select(literal(address).label("address"), func.count().label("n")).select_from(
                select(t.Message.id)
                .where(
                    t.Message.channel == channel,
                    t.Message.address == address,
                    t.Message.at >= since,
                    t.Message.direction == Direction.IN,
                )
                .limit(up_to)
                .subquery()
            )
            for address in addresses
        ]
        if not counts:
            return {}
        rows = await self.session.execute(union_all(*counts))
        return {address: n for address, n in rows}

    async def replies_to(self, channel: str, provider_ids: Collection[str]) -> dict[str, list[str]]:
        """The replies already given to those inbound messages that are stored, by provider id
        (an inbound message's provider is its channel: `uq_messages_provider_id` finds it)."""
        if not provider_ids:
            return {}
        m = t.Message.__table__.c  # Core columns, as on every path of an inbound message
        found = dict(
            (
                await self.session.execute(
                    select(m.id, m.provider_id).where(
                        m.provider == channel,
                        m.provider_id.in_(provider_ids),
                        m.direction == Direction.IN,
                    )
                )
            ).all()
        )
        replies: dict[str, list[str]] = {provider_id: [] for provider_id in found.values()}
        if found:
            rows = await self.session.execute(
                select(m.reply_to, m.text).where(m.reply_to.in_(found)).order_by(m.id)
            )
            for inbound_id, text in rows:
                replies[found[inbound_id]].append(text)
        return replies

    async def add_many(self, messages: Sequence[records.NewMessage]) -> list[int]:
        """Stores the messages (one statement) and returns their ids, in order. Both databases
        number the rows of one multi-row INSERT in the order of its VALUES, so the ids sorted
        are the messages' (SQLite's RETURNING itself promises no order)."""
        if not messages:
            return []
        rows = await self.session.execute(
            insert(t.Message.__table__).returning(t.Message.__table__.c.id),
            [vars(message) for message in messages],
        )
        return sorted(rows.scalars())

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
