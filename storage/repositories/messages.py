"""Every message in and out."""

from __future__ import annotations

import functools
import operator
from collections.abc import Collection, Sequence
from dataclasses import asdict, fields
from datetime import datetime

from sqlalchemy import CompoundSelect, String, bindparam, func, select, union_all

from bot.domain import records
from bot.domain.status import Direction, later_status
from storage import tables as t
from storage.repositories._base import BulkInsert, Repo, flush

# The statements of every inbound group, built once (Core columns: no ORM objects to build).
_m = t.Message.__table__.c
_COLUMNS = tuple(f.name for f in fields(records.NewMessage))
_ADD = BulkInsert(t.Message.__table__, _COLUMNS)
_VALUES = operator.attrgetter(*_COLUMNS)
_INBOUND_BY_PROVIDER_ID = select(_m.id, _m.provider_id).where(
    _m.provider == bindparam("provider"),
    _m.provider_id.in_(bindparam("ids", expanding=True)),
    _m.direction == Direction.IN,
)
_REPLIES_TO = (
    select(_m.reply_to, _m.text)
    .where(_m.reply_to.in_(bindparam("ids", expanding=True)))
    .order_by(_m.id)
)


@functools.cache
def _counts(n: int) -> CompoundSelect:
    """Inbound messages of `:a0` … `:a{n-1}` on `:channel` since `:since`, up to `:up_to` each."""
    return union_all(
        *(
            select(
                bindparam(f"a{i}", type_=String).label("address"), func.count().label("n")
            ).select_from(
                select(_m.id)
                .where(
                    _m.channel == bindparam("channel"),
                    _m.address == bindparam(f"a{i}"),
                    _m.at >= bindparam("since"),
                    _m.direction == Direction.IN,
                )
                .limit(bindparam("up_to"))
                .subquery()
            )
            for i in range(n)
        )
    )


class MessageRepository(Repo):
    async def inbound_counts_since(
        self, channel: str, addresses: Collection[str], since: datetime, up_to: int
    ) -> dict[str, int]:
        """How many messages each address sent since then, counted up to `up_to` at most (the
        limit is all the caller needs, and a busy sender's minute may hold thousands): one
        statement, each count an index range (`ix_messages_address`) that stops at `up_to`."""
        if not addresses:
            return {}
        # Padded to a power of two with the last address again: a handful of statement shapes,
        # each built and compiled once (a union of 100 costs ~40 ms the first time).
        listed = list(addresses)
        listed += listed[-1:] * ((1 << (len(listed) - 1).bit_length()) - len(listed))
        values = {f"a{i}": address for i, address in enumerate(listed)}
        rows = await self.session.execute(
            _counts(len(values)), {"channel": channel, "since": since, "up_to": up_to, **values}
        )
        return {address: n for address, n in rows}

    async def replies_to(self, channel: str, provider_ids: Collection[str]) -> dict[str, list[str]]:
        """The replies already given to those inbound messages that are stored, by provider id
        (an inbound message's provider is its channel: `uq_messages_provider_id` finds it)."""
        if not provider_ids:
            return {}
        found = dict(
            (
                await self.session.execute(
                    _INBOUND_BY_PROVIDER_ID, {"provider": channel, "ids": list(provider_ids)}
                )
            ).all()
        )
        replies: dict[str, list[str]] = {provider_id: [] for provider_id in found.values()}
        if found:
            rows = await self.session.execute(_REPLIES_TO, {"ids": list(found)})
            for inbound_id, text in rows:
                replies[found[inbound_id]].append(text)
        return replies

    async def add_many(self, messages: Sequence[records.NewMessage]) -> list[int]:
        """Stores the messages (one statement) and returns their ids, in order."""
        return await _ADD.returning_ids(self.session, [_VALUES(message) for message in messages])

    async def add_all(self, messages: Sequence[records.NewMessage]) -> None:
        """Stores the messages (one statement, held on SQLite: `BulkInsert.later`), when their
        ids are not needed."""
        await _ADD.later(self.session, [_VALUES(message) for message in messages])

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
