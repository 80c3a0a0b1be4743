"""Deciding on the console, over real HTTP: the forms of a case's open tasks and of my tasks
post to the same service as SMS and chat; a refusal changes nothing and says why; a form sent
twice decides once; a counter-proposal is previewed, checked and reaches the debtor."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from collections.abc import AsyncIterator
from itertools import count

import pytest
from pytest_aiohttp import AiohttpClient

from bot.domain.messages import InboundMessage
from bot.domain.status import Channel
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import (
    CSRF,
    JUDGE_PHONE,
    OFFICIAL_PHONE,
    OTHER_JUDGE_PHONE,
    add_staff,
    sign_in,
)
from tests.helpers import DEBTOR, JUDGMENT, judgment, register

SIDS = count(1)


@pytest.fixture
async def console(db_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    """The example case (judge 李法官), its official, another judge; the debtor in the sandbox."""
    runtime = await build(make_settings(db_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "official", "王书记", OFFICIAL_PHONE, area_code="330522102201")
    await add_staff(runtime, "judge", "赵法官", OTHER_JUDGE_PHONE)
    await register(runtime, judgment(clock.now()))
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)  # the judgment's judge: a password
    await runtime.services.dispatcher.run_once()  # day 0
    yield runtime
    await runtime.close()


@pytest.fixture
async def judge(console: Runtime, aiohttp_client: AiohttpClient):
    client = await aiohttp_client(console.web_app())
    assert (await sign_in(client)).status == 302
    return client


async def debtor_says(runtime: Runtime, *texts: str) -> None:
    for text in texts:
        await runtime.services.engine.handle(
            InboundMessage(Channel.SMS, DEBTOR, text, provider_id=f"SBIN{next(SIDS)}")
        )


async def settlement_filed(runtime: Runtime) -> None:
    await debtor_says(runtime, "3", "1", "2万", "10", "1.1万", "15号", "1")


async def post(client, path: str, page: str, **form: str) -> str:
    """Submits a form of `page` (its CSRF token) and returns the page it leads to."""
    token = CSRF.search(await (await client.get(page)).text()).group(1)
    response = await client.post(path, data={"csrf": token, "next": page, **form})
    assert response.status == 200, response.status
    return htmllib.unescape(await response.text())


def task_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r' action="/console/tasks/(\d+)"', html)]


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_reject_needs_a_reason_and_a_second_send_changes_nothing(
    console: Runtime, judge
) -> None:
    await settlement_filed(console)
    page = await (await judge.get("/console/cases/1")).text()
    [task] = task_ids(page)
    assert "和解方案待决定" in page and "1 同意" in page and "2 拒绝" in page

    refused = await post(judge, f"/console/tasks/{task}", "/console/cases/1", outcome="reject")
    assert "请附上理由" in refused
    assert task_ids(refused) == [task]  # still open

    reason = "<script>alert(1)</script> 首付太少"
    done = await post(
        judge, f"/console/tasks/{task}", "/console/cases/1", outcome="reject", note=reason
    )
    assert f"已办理：#{task} 拒绝。" in done
    assert "<script>alert(1)</script>" not in await (await judge.get("/console/cases/1")).text()
    assert reason in done  # shown as text in the filing's decisions
    assert task_ids(done) == []
    again = await post(
        judge, f"/console/tasks/{task}", "/console/cases/1", outcome="accept", note=""
    )
    assert f"#{task}已由李法官于" in again
    view = await console.services.cases.view(1)
    assert view.status == "open" and len(view.filings[0].decisions) == 1


async def test_a_counter_proposal_is_previewed_checked_and_reaches_the_debtor(
    console: Runtime, judge
) -> None:
    await settlement_filed(console)
    [task] = task_ids(await (await judge.get("/console/cases/1")).text())

    preview = await (
        await judge.get("/console/cases/1?down=5千&count=十二&amount=1万&day=15号&total=")
    ).text()
    rows = re.findall(r"<tr><td>(首付款|第\d+期)</td><td>([\d-]+)</td>", preview)
    assert len(rows) == 13 and rows[0] == ("首付款", "2026-12-03") and rows[1][1] == "2026-12-15"
    assert "125,000" in preview  # the total

    wrong = await post(
        judge, f"/console/tasks/{task}", "/console/cases/1",
        outcome="counter", down="5000", count="12", amount="10000", day="15", total="130000",
    )  # fmt: skip
    assert "合计与首付加各期之和不符" in wrong and "125,000" in wrong
    assert task_ids(wrong) == [task]  # nothing stored
    done = await post(
        judge, f"/console/tasks/{task}", "/console/cases/1",
        outcome="counter", down="5000", count="12", amount="10000", day="15", total="125000",
    )  # fmt: skip
    assert f"已办理：#{task} 还价。" in done

    await console.services.dispatcher.run_once()
    thread = await console.services.cases.thread(DEBTOR, limit=5)
    offer = thread.messages[-1].text
    assert "法官对" in offer and "首付5,000元" in offer and "回复1同意，2拒绝" in offer
    await debtor_says(console, "1")  # the debtor accepts; the creditor is asked next
    view = await console.services.cases.view(1)
    [filing] = view.filings
    assert filing.status == "in_review"
    assert [d.outcome for d in filing.decisions] == ["counter", "accept"]


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_the_tasks_page_shows_what_was_filed_beside_its_form(console: Runtime, judge) -> None:
    """A judge decides from the list: the proposal's terms, the shortfall against what is
    owed flagged, as on the case's page."""
    await settlement_filed(console)
    page = htmllib.unescape(await (await judge.get("/console/tasks")).text())
    assert len(task_ids(page)) == 1
    terms = page[page.index("和解方案待决定") :]
    for shown in ("20,000", "11,000", "2026-12-15", "130,000"):  # down, each, first, total
        assert shown in terms, shown
    assert "低于应付金额" not in terms  # 20,000 + 10 × 11,000 is all that is owed


async def test_the_tasks_page_flags_a_settlement_below_what_is_owed(
    console: Runtime, judge
) -> None:
    await debtor_says(console, "3", "2", "8万", "12月20日", "1")  # a lump sum of 80,000
    page = htmllib.unescape(await (await judge.get("/console/tasks")).text())
    terms = page[page.index("和解方案待决定") :]
    assert "80,000" in terms and "低于应付金额" in terms


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_part_payment_confirmed_leaves_the_rest_owed(console: Runtime, judge) -> None:
    """50,000 of 130,000 paid and confirmed on the console: the case page shows both, and a
    later proposal is measured against the 80,000 left."""
    await debtor_says(console, "5", "5万", "昨天", "1", "跳过", "1")
    [task] = task_ids(await (await judge.get("/console/tasks")).text())
    done = await post(judge, f"/console/tasks/{task}", "/console/tasks", outcome="accept")
    assert f"已办理：#{task} 确认收到50,000元，尚欠80,000元。" in done
    case = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", await (await judge.get("/console/cases/1")).text())
    )
    assert "已确认付款 50,000 CNY" in case and "尚欠 80,000 CNY" in case
    # the timeline names who did what, not the record's ids
    assert f"承办法官 李法官 · 履行报告待确认 #{task}" in case  # the task opened
    assert f"李法官 · 履行报告待确认 #{task} · 同意" in case  # and decided
    assert "林某 · 已通知承办法官 李法官" in case  # the payment reported
    assert "_id" not in case.split("时间线")[1]

    await debtor_says(console, "3", "2", "8万", "12月20日", "1")  # all that is left, at once
    page = htmllib.unescape(await (await judge.get("/console/tasks")).text())
    terms = page[page.index("和解方案待决定") :]
    assert "80,000" in terms and "低于应付金额" not in terms


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_plans_payments_show_what_was_paid_toward_each(console: Runtime, judge) -> None:
    """A plan agreed; 30,000 reported and 12,000 arrived: the judge confirms it on the console
    with the sum in the note, is told what the down payment still lacks, and the case page
    lists the plan's payments with what was paid toward each."""
    await settlement_filed(console)
    [task] = task_ids(await (await judge.get("/console/tasks")).text())
    await post(judge, f"/console/tasks/{task}", "/console/tasks", outcome="accept")
    creditor = JUDGMENT["creditor"]["phone"]
    consent = InboundMessage(Channel.SMS, creditor, "同意", provider_id=f"SBIN{next(SIDS)}")
    await console.services.engine.handle(consent)
    await debtor_says(console, "5", "3万", "昨天", "1", "跳过", "1")
    [task] = task_ids(await (await judge.get("/console/tasks")).text())
    done = await post(
        judge, f"/console/tasks/{task}", "/console/tasks", outcome="accept", note="实收1.2万"
    )
    assert f"已办理：#{task} 确认收到12,000元，首付款尚差8,000元。" in done
    case = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", await (await judge.get("/console/cases/1")).text())
    )
    payments = case[case.index("分期付款") : case.index("提醒")]
    assert re.search(r"首付款 [-\d]+ 20,000 12,000 待付", payments), payments
    assert re.search(r"第10期 [-\d]+ 11,000 0 待付", payments), payments


async def test_an_official_records_a_call_on_the_tasks_page(
    console: Runtime, aiohttp_client: AiohttpClient
) -> None:
    official = await aiohttp_client(console.web_app())
    assert (await sign_in(official, OFFICIAL_PHONE)).status == 302
    page = await (await official.get("/console/tasks")).text()
    [first_call] = task_ids(page)
    assert "督促后首次电话" in page and "+8613800138000" in page and "330522102201" in page
    done = await post(
        official, f"/console/tasks/{first_call}", "/console/tasks",
        outcome="reached", note="已电联，称月底前付清",
    )  # fmt: skip
    assert f"已办理：#{first_call} 已联系。" in done and task_ids(done) == []
    assert "本辖区没有未回应的被执行人" not in done  # the debtor has not written: silent


async def test_another_judges_task_is_no_such_item(
    console: Runtime, judge, aiohttp_client: AiohttpClient
) -> None:
    await settlement_filed(console)
    [task] = task_ids(await (await judge.get("/console/cases/1")).text())
    other = await aiohttp_client(console.web_app())
    assert (await sign_in(other, OTHER_JUDGE_PHONE)).status == 302
    refused = await post(other, f"/console/tasks/{task}", "/console/tasks", outcome="accept")
    assert f"没有编号为#{task}的待您处理事项" in refused
    assert (await other.get("/console/cases/1")).status == 404
    forged = await other.post(f"/console/tasks/{task}", data={"outcome": "accept"})
    assert forged.status == 403  # no CSRF token
    assert task_ids(await (await judge.get("/console/cases/1")).text()) == [task]


async def test_the_timeline_exports_as_csv_for_whoever_may_see_the_case(
    console: Runtime, judge, aiohttp_client: AiohttpClient
) -> None:
    await debtor_says(console, "你好，我是林某")
    answer = await judge.get("/console/cases/1/timeline.csv")
    assert answer.status == 200 and answer.content_type == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = (await answer.read()).decode("utf-8")
    assert body.startswith("\ufeffat,type,what,channel,address,text")  # Excel reads the BOM
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert ["message", "in", "sms", DEBTOR, "你好，我是林某"] == rows[-2][1:]
    assert any(row[1:3] == ["event", "judgment_received"] for row in rows)
    other = await aiohttp_client(console.web_app())
    assert (await sign_in(other, OTHER_JUDGE_PHONE)).status == 302
    assert (await other.get("/console/cases/1/timeline.csv")).status == 404


async def test_a_judge_refers_a_case_and_only_the_judge_may(
    console: Runtime, judge, aiohttp_client: AiohttpClient
) -> None:
    await settlement_filed(console)
    other = await aiohttp_client(console.web_app())
    assert (await sign_in(other, OTHER_JUDGE_PHONE)).status == 302
    refused = await post(other, "/console/cases/1/refer", "/console/tasks", note="")
    assert "没有您可处理的该案件" in refused
    assert (await console.services.cases.view(1)).status == "awaiting_decision"

    done = await post(judge, "/console/cases/1/refer", "/console/cases/1", note="申请人已申请执行")
    assert "已移送强制执行" in done and task_ids(done) == []  # its open task closed
    view = await console.services.cases.view(1)
    assert view.status == "referred"
    pending = [r.step for r in view.reminders if r.status == "pending"]
    assert pending == ["decision:refer1"]  # the debtor is told, and nothing else goes
    again = await post(judge, "/console/cases/1/refer", "/console/cases/1", note="")
    assert "无法办理：案件已是“" in again  # in words staff read


async def test_pages_look_for_news_at_the_configured_pace(judge) -> None:
    page = await (await judge.get("/console/cases/1")).text()
    assert 'data-poll="10000"' in page
    first = await (await judge.get("/console/changes")).json()
    assert set(first) == {"stamp"}


async def test_a_notices_link_opens_the_task_after_the_login(
    console: Runtime, judge, aiohttp_client: AiohttpClient
) -> None:
    await settlement_filed(console)
    [task] = task_ids(await (await judge.get("/console/cases/1")).text())
    link = f"/console/tasks/{task}"
    opened = await judge.get(link, allow_redirects=False)
    assert opened.status == 303 and opened.headers["Location"] == f"/console/cases/1#task-{task}"
    stranger = await aiohttp_client(console.web_app())
    away = await stranger.get(link, allow_redirects=False)
    assert away.status == 302 and away.headers["Location"].startswith("/login?next=")
    assert (await sign_in(stranger, OTHER_JUDGE_PHONE)).status == 302
    assert (await stranger.get(link, allow_redirects=False)).status == 404
