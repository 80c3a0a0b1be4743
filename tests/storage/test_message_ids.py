"""Messages stored many at once (MessageRepository.add_many, add_all) on SQLite and
PostgreSQL: each id comes back in the order of the messages given, also past the bound values
one SQLite statement may hold, and every value is stored as given (times in UTC)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.records import NewMessage
from bot.domain.status import Direction
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.repositories._base import SQLITE_MAX_VALUES
from storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock

COLUMNS = 12  # the messages table's columns besides its id


async def test_ids_come_back_in_order_past_one_statements_limit(
    db_url: str, clock: FakeClock
) -> None:
    now = clock.now()
    count = SQLITE_MAX_VALUES // COLUMNS + 7  # two statements on SQLite
    inbound = [
        NewMessage(
            Direction.IN,
            "sms",
            f"+86137{n % 50:08d}",
            f"text {n}",
            now - timedelta(seconds=n),
            provider="sms",
            provider_id=f"SM{n:032x}",
            status="received",
        )
        for n in range(count)
    ]
    engine = make_engine(db_url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            ids = await uow.messages.add_many(inbound)
            replies = [
                NewMessage(Direction.OUT, "sms", m.address, f"re {m.text}", now) for m in inbound
            ]
            await uow.messages.add_all(
                [
                    NewMessage(**{**vars(r), "reply_to": i})
                    for r, i in zip(replies, ids, strict=True)
                ]
            )
            await uow.commit()
        assert len(ids) == len(set(ids)) == count and ids == sorted(ids)
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            stored = {
                row.id: row
                for row in await uow.session.scalars(select(t.Message).where(t.Message.id.in_(ids)))
            }
            answers = dict(
                (
                    await uow.session.execute(
                        select(t.Message.reply_to, t.Message.text).where(
                            t.Message.reply_to.is_not(None)
                        )
                    )
                ).all()
            )
            for message, id_ in zip(inbound, ids, strict=True):
                row = stored[id_]
                assert (row.text, row.address, row.provider_id, row.at) == (
                    message.text,
                    message.address,
                    message.provider_id,
                    message.at,
                )
                assert answers[id_] == f"re {message.text}"
    finally:
        await engine.dispose()
