"""Twilio out of service: the dispatcher backs off with jitter, gives up only after
DUCU_MAX_ATTEMPTS, and delivers every reminder exactly once when Twilio comes back; an
address Twilio refuses for good gets one attempt and is handed to people who go in person.

The dispatcher runs in the test's event loop (`run_once()`), the clock is a FakeClock moved
between rounds, and the fake Twilio answers over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.domain.audit import CLI
from bot.domain.plan import DEFAULT_PLAN
from bot.domain.retry import BASE_SECONDS, CAP_SECONDS
from bot.domain.texts import render
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import Failure, FakeTwilio
from tests.helpers import (
    DEBTOR,
    JUDGMENT,
    case_events,
    case_json,
    judgment,
    numbered_judgment,
    register,
)

DEBTORS = 60
MAX_ATTEMPTS = 8  # the default DUCU_MAX_ATTEMPTS; the tests run with it
OFFICIAL = "+8613900000011"  # registered for township 330522102, the debtor's area
ADMIN = "+8613900000012"  # an admin of court 浙0522
JUDGE = JUDGMENT["judge"]["phone"]
PLAN_STEPS = {step.key for step in DEFAULT_PLAN}

MakeRuntime = Callable[..., Awaitable[Runtime]]


@pytest.fixture
async def make_runtime(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> AsyncIterator[MakeRuntime]:
    """Builds the runtime on settings of the test's own (a short send timeout)."""
    runtimes: list[Runtime] = []

    async def make(**overrides: object) -> Runtime:
        runtime = await build(make_settings(db_url, fake_twilio, **overrides), clock=clock)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        await runtime.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bounds(attempt: int) -> tuple[float, float]:
    """The shortest and longest wait after failed attempt `attempt` (±50 % jitter)."""
    raw = min(BASE_SECONDS * 2 ** (attempt - 1), CAP_SECONDS)
    return raw * 0.5, raw * 1.5


def day0(view: dict[str, Any]) -> dict[str, Any]:
    [reminder] = [r for r in view["reminders"] if r["step"] == "day0"]
    return reminder


async def views(runtime: Runtime, case_ids: list[int]) -> list[dict[str, Any]]:
    """The case views (what `GET /api/v1/cases/{id}` answers), one per case."""
    found = []
    for case_id in case_ids:
        view = await case_json(runtime.services, case_id)
        assert view is not None
        found.append(view)
    return found


@dataclass
class Outage:
    """What the test saw of the day-0 reminders during and after an outage."""

    # case id → (attempt number, seconds from that attempt to the next due time)
    waits: dict[int, list[tuple[int, float]]] = field(default_factory=lambda: defaultdict(list))
    first_round_due: list[datetime] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # as recorded on the rows
    failing_rounds: int = 0
    recovery_rounds: int = 0

    def by_attempt(self) -> dict[int, list[float]]:
        """The waits drawn after each attempt number, over all reminders."""
        out: dict[int, list[float]] = defaultdict(list)
        for waits in self.waits.values():
            for attempt, wait in waits:
                out[attempt].append(wait)
        return dict(sorted(out.items()))


async def ride_out(
    runtime: Runtime,
    fake: FakeTwilio,
    clock: FakeClock,
    failure: Failure,
    *,
    lasting: timedelta,
    step: timedelta,
) -> tuple[list[int], Outage]:
    """60 due day-0 reminders; Twilio answers every request with `failure` for `lasting`,
    the dispatcher runs every `step`; then Twilio recovers and the rounds go on until every
    debtor has had a message (at most 60 more rounds)."""
    now = clock.now()
    case_ids = [await register(runtime, numbered_judgment(i, now)) for i in range(DEBTORS)]
    fake.fail_next(failure.status, failure.code, times=DEBTORS * MAX_ATTEMPTS, delay=failure.delay)
    seen = Outage()
    attempts = dict.fromkeys(case_ids, 0)
    ends = now + lasting
    while clock.now() < ends:
        if await runtime.services.dispatcher.run_once():
            seen.failing_rounds += 1
            for case_id, view in zip(case_ids, await views(runtime, case_ids), strict=True):
                reminder = day0(view)
                assert reminder["status"] == "pending"  # nothing given up within the outage
                assert reminder["attempts"] <= MAX_ATTEMPTS
                if reminder["attempts"] > attempts[case_id]:  # tried in this round
                    assert reminder["attempts"] == attempts[case_id] + 1
                    attempts[case_id] = reminder["attempts"]
                    wait = (at(reminder["due_at"]) - clock.now()).total_seconds()
                    seen.waits[case_id].append((reminder["attempts"], wait))
                    seen.errors[reminder["error"]] += 1
                    if reminder["attempts"] == 1:
                        seen.first_round_due.append(at(reminder["due_at"]))
        clock.advance(seconds=step.total_seconds())
    fake.failures.clear()  # Twilio is back
    if failure.delay:  # let the hung requests of the last round finish answering
        await asyncio.sleep(failure.delay)

    for _ in range(60):  # the caller checks on the case views that all went
        await runtime.services.dispatcher.run_once()
        seen.recovery_rounds += 1
        if len({m["To"] for m in fake.messages}) == DEBTORS:
            break
        clock.advance(seconds=step.total_seconds())
    return case_ids, seen


async def assert_backed_off_and_delivered_once(
    runtime: Runtime, fake: FakeTwilio, case_ids: list[int], seen: Outage
) -> None:
    # Backoff: every wait lies within ±50 % of 5 s × 2^(attempt−1) …
    for waits in seen.waits.values():
        for attempt, wait in waits:
            low, high = bounds(attempt)
            assert low - 0.01 <= wait <= high + 0.01, (attempt, wait)
        # … so two attempts later the wait is always longer, whatever the jitter drew …
        assert all(b[1] > a[1] for a, b in zip(waits, waits[2:], strict=False)), waits
    # … and on average it doubles with each attempt.
    by_attempt = seen.by_attempt()
    means = [statistics.mean(by_attempt[n]) for n in sorted(by_attempt) if len(by_attempt[n]) >= 10]
    assert len(means) >= 2, by_attempt.keys()
    assert all(later > earlier * 1.4 for earlier, later in itertools.pairwise(means)), means
    # Jitter: the 60 reminders that failed together are not all retried at the same instant.
    assert len(seen.first_round_due) == DEBTORS
    assert len(set(seen.first_round_due)) >= DEBTORS - 5
    spread = (max(seen.first_round_due) - min(seen.first_round_due)).total_seconds()
    assert spread >= BASE_SECONDS * 0.5  # of a possible 5 s (2.5 s to 7.5 s)

    # Recovery: every reminder sent, each number reached exactly once.
    final = [day0(v) for v in await views(runtime, case_ids)]
    assert [r["status"] for r in final] == ["sent"] * DEBTORS
    assert all(r["attempts"] <= MAX_ATTEMPTS for r in final)
    per_number = Counter(m["To"] for m in fake.messages)
    assert per_number == Counter(f"+86138{i:08d}" for i in range(DEBTORS))
    # Each attempt recorded on a reminder was one request at Twilio, and only the last worked.
    assert fake.attempts == sum(r["attempts"] for r in final)
    assert all(
        r["attempts"] == len(seen.waits[c]) + 1 for c, r in zip(case_ids, final, strict=True)
    )


async def test_500s_back_off_with_jitter_then_every_reminder_goes_once(
    make_runtime: MakeRuntime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Twilio answers 500 to everything for 2 minutes; the dispatcher runs every 30 s."""
    runtime = await make_runtime()
    case_ids, seen = await ride_out(
        runtime,
        fake_twilio,
        clock,
        Failure(500),
        lasting=timedelta(seconds=120),
        step=timedelta(seconds=30),
    )
    assert seen.failing_rounds == 4  # at 0, 30, 60 and 90 s: four attempts each
    assert set(seen.errors) == {"500"}
    await assert_backed_off_and_delivered_once(runtime, fake_twilio, case_ids, seen)
    by_attempt = seen.by_attempt()
    print(
        "\nwait after attempt n (mean, min–max): "
        + "; ".join(
            f"{n}: {statistics.mean(w):.1f} s ({min(w):.1f}–{max(w):.1f})"
            for n, w in by_attempt.items()
        )
    )
    print(
        f"500 for 120 s on {runtime.services.settings.database_url.split(':')[0]}, rounds "
        f"every 30 s: {seen.failing_rounds} failing rounds of {DEBTORS} attempts, then "
        f"{seen.recovery_rounds} rounds to deliver all {DEBTORS} once"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("failure", "recorded"),
    [
        pytest.param(Failure(429, 20429), {"20429"}, id="429-too-many-requests"),
        # Hangs past DUCU_SEND_TIMEOUT, then would answer 500: the rows record the timeout
        # (the HTTP client's "network" or the dispatcher's own "timeout"), never the 500, so
        # every send was cut short. The timeout is 1 s, not less: client and fake share one
        # event loop, and a loaded machine can stall it long enough for a shorter timeout to
        # cut off a send that Twilio then accepts (a duplicate).
        pytest.param(Failure(500, delay=1.5), {"network", "timeout"}, id="timeout"),
    ],
)
async def test_throttling_and_timeouts_back_off_then_every_reminder_goes_once(
    make_runtime: MakeRuntime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    failure: Failure,
    recorded: set[str],
) -> None:
    """The same for a minute of 429/20429 (too many requests), or of requests that hang."""
    runtime = await make_runtime(DUCU_SEND_TIMEOUT=1.0)
    case_ids, seen = await ride_out(
        runtime,
        fake_twilio,
        clock,
        failure,
        lasting=timedelta(seconds=60),
        step=timedelta(seconds=30),
    )
    assert seen.failing_rounds == 2
    assert set(seen.errors) <= recorded, seen.errors
    await assert_backed_off_and_delivered_once(runtime, fake_twilio, case_ids, seen)
    print(
        f"\n{failure.status}/{failure.code} (answered after {failure.delay} s): "
        f"{seen.failing_rounds} failing rounds, {seen.recovery_rounds} to deliver all "
        f"{DEBTORS} once; errors recorded {dict(seen.errors)}"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_reminder_that_keeps_failing_gives_up_after_max_attempts(
    make_runtime: MakeRuntime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """One number always gets 500; its neighbour is delivered at once and is not held up."""
    runtime = await make_runtime()
    now = clock.now()
    failing = await register(runtime, numbered_judgment(0, now))
    healthy = await register(runtime, numbered_judgment(1, now))
    fake_twilio.fail_to["+8613800000000"] = Failure(500)
    dispatcher = runtime.services.dispatcher

    for _ in range(MAX_ATTEMPTS + 2):
        await dispatcher.run_once()
        reminder = day0((await views(runtime, [failing]))[0])
        if reminder["status"] != "pending":
            break
        clock.set(at(reminder["due_at"]))  # the next retry is due

    view, neighbour = await views(runtime, [failing, healthy])
    reminder = day0(view)
    assert (reminder["status"], reminder["attempts"], reminder["error"]) == (
        "failed",
        MAX_ATTEMPTS,
        "500",
    )
    [gave_up] = case_events(view, "delivery_failed")
    assert gave_up["detail"]["step"] == "day0"
    assert case_events(view, "unreachable") == []  # an outage says nothing about the number
    assert fake_twilio.attempts == MAX_ATTEMPTS + 1  # 8 for the failing one, 1 for the other
    assert [m["To"] for m in fake_twilio.messages] == ["+8613800000001"]
    assert day0(neighbour)["status"] == "sent"

    clock.advance(hours=1)  # long past any backoff: nothing more is tried
    assert await dispatcher.run_once() == 0
    assert fake_twilio.attempts == MAX_ATTEMPTS + 1


@pytest.mark.parametrize(
    ("code", "contact_status", "db_url"),
    [
        (21610, "opted_out", "sqlite"),
        (21211, "invalid", "sqlite"),
        (30005, "invalid", "sqlite"),
        (30006, "invalid", "sqlite"),
        pytest.param(21610, "opted_out", "postgres", marks=pytest.mark.postgres),
    ],
    indirect=["db_url"],
)
async def test_a_permanent_refusal_is_one_attempt_and_one_notice_to_the_official_and_admin(
    make_runtime: MakeRuntime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    code: int,
    contact_status: str,
) -> None:
    """Opted out (21610), invalid (21211) or unreachable handset (30005, 30006): one request,
    the contact marked, and the area's official and the court's admin each told once, however
    many later steps of the plan fail after it."""
    runtime = await make_runtime()
    staff = runtime.services.staff
    court = {"court_code": "浙0522", "court_name": "长兴县人民法院"}
    await staff.add_user(
        actor=CLI, role="official", name="王专干", phone=OFFICIAL, area_code="330522102", **court
    )
    await staff.add_user(actor=CLI, role="admin", name="周管理员", phone=ADMIN, **court)
    case_id = await register(runtime, judgment(clock.now()))
    fake_twilio.fail_to[DEBTOR] = Failure(400, code)  # refused every time it is asked
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 1  # day 0: refused
    assert (fake_twilio.attempts, fake_twilio.messages) == (1, [])
    [view] = await views(runtime, [case_id])
    [contact] = view["obligors"][0]["contacts"]
    assert contact["status"] == contact_status
    reminder = day0(view)
    assert (reminder["status"], reminder["attempts"], reminder["error"]) == (
        "failed",
        1,
        str(code),
    )
    [unreachable] = case_events(view, "unreachable")
    assert unreachable["detail"]["reason"] == str(code)

    assert await dispatcher.run_once() == 2  # the two notices
    said = {"case": JUDGMENT["case_number"], "name": "林某", "phone": DEBTOR, "reason": str(code)}
    expected = {
        OFFICIAL: render("notify.unreachable", "zh-CN", **said),
        ADMIN: render("notify.unreachable.told", "zh-CN", **said, assignee="王专干"),
    }
    for number in (OFFICIAL, ADMIN):
        [notice] = fake_twilio.to(number)
        head, _, how = notice["Body"].partition("\n")
        assert head == expected[number]
        # the official has a task to visit, with its reference and outcomes; the admin is
        # told who visits
        assert how.startswith("回复“#") if number == OFFICIAL else how == ""
    assert fake_twilio.to(JUDGE) == []

    clock.advance(days=11)  # past every later step: each fails without reaching Twilio
    # ... and the official's first call of day 0 (planned with the judgment) goes too
    assert await dispatcher.run_once() == 4
    assert await dispatcher.run_once() == 0  # and queues no second notice
    [view] = await views(runtime, [case_id])
    assert len(case_events(view, "unreachable")) == 4
    plan = [r["status"] for r in view["reminders"] if r["step"] in PLAN_STEPS]
    assert plan == ["failed"] * len(PLAN_STEPS)
    assert fake_twilio.attempts == 4  # the one refused attempt, the two notices, the call
    assert len(fake_twilio.to(OFFICIAL)) == 2 and len(fake_twilio.to(ADMIN)) == 1
    assert fake_twilio.to(DEBTOR) == []
