"""Inbound messages that arrive together are handled as one group, in one transaction: each is
still answered and stored once, a sender's messages keep their order, and one that fails
fails alone."""

from __future__ import annotations

import asyncio
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.conversation.engine import ConversationEngine
from bot.domain.messages import InboundMessage
from bot.domain.texts import render
from bot.metrics import Metrics
from ducu.bootstrap import Runtime
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.helpers import (
    DEBTOR,
    case_events,
    get_case,
    inbound_form,
    judgment,
    numbered_judgment,
    post_signed,
    register,
)

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
STRANGER = "+8613700000009"


def _answer(twiml: str) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


async def test_messages_arriving_together_are_each_answered_and_stored_once(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    """Three debtors, a stranger and a redelivery, all at once: they share groups (on
    PostgreSQL a group takes the advisory lock of every address in it)."""
    debtors = {
        f"+86138{i:08d}": await register(runtime, numbered_judgment(i, clock.now()))
        for i in (1, 2, 3)
    }
    forms = [inbound_form("帮助", f"SM{n:032d}", phone) for n, phone in enumerate(debtors)]
    forms += [inbound_form("你好", "SM" + "7" * 32, STRANGER), forms[0]]  # Twilio retries one

    responses = await asyncio.gather(*(post_signed(client, "/twilio/sms", f) for f in forms))

    assert [r.status for r in responses] == [200] * len(forms)
    answers = [_answer(await r.text()) for r in responses]
    help_text = render("help")
    assert all(a[0].startswith(help_text) for a in answers[:3])
    assert answers[3] == [render("unknown_sender")]
    assert answers[4] == answers[0]  # the redelivery got the first answer
    for phone, case_id in debtors.items():
        case = await get_case(client, case_id)
        said = [(m["direction"], m["text"]) for m in case["timeline"] if m["type"] == "message"]
        assert said == [("in", "帮助"), ("out", answers[list(debtors).index(phone)][0])]
        assert len(case_events(case, "debtor_replied")) == 1


@SQLITE_ONLY
async def test_a_senders_messages_queued_together_are_handled_in_order(
    runtime: Runtime, clock: FakeClock
) -> None:
    """A flow started, cancelled, then help outside it: the conversation's state carries from
    one message to the next inside the group."""
    await register(runtime, judgment(clock.now()))
    engine = runtime.services.engine
    said = ["3", "取消", "帮助"]

    answers = await asyncio.gather(
        *(
            engine.handle(InboundMessage("sms", DEBTOR, text, provider_id=f"SM{n}"))
            for n, text in enumerate(said)
        )
    )

    assert answers[0][0].text.startswith(render("settle.kind"))
    assert answers[1][0].text == render("flow.cancelled")
    assert answers[2][0].text.startswith(render("help"))


async def test_a_message_that_fails_fails_alone(sqlite_url: str, clock: FakeClock) -> None:
    """The group is redone message by message: the others are answered and stored."""
    broken = "+8613600000006"

    class FailingStore(SqlUnitOfWork):
        """The real store, except that reading who wrote from `broken` fails."""

        async def __aenter__(self) -> FailingStore:
            await super().__aenter__()
            read = self.obligors.correspondents

            async def correspondents(channel: str, addresses):  # type: ignore[no-untyped-def]
                if broken in addresses:
                    raise RuntimeError("the disk is gone")
                return await read(channel, addresses)

            self.obligors.correspondents = correspondents  # type: ignore[method-assign]
            return self

    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        handler = ConversationEngine(lambda: FailingStore(sessions), clock, Metrics())
        senders = [STRANGER, broken, "+8613700000008"]
        outcomes = await asyncio.gather(
            *(handler.handle(InboundMessage("sms", s, "你好", provider_id=s)) for s in senders),
            return_exceptions=True,
        )
        assert isinstance(outcomes[1], RuntimeError)
        assert outcomes[0] == outcomes[2] and outcomes[0][0].text == render("unknown_sender")
        async with engine.connect() as conn:
            rows = await conn.execute(select(t.Message.address, t.Message.direction))
            stored = sorted(rows.tuples())
    finally:
        await engine.dispose()
    assert stored == sorted((s, d) for s in (senders[0], senders[2]) for d in ("in", "out"))
