"""ReminderRepository.claim_due through a real unit of work: what it takes, leases that bring
a crashed worker's rows back, and concurrent claims that never overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ducu.bootstrap import Runtime
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork, uow_factory
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import DEBTOR, SHANGHAI, judgment, numbered_judgment, register

UowFactory = Callable[[], SqlUnitOfWork]
LEASE = timedelta(seconds=120)


@pytest.fixture
async def uow(db_url: str) -> AsyncIterator[UowFactory]:
    """Units of work on an engine of their own, as another worker process would have."""
    engine = make_engine(db_url)
    yield uow_factory(make_sessionmaker(engine))
    await engine.dispose()


async def claim(
    uow: UowFactory, now: datetime, limit: int, worker: str, lease: timedelta = LEASE
) -> list[int]:
    """Claims as another worker would, in a unit of work of its own, and commits."""
    async with uow() as work:
        ids = await work.reminders.claim_due(
            now=now, limit=limit, lease_until=now + lease, worker=worker, claim=worker
        )
        await work.commit()
    return ids


async def reminder_rows(uow: UowFactory) -> dict[int, Any]:
    """Every reminder row (a plain snapshot, read after the fact), by id."""
    async with uow() as work:
        rows = (await work.session.execute(select(*t.Reminder.__table__.columns))).all()
    return {r.id: r for r in rows}


async def test_claim_takes_due_rows_oldest_first_and_leases_them(
    runtime: Runtime, uow: UowFactory, clock: FakeClock
) -> None:
    cases = []
    for i in range(3):  # day-0 reminders due at 10:00, 10:01 and 10:02
        cases.append(await register(runtime, numbered_judgment(i, clock.now())))
        clock.advance(minutes=1)
    now = clock.now()
    rows = await reminder_rows(uow)
    day0 = {r.case_id: r.id for r in rows.values() if r.step_key == "day0"}

    first = await claim(uow, now, limit=2, worker="w1")
    assert first == [day0[cases[0]], day0[cases[1]]]
    second = await claim(uow, now, limit=10, worker="w2")
    assert second == [day0[cases[2]]], "later steps are not due; leased rows are not taken"
    assert await claim(uow, now, limit=10, worker="w3") == []

    rows = await reminder_rows(uow)
    for reminder_id, worker in [(first[0], "w1"), (first[1], "w1"), (second[0], "w2")]:
        row = rows[reminder_id]
        assert (row.status, row.claimed_by, row.attempts) == ("claimed", worker, 1)
        assert row.lease_until == now + LEASE
    assert {r.status for r in rows.values() if r.step_key != "day0"} == {"pending"}


async def test_a_crashed_workers_rows_are_claimed_again_after_the_lease(
    runtime: Runtime, uow: UowFactory, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    await register(runtime, judgment(clock.now()))
    # A worker claims the day-0 row and dies before sending: its lease has run out by now.
    [crashed] = await claim(
        uow, clock.now(), limit=10, worker="crashed", lease=-timedelta(seconds=1)
    )

    assert await runtime.services.dispatcher.run_once() == 1
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    row = (await reminder_rows(uow))[crashed]
    assert row.status == "sent" and row.claimed_by != "crashed"
    assert row.attempts == 2, "the crashed worker's claim counts as an attempt"
    assert await runtime.services.dispatcher.run_once() == 0


async def test_a_claim_without_the_sweep_leaves_expired_leases_for_the_next(
    runtime: Runtime, uow: UowFactory, clock: FakeClock
) -> None:
    """The claims a dispatcher run makes one after another (`expired=False`) take pending
    rows only; the run's next sweep takes the row whose lease ran out."""
    for i in range(2):
        await register(runtime, numbered_judgment(i, clock.now()))
    [lapsed] = await claim(uow, clock.now(), limit=1, worker="crashed", lease=-timedelta(seconds=1))
    now = clock.now()
    async with uow() as work:
        pending = await work.reminders.claim_due(
            now=now, limit=10, lease_until=now + LEASE, worker="w", claim="w", expired=False
        )
        await work.commit()
    assert len(pending) == 1 and lapsed not in pending
    assert await claim(uow, now, limit=10, worker="sweep") == [lapsed]


async def test_expired_leases_come_back_first_and_count_towards_the_limit(
    runtime: Runtime, uow: UowFactory, clock: FakeClock
) -> None:
    for i in range(3):  # day-0 reminders due at 10:00, 10:01 and 10:02
        await register(runtime, numbered_judgment(i, clock.now()))
        clock.advance(minutes=1)
    [first] = await claim(uow, clock.now(), limit=1, worker="crashed", lease=timedelta(minutes=5))
    clock.advance(minutes=5)  # its lease runs out; the other two are still pending

    taken = await claim(uow, clock.now(), limit=2, worker="next")
    rows = await reminder_rows(uow)
    pending_day0 = sorted(
        (r.due_at, r.id) for r in rows.values() if r.step_key == "day0" and r.id != first
    )
    assert taken == sorted([first, pending_day0[0][1]])
    assert rows[first].attempts == 2 and rows[first].claimed_by == "next"
    assert rows[pending_day0[1][1]].status == "pending"


async def test_a_row_under_a_live_lease_is_not_claimed_by_another_dispatcher(
    runtime: Runtime, uow: UowFactory, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    await register(runtime, judgment(clock.now()))
    [held] = await claim(uow, clock.now(), limit=10, worker="other")
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 0
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await dispatcher.run_once() == 0
    assert fake_twilio.attempts == 0
    assert (await reminder_rows(uow))[held].claimed_by == "other"

    clock.advance(seconds=1)  # the other worker never finished: its lease ends, the row returns
    assert await dispatcher.run_once() == 1
    assert len(fake_twilio.messages) == 1
    assert (await reminder_rows(uow))[held].status == "sent"


async def test_concurrent_claims_never_overlap(
    runtime: Runtime, uow: UowFactory, clock: FakeClock, db_url: str
) -> None:
    for i in range(50):
        await register(runtime, numbered_judgment(i, clock.now()))
    clock.set(datetime(2026, 12, 7, 12, tzinfo=SHANGHAI))  # all 200 rows are due
    now = clock.now()
    postgres = db_url.startswith("postgresql")
    # On PostgreSQL all four hold their row locks at once (SKIP LOCKED must step around the
    # others); SQLite's BEGIN IMMEDIATE makes each wait for the one before.
    barrier = asyncio.Barrier(4)

    async def worker(name: str, limit: int) -> list[int]:
        async with uow() as work:
            ids = await work.reminders.claim_due(
                now=now, limit=limit, lease_until=now + LEASE, worker=name, claim=name
            )
            if postgres:
                await barrier.wait()
            else:
                await asyncio.sleep(0.02)
            await work.commit()
        return ids

    async with asyncio.timeout(20):
        first = await asyncio.gather(*(worker(f"w{n}", 30) for n in range(4)))
        barrier = asyncio.Barrier(4)
        second = await asyncio.gather(*(worker(f"w{n}", 30) for n in range(4)))

    assert [len(ids) for ids in first] == [30, 30, 30, 30]
    assert sum(map(len, second)) == 80 and max(map(len, second)) <= 30
    every = [i for ids in first + second for i in ids]
    assert len(every) == len(set(every)) == 200, "no row was claimed twice"
    rows = await reminder_rows(uow)
    assert {r.status for r in rows.values()} == {"claimed"}
    assert {r.attempts for r in rows.values()} == {1}
