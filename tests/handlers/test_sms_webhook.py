"""Inbound SMS over real HTTP: only Twilio-signed requests count, a redelivered MessageSid has
one effect and the same answer, and the keywords (STOP, START, HELP…) work in any spelling."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

from bot.domain.texts import render
from ducu.bootstrap import Runtime
from tests.conftest import PUBLIC_URL
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import AUTH_TOKEN, FakeTwilio
from tests.helpers import (
    DEBTOR,
    case_events,
    get_case,
    inbound_form,
    new_case,
    post_signed,
    sms_status,
    twilio_signature,
)

SMS = "/twilio/sms"
SID = "SM" + "1" * 32
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

Forgery = Callable[[dict[str, str]], tuple[str, dict[str, str]]]


def _messages(case: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    return [i for i in case["timeline"] if i["type"] == "message" and i["direction"] == direction]


async def _say(client: TestClient, text: str, sid: str, sender: str = DEBTOR) -> list[str]:
    """Sends a signed inbound SMS and returns the texts of the TwiML <Message>s it got."""
    response = await post_signed(client, SMS, inbound_form(text, sid, sender))
    assert response.status == 200
    assert response.content_type == "application/xml"
    return _twiml_messages(await response.text())


def _twiml_messages(twiml: str) -> list[str]:
    root = ElementTree.fromstring(twiml)
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


# --- signatures -----------------------------------------------------------------------------

FORGERIES: dict[str, Forgery] = {
    "forged": lambda form: (
        SMS,
        {"X-Twilio-Signature": base64.b64encode(b"not a real hmac-sha1!").decode()},
    ),
    "missing": lambda form: (SMS, {}),
    "not_base64": lambda form: (SMS, {"X-Twilio-Signature": "sïgnature"}),
    "empty": lambda form: (SMS, {"X-Twilio-Signature": ""}),
    "wrong_auth_token": lambda form: (
        SMS,
        {"X-Twilio-Signature": twilio_signature(SMS, form, auth_token="another-auth-token")},
    ),
    "other_host": lambda form: (
        SMS,
        {
            "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(
                "https://attacker.test" + SMS, form
            )
        },
    ),
    "other_path": lambda form: (
        SMS,
        {"X-Twilio-Signature": twilio_signature("/twilio/status", form)},
    ),
    "other_query": lambda form: (
        SMS + "?case=1",
        {"X-Twilio-Signature": twilio_signature(SMS, form)},
    ),
    "other_body": lambda form: (
        SMS,
        {"X-Twilio-Signature": twilio_signature(SMS, {**form, "Body": "1"})},
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
async def test_unsigned_or_forged_inbound_is_refused_and_leaves_no_trace(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    forgery: Forgery,
) -> None:
    """A bad signature gets 403; the forged STOP neither opts out nor burns its MessageSid."""
    case_id = await new_case(client, clock)
    form = inbound_form("STOP", SID)
    path, headers = forgery(form)

    refused = await client.post(path, data=form, headers=headers)

    assert refused.status == 403
    case = await get_case(client, case_id)
    assert _messages(case, "in") == [] and case_events(case, "debtor_replied") == []
    assert sms_status(case) == "active"
    # The same MessageSid, now genuinely from Twilio, is handled as new: had the forgery been
    # stored, dedupe would hand back the opt-out answer instead.
    [answer] = await _say(client, "2", SID)
    assert answer.startswith(render("hardship.reason"))  # "2" started the hardship report
    assert await runtime.services.dispatcher.run_once() == 1
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    case = await get_case(client, case_id)
    assert [m["text"] for m in _messages(case, "in")] == ["2"]
    assert [e["detail"]["intent"] for e in case_events(case, "debtor_replied")] == ["hardship"]


@SQLITE_ONLY
async def test_a_signature_over_the_url_with_its_port_is_accepted(
    client: TestClient, clock: FakeClock
) -> None:
    """Twilio may sign the URL with the scheme's port written out; both forms are genuine."""
    await new_case(client, clock)
    form = inbound_form("帮助", SID)
    signed = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL.replace(".test", ".test:443") + SMS, form
    )
    response = await client.post(SMS, data=form, headers={"X-Twilio-Signature": signed})
    assert response.status == 200
    assert _twiml_messages(await response.text()) == [render("help")]


@SQLITE_ONLY
async def test_signature_covers_the_query_string(client: TestClient, clock: FakeClock) -> None:
    """A webhook URL with a query is accepted when the signature was made over that query."""
    await new_case(client, clock)
    form = inbound_form("帮助", SID)
    path = SMS + "?case=1"
    response = await client.post(
        path, data=form, headers={"X-Twilio-Signature": twilio_signature(path, form)}
    )
    assert response.status == 200
    assert _twiml_messages(await response.text()) == [render("help")]


@SQLITE_ONLY
async def test_a_form_with_a_file_part_is_refused(client: TestClient, clock: FakeClock) -> None:
    """Twilio posts a plain form; a multipart upload, even over the signed fields, gets 403."""
    await new_case(client, clock)
    form = inbound_form("帮助", SID)
    body = FormData({**form})
    body.add_field("Media", b"\x89PNG", filename="x.png", content_type="image/png")
    response = await client.post(
        SMS, data=body, headers={"X-Twilio-Signature": twilio_signature(SMS, form)}
    )
    assert response.status == 403
    assert await _say(client, "帮助", SID) == [render("help")]  # the SID was not used up


# --- at-least-once delivery -----------------------------------------------------------------


async def _one_effect(
    client: TestClient, case_id: int, answers: list[str], *, said: str, answer_key: str
) -> None:
    """Every delivery got the same TwiML, and the case holds the message and answer once."""
    assert answers[0] == answers[1] == answers[2]
    [first] = _twiml_messages(answers[0])
    assert first.startswith(render(answer_key))
    case = await get_case(client, case_id)
    assert [m["text"] for m in _messages(case, "in")] == [said]
    assert [m["text"] for m in _messages(case, "out")] == [first]
    assert len(case_events(case, "debtor_replied")) == 1


async def test_same_message_sid_three_times_in_a_row_has_one_effect(
    client: TestClient, clock: FakeClock
) -> None:
    """Twilio's retries get the first answer again and add nothing to the case."""
    case_id = await new_case(client, clock)
    form = inbound_form("申报财产", SID)

    answers = []
    for _ in range(3):
        response = await post_signed(client, SMS, form)
        assert response.status == 200
        answers.append(await response.text())
        clock.advance(seconds=15)  # Twilio retries a while later

    await _one_effect(client, case_id, answers, said="申报财产", answer_key="assets.category")


async def test_same_message_sid_three_times_at_once_has_one_effect(
    client: TestClient, clock: FakeClock
) -> None:
    """Concurrent deliveries of one MessageSid race on the store; one wins, all get its answer."""
    case_id = await new_case(client, clock)
    form = inbound_form("3", SID)

    responses = await asyncio.gather(*(post_signed(client, SMS, form) for _ in range(3)))

    assert [r.status for r in responses] == [200, 200, 200]
    answers = [await r.text() for r in responses]
    await _one_effect(client, case_id, answers, said="3", answer_key="settle.kind")


# --- keywords -------------------------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.parametrize("word", ["STOP", " stop ", "S T O P", "退订", "td", "ＳＴＯＰ", "Stop."])
async def test_stop_in_any_spelling_opts_out_and_the_next_reminder_is_not_sent(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    word: str,
) -> None:
    case_id = await new_case(client, clock)

    assert await _say(client, word, SID) == [render("opted_out")]

    case = await get_case(client, case_id)
    assert sms_status(case) == "opted_out"
    assert [e["detail"]["intent"] for e in case_events(case, "debtor_replied")] == ["opt_out"]
    # The day-0 reminder is due now: it is claimed, but nothing goes to Twilio.
    assert await runtime.services.dispatcher.run_once() == 1
    assert fake_twilio.attempts == 0 and fake_twilio.messages == []
    case = await get_case(client, case_id)
    assert case["reminders"][0]["step"] == "day0"
    assert case["reminders"][0]["status"] == "failed"
    [unreachable] = case_events(case, "unreachable")
    assert unreachable["detail"]["step"] == "day0"


@SQLITE_ONLY
@pytest.mark.parametrize("word", ["START", "start", " Start ", "恢复"])
async def test_start_after_stop_makes_the_number_active_again(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    word: str,
) -> None:
    case_id = await new_case(client, clock)
    await _say(client, "STOP", SID)

    assert await _say(client, word, "SM" + "2" * 32) == [render("opted_in")]

    assert sms_status(await get_case(client, case_id)) == "active"
    assert await runtime.services.dispatcher.run_once() == 1
    assert [m["To"] for m in fake_twilio.messages] == [DEBTOR]
    assert (await get_case(client, case_id))["reminders"][0]["status"] == "sent"


@SQLITE_ONLY
@pytest.mark.parametrize("word", ["HELP", "help", "帮助", "0", "？", "?", "ＨＥＬＰ"])
async def test_help_in_any_spelling_gets_the_help_text(
    client: TestClient, clock: FakeClock, word: str
) -> None:
    case_id = await new_case(client, clock)

    [answer] = await _say(client, word, SID)

    assert answer == render("help")
    assert "申报财产" in answer
    assert sms_status(await get_case(client, case_id)) == "active"


@SQLITE_ONLY
async def test_english_debtor_gets_english_help(client: TestClient, clock: FakeClock) -> None:
    obligor = {"name": "Lin", "phone": DEBTOR, "area_code": "330522102201", "locale": "en"}
    await new_case(client, clock, obligors=[obligor])

    [answer] = await _say(client, "help", SID)

    assert answer == render("help", "en") != render("help")
    assert "STOP" in answer


@SQLITE_ONLY
async def test_unknown_number_gets_a_polite_reply_without_case_information(
    client: TestClient, clock: FakeClock
) -> None:
    case_id = await new_case(client, clock)
    stranger = "+8613700001111"

    [answer] = await _say(client, "我的案子怎么样了 1234号", SID, sender=stranger)

    assert answer == render("unknown_sender")
    for secret in ("1234", "林某", "130", "长兴", "李法官"):
        assert secret not in answer
    case = await get_case(client, case_id)
    assert _messages(case, "in") == [] and case_events(case, "debtor_replied") == []


@SQLITE_ONLY
async def test_a_menu_item_told_in_words_is_recorded_as_that_item(
    client: TestClient, clock: FakeClock
) -> None:
    case_id = await new_case(client, clock)
    [answer] = await _say(client, "我已经转了5万到法院账户", SID)
    assert answer == render("paid.date")
    case = await get_case(client, case_id)
    assert [e["detail"]["intent"] for e in case_events(case, "debtor_replied")] == ["paid"]


@SQLITE_ONLY
async def test_free_text_gets_the_menu(client: TestClient, clock: FakeClock) -> None:
    case_id = await new_case(client, clock)

    assert await _say(client, "我现在手头比较紧，能不能晚点还", SID) == [render("menu")]

    case = await get_case(client, case_id)
    assert [e["detail"]["intent"] for e in case_events(case, "debtor_replied")] == ["free_text"]
    assert [m["text"] for m in _messages(case, "out")] == [render("menu")]
    assert sms_status(case) == "active"
