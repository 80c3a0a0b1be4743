"""The sandbox channel over real HTTP: with no Twilio credentials, reminders show on `/sandbox`
and anyone can answer as a debtor; with Twilio configured, the sandbox is not mounted."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape, unescape
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.handlers.test_api import answer
from tests.helpers import AUTH, DEBTOR, JUDGMENT, SHANGHAI, add_messages, judgment, remind

COURT = "长兴<县>&人民法院"  # characters HTML must escape, in the reminder's signature
_MESSAGE = re.compile(
    r'<div class="m (in|out)" data-id="([0-9]+)">(.*?)<div class="t">([^<]*)', re.S
)
_LISTED = re.compile(r"<nav>.*</nav>", re.S)


def thread(html: str) -> list[tuple[str, str]]:
    """The messages a page or fragment shows: (direction, text as the reader sees it)."""
    return [(d, unescape(text)) for d, _, text, _ in _MESSAGE.findall(html)]


def ids(html: str) -> list[int]:
    return [int(i) for _, i, _, _ in _MESSAGE.findall(html)]


def listed(html: str) -> str:
    """The address list of the page, as text."""
    return unescape(re.sub(r"<[^>]+>", " ", _LISTED.search(html).group()))


async def fragment(client: TestClient, **query: object) -> str:
    """What `/sandbox/messages` answers for the debtor's thread (an HTML fragment)."""
    response = await client.get("/sandbox/messages", params={"address": DEBTOR, **query})
    assert response.status == 200 and response.content_type == "application/json"
    return (await response.json())["html"]


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

    shown = thread(await (await sandbox.get(reply.headers["Location"])).text())
    assert [d for d, _ in shown] == ["out", "in", "out"]
    assert shown[1][1] == "帮助"
    assert "本号码用于法院执行前督促" in shown[2][1]  # the help reply, sent back on the sandbox

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


@pytest.mark.parametrize("address", ["", "12345", "not a <b>number</b>", "+86 100"])
async def test_a_reply_from_an_invalid_address_gets_the_page_back_with_the_error(
    sandbox: TestClient, sandbox_runtime: Runtime, clock: FakeClock, address: str
) -> None:
    await remind(sandbox_runtime, clock)
    reply = await sandbox.post(
        "/sandbox/reply", data={"address": address, "text": "帮助\n<i>"}, allow_redirects=False
    )
    assert reply.status == 400 and reply.content_type == "text/html"
    html = await reply.text()
    error = re.search(r'<p id="error" role="alert">([^<]*)</p>', html).group(1)
    assert "phone number" in error and escape(address, quote=False) in error
    # the form comes back as it was sent, escaped; nothing was taken
    assert f'<input name="address" value="{escape(address)}"' in html
    assert ">帮助\n&lt;i&gt;</textarea>" in html
    assert [d for d, _ in thread(html)] == ["out"]
    assert [d for d, _ in thread(await (await sandbox.get("/sandbox")).text())] == ["out"]


async def test_the_script_posts_for_json_and_gets_the_error_or_where_to_go(
    sandbox: TestClient,
) -> None:
    json = {"Accept": "application/json"}
    bad = await sandbox.post("/sandbox/reply", data={"address": "1", "text": "0"}, headers=json)
    assert bad.status == 400 and "phone number" in (await bad.json())["error"]
    good = await sandbox.post(
        "/sandbox/reply", data={"address": "13800138000", "text": "0"}, headers=json
    )
    assert good.status == 200
    assert await good.json() == {"address": DEBTOR, "url": f"/sandbox?address={quote(DEBTOR)}"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://evil.example", "Referer": "http://127.0.0.1/"},
    ],
)
async def test_a_form_of_another_site_cannot_post_a_reply(
    sandbox: TestClient, headers: dict[str, str]
) -> None:
    reply = await sandbox.post(
        "/sandbox/reply", data={"address": DEBTOR, "text": "0"}, headers=headers
    )
    assert reply.status == 403
    assert thread(await (await sandbox.get(f"/sandbox?address={quote(DEBTOR)}")).text()) == []


async def test_the_own_page_may_post_a_reply(sandbox: TestClient) -> None:
    own = str(sandbox.make_url("")).rstrip("/")
    for headers in ({"Origin": own}, {"Referer": f"{own}/sandbox?address=1"}):
        reply = await sandbox.post(
            "/sandbox/reply",
            data={"address": DEBTOR, "text": "0"},
            headers=headers,
            allow_redirects=False,
        )
        assert reply.status == 303


async def test_new_messages_come_as_json_after_the_last_one_shown(
    sandbox: TestClient, sandbox_runtime: Runtime, clock: FakeClock
) -> None:
    await remind(sandbox_runtime, clock)
    [last] = ids(await (await sandbox.get(f"/sandbox?address={quote(DEBTOR)}")).text())
    assert thread(await fragment(sandbox, after=last)) == []

    await sandbox.post("/sandbox/reply", data={"address": DEBTOR, "text": "<b>0</b>"})
    html = await fragment(sandbox, after=last)
    assert [d for d, _ in thread(html)] == ["in", "out"]
    assert thread(html)[0][1] == "<b>0</b>" and "&lt;b&gt;0&lt;/b&gt;" in html
    assert "older" not in html
    assert thread(await fragment(sandbox, after=ids(html)[-1])) == []


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "١", "9" * 40])
async def test_a_message_id_must_be_a_number(sandbox: TestClient, value: str) -> None:
    for name in ("after", "before"):
        response = await sandbox.get(f"/sandbox/messages?address={quote(DEBTOR)}&{name}={value}")
        assert response.status == 400
    assert (await sandbox.get(f"/sandbox?address={quote(DEBTOR)}&before={value}")).status == 400
    assert (await sandbox.get("/sandbox/messages?after=1")).status == 400  # and an address


async def test_an_id_beyond_any_row_is_no_error(sandbox: TestClient, sqlite_url: str) -> None:
    await add_messages(sqlite_url, DEBTOR, ["hello"], datetime(2026, 11, 26, tzinfo=SHANGHAI))
    assert thread(await fragment(sandbox, after=10**17)) == []
    assert thread(await fragment(sandbox, before=10**17)) == [("out", "hello")]


async def test_a_thread_shows_its_newest_page_and_links_the_older_ones(
    sandbox: TestClient, sqlite_url: str
) -> None:
    texts = [f"message {i}" for i in range(120)]
    await add_messages(sqlite_url, DEBTOR, texts, datetime(2026, 11, 26, tzinfo=SHANGHAI))
    html = await (await sandbox.get(f"/sandbox?address={quote(DEBTOR)}")).text()
    assert [text for _, text in thread(html)] == texts[70:]
    first = ids(html)[0]
    older = f"/sandbox?address={quote(DEBTOR)}&amp;before={first}"
    assert f'<a class="older" href="{older}">' in html

    page = await (await sandbox.get(unescape(older))).text()  # without the script: a page
    assert [text for _, text in thread(page)] == texts[20:70]
    html = await fragment(sandbox, before=first)  # with the script: a fragment
    assert [text for _, text in thread(html)] == texts[20:70]
    assert f"before={ids(html)[0]}" in html
    html = await fragment(sandbox, before=ids(html)[0])
    assert [text for _, text in thread(html)] == texts[:20]
    assert 'class="older"' not in html


async def test_a_busy_hour_of_others_leaves_the_debtor_listed_and_named(
    sandbox: TestClient, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    await remind(sandbox_runtime, clock)
    later = clock.now() + timedelta(minutes=5)
    for n in range(12):  # 1,200 newer messages to other numbers
        await add_messages(sqlite_url, f"+86137{n:08d}", ["busy"] * 100, later)

    html = await (await sandbox.get("/sandbox")).text()
    names = listed(html)
    assert "林某 (debtor)" in names and DEBTOR in names
    # staff are listed and labelled alike, though they never got a message
    assert "李法官 (judge)" in names and JUDGMENT["judge"]["phone"] in names
    assert names.count("unknown") == 12
    # latest first: the busy numbers, then the debtor, then the staff
    assert names.index("+8613700000011") < names.index(DEBTOR) < names.index("李法官")

    page = await (await sandbox.get(f"/sandbox?address={quote(DEBTOR)}")).text()
    [(direction, reminder)] = thread(page)
    assert direction == "out" and reminder.startswith("【长兴县人民法院】林某")
    assert "林某 (debtor)" in page.split("<header>")[1].split("</header>")[0]


async def test_the_address_list_comes_as_json_with_the_shown_one_marked(
    sandbox: TestClient, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    await remind(sandbox_runtime, clock)
    await add_messages(sqlite_url, "+8613700000000", ["<b>new</b>"], clock.now())
    response = await sandbox.get("/sandbox/addresses", params={"address": DEBTOR})
    assert response.status == 200 and response.content_type == "application/json"
    html = (await response.json())["html"]
    assert listed(f"<nav>{html}</nav>").split() == [
        "unknown", "+8613700000000", "2026-11-26", "10:00:00",
        "林某", "(debtor)", DEBTOR, "2026-11-26", "10:00:00",
        "李法官", "(judge)", JUDGMENT["judge"]["phone"],
        "杜某", "(creditor)", JUDGMENT["creditor"]["phone"],
    ]  # fmt: skip
    assert re.findall(r'<a class="on" aria-current="page" href="([^"]+)"', html) == [
        f"/sandbox?address={quote(DEBTOR)}"
    ]


async def test_times_are_shown_in_the_courts_zone(
    sqlite_url: str, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    at = datetime(2026, 11, 26, 23, 30, 5, tzinfo=SHANGHAI)
    await add_messages(sqlite_url, DEBTOR, ["late"], at)
    for zone, shown in (("Asia/Shanghai", "2026-11-26 23:30:05"), ("UTC", "2026-11-26 15:30:05")):
        settings = make_settings(sqlite_url, None, DUCU_TIMEZONE=zone)
        runtime = await build(settings, clock=clock)
        try:
            client = await aiohttp_client(runtime.web_app())
            html = await (await client.get(f"/sandbox?address={quote(DEBTOR)}")).text()
            assert f"{shown} · delivered</div>" in html  # the message
            assert f"{DEBTOR} {shown}" in listed(html)  # the list's latest time
            assert f"times in {zone}" in html
        finally:
            await runtime.close()


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
