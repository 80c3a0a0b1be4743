"""Writes that an inbound group holds for its commit (`BulkInsert.later`: the replies, the
events and where each conversation stands), on SQLite and PostgreSQL: stored as given, a
conversation's row updated in place, and a failing one keeps nothing of its transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.domain.records import ConversationState, NewMessage
from bot.domain.status import Direction
from bot.ports import Conflict
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.repositories._base import BulkInsert
from storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock

A, B = "+8613700000001", "+8613700000002"


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_conversation_is_inserted_then_updated_in_place(
    sessions: async_sessionmaker, clock: FakeClock
) -> None:
    now = clock.now()
    async with SqlUnitOfWork(sessions) as uow:
        await uow.conversations.save_all(
            [
                (ConversationState("sms", A, "grace", "date", {"tries": 1}), now),
                (ConversationState("sms", B), now),
            ]
        )
        await uow.commit()
    later = now + timedelta(minutes=5)
    async with SqlUnitOfWork(sessions) as uow:
        states = await uow.conversations.load_all("sms", [A, B])
        first = states[A]
        assert (first.flow, first.step, first.data) == ("grace", "date", {"tries": 1})
        assert first.updated_at == now and states[B].flow == ""
        states[A].step, states[A].data = "reason", {"tries": 2, "date": "2026-12-11"}
        await uow.conversations.save_all([(states[A], later)])
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        again = await uow.conversations.load_all("sms", [A, B])
        rows = await uow.session.scalar(select(func.count()).select_from(t.Conversation))
    assert rows == 2
    assert (again[A].step, again[A].data, again[A].updated_at) == (
        "reason",
        {"tries": 2, "date": "2026-12-11"},
        later,
    )
    assert again[B].updated_at == now


async def test_a_held_write_that_fails_keeps_nothing_of_its_transaction(
    sessions: async_sessionmaker, clock: FakeClock
) -> None:
    now = clock.now()
    inbound = NewMessage(Direction.IN, "sms", A, "帮助", now, provider="sms", provider_id="SM1")
    with pytest.raises((Conflict, IntegrityError)):
        async with SqlUnitOfWork(sessions) as uow:
            [inbound_id] = await uow.messages.add_many([inbound])
            await uow.conversations.save_all([(ConversationState("sms", A), now)])
            # a reply to a message that is not there: the foreign key refuses it
            orphan = NewMessage(Direction.OUT, "sms", A, "菜单", now, reply_to=inbound_id + 99)
            await uow.messages.add_all([orphan])
            await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(t.Message)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(t.Conversation)) == 0


def test_an_upsert_updates_something_besides_its_key_and_ignores_nothing() -> None:
    table = t.Conversation.__table__
    with pytest.raises(ValueError, match="upsert"):
        BulkInsert(table, ("channel", "address"), update_on=("channel", "address"))
    with pytest.raises(ValueError, match="upsert"):
        BulkInsert(
            table, ("channel", "address", "flow"), update_on=("channel",), ignore_duplicates=True
        )
