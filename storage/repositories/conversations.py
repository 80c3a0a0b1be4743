"""Where each conversation stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.domain import records
from storage import tables as t
from storage.repositories._base import Repo, flush


class ConversationRepository(Repo):
    async def lock(self, channel: str, address: str) -> None:
        """Holds the address until the transaction ends, so that its messages are handled one
        at a time. On PostgreSQL a transaction-scoped advisory lock on the address; SQLite's
        `BEGIN IMMEDIATE` already lets one writer in at a time."""
        if self.session.bind.dialect.name == "postgresql":
            key = func.hashtextextended(f"{channel}:{address}", 0)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def load(self, channel: str, address: str) -> records.ConversationState:
        row = await self.session.get(t.Conversation, (channel, address))
        if row is None:
            return records.ConversationState(channel, address)
        return records.ConversationState(
            channel, address, row.flow, row.step, dict(row.data), row.updated_at
        )

    async def save(self, state: records.ConversationState, at: datetime) -> None:
        row = await self.session.get(t.Conversation, (state.channel, state.address))
        if row is None:
            row = t.Conversation(channel=state.channel, address=state.address)
            self.session.add(row)
        row.flow, row.step, row.data, row.updated_at = state.flow, state.step, state.data, at
        await flush(self.session)
