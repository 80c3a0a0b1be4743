"""Security over the real app: who reaches what, the API's one role, the inbound rate limit and
the body limit.

The world: two courts' cases. Case 1 (court 浙0522, judge A) has debtor X, who lives in village
X; cases 2 and 3 (court 浙0521, judge B) have debtor Y, who lives in village Y. Each village has
its own official. Judges, officials and strangers text the SMS number too; nothing any of them
gets, and nothing any of them files, touches a case that is not their own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.domain.audit import CLI
from bot.domain.texts import render
from ducu.bootstrap import Runtime, build
from handlers.sandbox.page import routes as sandbox_routes
from tests.conftest import API_TOKEN, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import (
    AUTH,
    DEBTOR,
    JUDGMENT,
    SHANGHAI,
    get_case,
    inbound_form,
    judgment,
    post_signed,
    register,
    twilio_signature,
)

SMS = "/twilio/sms"
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

CASE_1 = JUDGMENT["case_number"]  # （2024）浙0522民初1234号
CASE_2 = "（2024）浙0521民初5678号"
CASE_3 = "（2025）浙0521民初9012号"
JUDGE_A = JUDGMENT["judge"]["phone"]
JUDGE_B = "+8613900000011"
OFFICIAL_X = "+8613900000021"
OFFICIAL_Y = "+8613900000022"
DEBTOR_X = DEBTOR
DEBTOR_Y = "+8613800138111"
STRANGER = "+8613700000000"
VILLAGE_X = "330522102201"
VILLAGE_Y = "330522102202"
COURT_A = {"court_code": "浙0522", "court_name": "长兴县人民法院"}
COURT_B = {"code": "浙0521", "name": "德清县人民法院"}

# What only case 1's people may read: its number (full and short), its debtor's name and phone,
# the amount owed (as rendered and as written), its judge's name.
CASE_1_SECRETS = (CASE_1, "民初1234", "林某", "13800138000", "130,000", "130000", "李法官")


@dataclass(frozen=True)
class World:
    case_1: int
    case_2: int
    case_3: int

    @property
    def cases(self) -> tuple[int, int, int]:
        return (self.case_1, self.case_2, self.case_3)


def _case_of_debtor_y(case_number: str, amount: str, clock: FakeClock) -> dict[str, Any]:
    return judgment(
        clock.now(),
        case_number=case_number,
        court=COURT_B,
        judge={"name": "王法官", "phone": JUDGE_B},
        creditor={"name": "赵某", "phone": "+8613900000012"},
        obligors=[{"name": "周某", "phone": DEBTOR_Y, "area_code": VILLAGE_Y, "locale": "zh-CN"}],
        amount_due=amount,
        obligations=f"支付货款{amount}元",
    )


async def two_courts(runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio) -> World:
    """Both courts' cases, both villages' officials; the day-0 reminders already sent."""
    staff = runtime.services.staff
    await staff.add_user(
        actor=CLI,
        role="official",
        name="村干部甲",
        phone=OFFICIAL_X,
        area_code=VILLAGE_X,
        **COURT_A,
    )
    await staff.add_user(
        actor=CLI,
        role="official",
        name="村干部乙",
        phone=OFFICIAL_Y,
        area_code=VILLAGE_Y,
        court_code=COURT_B["code"],
        court_name=COURT_B["name"],
    )
    world = World(
        await register(runtime, judgment(clock.now())),
        await register(runtime, _case_of_debtor_y(CASE_2, "57000.00", clock)),
        await register(runtime, _case_of_debtor_y(CASE_3, "24000.00", clock)),
    )
    assert await runtime.services.dispatcher.run_once() == 3
    assert sorted(m["To"] for m in fake_twilio.messages) == [DEBTOR_X, DEBTOR_Y, DEBTOR_Y]
    # A minute later each area's official is asked to call their debtor about each case.
    clock.advance(minutes=1)
    assert await runtime.services.dispatcher.run_once() == 3
    first_calls = sorted(m["To"] for m in fake_twilio.messages[3:])
    assert first_calls == [OFFICIAL_X, OFFICIAL_Y, OFFICIAL_Y]
    return world


def twiml_messages(twiml: str) -> list[str]:
    root = ElementTree.fromstring(twiml)
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


class Phone:
    """A phone that texts the SMS number: Twilio-signed webhooks with fresh MessageSids."""

    sent = 0  # shared, so that two phones never reuse a MessageSid

    def __init__(self, client: TestClient, number: str) -> None:
        self.client, self.number = client, number

    async def post(self, text: str) -> ClientResponse:
        Phone.sent += 1
        form = inbound_form(text, f"SM{Phone.sent:032x}", self.number)
        return await post_signed(self.client, SMS, form)

    async def say(self, text: str) -> list[str]:
        """The texts of the TwiML answer (none when the sender is throttled)."""
        response = await self.post(text)
        assert response.status == 200
        assert response.content_type == "application/xml"
        return twiml_messages(await response.text())


def leaked(text: str) -> list[str]:
    return [secret for secret in CASE_1_SECRETS if secret in text]


def events(case: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    return [i for i in case["timeline"] if i["type"] == "event" and i["kind"].startswith(prefix)]


def inbound(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in case["timeline"] if i["type"] == "message" and i["direction"] == "in"]


# --- who reaches what ------------------------------------------------------------------------

SENDERS = {
    "judge B": JUDGE_B,
    "official Y": OFFICIAL_Y,
    "stranger": STRANGER,
    "debtor Y": DEBTOR_Y,
}


@dataclass(frozen=True)
class Script:
    texts: tuple[str, ...]
    filed: str | None = None  # what debtor Y files with it, on one of their own cases


FOREIGN = ("民初1234", CASE_1)  # case 1's number, short and in full
# Debtor Y's answers: at the case choice case 1's number (not found), then 全部 (both of
# their own where the flow allows it) or one of their own; then the flow's first answers.
SCRIPTS = {
    "menu words": Script(("帮助", "HELP", "菜单", "申报财产", "取消", "报告困难", "取消", "和解")),
    "numbers": Script(("0", "7", "99", "1234", "0522", "1", "9", "2", "取消", "5", "1")),
    "case numbers": Script((*FOREIGN, "(2024)浙0522民初1234号", "全部", "ALL", "1234号")),
    "assets": Script(("1", *FOREIGN, "全部", "1", "房屋一套", "500000", "完成", "1"), "assets"),
    "hardship": Script(("2", *FOREIGN, "全部", "1", "生病住院", "1"), "hardship"),
    "settle": Script(("3", *FOREIGN, "全部", "3", "1", "2", "5000", "2026-12-20", "1"), "settle"),
    "grace": Script(("4", *FOREIGN, "1", "2026-12-31", "等工资发放", "1"), "grace"),
    "paid": Script(("5", *FOREIGN, "2", "3000", "2026-11-25", "1", "跳过", "1"), "paid"),
    "call-back": Script(("6",), "agent"),
}


@SQLITE
@pytest.mark.parametrize("sender", SENDERS.values(), ids=SENDERS.keys())
@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS.keys())
async def test_nobody_reaches_a_case_that_is_not_theirs(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    sender: str,
    script: Script,
) -> None:
    """Judge B, official Y, a stranger and debtor Y text menu words, numbers, case 1's number
    and every flow's answers: no reply and no notice mentions case 1, nothing lands on it,
    and only debtor Y's own judge and official are told of what debtor Y files."""
    world = await two_courts(runtime, clock, fake_twilio)
    before = {case_id: await get_case(client, case_id) for case_id in world.cases}
    already_sent = len(fake_twilio.messages)

    phone = Phone(client, sender)
    answers = [await phone.say(text) for text in script.texts]
    replies = [reply for parts in answers for reply in parts]
    await runtime.services.dispatcher.run_once()
    notices = fake_twilio.messages[already_sent:]

    assert answers and all(answers)  # every message was answered (a long answer in parts)
    for text in replies + [notice["Body"] for notice in notices]:
        assert leaked(text) == [], text
    assert await get_case(client, world.case_1) == before[world.case_1]
    if sender != DEBTOR_Y:  # staff act on their own tasks only; a stranger is told nothing
        if sender == STRANGER:
            assert set(replies) == {render("unknown_sender")}
        assert notices == []
        for case_id in world.cases:
            assert await get_case(client, case_id) == before[case_id]
        return
    assert {notice["To"] for notice in notices} <= {JUDGE_B, OFFICIAL_Y}
    own = [await get_case(client, case_id) for case_id in (world.case_2, world.case_3)]
    filed = {e["kind"] for case in own for e in events(case, "filed_")}
    if script.filed is not None:
        assert f"filed_{script.filed}" in filed
        assert notices, "debtor Y's own judge or official was told"
        assert all(CASE_2 in n["Body"] or CASE_3 in n["Body"] for n in notices)


@SQLITE
async def test_another_debtors_case_number_at_a_case_choice_is_not_found(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Debtor Y, with two cases, is asked which one; case 1's number in any spelling is not
    among them, and the choice stays open until one of their own is picked."""
    world = await two_courts(runtime, clock, fake_twilio)
    phone = Phone(client, DEBTOR_Y)

    [which] = await phone.say("申报财产")
    assert which.startswith(render("case.which", count=2))
    assert "民初5678" in which and "民初9012" in which
    for foreign in ("民初1234", CASE_1, "(2024)浙0522民初1234号", "民初 1234", "4"):
        assert await phone.say(foreign) == [render("error.case")], foreign
    [category] = await phone.say("民初5678")
    assert category.startswith(render("assets.category"))
    case_1 = await get_case(client, world.case_1)
    assert inbound(case_1) == [] and events(case_1, "debtor_") == []


@SQLITE
async def test_notices_of_case_1_reach_its_judge_and_official_only(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Debtor X files every kind of report; judge A and official X are told, never judge B,
    official Y or debtor Y, and no notice names another case."""
    world = await two_courts(runtime, clock, fake_twilio)
    already_sent = len(fake_twilio.messages)
    phone = Phone(client, DEBTOR_X)
    flows = (
        ("1", "1", "工资收入", "8000", "完成", "1"),
        ("2", "1", "生病住院", "1"),
        ("3", "2", "5000", "2026-12-20", "1"),
        ("4", "2026-12-31", "等工资发放", "1"),
        ("6",),
        ("5", "3000", "2026-11-25", "1", "跳过", "1"),
    )
    for texts in flows:
        for text in texts:
            await phone.say(text)
        clock.advance(minutes=1)  # within the default 20 messages a minute

    await runtime.services.dispatcher.run_once()
    notices = fake_twilio.messages[already_sent:]
    to = sorted(notice["To"] for notice in notices)
    # judge A: assets, hardship, settle, grace, paid; official X: hardship, call-back
    assert to == sorted([JUDGE_A] * 5 + [OFFICIAL_X] * 2)
    for notice in notices:
        assert CASE_1 in notice["Body"] and "林某" in notice["Body"]
        assert CASE_2 not in notice["Body"] and CASE_3 not in notice["Body"]
    case_1 = await get_case(client, world.case_1)
    kinds = sorted(e["kind"] for e in events(case_1, "filed_"))
    everything = ("assets", "hardship", "settle", "grace", "agent", "paid")
    assert kinds == sorted(f"filed_{kind}" for kind in everything)
    for case_id in (world.case_2, world.case_3):
        other = await get_case(client, case_id)
        assert events(other, "filed_") == []
        assert {m["address"] for m in inbound(other)} == set()


# --- the API: one role, the court's system ---------------------------------------------------


def _differs_at(index: int) -> str:
    swapped = "X" if API_TOKEN[index] != "X" else "Y"
    chars = list(API_TOKEN)
    chars[index] = swapped
    return "".join(chars)


BAD_CREDENTIALS = {
    "no token": ({}, ""),
    "wrong token": ({"Authorization": "Bearer wrong"}, ""),
    "right length, wrong": ({"Authorization": "Bearer " + "x" * len(API_TOKEN)}, ""),
    "last character differs": ({"Authorization": f"Bearer {_differs_at(-1)}"}, ""),
    "first character differs": ({"Authorization": f"Bearer {_differs_at(0)}"}, ""),
    "token in the query": ({}, f"?access_token={API_TOKEN}"),
    "token in the query, bare scheme": ({"Authorization": "Bearer"}, f"?token={API_TOKEN}"),
    "bearer with trailing spaces": ({"Authorization": "Bearer     "}, ""),
    "token in another header": ({"X-Api-Token": API_TOKEN, "X-Auth-Token": API_TOKEN}, ""),
    "token as a cookie": ({"Cookie": f"token={API_TOKEN}"}, ""),
}
API_ROUTES = (
    ("POST", "/api/v1/judgments"),
    ("GET", "/api/v1/cases/1"),
    ("GET", "/api/v1/cases/2"),
    ("GET", "/api/v1/cases/999"),
    ("DELETE", "/api/v1/cases/1"),
    ("GET", "/api/v1/judgments"),
    ("GET", "/api/v1/no-such-route"),
)


@SQLITE
@pytest.mark.parametrize("headers, query", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
async def test_every_api_route_but_the_spec_needs_the_token(
    client: TestClient,
    runtime: Runtime,
    clock: FakeClock,
    headers: dict[str, str],
    query: str,
) -> None:
    """401 on every `/api/v1` route, existing case or not, any method; nothing is stored."""
    await register(runtime, judgment(clock.now()))
    new = judgment(clock.now(), case_number="（2024）浙0522民初4321号")
    for method, path in API_ROUTES:
        response = await client.request(method, path + query, json=new, headers=headers)
        assert response.status == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "林某" not in await response.text()
    assert (await client.get("/api/v1/openapi.json" + query, headers=headers)).status == 200
    assert (await client.get("/api/v1/cases/2", headers=AUTH)).status == 404  # not stored


UNKNOWN_IDS = (
    *("0", "4", "999", "2147483647", "2147483648", "999999999999999999"),
    *("10000000000000000000", "-1", "abc", "1.0", "1e3", "%31%30", "0x10"),
)


async def test_an_unknown_case_id_is_404_not_500(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Ids past a 32-bit column (PostgreSQL's INTEGER) included."""
    await two_courts(runtime, clock, fake_twilio)
    for case_id in UNKNOWN_IDS:
        response = await client.get(f"/api/v1/cases/{case_id}", headers=AUTH)
        assert response.status == 404, (case_id, await response.text())


@SQLITE
async def test_the_api_token_is_the_court_systems_and_reads_every_case(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The API has one role, the court's system: its token reads a case of either court by a
    guessed id. Judges and officials never hold it."""
    world = await two_courts(runtime, clock, fake_twilio)
    for case_id, number in zip(world.cases, (CASE_1, CASE_2, CASE_3), strict=True):
        assert (await get_case(client, case_id))["case_number"] == number
    # whitespace around the token is HTTP's, not the token's
    spaced = {"Authorization": f"Bearer   {API_TOKEN}   "}
    assert (await client.get(f"/api/v1/cases/{world.case_2}", headers=spaced)).status == 200


# --- the inbound rate limit ------------------------------------------------------------------

PER_MINUTE = 5


@pytest.fixture
async def limited(
    db_url: str, fake_twilio: FakeTwilio, clock: FakeClock, aiohttp_client
) -> AsyncIterator[tuple[Runtime, TestClient]]:
    """The real app with DUCU_INBOUND_PER_MINUTE=5."""
    runtime = await build(
        make_settings(db_url, fake_twilio, DUCU_INBOUND_PER_MINUTE=PER_MINUTE), clock=clock
    )
    yield runtime, await aiohttp_client(runtime.web_app())
    await runtime.close()


async def test_a_flooding_sender_is_throttled_for_a_minute_and_others_are_not(
    limited: tuple[Runtime, TestClient], fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """5 messages a minute are answered; the rest get an empty TwiML answer, are kept on the
    timeline as `throttled`, start no flow and tell nobody. Another sender is answered
    meanwhile, and the flooder is answered again once the minute has passed."""
    runtime, client = limited
    world = await two_courts(runtime, clock, fake_twilio)
    already_sent = len(fake_twilio.messages)
    x, y = Phone(client, DEBTOR_X), Phone(client, DEBTOR_Y)

    for _ in range(PER_MINUTE):
        assert await x.say("帮助") == [render("help")]
        clock.advance(seconds=1)
    flood = ("1", "6", "2", "6", "5", "STOP", "6")
    for n, text in enumerate(flood):
        response = await x.post(text)
        assert response.status == 200
        assert (await response.text()).endswith("<Response />")  # nothing to send back
        if n % 2 == 0:  # another sender meanwhile, within their own limit
            assert await y.say("帮助") == [render("help")]
        clock.advance(seconds=1)

    assert await runtime.services.dispatcher.run_once() == 0  # no notice queued
    assert fake_twilio.messages[already_sent:] == []
    case_1 = await get_case(client, world.case_1)
    assert [(m["text"], m["status"]) for m in inbound(case_1)] == [
        ("帮助", "received")
    ] * PER_MINUTE + [(text, "throttled") for text in flood]
    assert events(case_1, "filed_") == []
    assert case_1["obligors"][0]["contacts"][0]["status"] == "active"  # the STOP did nothing

    clock.advance(minutes=1)
    # answered again, outside any flow: nothing the flood said started one
    assert await x.say("帮助") == [render("help")]


async def test_a_concurrent_burst_from_one_sender_is_limited_too(
    limited: tuple[Runtime, TestClient], fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Twilio may deliver one phone's messages at the same time: still 5 answered, the rest
    throttled, whatever the database's isolation."""
    runtime, client = limited
    world = await two_courts(runtime, clock, fake_twilio)
    x = Phone(client, DEBTOR_X)
    burst = 4 * PER_MINUTE

    responses = await asyncio.gather(*(x.post("帮助") for _ in range(burst)))

    answers = [twiml_messages(await r.text()) for r in responses]
    assert sum(1 for a in answers if a) == PER_MINUTE
    statuses = sorted(m["status"] for m in inbound(await get_case(client, world.case_1)))
    assert statuses == ["received"] * PER_MINUTE + ["throttled"] * (burst - PER_MINUTE)


async def test_confirmations_sent_at_once_file_once(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Three "1"s at the read-back, delivered at the same time: one filing, one notice."""
    world = await two_courts(runtime, clock, fake_twilio)
    already_sent = len(fake_twilio.messages)
    x = Phone(client, DEBTOR_X)
    for text in ("4", "2026-12-31", "等工资发放"):
        await x.say(text)

    responses = await asyncio.gather(*(x.post("1") for _ in range(3)))

    assert [r.status for r in responses] == [200, 200, 200]
    answers = [twiml_messages(await r.text()) for r in responses]
    assert answers.count([render("filed.grace")]) == 1
    case_1 = await get_case(client, world.case_1)
    assert len(events(case_1, "filed_")) == 1
    await runtime.services.dispatcher.run_once()
    assert [n["To"] for n in fake_twilio.messages[already_sent:]] == [JUDGE_A]


async def test_a_flood_of_call_back_requests_reaches_the_official_once(
    limited: tuple[Runtime, TestClient], fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Pressing 6 over and over, before and after 08:00 (when the UTC date changes in
    Shanghai) and the next day, gives official X one call-back task while it is open; once
    the call is recorded, the next request is a new task."""
    runtime, client = limited
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    world = await two_courts(runtime, clock, fake_twilio)
    clock.set(datetime(2026, 11, 26, 7, 30, tzinfo=SHANGHAI))
    x = Phone(client, DEBTOR_X)
    notice = render("notify.agent", "zh-CN", case=CASE_1, name="林某", phone=DEBTOR_X)

    async def flood() -> list[str]:
        for _ in range(3 * PER_MINUTE):
            await x.post("6")
            clock.advance(seconds=4)  # 15 a minute: 5 answered, 10 throttled
        await runtime.services.dispatcher.run_once()
        return [n["Body"] for n in fake_twilio.to(OFFICIAL_X) if n["Body"].startswith(notice)]

    await flood()  # 07:30
    clock.set(datetime(2026, 11, 26, 8, 30, tzinfo=SHANGHAI))
    assert len(await flood()) == 1  # 08:30, the same day in Shanghai, the next in UTC
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
    [call_back] = await flood()  # the next day, the call still to make
    official = Phone(client, OFFICIAL_X)
    ref = call_back.split("#")[1].split(" ")[0]
    assert (await official.say(f"#{ref} 1 已回电"))[0].startswith("已办理")
    clock.advance(minutes=5)
    assert len(await flood()) == 2

    assert fake_twilio.to(JUDGE_A) == []
    assert [n for n in fake_twilio.to(OFFICIAL_Y) if CASE_1 in n["Body"]] == []
    case_1 = await get_case(client, world.case_1)
    assert len(events(case_1, "filed_agent")) == 4 * PER_MINUTE  # every answered 6 is on record
    assert sum(m["status"] == "throttled" for m in inbound(case_1)) == 4 * 2 * PER_MINUTE


# --- body size -------------------------------------------------------------------------------

LIMIT = 256 * 1024


@SQLITE
async def test_a_webhook_over_256_kib_is_413_and_leaves_no_trace(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A signed form over the limit, sized by Content-Length or sent chunked."""
    world = await two_courts(runtime, clock, fake_twilio)
    form = inbound_form("申报" * (LIMIT // 4), "SM" + "b" * 32, DEBTOR_X)
    headers = {"X-Twilio-Signature": twilio_signature(SMS, form)}

    sized = await client.post(SMS, data=form, headers=headers)
    assert sized.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        body = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    chunked = await client.post(
        SMS,
        data=chunks(),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status == 413

    case_1 = await get_case(client, world.case_1)
    assert inbound(case_1) == [] and events(case_1, "debtor_") == []
    # the MessageSid was not stored: the same one, small, is handled as new
    small = {**form, "Body": "帮助"}
    answer = await client.post(
        SMS, data=small, headers={"X-Twilio-Signature": twilio_signature(SMS, small)}
    )
    assert twiml_messages(await answer.text()) == [render("help")]


@SQLITE
async def test_a_judgment_over_256_kib_is_413_and_leaves_no_trace(
    client: TestClient, clock: FakeClock
) -> None:
    body = json.dumps(judgment(clock.now(), obligations="款" * (90 * 1024)), ensure_ascii=False)
    assert len(body.encode()) > LIMIT
    response = await client.post(
        "/api/v1/judgments",
        data=body.encode(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await client.get("/api/v1/cases/1", headers=AUTH)).status == 404


# --- signatures, the sandbox, metrics, Telegram ----------------------------------------------


@SQLITE
@pytest.mark.parametrize("where", [0, -1], ids=["first character", "last character"])
async def test_a_twilio_signature_off_by_one_character_is_refused(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock, where: int
) -> None:
    world = await two_courts(runtime, clock, fake_twilio)
    form = inbound_form("6", "SM" + "c" * 32, DEBTOR_X)
    good = twilio_signature(SMS, form)
    chars = list(good)
    chars[where] = "A" if chars[where] != "A" else "B"
    response = await client.post(SMS, data=form, headers={"X-Twilio-Signature": "".join(chars)})
    assert response.status == 403
    assert inbound(await get_case(client, world.case_1)) == []


@SQLITE
async def test_the_sandbox_is_not_served_when_twilio_is_configured(
    client: TestClient, sqlite_url: str, clock: FakeClock, aiohttp_client
) -> None:
    """The sandbox shows every conversation to whoever opens it and lets anyone reply as any
    phone: none of its routes exists next to the real channel. Each route of its table is
    tried, and the same requests reach it when the sandbox is on (so the check can fail)."""
    sandbox = await build(make_settings(sqlite_url, None), clock=clock)
    try:
        on = await aiohttp_client(sandbox.web_app())
        for route in sandbox_routes:
            form = {"address": DEBTOR_X, "text": "6"}
            assert (await client.request(route.method, route.path, data=form)).status == 404
            assert (await on.request(route.method, route.path, data=form)).status != 404
    finally:
        await sandbox.close()


@SQLITE
async def test_metrics_carry_no_personal_data(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """`/metrics` is unauthenticated (scraped on the internal network): counts only."""
    await two_courts(runtime, clock, fake_twilio)
    await Phone(client, DEBTOR_X).say("6")
    await Phone(client, STRANGER).say("民初1234")
    await runtime.services.dispatcher.run_once()
    text = await (await client.get("/metrics")).text()
    assert "ducu" in text
    # A sample's value is a measured number (a duration may well read 0.0148259130000951):
    # what could carry personal data is the names, labels and help texts.
    said = "\n".join(
        line if line.startswith("#") else line.rsplit(" ", 1)[0] for line in text.splitlines()
    )
    for secret in (*CASE_1_SECRETS, CASE_2, "周某", "13800138111", "13900000021", "13700000000"):
        assert secret not in said


@SQLITE
async def test_without_a_bot_token_there_is_no_telegram_webhook(client: TestClient) -> None:
    """No token, no route: nothing answers on `/telegram/webhook`. With a token, a wrong or
    missing secret header gets 401 (tests/handlers/test_telegram.py)."""
    response = await client.post(
        "/telegram/webhook",
        json={"update_id": 1, "message": {"text": "6"}},
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    assert response.status == 404
