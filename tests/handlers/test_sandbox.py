"""The sandbox channel over real HTTP: with no Twilio credentials, reminders show on `/sandbox`
and anyone can answer as a debtor; with Twilio configured, the sandbox is not mounted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import escape
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.handlers.test_api import answer
from tests.helpers import AUTH, DEBTOR, JUDGMENT, judgment

COURT = "长兴<县>&人民法院"  # characters HTML must escape, in the reminder's signature


@pytest.fixture
async def sandbox_runtime(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def sandbox(sandbox_runtime: Runtime, aiohttp_client: AiohttpClient) -> TestClient:
    return await aiohttp_client(sandbox_runtime.web_app())


async def test_reminders_and_replies_appear_on_the_sandbox_page(
    sandbox: TestClient, sandbox_runtime: Runtime, clock: FakeClock
) -> None:
    assert sandbox_runtime.services.settings.sandbox
    body = judgment(clock.now(), court={**JUDGMENT["court"], "name": COURT})
    created = await sandbox.post("/api/v1/judgments", json=body, headers=AUTH)
    assert created.status == 201
    case_id = (await answer(created))["case_id"]
    assert await sandbox_runtime.services.dispatcher.run_once() == 1

    page = await sandbox.get("/sandbox")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert DEBTOR in html  # the debtor's thread is listed (and selected: the only thread)
    assert f"【{escape(COURT)}】林某：您的（2024）浙0522民初1234号案" in html
    assert COURT not in html  # never unescaped
    assert "130,000元" in html

    reply = await sandbox.post(
        "/sandbox/reply", data={"address": DEBTOR, "text": "帮助"}, allow_redirects=False
    )
    assert reply.status == 303
    assert reply.headers["Location"] == f"/sandbox?address={quote(DEBTOR)}"

    thread = await (await sandbox.get(reply.headers["Location"])).text()
    assert '<div class="m in">帮助' in thread
    assert "本号码用于法院执行前督促" in thread  # the help reply, sent back on the sandbox
    assert thread.index('<div class="m in">帮助') < thread.index("本号码用于法院执行前督促")

    case = await answer(await sandbox.get(f"/api/v1/cases/{case_id}", headers=AUTH))
    messages = [m for m in case["timeline"] if m["type"] == "message"]
    assert [(m["direction"], m["channel"]) for m in messages] == [
        ("out", "sms"),
        ("in", "sms"),
        ("out", "sms"),
    ]


async def test_a_reply_is_shown_escaped(sandbox: TestClient, clock: FakeClock) -> None:
    """Whatever a tester types is text on the page, never markup."""
    created = await sandbox.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    assert created.status == 201
    text = "<script>alert(1)</script>"
    reply = await sandbox.post(
        "/sandbox/reply", data={"address": "13800138000", "text": text}, allow_redirects=False
    )
    assert reply.status == 303  # the national form is accepted and normalised
    assert reply.headers["Location"] == f"/sandbox?address={quote(DEBTOR)}"
    html = await (await sandbox.get(reply.headers["Location"])).text()
    assert escape(text) in html
    assert text not in html


@pytest.mark.parametrize("address", ["", "12345", "not a number", "+86 100"])
async def test_a_reply_from_an_invalid_address_is_400(sandbox: TestClient, address: str) -> None:
    reply = await sandbox.post(
        "/sandbox/reply", data={"address": address, "text": "帮助"}, allow_redirects=False
    )
    assert reply.status == 400
    page = await (await sandbox.get("/sandbox")).text()
    assert "帮助" not in page.split('<div id="log">')[1].split("</div>")[0]


async def test_twilio_webhooks_are_not_mounted_in_sandbox_mode(sandbox: TestClient) -> None:
    for path in ("/twilio/sms", "/twilio/status"):
        assert (await sandbox.post(path, data={"Body": "帮助"})).status == 404


async def test_the_sandbox_is_not_mounted_when_twilio_is_configured(
    sqlite_url: str, fake_twilio: FakeTwilio, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    runtime = await build(make_settings(sqlite_url, fake_twilio), clock=clock)
    try:
        assert not runtime.services.settings.sandbox
        client = await aiohttp_client(runtime.web_app())
        assert (await client.get("/sandbox")).status == 404
        reply = await client.post("/sandbox/reply", data={"address": DEBTOR, "text": "帮助"})
        assert reply.status == 404
        # the Twilio webhook is there instead (it refuses an unsigned request)
        assert (await client.post("/twilio/sms", data={"Body": "帮助"})).status != 404
    finally:
        await runtime.close()
