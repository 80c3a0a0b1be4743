"""The per-sender count of an inbound group (MessageRepository.inbound_counts_since) on SQLite
and PostgreSQL: each address's inbound messages of the last minute, counted up to the limit,
for any number of addresses (the statement is padded to a few shapes)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.records import NewMessage
from bot.domain.status import Direction
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock

SENDERS = [f"+86137{n:08d}" for n in range(5)]


async def test_counts_stop_at_the_limit_and_leave_out_old_and_outbound_messages(
    db_url: str, clock: FakeClock
) -> None:
    now = clock.now()

    def message(address: str, direction: Direction, ago: timedelta) -> NewMessage:
        return NewMessage(direction, "sms", address, "帮助", now - ago, provider="sms")

    stored = [
        *(message(SENDERS[0], Direction.IN, timedelta(seconds=s)) for s in range(6)),
        message(SENDERS[1], Direction.IN, timedelta(seconds=30)),
        message(SENDERS[1], Direction.IN, timedelta(minutes=2)),  # before the minute
        message(SENDERS[2], Direction.OUT, timedelta(seconds=5)),  # ours, not theirs
    ]
    engine = make_engine(db_url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            await uow.messages.add_many(stored)
            since = now - timedelta(minutes=1)
            for n in range(1, len(SENDERS) + 1):  # 1 to 5 addresses: padded to 1, 2, 4, 8
                counts = await uow.messages.inbound_counts_since("sms", SENDERS[:n], since, 4)
                assert counts == {a: [4, 1, 0, 0, 0][i] for i, a in enumerate(SENDERS[:n])}
            other = await uow.messages.inbound_counts_since("telegram", SENDERS[:1], since, 4)
            assert other == {SENDERS[0]: 0}
    finally:
        await engine.dispose()
