"""Outbound SMS through the official Twilio SDK against the fake Twilio server: the request it
makes, and what the dispatcher does with 5xx, 429, timeouts and permanent refusals."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.services.dispatch import Dispatcher
from ducu.bootstrap import Runtime, build
from tests.conftest import PUBLIC_URL, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FROM_NUMBER, FakeTwilio
from tests.helpers import DEBTOR, case_events, day0_reminder, get_case, new_case, sms_status

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# The longest first backoff is 5 s × 1.5 jitter; the second 10 s × 1.5.
JUDGE = "+8613900000001"
PAST_BACKOFF = 60

MakeClient = Callable[..., Awaitable[tuple[Runtime, TestClient]]]


@pytest.fixture
async def make_client(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock, aiohttp_client: Any
) -> AsyncIterator[MakeClient]:
    """Builds the app on settings of the test's own (e.g. a short send timeout)."""
    runtimes: list[Runtime] = []

    async def make(**overrides: object) -> tuple[Runtime, TestClient]:
        runtime = await build(make_settings(db_url, fake_twilio, **overrides), clock=clock)
        runtimes.append(runtime)
        return runtime, await aiohttp_client(runtime.web_app())

    yield make
    for runtime in runtimes:
        await runtime.close()


async def _a_case_with_a_1s_send_timeout(
    make_client: MakeClient, clock: FakeClock
) -> tuple[Dispatcher, TestClient, int]:
    """The app with DUCU_SEND_TIMEOUT of 1 s, and a case whose day-0 reminder is due. 1 s, not
    less: the client and the fake share one event loop, and a loaded CI box can stall it long
    enough that a shorter timeout fires before the fake sees the request."""
    runtime, client = await make_client(DUCU_SEND_TIMEOUT=1.0)
    return runtime.services.dispatcher, client, await new_case(client, clock)


# --- the request ----------------------------------------------------------------------------


@SQLITE_ONLY
async def test_outbound_request_carries_the_message_and_the_status_callback(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The fake only records a message whose Basic auth is the account SID and token."""
    case_id = await new_case(client, clock)

    assert await runtime.services.dispatcher.run_once() == 1

    assert fake_twilio.attempts == 1
    [sms] = fake_twilio.messages
    assert sms["To"] == DEBTOR
    assert sms["From"] == FROM_NUMBER
    assert sms["Body"].startswith("【长兴县人民法院】林某：")
    assert sms["StatusCallback"] == f"{PUBLIC_URL}/twilio/status"
    assert set(sms) == {"To", "From", "Body", "StatusCallback", "Sid"}
    case = await get_case(client, case_id)
    [out] = [i for i in case["timeline"] if i["type"] == "message"]
    assert (out["provider_id"], out["text"], out["status"]) == (sms["Sid"], sms["Body"], "queued")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        ({"TWILIO_AUTH_TOKEN": "not-the-token"}, "20003"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "9" * 32}, "20003"),  # the SID is the Basic user
    ],
    ids=["wrong_token", "wrong_account"],
)
async def test_wrong_credentials_are_refused_and_retried_later(
    make_client: MakeClient,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    credentials: dict[str, str],
    code: str,
) -> None:
    """The fake's auth check is live: a request with other credentials never gets through."""
    runtime, client = await make_client(**credentials)
    case_id = await new_case(client, clock)

    assert await runtime.services.dispatcher.run_once() == 1

    assert fake_twilio.attempts == 0 and fake_twilio.messages == []
    day0 = day0_reminder(await get_case(client, case_id))
    assert (day0["status"], day0["error"]) == ("pending", code)


# --- transient failures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [(500, None, "500"), (503, None, "503"), (429, 20429, "20429")],
    ids=["500", "503", "429"],
)
async def test_transient_failure_is_retried_after_backoff_and_sent_once(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    status: int,
    code: int | None,
    error: str,
) -> None:
    case_id = await new_case(client, clock)
    fake_twilio.fail_next(status, code)
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 1

    assert fake_twilio.attempts == 1 and fake_twilio.messages == []
    day0 = day0_reminder(await get_case(client, case_id))
    assert (day0["status"], day0["attempts"], day0["error"]) == ("pending", 1, error)
    assert datetime.fromisoformat(day0["due_at"]) > clock.now()
    assert await dispatcher.run_once() == 0  # not before its backoff has passed
    assert fake_twilio.attempts == 1

    clock.advance(seconds=PAST_BACKOFF)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0

    assert fake_twilio.attempts == 2
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    case = await get_case(client, case_id)
    day0 = day0_reminder(case)
    assert (day0["status"], day0["attempts"], day0["error"]) == ("sent", 2, None)
    assert len(case_events(case, "reminder_sent")) == 1
    assert sms_status(case) == "active"


@SQLITE_ONLY
async def test_timeout_is_cut_short_retried_and_sent_once(
    make_client: MakeClient, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Twilio hangs past DUCU_SEND_TIMEOUT: the send gives up in time and goes again later."""
    dispatcher, client, case_id = await _a_case_with_a_1s_send_timeout(make_client, clock)
    fake_twilio.fail_next(503, delay=4.0)  # hangs, then fails: nothing accepted meanwhile

    started = time.monotonic()
    assert await dispatcher.run_once() == 1
    assert time.monotonic() - started < 3.0

    assert fake_twilio.attempts == 1 and fake_twilio.messages == []
    day0 = day0_reminder(await get_case(client, case_id))
    assert day0["status"] == "pending"
    # The HTTP client's timeout ("network") or the dispatcher's own ("timeout"), whichever
    # fires first: both are set from DUCU_SEND_TIMEOUT.
    assert day0["error"] in {"network", "timeout"}

    clock.advance(seconds=PAST_BACKOFF)
    assert await dispatcher.run_once() == 1

    assert fake_twilio.attempts == 2
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    assert day0_reminder(await get_case(client, case_id))["status"] == "sent"


@SQLITE_ONLY
async def test_a_send_whose_answer_was_lost_is_found_at_twilio_and_not_sent_again(
    make_client: MakeClient, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Twilio accepts the message but answers after DUCU_SEND_TIMEOUT: the outcome is unknown,
    so before the row goes again Twilio is asked, and the message it has is adopted."""
    dispatcher, client, case_id = await _a_case_with_a_1s_send_timeout(make_client, clock)
    fake_twilio.answer_late(2.0)

    sent_at = clock.now()
    assert await dispatcher.run_once() == 1
    [sms] = fake_twilio.messages  # Twilio has it; we do not know
    day0 = day0_reminder(await get_case(client, case_id))
    assert day0["status"] == "pending" and day0["error"] in {"network", "timeout"}

    clock.advance(seconds=PAST_BACKOFF)
    assert await dispatcher.run_once() == 1

    assert fake_twilio.attempts == 1 and fake_twilio.messages == [sms]  # not sent again
    [lookup] = fake_twilio.lookups
    assert lookup["To"] == DEBTOR
    assert datetime.fromisoformat(lookup["DateSent>"]) <= sent_at
    case = await get_case(client, case_id)
    day0 = day0_reminder(case)
    assert (day0["status"], day0["attempts"], day0["error"]) == ("sent", 2, None)
    [out] = [i for i in case["timeline"] if i["type"] == "message"]
    assert (out["provider_id"], out["text"]) == (sms["Sid"], sms["Body"])
    assert len(case_events(case, "reminder_sent")) == 1


@SQLITE_ONLY
async def test_a_lost_answer_whose_message_twilio_does_not_have_is_sent_after_the_lookup(
    make_client: MakeClient, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The connection drops before Twilio accepts: the lookup finds nothing, the row is sent."""
    dispatcher, client, case_id = await _a_case_with_a_1s_send_timeout(make_client, clock)
    fake_twilio.fail_next(503, delay=2.0)

    assert await dispatcher.run_once() == 1
    clock.advance(seconds=PAST_BACKOFF)
    assert await dispatcher.run_once() == 1

    assert len(fake_twilio.lookups) == 1
    assert fake_twilio.attempts == 2 and [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    assert day0_reminder(await get_case(client, case_id))["status"] == "sent"


async def test_gives_up_after_max_attempts_transient_failures(
    make_client: MakeClient, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    runtime, client = await make_client(DUCU_MAX_ATTEMPTS=3)
    case_id = await new_case(client, clock)
    fake_twilio.fail_next(500, times=10)
    dispatcher = runtime.services.dispatcher

    for _ in range(3):
        assert await dispatcher.run_once() == 1
        clock.advance(seconds=PAST_BACKOFF)
    assert await dispatcher.run_once() == 0

    assert fake_twilio.attempts == 3 and fake_twilio.messages == []
    case = await get_case(client, case_id)
    day0 = day0_reminder(case)
    assert (day0["status"], day0["attempts"], day0["error"]) == ("failed", 3, "500")
    [failed] = case_events(case, "delivery_failed")
    assert failed["detail"]["step"] == "day0"
    assert case_events(case, "reminder_sent") == [] and case_events(case, "unreachable") == []
    assert sms_status(case) == "active"  # an outage says nothing about the number


# --- permanent failures ---------------------------------------------------------------------


async def test_opted_out_at_twilio_is_one_attempt_and_ends_the_sms_plan(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """21610: the contact becomes opted out; no later step for that debtor reaches Twilio."""
    case_id = await new_case(client, clock)
    fake_twilio.fail_next(400, 21610)
    dispatcher = runtime.services.dispatcher

    assert await dispatcher.run_once() == 1

    assert fake_twilio.attempts == 1 and fake_twilio.messages == []
    case = await get_case(client, case_id)
    assert sms_status(case) == "opted_out"
    day0 = day0_reminder(case)
    assert (day0["status"], day0["attempts"], day0["error"]) == ("failed", 1, "21610")
    [unreachable] = case_events(case, "unreachable")
    assert unreachable["detail"] == {
        "step": "day0",
        "obligor_id": case["obligors"][0]["id"],
        "reason": "21610",
    }

    clock.advance(days=11)  # past every later step of the plan
    # The three later steps, and the judge's task to have the debtor visited (no official
    # is registered for the area: the judge acts, nobody is left out).
    assert await dispatcher.run_once() == 4
    [to_judge] = fake_twilio.messages
    assert to_judge["To"] == JUDGE and "短信无法送达" in to_judge["Body"]
    case = await get_case(client, case_id)
    plan = [r for r in case["reminders"] if r["step"] in ("day0", "middle", "warning", "deadline")]
    assert [r["status"] for r in plan] == ["failed"] * 4
    assert sorted(e["detail"]["step"] for e in case_events(case, "unreachable")) == [
        "day0",
        "deadline",
        "middle",
        "warning",
    ]


@pytest.mark.parametrize("code", [21211, 30005, 30006])
async def test_invalid_number_is_one_attempt_and_marks_the_contact(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock, code: int
) -> None:
    case_id = await new_case(client, clock)
    fake_twilio.fail_next(400, code)

    assert await runtime.services.dispatcher.run_once() == 1
    clock.advance(seconds=PAST_BACKOFF)
    assert await runtime.services.dispatcher.run_once() == 1  # the judge's follow-up task

    assert fake_twilio.attempts == 2 and [m["To"] for m in fake_twilio.messages] == [JUDGE]
    case = await get_case(client, case_id)
    assert sms_status(case) == "invalid"
    day0 = day0_reminder(case)
    assert (day0["status"], day0["error"]) == ("failed", str(code))
    assert [e["detail"]["reason"] for e in case_events(case, "unreachable")] == [str(code)]
