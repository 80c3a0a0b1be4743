"""Two simulated weeks of a busy court: no SMS in quiet hours, never more than the weekly cap
to one debtor, and nothing dropped: every reminder held back is sent later.

The dispatcher runs every 10 simulated minutes in the test's own event loop (a FakeClock);
judgments are registered at the moment they become effective; the fake Twilio on 127.0.0.1
stamps each message it accepts with the FakeClock's time."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.domain.quiet_hours import QuietHours
from ducu.bootstrap import Runtime, build
from storage import tables as t
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import SHANGHAI, case_json, numbered_judgment, register

QUIET = QuietHours.parse("21:00-08:00")
WEEKLY_CAP = 3  # the default DUCU_WEEKLY_CAP; the test runs with it
DAYS = 14
ROUND = timedelta(minutes=10)
JUDGMENTS = 40
SHARED = {2: 1, 12: 11, 22: 21, 32: 31, 36: 35}  # judgment → the one whose debtor it shares


@dataclass
class StampingTwilio(FakeTwilio):
    """The fake Twilio that notes the simulated time at which it accepted each message."""

    clock: FakeClock = field(default_factory=FakeClock)
    stamps: list[datetime] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        response = await super().handle(request)
        if response.status == 201:
            self.stamps.append(self.clock.now())
        return response


@pytest.fixture
async def fake_twilio(aiohttp_server: Any, clock: FakeClock) -> StampingTwilio:
    fake = StampingTwilio(clock=clock)
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def runtime(
    sqlite_url: str, fake_twilio: StampingTwilio, clock: FakeClock
) -> AsyncIterator[Runtime]:
    """Quiet hours 21:00–08:00 and the weekly cap of 3, as in production."""
    runtime = await build(make_settings(sqlite_url, fake_twilio), clock=clock)
    assert runtime.services.settings.weekly_cap == WEEKLY_CAP
    yield runtime
    await runtime.close()


@pytest.fixture
async def reader(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    """A read-only look at the reminders table, to see which due rows a round held back."""
    engine = create_async_engine(sqlite_url)
    yield engine
    await engine.dispose()


def schedule(start: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """40 judgments over the first week, in time order: daytime ones, some just before quiet
    hours begin (20:55: due, but the next round is at 21:00), some late at night or early in
    the morning, deadlines of 1 to 10 days, and five debtors with two cases each."""
    out = []
    for i in range(JUDGMENTS):
        day = start.date() + timedelta(days=1 + i % 7)
        if i % 8 == 3:
            local = (20, 55)
        elif i % 8 == 5:
            local = (22, 30)
        elif i % 8 == 6:
            local = (6, 40)
        else:
            local = (9 + i % 9, (7 * i) % 60)
        effective = datetime(day.year, day.month, day.day, *local, tzinfo=SHANGHAI)
        body = numbered_judgment(i, effective)
        due = effective + timedelta(days=(1, 2, 5, 10)[i % 4])
        body["performance_due"] = due.date().isoformat()
        if i in SHARED:  # the same debtor, a second case
            twin = SHARED[i]
            body["obligors"] = numbered_judgment(twin, effective)["obligors"]
            if i == 2:  # the same day and deadline as the first: two reminders due together
                body["effective_at"] = out[twin][1]["effective_at"]
                body["performance_due"] = out[twin][1]["performance_due"]
                effective = out[twin][0]
        out.append((effective, body))
    return sorted(out, key=lambda pair: pair[0])


async def due_now(reader: AsyncEngine, now: datetime) -> list[int]:
    """The debtor reminders the next round will claim."""
    async with reader.connect() as conn:
        rows = await conn.scalars(
            select(t.Reminder.id).where(
                t.Reminder.status == "pending",
                t.Reminder.due_at <= now,
                t.Reminder.user_id.is_(None),
            )
        )
        return list(rows)


async def reminders(reader: AsyncEngine, ids: list[int] | None = None) -> list[Any]:
    """Debtor reminder rows (all, or those of `ids`)."""
    query = select(t.Reminder).where(t.Reminder.user_id.is_(None))
    if ids is not None:
        query = query.where(t.Reminder.id.in_(ids))
    async with reader.connect() as conn:
        return list((await conn.execute(query)).all())


def in_quiet_hours(at: datetime) -> bool:
    assert QUIET is not None
    return QUIET.contains(at.astimezone(SHANGHAI).time())


async def test_two_busy_weeks_respect_quiet_hours_and_the_cap_and_drop_nothing(
    runtime: Runtime, fake_twilio: StampingTwilio, clock: FakeClock, reader: AsyncEngine
) -> None:
    assert QUIET is not None
    started = time.monotonic()
    start = clock.now()
    end = start + timedelta(days=DAYS)
    arrivals = schedule(start)
    planned_into_quiet = 0
    deferred: dict[str, set[int]] = {"quiet": set(), "cap": set()}
    rounds = 0

    while clock.now() < end:
        # Judgments that became effective since the last round arrive at that moment.
        next_round = clock.now() + ROUND
        while arrivals and arrivals[0][0] <= next_round:
            effective, body = arrivals.pop(0)
            clock.set(max(effective, clock.now()))
            case_id = await register(runtime, body)
            view = await case_json(runtime.services, case_id)
            assert view is not None
            planned_into_quiet += sum(
                datetime.fromisoformat(r["due_at"]).astimezone(SHANGHAI).time() == QUIET.end
                for r in view["reminders"]
            )
        clock.set(next_round)

        due = await due_now(reader, clock.now())
        await runtime.services.dispatcher.run_once()
        rounds += 1
        for row in await reminders(reader, due) if due else []:
            if row.status == "pending":  # due, claimed, and put back for later
                moved_to = row.due_at
                assert moved_to > clock.now()
                quiet = in_quiet_hours(clock.now()) and moved_to == QUIET.next_allowed(
                    clock.now(), SHANGHAI
                )
                deferred["quiet" if quiet else "cap"].add(row.id)

    assert not arrivals
    # 1. Not one SMS inside quiet hours.
    assert fake_twilio.stamps and len(fake_twilio.stamps) == len(fake_twilio.messages)
    at_night = [s for s in fake_twilio.stamps if in_quiet_hours(s)]
    assert at_night == []
    # 2. Never more than the cap to one debtor in any seven days.
    per_number: dict[str, list[datetime]] = defaultdict(list)
    for message, stamp in zip(fake_twilio.messages, fake_twilio.stamps, strict=True):
        per_number[message["To"]].append(stamp)
    most = 0  # the most messages one debtor got in any seven days
    for stamps in per_number.values():
        stamps.sort()
        for first, fourth in zip(stamps, stamps[WEEKLY_CAP:], strict=False):
            assert fourth - first >= timedelta(days=7), stamps
        most = max(most, *(sum(s <= x < s + timedelta(days=7) for x in stamps) for s in stamps))
    assert most == WEEKLY_CAP  # reached, never passed
    # 3. Nothing dropped: every reminder sent once, or pending and due later.
    rows = await reminders(reader)
    status = {row.id: row.status for row in rows}
    later = [row for row in rows if row.status == "pending"]
    assert all(row.due_at > clock.now() for row in later)
    assert {row.status for row in rows} <= {"sent", "pending"}
    sent = [row for row in rows if row.status == "sent"]
    assert len(sent) == len(fake_twilio.messages)
    # 4. Both rules held something back, and what they held back went later.
    assert deferred["quiet"] and deferred["cap"]
    held = deferred["quiet"] | deferred["cap"]
    delivered_later = {i for i in held if status[i] == "sent"}
    assert {i for i in held if status[i] != "sent"} <= {row.id for row in later}
    assert deferred["quiet"] <= delivered_later  # quiet hours end every morning
    assert delivered_later

    print(
        f"\n{DAYS} simulated days, a round every {ROUND}, {rounds} rounds, "
        f"{time.monotonic() - started:.1f} s: {JUDGMENTS} judgments, "
        f"{len(per_number)} debtors, {len(rows)} reminders planned; "
        f"{len(fake_twilio.messages)} SMS sent, 0 in quiet hours, at most {most} to one "
        f"debtor in any 7 days; "
        f"{planned_into_quiet} planned into quiet hours and moved to 08:00; "
        f"deferred when due: {len(deferred['quiet'])} by quiet hours, "
        f"{len(deferred['cap'])} by the weekly cap; {len(delivered_later)} of those delivered "
        f"later, {len(held - delivered_later)} still pending (due after day {DAYS}); "
        f"{len(later)} reminders pending at the end"
    )


async def test_two_reminders_of_one_debtor_due_together_still_respect_the_cap(
    runtime: Runtime, fake_twilio: StampingTwilio, clock: FakeClock, reader: AsyncEngine
) -> None:
    """Two cases of one debtor, same day and deadline: their reminders fall due in the same
    round, so the dispatcher handles them side by side. Two day-0 messages went out; of the
    two deadline reminders only one may go, the other waits until the first day-0 message is
    seven days old. (Both went, four in two days, before the dispatcher held one reminder
    per debtor at a time.)"""
    now = clock.now()
    for i in (0, 1):
        body = numbered_judgment(i, now)
        body["obligors"] = numbered_judgment(0, now)["obligors"]
        body["performance_due"] = (now.astimezone(SHANGHAI) + timedelta(days=2)).date().isoformat()
        await register(runtime, body)
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 2  # both day-0 reminders
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=SHANGHAI))  # the deadline day, 09:00
    assert await dispatcher.run_once() == 2  # both deadline reminders
    assert len(fake_twilio.messages) == 3
    [waiting] = [row for row in await reminders(reader) if row.status == "pending"]
    assert waiting.due_at == fake_twilio.stamps[0] + timedelta(days=7)

    clock.set(waiting.due_at)
    assert await dispatcher.run_once() == 1
    assert len(fake_twilio.messages) == 4
    assert {m["To"] for m in fake_twilio.messages} == {"+8613800000000"}
