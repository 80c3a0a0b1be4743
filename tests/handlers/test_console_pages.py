"""The console's pages over real HTTP against a real database (SQLite, and PostgreSQL where
one is configured): my cases (search, status
filter, only one's own), a case in full (parties, filings, reminders, timeline in the court's
zone), another judge's case answering 404 exactly as a missing one, markup shown as text."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import AsyncIterator

import pytest
from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import (
    ASSETS,
    JUDGE_PHONE,
    OFFICIAL_PHONE,
    OTHER_JUDGE_PHONE,
    SETTLEMENT,
    add_filing,
    add_staff,
    sign_in,
)
from tests.helpers import judgment, move, register

OTHER_CASE = "（2024）浙0522民初2000号"


@pytest.fixture
async def console(db_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    """Two judges and an official with passwords; the example case is the first judge's."""
    runtime = await build(make_settings(db_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    await add_staff(runtime, "judge", "赵法官", OTHER_JUDGE_PHONE)
    await add_staff(runtime, "official", "王书记", OFFICIAL_PHONE, area_code="330522102201")
    yield runtime
    await runtime.close()


@pytest.fixture
async def client(console: Runtime, aiohttp_client: AiohttpClient):
    client = await aiohttp_client(console.web_app())
    assert (await sign_in(client)).status == 302
    return client


async def other_judges_case(runtime: Runtime, clock: FakeClock) -> int:
    body = judgment(clock.now(), case_number=OTHER_CASE)
    body["judge"] = {"name": "赵法官", "phone": OTHER_JUDGE_PHONE}
    body["obligors"] = [{"name": "张某", "phone": "+8613800138111", "area_code": "330522101001"}]
    return await register(runtime, body)


def rows(html: str) -> list[str]:
    """The text of each row of the page's case list."""
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", row))).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def test_my_cases_lists_mine_with_what_a_judge_needs(
    client, console: Runtime, clock: FakeClock
) -> None:
    mine = await register(console, judgment(clock.now(), due_in_days=10))
    await other_judges_case(console, clock)
    page = await client.get("/console/cases")
    assert page.status == 200
    html = await page.text()
    [row] = rows(html)
    assert row.startswith("（2024）浙0522民初1234号 林某 待履行 130,000")
    assert row.endswith(" 10 否")  # ten days left, the debtor has not answered
    assert f'href="/console/cases/{mine}"' in html
    assert OTHER_CASE not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("林某", True),
        ("杜某", True),  # the creditor
        ("13800138000", True),  # the debtor's phone as people write it
        ("138 0013 8000", True),
        ("0522民初1234", True),
        ("张某", False),  # another judge's debtor
        ("nobody", False),
        ("%", False),  # a LIKE wildcard is a character
    ],
)
async def test_search_by_case_number_party_or_phone(
    client, console: Runtime, clock: FakeClock, query: str, found: bool
) -> None:
    await register(console, judgment(clock.now()))
    await other_judges_case(console, clock)
    html = await (await client.get("/console/cases", params={"q": query})).text()
    assert len(rows(html)) == (1 if found else 0), query
    if not found:
        assert "没有符合条件的案件" in html


async def test_the_status_filter_and_decisions_first(
    client, console: Runtime, clock: FakeClock, db_url: str
) -> None:
    first = await register(console, judgment(clock.now(), due_in_days=5))
    waiting = await register(
        console, judgment(clock.now(), case_number="（2024）浙0522民初1300号", due_in_days=20)
    )
    await move(db_url, waiting, "open", "awaiting_decision", at=clock.now())
    ordered = rows(await (await client.get("/console/cases")).text())
    assert [row.split()[0] for row in ordered] == [
        "（2024）浙0522民初1300号",
        "（2024）浙0522民初1234号",
    ]
    only = await client.get("/console/cases", params={"status": "awaiting_decision"})
    assert [row.split()[0] for row in rows(await only.text())] == ["（2024）浙0522民初1300号"]
    await move(db_url, first, "open", "closed", at=clock.now())
    closed = await client.get("/console/cases", params={"status": "closed"})
    assert [row.split()[0] for row in rows(await closed.text())] == ["（2024）浙0522民初1234号"]
    bogus = await client.get("/console/cases", params={"status": "<nope>"})
    assert len(rows(await bogus.text())) == 1  # the live ones


async def test_the_case_page_shows_parties_filings_reminders_and_timeline(
    client, console: Runtime, clock: FakeClock, db_url: str
) -> None:
    case_id = await register(console, judgment(clock.now()))
    await console.services.dispatcher.run_once()  # the day-0 reminder goes out
    await add_filing(db_url, case_id, "settle", SETTLEMENT, clock.now())
    await add_filing(db_url, case_id, "assets", ASSETS, clock.now())
    await add_filing(
        db_url,
        case_id,
        "hardship",
        {"reason": "illness", "details": "家中老人长期住院，\n本人失业"},
        clock.now(),
    )
    html = await (await client.get(f"/console/cases/{case_id}")).text()
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", html))
    for shown in (
        "长兴县人民法院",
        "李法官",
        "杜某",  # the creditor
        "林某",
        "+8613800138000",
        "支付借款本金130000元及利息",
        # the settlement: down payment, 12 × 9,000 on the 15th, first and last, total
        "20,000",
        "9,000",
        "2026-12-15",
        "2027-11-15",
        "128,000",
        "低于应付金额",  # 128,000 < 130,000: the creditor must agree
        # every asset item and the total without income
        "浙E12345 小轿车",
        "80,000",
        "工资",
        "6,000",
        "家中老人长期住院，\n本人失业",
        "day0",
        "已发送",
        "收到生效判决",
        "2026-11-26 10:00:00",  # 02:00 UTC in Shanghai
        "裁决",
    ):
        assert shown in text, shown
    assert 'id="decisions"' in html  # where the decision forms will go


async def test_another_judges_case_answers_404_exactly_as_a_missing_one(
    client, console: Runtime, clock: FakeClock
) -> None:
    foreign = await other_judges_case(console, clock)
    answers = [
        await client.get(f"/console/cases/{case_id}")
        for case_id in (foreign, foreign + 1000, 99_999_999_999)
    ]
    assert [a.status for a in answers] == [404, 404, 404]
    bodies = {await a.text() for a in answers}
    assert len(bodies) == 1 and OTHER_CASE not in bodies.pop()


async def test_an_official_sees_the_cases_of_their_area(
    console: Runtime, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    mine = await register(console, judgment(clock.now()))  # a debtor of 330522102201
    foreign = await other_judges_case(console, clock)  # a debtor of 330522101001
    client = await aiohttp_client(console.web_app())
    await sign_in(client, phone=OFFICIAL_PHONE)
    assert [r.split()[1] for r in rows(await (await client.get("/console/cases")).text())] == [
        "林某"
    ]
    assert (await client.get(f"/console/cases/{mine}")).status == 200
    assert (await client.get(f"/console/cases/{foreign}")).status == 404


async def test_markup_in_a_debtors_name_and_a_filing_is_shown_as_text(
    client, console: Runtime, clock: FakeClock, db_url: str
) -> None:
    body = judgment(clock.now())
    name = "<script>window.x=1</script><b>林</b>"
    body["obligors"][0]["name"] = name
    case_id = await register(console, body)
    details = '"><img src=x onerror=alert(1)>'
    await add_filing(
        db_url, case_id, "hardship", {"reason": "other", "details": details}, clock.now()
    )
    for path in ("/console/cases", f"/console/cases/{case_id}"):
        html = await (await client.get(path)).text()
        assert "<script>window" not in html and "<b>林" not in html and "<img" not in html
        assert name in htmllib.unescape(html)  # escaped, and so shown as typed
    assert details in htmllib.unescape(html)


async def test_the_tasks_page_is_behind_the_login(client, aiohttp_client, console) -> None:
    assert (await client.get("/console/tasks")).status == 200
    stranger = await aiohttp_client(console.web_app())
    for path in ("/console", "/console/cases", "/console/cases/1", "/console/tasks"):
        away = await stranger.get(path, allow_redirects=False)
        assert away.status == 302 and away.headers["Location"].startswith("/login?next=")
