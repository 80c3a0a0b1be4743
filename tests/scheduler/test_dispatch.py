"""The reminder dispatcher against a real database and the fake Twilio over HTTP: quiet hours,
duplicate judgments, closed cases, two dispatchers on one database, and a graceful stop."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from ducu.bootstrap import Runtime, build
from storage import tables as t
from storage.db import make_engine
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import AUTH, DEBTOR, SHANGHAI, case_json, judgment, numbered_judgment, register


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A November/December 2026 wall-clock time in Shanghai (day 27 → 27 November)."""
    month, day = (11, day) if day <= 30 else (12, day - 30)
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


async def reminders(runtime: Runtime, case_id: int) -> dict[str, dict[str, Any]]:
    """The case's reminders by step, as the case view shows them."""
    view = await case_json(runtime.services, case_id)
    assert view is not None
    return {r["step"]: r for r in view["reminders"]}


async def drain(runtime: Runtime) -> int:
    """run_once until a call claims nothing; returns how many rows were claimed in all."""
    total = 0
    while claimed := await runtime.services.dispatcher.run_once():
        total += claimed
    return total


@pytest.fixture
async def no_quiet_runtime(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(db_url, fake_twilio, DUCU_QUIET_HOURS=""), clock=clock)
    yield runtime
    await runtime.close()


# --- quiet hours ------------------------------------------------------------------------------


async def test_judgment_in_quiet_hours_waits_until_they_end(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    clock.set(shanghai(26, 22, 30))
    created = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    assert created.status == 201
    case_id = (await created.json())["case_id"]
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 0
    clock.set(shanghai(27, 7, 59, 59))
    assert await dispatcher.run_once() == 0
    assert fake_twilio.attempts == 0

    clock.set(shanghai(27, 8, 0))
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    [sms] = fake_twilio.messages
    assert sms["To"] == DEBTOR
    day0 = (await reminders(runtime, case_id))["day0"]
    assert day0["status"] == "sent" and day0["attempts"] == 1


async def test_retry_that_falls_in_quiet_hours_is_deferred_with_its_attempt_refunded(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    clock.set(shanghai(26, 20, 59, 58))  # the retry's back-off (≥ 2.5 s) lands after 21:00
    created = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    case_id = (await created.json())["case_id"]
    dispatcher = runtime.services.dispatcher

    fake_twilio.fail_next(503)
    assert await dispatcher.run_once() == 1
    day0 = (await reminders(runtime, case_id))["day0"]
    assert (day0["status"], day0["attempts"], day0["error"]) == ("pending", 1, "503")
    retry_at = datetime.fromisoformat(day0["due_at"])
    assert retry_at.astimezone(SHANGHAI).time() >= shanghai(26, 21).time()

    clock.set(retry_at)  # the retry comes due inside quiet hours
    assert await dispatcher.run_once() == 1
    day0 = (await reminders(runtime, case_id))["day0"]
    assert day0["status"] == "pending", "deferred, not dropped"
    assert day0["attempts"] == 1, "the deferral does not use up an attempt"
    assert datetime.fromisoformat(day0["due_at"]) == shanghai(27, 8)
    assert fake_twilio.attempts == 1 and fake_twilio.messages == []

    clock.set(shanghai(27, 7, 59))
    assert await dispatcher.run_once() == 0
    clock.set(shanghai(27, 8, 0))
    assert await dispatcher.run_once() == 1
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    day0 = (await reminders(runtime, case_id))["day0"]
    assert (day0["status"], day0["attempts"]) == ("sent", 2)


async def test_without_quiet_hours_a_late_judgment_is_sent_at_once(
    no_quiet_runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    clock.set(shanghai(26, 22, 30))
    case_id = await register(no_quiet_runtime, judgment(clock.now()))
    assert await no_quiet_runtime.services.dispatcher.run_once() == 1
    [sms] = fake_twilio.messages
    assert sms["To"] == DEBTOR
    assert (await reminders(no_quiet_runtime, case_id))["day0"]["status"] == "sent"


# --- duplicates and closed cases ----------------------------------------------------------------


async def test_the_same_judgment_twice_sends_one_day0_sms(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    body = judgment(clock.now())
    first = await client.post("/api/v1/judgments", json=body, headers=AUTH)
    second = await client.post("/api/v1/judgments", json=body, headers=AUTH)
    assert (first.status, second.status) == (201, 200)
    assert (await first.json())["case_id"] == (await second.json())["case_id"]

    dispatcher = runtime.services.dispatcher
    claimed = [await dispatcher.run_once() for _ in range(4)]
    clock.advance(seconds=30)
    claimed += [await dispatcher.run_once() for _ in range(2)]
    assert sum(claimed) == 1
    assert len(fake_twilio.messages) == 1 and fake_twilio.attempts == 1


@pytest.mark.parametrize("status", ["closed", "performed"])
async def test_reminders_of_a_closed_case_are_cancelled_and_not_sent(
    status: str,
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    db_url: str,
) -> None:
    created = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    case_id = (await created.json())["case_id"]

    # No service closes a case yet: this plain UPDATE, from an engine of its own, stands in for
    # the judge confirming that the debtor performed (or the case being closed).
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE cases SET status = :status WHERE id = :id"),
                {"status": status, "id": case_id},
            )
    finally:
        await engine.dispose()

    clock.advance(days=30)  # every step is due now
    assert await drain(runtime) == 4
    steps = await reminders(runtime, case_id)
    assert {s: r["status"] for s, r in steps.items()} == dict.fromkeys(steps, "cancelled")
    assert len(steps) == 4
    assert fake_twilio.attempts == 0
    assert await runtime.services.dispatcher.run_once() == 0


# --- two dispatchers, one database --------------------------------------------------------------


async def test_two_dispatchers_on_one_database_send_each_step_once(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    # Small batches so the two dispatchers interleave instead of one taking everything.
    # All four steps of every case come due at once here: no weekly cap, or the fourth waits.
    settings = make_settings(db_url, fake_twilio, DUCU_DISPATCH_BATCH=16, DUCU_WEEKLY_CAP=0)
    first, second = await build(settings, clock=clock), await build(settings, clock=clock)
    try:
        cases = 50
        for i in range(cases):
            await register(first, numbered_judgment(i, clock.now()))
        clock.set(shanghai(37, 12))  # 7 December, noon: all four steps of every case are due

        claimed = await asyncio.gather(drain(first), drain(second))
    finally:
        await first.close()
        await second.close()

    assert sum(claimed) == cases * 4
    assert all(n > 0 for n in claimed), f"both dispatchers took part: {claimed}"

    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        t.Reminder.case_id,
                        t.Reminder.obligor_id,
                        t.Reminder.step_key,
                        t.Reminder.status,
                        t.Reminder.attempts,
                        t.Message.provider_id,
                        t.Message.address,
                    ).outerjoin(t.Message, t.Message.id == t.Reminder.message_id)
                )
            ).all()
    finally:
        await engine.dispose()

    assert len(rows) == cases * 4
    assert Counter(r.status for r in rows) == {"sent": cases * 4}
    assert {r.attempts for r in rows} == {1}
    # Every (case, obligor, step) reached Twilio exactly once, and as the message we recorded.
    assert fake_twilio.attempts == len(fake_twilio.messages) == cases * 4
    sent = {m["Sid"]: (m["To"], m["Body"]) for m in fake_twilio.messages}
    assert len(set(sent.values())) == cases * 4
    assert {r.provider_id for r in rows} == set(sent)
    assert all(sent[r.provider_id][0] == r.address for r in rows)


# --- stopping -----------------------------------------------------------------------------------


async def test_stop_waits_for_sends_in_flight_and_then_takes_nothing(
    runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    cases = [await register(runtime, numbered_judgment(i, clock.now())) for i in range(3)]
    fake_twilio.accept_delay = 0.5
    dispatcher = runtime.services.dispatcher

    batch = asyncio.create_task(dispatcher.run_once())
    deadline = time.monotonic() + 5
    while fake_twilio.attempts < 3:  # all three requests are at Twilio, not yet answered
        assert time.monotonic() < deadline, "the sends never reached the fake Twilio"
        await asyncio.sleep(0.01)
    assert not batch.done()

    async with asyncio.timeout(5):
        await dispatcher.stop()
    assert batch.done() and batch.result() == 3
    assert len(fake_twilio.messages) == 3
    for case_id in cases:
        assert (await reminders(runtime, case_id))["day0"]["status"] == "sent"

    clock.advance(days=30)  # plenty is due, but a stopped dispatcher takes nothing
    assert await dispatcher.run_once() == 0
    counts = await runtime.services.cases.reminder_counts()
    assert counts == {"sent": 3, "pending": 9}
    assert len(fake_twilio.messages) == 3
