"""Twilio's delivery status callbacks over real HTTP: signed only, out-of-order safe, and a
permanent delivery error marks the number so no later reminder is tried."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import ACCOUNT_SID, FROM_NUMBER, FakeTwilio
from tests.helpers import AUTH, DEBTOR, get_case, judgment, post_signed, twilio_signature

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


def _events(case: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [i for i in case["timeline"] if i["type"] == "event" and i["kind"] == kind]


def _sms_status(case: dict[str, Any]) -> str:
    [contact] = [c for c in case["obligors"][0]["contacts"] if c["channel"] == "sms"]
    return contact["status"]


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
    assert _sms_status(case) == "active" and _events(case, "unreachable") == []


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
    """30005 after Twilio accepted the message: the number is invalid, later steps are skipped."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)

    await _report(client, sid, "sent")
    await _report(client, sid, "undelivered", "30005")

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "undelivered"
    assert _sms_status(case) == "invalid"
    [unreachable] = _events(case, "unreachable")
    assert unreachable["detail"] == {"reason": "30005", "channel": "sms"}

    clock.advance(days=3)  # the middle step is due
    assert await runtime.services.dispatcher.run_once() == 1
    assert fake_twilio.attempts == 1
    case = await get_case(client, case_id)
    assert [r["status"] for r in case["reminders"]] == ["sent", "failed", "pending", "pending"]


@SQLITE_ONLY
async def test_undelivered_with_a_transient_code_keeps_the_contact(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """30003 (handset switched off) is a bad moment, not a bad number."""
    case_id, sid = await _sent_reminder(client, runtime, fake_twilio, clock)

    await _report(client, sid, "undelivered", "30003")

    case = await get_case(client, case_id)
    assert _outbound(case)["status"] == "undelivered"
    assert _sms_status(case) == "active" and _events(case, "unreachable") == []


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
    assert _outbound(case)["status"] == "queued" and _sms_status(case) == "active"
