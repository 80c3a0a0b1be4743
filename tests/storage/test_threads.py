"""The sandbox's queries on SQLite and PostgreSQL: one address's messages by pages, and the
addresses latest first with who each one is."""

from __future__ import annotations

from datetime import timedelta

from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.helpers import DEBTOR, JUDGMENT, add_messages, judgment, register

OTHERS = [f"+86137{n:08d}" for n in range(5)]


async def test_a_thread_pages_back_and_forth_by_message_id(
    runtime: Runtime, db_url: str, clock: FakeClock
) -> None:
    cases = runtime.services.cases
    await add_messages(db_url, OTHERS[0], ["other"] * 3, clock.now())
    await add_messages(db_url, DEBTOR, [f"m{i}" for i in range(7)], clock.now())

    latest = await cases.thread(DEBTOR, limit=3)
    assert [m.text for m in latest.messages] == ["m4", "m5", "m6"] and latest.older
    before = await cases.thread(DEBTOR, limit=3, before=latest.messages[0].id)
    assert [m.text for m in before.messages] == ["m1", "m2", "m3"] and before.older
    first = await cases.thread(DEBTOR, limit=3, before=before.messages[0].id)
    assert [m.text for m in first.messages] == ["m0"] and not first.older

    after = await cases.thread_after(DEBTOR, first.messages[0].id, limit=4)
    assert [m.text for m in after] == ["m1", "m2", "m3", "m4"]
    assert await cases.thread_after(DEBTOR, latest.messages[-1].id, limit=4) == []
    # ids beyond the column's range are no error (PostgreSQL's INTEGER is 32 bits)
    assert await cases.thread_after(DEBTOR, 10**17, limit=4) == []
    far = await cases.thread(DEBTOR, limit=3, before=10**17)
    assert [m.text for m in far.messages] == ["m4", "m5", "m6"]


async def test_addresses_come_latest_first_named_where_known(
    runtime: Runtime, db_url: str, clock: FakeClock
) -> None:
    await register(runtime, judgment(clock.now()))
    await add_messages(db_url, DEBTOR, ["reminder"], clock.now())
    for n, address in enumerate(OTHERS):
        await add_messages(db_url, address, ["busy"] * 3, clock.now() + timedelta(minutes=n))

    listed = await runtime.services.cases.addresses(limit=4)
    assert [c.address for c in listed[:4]] == OTHERS[:0:-1]  # the newest four
    assert all(c.name is None and c.role is None for c in listed[:4])
    assert listed[0].last_at == clock.now() + timedelta(minutes=4, seconds=2)
    staff = {(c.address, c.name, c.role, c.last_at) for c in listed[4:]}
    assert staff == {
        (JUDGMENT["judge"]["phone"], "李法官", "judge", None),
        (JUDGMENT["creditor"]["phone"], "杜某", "creditor", None),
    }

    everyone = await runtime.services.cases.addresses(limit=10)
    debtor = next(c for c in everyone if c.address == DEBTOR)
    assert (debtor.name, debtor.role, debtor.last_at) == ("林某", "debtor", clock.now())
