"""Who wrote (ObligorRepository.correspondents), the read every inbound group starts with, on
SQLite and PostgreSQL: each address's obligor, contact and live cases, once each, also when
two of one obligor's numbers are in the same group; an unknown address is nobody."""

from __future__ import annotations

from sqlalchemy import insert, select

from ducu.bootstrap import Runtime
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.helpers import DEBTOR, judgment, register

SECOND_PHONE = "+8613800138001"
UNKNOWN = "+8613700000000"


async def test_two_numbers_of_one_obligor_each_see_its_cases_once(
    runtime: Runtime, db_url: str, clock: FakeClock
) -> None:
    first = await register(runtime, judgment(clock.now()))
    second = await register(runtime, judgment(clock.now(), case_number="（2024）浙0522民初1235号"))
    engine = make_engine(db_url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            obligor_id = await uow.session.scalar(
                select(t.Contact.obligor_id).where(t.Contact.address == DEBTOR)
            )
            await uow.session.execute(
                insert(t.Contact).values(obligor_id=obligor_id, channel="sms", address=SECOND_PHONE)
            )
            await uow.commit()
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            found = await uow.obligors.correspondents("sms", [DEBTOR, SECOND_PHONE, UNKNOWN])
    finally:
        await engine.dispose()
    for address in (DEBTOR, SECOND_PHONE):
        who = found[address]
        assert who.obligor is not None and who.obligor.id == obligor_id
        assert who.contact is not None and who.contact.address == address
        assert [case.id for case in who.open_cases] == [first, second]
        assert who.phone == address
    assert found[UNKNOWN].obligor is None and found[UNKNOWN].open_cases == ()
