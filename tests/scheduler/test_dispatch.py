"""The reminder dispatcher against a real database and the fake Twilio over HTTP: quiet hours,
duplicate judgments, closed cases, two dispatchers on one database, a worker that stalls past
its lease, and a graceful stop."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from bot.config import Settings
from bot.services.dispatch import HOLD_RECHECK
from ducu.bootstrap import Runtime, build
from storage import tables as t
from storage.db import make_engine
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import (
    AUTH,
    DEBTOR,
    SHANGHAI,
    case_in,
    case_json,
    judgment,
    move,
    numbered_judgment,
    register,
)


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A November/December 2026 wall-clock time in Shanghai (day 27 → 27 November)."""
    month, day = (11, day) if day <= 30 else (12, day - 30)
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


async def reminders(runtime: Runtime, case_id: int) -> dict[str, dict[str, Any]]:
    """The case's reminders by step, as the case view shows them."""
    view = await case_json(runtime.services, case_id)
    assert view is not None
    return {r["step"]: r for r in view["reminders"]}


async def until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, within: float = 10.0
) -> None:
    """Polls `condition` (plain or async) every 10 ms, for at most `within` seconds."""
    deadline = time.monotonic() + within
    while not await condition() if inspect.iscoroutinefunction(condition) else not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.01)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lost_claims(runtime: Runtime, at: str) -> float:
    value = runtime.services.metrics.registry.get_sample_value(
        "ducu_reminder_claims_lost_total", {"at": at}
    )
    return value or 0.0


async def drain(runtime: Runtime) -> int:
    """run_once until a call claims nothing; returns how many rows were claimed in all."""
    total = 0
    while claimed := await runtime.services.dispatcher.run_once():
        total += claimed
    return total


@asynccontextmanager
async def two_workers(
    first: Settings, second: Settings, clock: FakeClock
) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two processes' runtimes on one database (one clock), closed at the end."""
    one, two = await build(first, clock=clock), await build(second, clock=clock)
    try:
        yield one, two
    finally:
        await one.close()
        await two.close()


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


@pytest.mark.parametrize("status", ["performed", "exited", "referred", "closed"])
async def test_reminders_of_a_case_that_is_over_are_cancelled_and_not_sent(
    status: str,
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    db_url: str,
) -> None:
    case_id = await case_in(client, clock, db_url, status)

    clock.advance(days=30)  # every step is due now
    assert await drain(runtime) == 4
    steps = await reminders(runtime, case_id)
    assert {s: r["status"] for s, r in steps.items()} == dict.fromkeys(steps, "cancelled")
    assert len(steps) == 4
    assert fake_twilio.attempts == 0
    assert await runtime.services.dispatcher.run_once() == 0


@pytest.mark.parametrize("status", ["awaiting_decision", "grace", "plan"])
async def test_reminders_of_a_case_on_hold_wait_and_go_once_it_is_open_again(
    status: str,
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    db_url: str,
) -> None:
    """A decision waits, a grace period or a plan runs: due reminders are deferred, none is
    lost, and they go once the case is open again."""
    case_id = await case_in(client, clock, db_url, status)

    clock.advance(days=30)  # every step is due now
    assert await drain(runtime) == 4
    steps = await reminders(runtime, case_id)
    assert len(steps) == 4 and fake_twilio.attempts == 0
    for step in steps.values():
        assert step["status"] == "pending", step
        assert step["due_at"] == (clock.now() + HOLD_RECHECK).isoformat()

    await move(db_url, case_id, status, "open", at=clock.now())
    clock.advance(days=1)  # past the recheck, in the daytime
    assert await drain(runtime) == 4
    steps = await reminders(runtime, case_id)
    sent = [name for name, step in steps.items() if step["status"] == "sent"]
    assert len(fake_twilio.to(DEBTOR)) == len(sent) == 3  # the weekly cap; the fourth waits
    assert "day0" in sent


# --- two dispatchers, one database --------------------------------------------------------------


async def test_two_dispatchers_on_one_database_send_each_step_once(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    # Small batches so the two dispatchers interleave instead of one taking everything.
    # All four steps of every case come due at once here: no weekly cap, or the fourth waits.
    # A send timeout well above any pause of a loaded machine: this test is not about timeouts.
    settings = make_settings(
        db_url, fake_twilio, DUCU_DISPATCH_BATCH=16, DUCU_WEEKLY_CAP=0, DUCU_SEND_TIMEOUT=10
    )
    async with two_workers(settings, settings, clock) as (first, second):
        cases = 50
        for i in range(cases):
            await register(first, numbered_judgment(i, clock.now()))
        clock.set(shanghai(37, 12))  # 7 December, noon: all four steps of every case are due

        claimed = await asyncio.gather(drain(first), drain(second))

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
                        t.Reminder.last_error,
                        t.Message.provider_id,
                        t.Message.address,
                    ).outerjoin(t.Message, t.Message.id == t.Reminder.message_id)
                )
            ).all()
    finally:
        await engine.dispose()

    assert len(rows) == cases * 4
    errors = Counter(r.last_error for r in rows if r.status != "sent")
    assert Counter(r.status for r in rows) == {"sent": cases * 4}, f"why not sent: {errors}"
    assert {r.attempts for r in rows} == {1}
    # Every (case, obligor, step) reached Twilio exactly once, and as the message we recorded.
    assert fake_twilio.attempts == len(fake_twilio.messages) == cases * 4
    sent = {m["Sid"]: (m["To"], m["Body"]) for m in fake_twilio.messages}
    assert len(set(sent.values())) == cases * 4
    assert {r.provider_id for r in rows} == set(sent)
    assert all(sent[r.provider_id][0] == r.address for r in rows)


# --- a worker that stalls past its lease -------------------------------------------------------


@pytest.mark.parametrize("late", ["accept", "503"])
async def test_a_stalled_workers_late_answer_changes_nothing_the_new_owner_did(
    late: str, db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The first worker's send hangs until its lease has run out; the second claims the row and
    sends it. The first one's late answer (an accept, or a 503 that would put the row back)
    writes nothing: one message recorded, the row stays sent, nothing goes a third time."""
    settings = make_settings(db_url, fake_twilio, DUCU_QUIET_HOURS="")
    async with two_workers(settings, settings, clock) as (first, second):
        case_id = await register(first, judgment(clock.now()))
        if late == "accept":
            fake_twilio.accept_delay = 1.0
        else:
            fake_twilio.fail_next(503, delay=1.0)
        stalled = asyncio.create_task(first.services.dispatcher.run_once())
        await until(lambda: fake_twilio.attempts == 1, "the first send to reach Twilio")
        fake_twilio.accept_delay = 0
        clock.advance(seconds=settings.lease_seconds + 1)  # the first worker's lease runs out

        assert await second.services.dispatcher.run_once() == 1
        [taken_over] = fake_twilio.messages
        assert await stalled == 1
        assert len(fake_twilio.messages) == (2 if late == "accept" else 1)

        clock.advance(minutes=1)  # past any retry's back-off: nothing more is due
        assert await first.services.dispatcher.run_once() == 0
        assert await second.services.dispatcher.run_once() == 0
        assert fake_twilio.attempts == 2, "nothing was sent a third time"

        day0 = (await reminders(first, case_id))["day0"]
        assert (day0["status"], day0["attempts"]) == ("sent", 2)
        view = await case_json(first.services, case_id)
        assert view is not None
        [recorded] = [m for m in view["timeline"] if m["type"] == "message"]
        assert recorded["provider_id"] == taken_over["Sid"]
        assert [e.get("kind") for e in view["timeline"]].count("reminder_sent") == 1
        assert lost_claims(first, "finish" if late == "accept" else "retry") == 1


async def test_a_row_taken_over_while_it_waits_its_turn_is_not_sent(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The first worker paces its batch slowly; while its second row waits for its turn, the
    lease runs out and another worker sends that row. The first worker's turn then comes, and
    it sends nothing: it checks that the row is still its own right before sending."""
    slow = make_settings(
        db_url, fake_twilio, DUCU_QUIET_HOURS="", DUCU_SMS_RATE=0.5, DUCU_DISPATCH_BATCH=2
    )
    fast = make_settings(db_url, fake_twilio, DUCU_QUIET_HOURS="")
    async with two_workers(slow, fast, clock) as (first, second):
        cases = [await register(first, numbered_judgment(i, clock.now())) for i in range(2)]
        pacing = asyncio.create_task(first.services.dispatcher.run_once())

        async def one_recorded() -> bool:
            states = [(await reminders(first, c))["day0"]["status"] for c in cases]
            return sorted(states) == ["claimed", "sent"]

        await until(one_recorded, "the first row's send to be recorded")
        assert not pacing.done(), "the second row waits 2 s for its turn"
        clock.advance(seconds=slow.lease_seconds + 1)

        assert await second.services.dispatcher.run_once() == 1
        assert await pacing == 2
        assert sorted(Counter(m["To"] for m in fake_twilio.messages).values()) == [1, 1]
        for case_id in cases:
            assert (await reminders(first, case_id))["day0"]["status"] == "sent"
        assert lost_claims(first, "send") == 1


async def test_a_batch_in_flight_renews_the_leases_of_the_rows_it_still_holds(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """At one message a second, a batch of nine takes 8 s with a 12 s lease. Every third of a
    lease (4 s) the worker renews the leases of all the rows it still holds, those still
    waiting their turn too, so a second worker takes none of them once the claim's own lease
    has run out. (Right before each send the row's lease is renewed as well, but that is one
    row at a time: only the heartbeat renews several at once.)"""
    lease = 12
    slow = make_settings(
        db_url,
        fake_twilio,
        DUCU_QUIET_HOURS="",
        DUCU_LEASE_SECONDS=lease,
        DUCU_SEND_TIMEOUT=1,
        DUCU_SMS_RATE=1,
        DUCU_DISPATCH_BATCH=9,
    )
    first = await build(slow, clock=clock)
    second = await build(make_settings(db_url, fake_twilio, DUCU_QUIET_HOURS=""), clock=clock)
    engine = make_engine(db_url)
    try:
        for i in range(9):
            await register(first, numbered_judgment(i, clock.now()))
        claimed_at = clock.now()
        batch = asyncio.create_task(first.services.dispatcher.run_once())
        await until(lambda: len(fake_twilio.messages) == 1, "the first send")
        clock.advance(seconds=1)  # so that a renewed lease ends later than the claim's

        async def several_renewed() -> bool:
            async with engine.connect() as conn:
                leases = (
                    await conn.execute(
                        select(t.Reminder.lease_until).where(t.Reminder.status == "claimed")
                    )
                ).scalars()
                return (
                    sum(as_utc(end) > claimed_at + timedelta(seconds=lease) for end in leases) >= 3
                )

        await until(several_renewed, "the heartbeat to renew the batch's leases", within=6)
        clock.set(claimed_at + timedelta(seconds=lease + 0.5))  # the claim's own lease is over
        assert await second.services.dispatcher.run_once() == 0
        await first.services.dispatcher.stop()  # the rows not sent yet go back to pending
        assert await batch == 9
    finally:
        await engine.dispose()
        await first.close()
        await second.close()
    assert set(Counter(m["To"] for m in fake_twilio.messages).values()) == {1}


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


async def test_stop_hands_back_the_rows_still_waiting_their_turn_without_waiting_it_out(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """At one message a second, four rows of the batch still wait their turn when the stop
    comes. The stop records the send in flight but does not sit out their slots: they go back
    to pending at once, their attempt refunded, and a restart sends each of them once."""
    slow = make_settings(
        db_url, fake_twilio, DUCU_QUIET_HOURS="", DUCU_SMS_RATE=1, DUCU_DISPATCH_BATCH=5
    )
    runtime = await build(slow, clock=clock)
    try:
        cases = [await register(runtime, numbered_judgment(i, clock.now())) for i in range(5)]
        fake_twilio.accept_delay = 0.3
        batch = asyncio.create_task(runtime.services.dispatcher.run_once())
        await until(lambda: fake_twilio.attempts == 1, "the first send to reach Twilio")

        stopping = time.monotonic()
        async with asyncio.timeout(10):
            await runtime.services.dispatcher.stop()
        took = time.monotonic() - stopping
        assert batch.done() and batch.result() == 5
        assert took < 2.0, f"the stop waited {took:.1f} s (four pacer slots are 4 s)"
        day0 = [(await reminders(runtime, c))["day0"] for c in cases]
        assert sorted(r["status"] for r in day0) == ["pending"] * 4 + ["sent"]
        for row in day0:
            if row["status"] == "pending":
                assert row["attempts"] == 0, "a row handed back keeps its attempt"
                assert datetime.fromisoformat(row["due_at"]) == clock.now()
    finally:
        await runtime.close()

    restarted = await build(slow, clock=clock)
    try:
        fake_twilio.accept_delay = 0
        assert await drain(restarted) == 4
    finally:
        await restarted.close()
    assert sorted(Counter(m["To"] for m in fake_twilio.messages).values()) == [1] * 5


# --- a row that fails on every claim ------------------------------------------------------------


async def test_a_row_whose_handling_fails_on_every_claim_is_failed_after_max_attempts(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A template that cannot be rendered raises on every claim, so the row never reaches an
    outcome and its lease brings it back each time. Once it has been claimed
    DUCU_MAX_ATTEMPTS times, the next claim fails it instead: a `delivery_failed` event, an
    error in the log, a metric, and it is never claimed again."""
    settings = make_settings(db_url, fake_twilio, DUCU_QUIET_HOURS="", DUCU_MAX_ATTEMPTS=3)
    runtime = await build(settings, clock=clock)
    try:
        case_id = await register(runtime, judgment(clock.now()))
        engine = make_engine(db_url)
        try:
            async with engine.begin() as conn:  # a placeholder no reminder fills: a KeyError
                await conn.execute(
                    text("UPDATE reminders SET template = '{oops}' WHERE step_key = 'day0'")
                )
        finally:
            await engine.dispose()
        dispatcher = runtime.services.dispatcher
        for _ in range(3):
            assert await dispatcher.run_once() == 1
            assert (await reminders(runtime, case_id))["day0"]["status"] == "claimed"
            clock.advance(seconds=settings.lease_seconds)

        caplog.clear()
        assert await dispatcher.run_once() == 0
        day0 = (await reminders(runtime, case_id))["day0"]
        assert (day0["status"], day0["attempts"]) == ("failed", 3)
        view = await case_json(runtime.services, case_id)
        assert view is not None
        [failed] = [e for e in view["timeline"] if e.get("kind") == "delivery_failed"]
        assert failed["detail"]["step"] == "day0"
        [alert] = [r for r in caplog.records if r.levelname == "ERROR"]
        assert alert.name == "bot.services.dispatch" and "3 claims" in alert.getMessage()
        given_up = runtime.services.metrics.registry.get_sample_value(
            "ducu_reminders_abandoned_total"
        )
        assert given_up == 1

        clock.advance(minutes=10)
        assert await dispatcher.run_once() == 0
        assert fake_twilio.attempts == 0
    finally:
        await runtime.close()
