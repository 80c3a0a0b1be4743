"""Where each conversation stands."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, text

from bot.domain import records
from storage import tables as t
from storage.repositories._base import BulkInsert, Repo

# unnest(ARRAY(… ORDER BY)) yields the keys in that order, so the locks are taken in it.
_LOCK_IN_KEY_ORDER = text(
    "SELECT pg_advisory_xact_lock(key) FROM unnest(ARRAY("
    "SELECT DISTINCT hashtextextended(name, 0) FROM unnest(CAST(:names AS text[])) AS name "
    "ORDER BY 1)) AS key"
)


# The statements of every inbound group, built once (Core columns: no ORM objects to build).
_c = t.Conversation.__table__.c
_STATES = select(_c.address, _c.flow, _c.step, _c.data, _c.updated_at).where(
    _c.channel == bindparam("channel"), _c.address.in_(bindparam("addresses", expanding=True))
)


# Insert a state, or update the conversation's row.
_SAVE = BulkInsert(
    t.Conversation.__table__,
    ("channel", "address", "flow", "step", "data", "updated_at"),
    update_on=("channel", "address"),
)


class ConversationRepository(Repo):
    async def lock(self, addresses: Collection[tuple[str, str]]) -> None:
        """Holds these (channel, address) pairs until the transaction ends, so that an
        address's messages are handled one at a time. On PostgreSQL transaction-scoped advisory
        locks, taken in key order (two processes never wait for each other in a ring); SQLite's
        `BEGIN IMMEDIATE` already lets one writer in at a time."""
        if self.session.bind.dialect.name != "postgresql":
            return
        names = [f"{channel}:{address}" for channel, address in addresses]
        await self.session.execute(_LOCK_IN_KEY_ORDER, {"names": names})

    async def load_all(
        self, channel: str, addresses: Collection[str]
    ) -> dict[str, records.ConversationState]:
        """Where the conversations with these addresses stand (a fresh state for a new one)."""
        rows = await self.session.execute(
            _STATES, {"channel": channel, "addresses": list(addresses)}
        )
        states = {address: records.ConversationState(channel, address) for address in addresses}
        for address, flow, step, data, updated_at in rows:
            states[address] = records.ConversationState(
                channel, address, flow, step, dict(data), updated_at
            )
        return states

    async def save_all(self, states: Sequence[tuple[records.ConversationState, datetime]]) -> None:
        """Stores each state as of its time (one statement, held on SQLite:
        `BulkInsert.later`): inserts it, or updates the conversation's row. One state per
        conversation (PostgreSQL refuses to update a row twice in one statement)."""
        await _SAVE.later(
            self.session, [(s.channel, s.address, s.flow, s.step, s.data, at) for s, at in states]
        )
