"""Twilio's delivery status callbacks over real HTTP: signed only, out-of-order safe, and a
permanent delivery error marks the number so no later reminder is tried."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.domain.audit import CLI
from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import ACCOUNT_SID, FROM_NUMBER, FakeTwilio
from tests.helpers import (
    AUTH,
    DEBTOR,
    JUDGMENT,
    case_events,
    day0_reminder,
    get_case,
    judgment,
    post_signed,
    sms_status,
    twilio_signature,
)

JUDGE = "+8613900000001"
STATUS = "/twilio/status"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def status_form(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback."""
    form = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": FROM_NUMBER,
        "To": DEBTOR,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
    }
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


async def _sent_reminder(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> tuple[int, str]:
    """A case whose day-0 reminder went to the fake Twilio: (case id, the message's Sid)."""
    created = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    assert created.status == 201
    assert await runtime.services.dispatcher.run_once() == 1
    [sms] = fake_twilio.messages
    return (await created.json())["case_id"], sms["Sid"]


async def _report(client: TestClient, sid: str, status: str, error: str | None = None) -> None:
    response = await post_signed(client, STATUS, status_form(sid, status, error))
    assert response.status == 204


def _outbound(case: dict[str, Any]) -> dict[str, Any]:
    [message] = [i for i in case["timeline"] if i["type"] == "message"]
    assert message["direction"] == "out"
    return message


async def test_sent_then_delivered(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)
    assert _outbound(await get_case(client, case_id))["status"] == "queued"

    await _report(client, sid, "sent")
    assert _outbound(await get_case(client, case_id))["status"] == "sent"
    await _report(client, sid, "delivered")

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "delivered"
    assert sms_status(case) == "active" and case_events(case, "unreachable") == []


async def test_late_callbacks_never_move_the_status_back(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Callbacks arrive out of order: `delivered` first, then `sent`, `queued` and a repeat."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)

    for status in ("delivered", "sent", "queued", "delivered", "sending"):
        await _report(client, sid, status)

    assert _outbound(await get_case(client, case_id))["status"] == "delivered"


async def test_undelivered_unknown_handset_marks_the_contact_invalid(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """30005 after Twilio accepted the message: the number is invalid, the reminder is
    reopened and then fails as unreachable, and later steps are skipped."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)

    await _report(client, sid, "sent")
    await _report(client, sid, "undelivered", "30005")

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "undelivered"
    assert sms_status(case) == "invalid"
    assert [r["status"] for r in case["reminders"]] == ["pending"] * 4
    assert case_events(case, "unreachable") == []  # the dispatcher decides, once: below

    assert await runtime.services.dispatcher.run_once() == 1
    [unreachable] = case_events(await get_case(client, case_id), "unreachable")
    assert unreachable["detail"]["step"] == "day0"

    clock.advance(days=3)  # the middle step is due
    await runtime.services.dispatcher.run_once()
    assert len(fake_twilio.to(DEBTOR)) == 1
    [visit] = fake_twilio.to(JUDGE)  # no official for the area: the judge has the debtor visited
    assert "请上门督促" in visit["Body"]
    case = await get_case(client, case_id)
    plan = [r["status"] for r in case["reminders"] if r["step"] in PLAN]
    assert plan == ["failed", "failed", "pending", "pending"]


@SQLITE_ONLY
async def test_undelivered_with_a_transient_code_keeps_the_contact(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """30003 (handset switched off) is a bad moment, not a bad number."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)

    await _report(client, sid, "undelivered", "30003")

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "undelivered"
    assert sms_status(case) == "active" and case_events(case, "unreachable") == []


async def test_unknown_message_sid_is_acknowledged_and_changes_nothing(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A callback for a message we never sent gets 204 (so Twilio stops) and touches nothing."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)
    before = await get_case(client, case_id)

    await _report(client, "SM" + "f" * 32, "undelivered", "30005")

    assert await get_case(client, case_id) == before
    await _report(client, sid, "delivered")  # the known one still works afterwards
    assert _outbound(await get_case(client, case_id))["status"] == "delivered"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "c2lnbmF0dXJlIG9mIG5vYm9keQ=="},
    ],
    ids=["missing", "empty", "forged"],
)
async def test_unsigned_status_callback_is_refused(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    headers: dict[str, str],
) -> None:
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)
    before = await get_case(client, case_id)

    response = await client.post(
        STATUS, data=status_form(sid, "undelivered", "30005"), headers=headers
    )

    assert response.status == 403
    assert await get_case(client, case_id) == before


@SQLITE_ONLY
async def test_status_callback_signed_with_another_token_or_for_the_sms_url_is_refused(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)
    form = status_form(sid, "undelivered", "30005")

    for signature in (
        twilio_signature(STATUS, form, auth_token="another-auth-token"),
        twilio_signature("/twilio/sms", form),
        twilio_signature(STATUS, {**form, "ErrorCode": "30003"}),
    ):
        response = await client.post(STATUS, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status == 403

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "queued" and sms_status(case) == "active"


# --- Twilio reports a failure only by callback: the reminder is reopened -------------------

OFFICIAL = "+8613900000011"  # registered for township 330522102, the debtor's area
PLAN = ("day0", "middle", "warning", "deadline")
COURT = {"court_code": "浙0522", "court_name": "长兴县人民法院"}


async def _undeliverable(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock, code: int
) -> int:
    """A case whose day-0 reminder Twilio accepts and then reports undelivered with `code`,
    through signed callbacks to the app; returns the case id once they were answered."""
    fake_twilio.undeliverable[DEBTOR] = code
    fake_twilio.callback_base = str(client.make_url("")).rstrip("/")
    case_id, _ = await _sent_reminder(client, runtime, fake_twilio, clock)
    # registered after the judgment, so that no first call of day 0 is planned for them
    await runtime.services.staff.add_user(
        actor=CLI, role="official", name="王专干", phone=OFFICIAL, area_code="330522102", **COURT
    )
    await fake_twilio.reported()
    assert fake_twilio.callbacks == [("sent", 204), ("undelivered", 204)]
    return case_id


async def test_an_unknown_handset_reported_by_callback_sends_the_official_once(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """30005 comes only by callback: the debtor is handed to the official as a refusal is."""
    case_id = await _undeliverable(client, runtime, fake_twilio, clock, 30005)
    dispatcher = runtime.services.dispatcher

    for _ in range(3):
        await dispatcher.run_once()
    clock.advance(days=11)  # every later step fails without a request and tells nobody again
    for _ in range(3):
        await dispatcher.run_once()

    case = await get_case(client, case_id)
    assert sms_status(case) == "invalid"
    assert (day0_reminder(case)["status"], day0_reminder(case)["attempts"]) == ("failed", 2)
    later = [r["status"] for r in case["reminders"] if r["step"] in PLAN[1:]]
    assert later == ["failed"] * 3
    [notice] = [m["Body"] for m in fake_twilio.to(OFFICIAL)]
    assert JUDGMENT["case_number"] in notice and "30005" not in fake_twilio.to(DEBTOR)[0]
    assert len(fake_twilio.to(DEBTOR)) == 1
    assert sorted(e["detail"]["step"] for e in case_events(case, "unreachable")) == sorted(PLAN)


async def test_a_handset_switched_off_is_sent_again_after_a_backoff(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """30003 is a bad moment: the reminder is pending again, and goes once more later."""
    case_id = await _undeliverable(client, runtime, fake_twilio, clock, 30003)
    dispatcher = runtime.services.dispatcher
    day0 = day0_reminder(await get_case(client, case_id))
    assert (day0["status"], day0["attempts"], day0["error"]) == ("pending", 1, "30003")
    assert datetime.fromisoformat(day0["due_at"]) > clock.now()

    del fake_twilio.undeliverable[DEBTOR]  # the handset is on again
    clock.advance(minutes=5)
    assert await dispatcher.run_once() == 1

    assert len(fake_twilio.to(DEBTOR)) == 2
    case = await get_case(client, case_id)
    assert (day0_reminder(case)["status"], day0_reminder(case)["attempts"]) == ("sent", 2)
    assert sms_status(case) == "active" and case_events(case, "unreachable") == []
    assert fake_twilio.to(OFFICIAL) == []


@SQLITE_ONLY
async def test_a_handset_off_at_every_attempt_gives_up_after_max_attempts(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id = await _undeliverable(client, runtime, fake_twilio, clock, 30003)
    dispatcher = runtime.services.dispatcher
    max_attempts = runtime.services.settings.max_attempts

    for _ in range(max_attempts - 1):
        clock.advance(hours=1)
        assert await dispatcher.run_once() == 1
        await fake_twilio.reported()

    assert len(fake_twilio.to(DEBTOR)) == max_attempts
    case = await get_case(client, case_id)
    assert (day0_reminder(case)["status"], day0_reminder(case)["error"]) == ("failed", "30003")
    [failed] = case_events(case, "delivery_failed")
    assert failed["detail"]["step"] == "day0"
    assert sms_status(case) == "active"


async def test_a_late_callback_for_an_earlier_message_changes_nothing(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The first message was undelivered (30003) and the reminder went again; a callback for
    the first one that arrives after that neither reopens the reminder nor marks anything."""
    case_id = await _undeliverable(client, runtime, fake_twilio, clock, 30003)
    [first] = fake_twilio.messages
    del fake_twilio.undeliverable[DEBTOR]
    clock.advance(minutes=5)
    assert await runtime.services.dispatcher.run_once() == 1
    before = await get_case(client, case_id)

    await _report(client, first["Sid"], "failed", "30003")
    await _report(client, first["Sid"], "undelivered", "30005")

    case = await get_case(client, case_id)
    assert case["reminders"] == before["reminders"]
    assert sms_status(case) == "active" and case_events(case, "unreachable") == []
    clock.advance(minutes=5)
    assert await runtime.services.dispatcher.run_once() == 0
    assert len(fake_twilio.to(DEBTOR)) == 2
