"""The real APScheduler job on the real clock: a judgment posted over HTTP reaches the fake
Twilio within the day-0 promise, and stopping the scheduler returns promptly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.twilio import FakeTwilio
from tests.helpers import AUTH, DEBTOR, judgment

DAY0_PROMISE_S = 5.0  # a day-0 reminder leaves within 5 s of the judgment
WAIT_AT_MOST_S = 10.0


@pytest.fixture
async def live_runtime(sqlite_url: str, fake_twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    """The system clock and a 0.2 s dispatch interval. Quiet hours are off so the result does
    not depend on the hour the suite runs at (quiet hours have tests of their own)."""
    settings = make_settings(
        sqlite_url, fake_twilio, DUCU_DISPATCH_INTERVAL=0.2, DUCU_QUIET_HOURS=""
    )
    runtime = await build(settings, clock=None)
    yield runtime
    await runtime.close()


async def test_scheduler_job_is_one_coalesced_interval_job(live_runtime: Runtime) -> None:
    scheduler = live_runtime.scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"dispatch_reminders", "follow_ups"}
    job = jobs["dispatch_reminders"]
    assert job.max_instances == 1 and job.coalesce is True
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() == 0.2
    follow_ups = jobs["follow_ups"]  # grace ends, missed instalments, escalation, silence
    assert follow_ups.max_instances == 1 and follow_ups.coalesce is True
    assert follow_ups.trigger.interval.total_seconds() == 60


async def test_day0_sms_leaves_within_five_seconds_under_the_real_scheduler(
    live_runtime: Runtime, fake_twilio: FakeTwilio, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(live_runtime.web_app())
    scheduler = live_runtime.scheduler()
    scheduler.start()
    try:
        posted = time.monotonic()
        created = await client.post(
            "/api/v1/judgments", json=judgment(datetime.now(UTC)), headers=AUTH
        )
        assert created.status == 201
        for _ in range(int(WAIT_AT_MOST_S / 0.02)):  # a bounded wait for the fake's record
            if fake_twilio.messages:
                break
            await asyncio.sleep(0.02)
        waited = time.monotonic() - posted
        assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
        assert waited < DAY0_PROMISE_S, f"day-0 SMS took {waited:.2f} s"
    finally:
        stopping = time.monotonic()
        async with asyncio.timeout(WAIT_AT_MOST_S):
            await live_runtime.stop_scheduler(scheduler)
    assert time.monotonic() - stopping < 2.0
    assert not scheduler.running
    assert await live_runtime.services.dispatcher.run_once() == 0
    case_url = (await created.json())["url"]
    case = await (await client.get(case_url, headers=AUTH)).json()
    assert {r["step"]: r["status"] for r in case["reminders"]}["day0"] == "sent"


async def test_stopping_the_scheduler_lets_a_send_in_flight_be_recorded(
    live_runtime: Runtime, fake_twilio: FakeTwilio, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(live_runtime.web_app())
    fake_twilio.accept_delay = 0.5  # Twilio takes its time to accept
    scheduler = live_runtime.scheduler()
    scheduler.start()
    created = await client.post("/api/v1/judgments", json=judgment(datetime.now(UTC)), headers=AUTH)
    for _ in range(int(WAIT_AT_MOST_S / 0.01)):  # until the request is at Twilio
        if fake_twilio.attempts:
            break
        await asyncio.sleep(0.01)
    assert fake_twilio.attempts == 1 and fake_twilio.messages == []

    async with asyncio.timeout(WAIT_AT_MOST_S):
        await live_runtime.stop_scheduler(scheduler)
    assert not scheduler.running
    assert len(fake_twilio.messages) == 1
    case = await (await client.get((await created.json())["url"], headers=AUTH)).json()
    day0 = {r["step"]: r for r in case["reminders"]}["day0"]
    assert day0["status"] == "sent", "the send in flight was recorded before the stop returned"
    [out] = [m for m in case["timeline"] if m["type"] == "message"]
    assert out["provider_id"] == fake_twilio.messages[0]["Sid"]


async def test_a_new_judgment_wakes_the_dispatcher_before_its_tick(
    sqlite_url: str, fake_twilio: FakeTwilio, aiohttp_client: Any
) -> None:
    """A minute between ticks: the day-0 SMS still leaves at once, because registering the
    judgment starts a run of the dispatcher instead of waiting for the next tick."""
    settings = make_settings(
        sqlite_url, fake_twilio, DUCU_DISPATCH_INTERVAL=60, DUCU_QUIET_HOURS=""
    )
    runtime = await build(settings, clock=None)
    scheduler = runtime.scheduler()
    scheduler.start()
    try:
        client = await aiohttp_client(runtime.web_app())
        posted = time.monotonic()
        created = await client.post(
            "/api/v1/judgments", json=judgment(datetime.now(UTC)), headers=AUTH
        )
        assert created.status == 201
        for _ in range(int(WAIT_AT_MOST_S / 0.02)):
            if fake_twilio.messages:
                break
            await asyncio.sleep(0.02)
        assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
        assert time.monotonic() - posted < DAY0_PROMISE_S  # the tick was a minute away
    finally:
        await runtime.stop_scheduler(scheduler)
        await runtime.close()


async def test_a_judgment_registered_while_a_run_finishes_is_sent_in_that_run(
    sqlite_url: str, fake_twilio: FakeTwilio, aiohttp_client: Any
) -> None:
    """A run whose last batch is still in flight when a judgment arrives claims once more
    before it ends: the new day-0 SMS does not wait for the next tick, a minute away."""
    settings = make_settings(
        sqlite_url, fake_twilio, DUCU_DISPATCH_INTERVAL=60, DUCU_QUIET_HOURS=""
    )
    runtime = await build(settings, clock=None)
    scheduler = runtime.scheduler()
    scheduler.start()
    fake_twilio.answer_late(1.0)  # the first run's one send stays in flight for a second
    second = "+8613800000002"
    try:
        client = await aiohttp_client(runtime.web_app())
        now = datetime.now(UTC)
        first = await client.post("/api/v1/judgments", json=judgment(now), headers=AUTH)
        assert first.status == 201
        while not fake_twilio.messages:  # the run has the first row in flight  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        posted = time.monotonic()
        obligor = {"name": "王某", "phone": second, "area_code": "330522102201", "locale": "zh-CN"}
        later = judgment(now, case_number="（2024）浙0522民初1235号", obligors=[obligor])
        assert (await client.post("/api/v1/judgments", json=later, headers=AUTH)).status == 201
        for _ in range(int(WAIT_AT_MOST_S / 0.02)):
            if fake_twilio.to(second):
                break
            await asyncio.sleep(0.02)
        assert [m["To"] for m in fake_twilio.messages] == [DEBTOR, second]
        assert time.monotonic() - posted < DAY0_PROMISE_S  # the tick was a minute away
    finally:
        await runtime.stop_scheduler(scheduler)
        await runtime.close()
