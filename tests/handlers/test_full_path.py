"""The whole path over real HTTP: judgment in → day-0 SMS at the fake Twilio → the debtor's
signed reply → everything on the case's timeline."""

from __future__ import annotations

from tests.helpers import AUTH, DEBTOR, inbound_form, judgment, post_signed


async def test_judgment_to_reminder_to_reply_to_timeline(client, runtime, fake_twilio, clock):
    created = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    assert created.status == 201
    case_id = (await created.json())["case_id"]

    assert await runtime.services.dispatcher.run_once() == 1
    [sms] = fake_twilio.messages
    assert sms["To"] == DEBTOR
    assert sms["From"] == "+15005550006"
    assert sms["Body"].startswith("【长兴县人民法院】林某：您的（2024）浙0522民初1234号案")
    assert "130,000元" in sms["Body"] and "2026年12月6日" in sms["Body"]
    assert sms["StatusCallback"] == "https://ducu.court.test/twilio/status"

    reply = await post_signed(client, "/twilio/sms", inbound_form("帮助", "SM" + "a" * 32))
    assert reply.status == 200
    assert reply.content_type == "application/xml"
    twiml = await reply.text()
    assert "<Response><Message>" in twiml and "申报财产" in twiml

    case = await (await client.get(f"/api/v1/cases/{case_id}", headers=AUTH)).json()
    assert case["status"] == "open"
    timeline = case["timeline"]
    events = [item["kind"] for item in timeline if item["type"] == "event"]
    assert events == ["judgment_received", "reminder_sent", "debtor_replied"]
    messages = [item for item in timeline if item["type"] == "message"]
    assert [(m["direction"], m["channel"]) for m in messages] == [
        ("out", "sms"),
        ("in", "sms"),
        ("out", "sms"),
    ]
    assert messages[0]["provider_id"] == sms["Sid"] and messages[0]["text"] == sms["Body"]
    assert messages[1]["text"] == "帮助"
    assert "申报财产" in messages[2]["text"]
    assert [r["status"] for r in case["reminders"]] == ["sent", "pending", "pending", "pending"]
