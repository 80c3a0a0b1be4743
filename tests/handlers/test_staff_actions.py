"""Staff act on what debtors file, by SMS, end to end: the debtor's signed SMS, the notice at
the fake Twilio with its `#<ref>`, the judge's, creditor's or official's signed answer, and the
case's state, filings, reminders and timeline over the API."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient

from bot.domain.audit import CLI
from bot.domain.locales import STAFF_LOCALE
from bot.domain.records import StaffMember
from bot.domain.tasks import Outcome
from bot.domain.texts import render
from bot.services import decisions
from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.handlers.sms_phone import Phone, notices, ref_in
from tests.helpers import (
    DEBTOR,
    JUDGMENT,
    SHANGHAI,
    case_events,
    get_case,
    judgment,
    new_case,
    register,
)

JUDGE = "+8613900000001"
CREDITOR = "+8613900000002"
VILLAGE = "+8613900000003"
TOWNSHIP = "+8613900000005"
OTHER_JUDGE = "+8613900000007"
CO_DEBTOR = "+8613800138099"
COURT = {"court_code": "浙0522", "court_name": "长兴县人民法院"}


async def officials(runtime: Runtime) -> None:
    staff = runtime.services.staff
    await staff.add_user(
        actor=CLI, role="official", name="王书记", phone=VILLAGE, area_code="330522102201", **COURT
    )
    await staff.add_user(
        actor=CLI, role="official", name="赵镇长", phone=TOWNSHIP, area_code="330522102", **COURT
    )


async def grace_asked(client: TestClient, clock: FakeClock, until: str) -> Phone:
    debtor = Phone(client, clock, DEBTOR)
    for text in ("4", until, "等工资发下来就还", "1"):
        answer = await debtor.say(text)
    assert "已收到" in answer or "提交" in answer or "#" not in answer
    return debtor


SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE
async def test_grace_asked_granted_pauses_reminders_and_resumes_on_the_date(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()  # day 0
    await grace_asked(client, clock, "12月20日")
    [notice] = await notices(runtime, fake_twilio, JUDGE)
    assert "申请宽限" in notice and "同意 #" in notice  # says how to answer
    # and links the task on the console (a judge signs in there)
    assert notice.endswith(f"\nhttps://ducu.court.test/console/tasks/{ref_in(notice)}")

    judge = Phone(client, clock, JUDGE)
    answer = await judge.say("同意")  # the one open item: no reference needed
    assert answer == f"已办理：#{ref_in(notice)} 宽限至2026年12月20日。"

    case = await get_case(client, case_id)
    assert case["status"] == "grace"
    [filing] = case["filings"]
    assert filing["status"] == "accepted"
    [decision] = filing["decisions"]
    assert decision["outcome"] == "accept" and decision["by"] == "李法官"
    steps = {r["step"]: r["status"] for r in case["reminders"]}
    assert steps["middle"] == steps["warning"] == steps["deadline"] == "cancelled"
    assert steps["grace-end-2026-12-20"] == "pending"
    told = await notices(runtime, fake_twilio, DEBTOR)
    assert "宽限至2026年12月20日" in told[-1]

    clock.set(datetime(2026, 12, 20, 8, 0, tzinfo=SHANGHAI))
    assert await runtime.services.followups.run_once() >= 1
    assert (await get_case(client, case_id))["status"] == "open"
    clock.set(datetime(2026, 12, 20, 9, 1, tzinfo=SHANGHAI))
    told = await notices(runtime, fake_twilio, DEBTOR)
    assert "宽限期今日届满" in told[-1]
    case = await get_case(client, case_id)
    assert [e["detail"]["outcome"] for e in case_events(case, "decided")] == ["accept"]
    assert case_events(case, "grace_ended")


@SQLITE
async def test_settlement_accepted_consented_instalments_paid_and_missed(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    await officials(runtime)
    own = "{court}{case_number}案：{payment}{amount}元请于{date}前付清，付后回复5。"
    await runtime.services.court_texts.save(
        CLI, "zh-CN", "reminder.instalment", own, court="浙0522"
    )  # the court's wording of its instalment reminders, rendered when the plan starts
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for text in ("3", "1", "2万", "10", "1.1万", "每月15号", "1"):
        await debtor.say(text)
    [notice] = await notices(runtime, fake_twilio, JUDGE)
    assert "提出和解" in notice

    judge = Phone(client, clock, JUDGE)
    assert (await judge.say(f"同意 ＃{ref_in(notice)}")).startswith("已办理")
    [consent] = await notices(runtime, fake_twilio, CREDITOR)
    assert "请您确认" in consent and "首付20,000元" in consent
    assert "征求申请人意见" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    creditor = Phone(client, clock, CREDITOR)
    assert (await creditor.say(f"同意 #{ref_in(consent)}")).startswith("已办理")

    case = await get_case(client, case_id)
    assert case["status"] == "plan"
    steps = payment_steps(case)
    assert "instalment-1-before" in steps and "instalment-10" in steps
    assert "首笔20,000元" in (await notices(runtime, fake_twilio, DEBTOR))[-1]

    # The down payment is reported and confirmed.
    for text in ("5", "20000", "今天", "1", "", "1"):
        answer = await debtor.say(text or "跳过")
    [*_, paid] = await notices(runtime, fake_twilio, JUDGE)
    assert "报告已履行" in paid, answer
    assert (await judge.say(f"同意 #{ref_in(paid)}")).startswith("已办理")
    assert "首付款已确认收到" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert (await get_case(client, case_id))["status"] == "plan"

    # Its day: the reminder in the court's own words.
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI))
    told = await notices(runtime, fake_twilio, DEBTOR)
    assert told[-1] == (
        "【长兴县人民法院】（2024）浙0522民初1234号案：第1期11,000元请于2026年12月15日前付清，"
        "付后回复5。"
    )

    # The first instalment is paid on its day: its reminders end, the tenth's stay.
    for text in ("5", "11000", "今天", "1", "", "1"):
        await debtor.say(text or "跳过")
    [*_, paid] = await notices(runtime, fake_twilio, JUDGE)
    # 确认 is no command (无法确认, 确认未收到 …): the answer lists what waits, nothing changes
    assert "未能识别" in await judge.say(f"确认 #{ref_in(paid)}")
    assert (await judge.say(f"同意 #{ref_in(paid)}")).startswith("已办理")
    pending = payment_steps(await get_case(client, case_id), "pending")
    assert {"instalment-2", "instalment-10-before", "instalment-10"} <= pending
    assert not {"instalment-1", "instalment-1-before"} & pending

    # The second instalment (15 January) is not paid: after three days the plan defaults.
    clock.set(datetime(2027, 1, 19, 10, 0, tzinfo=SHANGHAI))
    await runtime.services.followups.run_once()
    [*_, missed] = await notices(runtime, fake_twilio, JUDGE)
    assert "未按期支付第2期" in missed and "1 恢复督促 2 移送执行" in missed
    assert "未按期支付第2期" in (await notices(runtime, fake_twilio, VILLAGE))[-1]
    pending = payment_steps(await get_case(client, case_id), "pending")
    assert "instalment-10" in pending and "instalment-2" not in pending  # the judge decides
    assert (await judge.say(f"#{ref_in(missed)} 2")).startswith("已办理")
    assert "移送强制执行" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    case = await get_case(client, case_id)
    assert case["status"] == "referred"
    assert not [r for r in case["reminders"] if r["status"] == "pending"]


async def plan_agreed(
    client: TestClient, runtime: Runtime, fake: FakeTwilio, clock: FakeClock, terms: tuple
) -> tuple[Phone, Phone]:
    """The debtor proposes instalments (`terms`: down payment, count, amount, day), the judge
    accepts and the creditor consents: the case's plan runs. Returns the debtor and judge."""
    debtor, judge = Phone(client, clock, DEBTOR), Phone(client, clock, JUDGE)
    for text in ("3", "1", *terms, "1"):
        await debtor.say(text)
    [*_, notice] = await notices(runtime, fake, JUDGE)
    await judge.say(f"同意 #{ref_in(notice)}")
    [*_, consent] = await notices(runtime, fake, CREDITOR)
    await Phone(client, clock, CREDITOR).say(f"同意 #{ref_in(consent)}")
    return debtor, judge


async def payment_confirmed(
    debtor: Phone, judge: Phone, runtime: Runtime, fake: FakeTwilio, amount: str
) -> tuple[str, str]:
    """The debtor reports `amount` paid today and the judge confirms it; returns the
    debtor's read-back and the judge's answer."""
    for text in ("5", amount, "今天", "1", "跳过"):
        readback = await debtor.say(text)
    await debtor.say("1")
    [*_, paid] = await notices(runtime, fake, JUDGE)
    done = await judge.say(f"同意 #{ref_in(paid)}")
    assert done.startswith("已办理")
    return readback, done


async def fifty_thousand_reported(
    client: TestClient, runtime: Runtime, fake: FakeTwilio, clock: FakeClock
) -> tuple[int, Phone, Phone, str]:
    """A new case (130,000 owed) whose debtor reports 50,000 paid yesterday: its id, the
    debtor, the judge and the judge's notice."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, judge = Phone(client, clock, DEBTOR), Phone(client, clock, JUDGE)
    for text in ("5", "五万", "昨天", "1", "跳过", "1"):
        await debtor.say(text)
    [notice] = await notices(runtime, fake, JUDGE)
    return case_id, debtor, judge, notice


def payment_steps(case: dict, status: str | None = None) -> set[str]:
    """The steps of the case's plan reminders (with `status`), without the plan's id:
    `instalment-3` for `instalment-<plan>-3`."""
    return {
        re.sub(r"^instalment-\d+-", "instalment-", r["step"])
        for r in case["reminders"]
        if r["step"].startswith("instalment-") and status in (None, r["status"])
    }


@SQLITE
async def test_a_grace_asked_in_a_plan_points_to_a_new_plan_and_files_nothing(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A running plan is changed by a new plan, not by a grace period (a judge could only
    refuse it): the debtor who asks for time is told so at once, by number or in words,
    before giving a date and a reason; nothing reaches the judge, and 3 proposes a new plan."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, _ = await plan_agreed(
        client, runtime, fake_twilio, clock, ("0", "3", "1万", "每月15号")
    )
    judge_notices = len(await notices(runtime, fake_twilio, JUDGE))
    told = render("grace.refused.plan", "zh-CN", case=JUDGMENT["case_number"])
    assert await debtor.say("4") == told
    assert await debtor.say("能不能宽限到月底，工资还没发") == told
    assert render("settle.kind", "zh-CN") in await debtor.say("3")
    assert len(await notices(runtime, fake_twilio, JUDGE)) == judge_notices
    case = await get_case(client, case_id)
    assert case["status"] == "plan" and case_events(case, "filed_grace") == []


@SQLITE
async def test_a_payment_in_a_plan_pays_the_instalments_its_sum_covers(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A plan of 3 × 10,000: 20,000 reported and confirmed pays the first two; the last
    10,000 performs the case."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, judge = await plan_agreed(
        client, runtime, fake_twilio, clock, ("0", "3", "1万", "每月15号")
    )
    assert (await get_case(client, case_id))["status"] == "plan"

    for text in ("5", "2万", "今天", "1", "跳过", "1"):
        await debtor.say(text)
    [*_, paid] = await notices(runtime, fake_twilio, JUDGE)
    assert (await judge.say(f"同意 #{ref_in(paid)}")).startswith("已办理")
    assert "第1期和第2期已确认收到" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    case = await get_case(client, case_id)
    pending = payment_steps(case, "pending")
    assert "instalment-3" in pending and not {"instalment-1", "instalment-2"} & pending
    assert (case["status"], case["paid"]) == ("plan", "20000.00")

    for text in ("5", "1万", "今天", "1", "跳过", "1"):
        await debtor.say(text)
    [*_, paid] = await notices(runtime, fake_twilio, JUDGE)
    assert (await judge.say(f"同意 #{ref_in(paid)}")).startswith("已办理")
    assert (await get_case(client, case_id))["status"] == "performed"


@SQLITE
async def test_a_payment_short_of_an_instalment_counts_toward_it(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A plan of 3 × 10,000. The read-back states the payment due, not the judgment's
    130,000. 4,000 confirmed leaves the first payment due with 6,000 to go (the debtor is
    told; its reminder says 6,000); 16,000 then pays the first two; 10,000 the last."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, judge = await plan_agreed(
        client, runtime, fake_twilio, clock, ("0", "3", "1万", "每月15号")
    )
    readback, done = await payment_confirmed(debtor, judge, runtime, fake_twilio, "4000")
    assert "本期应付10,000元" in readback and "130,000" not in readback
    assert done.endswith("确认收到4,000元，第1期尚差6,000元。")
    [*_, paid] = await notices(runtime, fake_twilio, JUDGE)
    assert "本期应付10,000元" in paid
    assert "第1期尚差6,000元" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("plan", "4000.00")
    assert [(p["seq"], p["amount"], p["paid"], p["status"]) for p in case["payments"]] == [
        (1, "10000.00", "4000.00", "due"),
        (2, "10000.00", "0.00", "due"),
        (3, "10000.00", "0.00", "due"),
    ]
    assert {"instalment-1", "instalment-2", "instalment-3"} <= payment_steps(case, "pending")

    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI))
    assert "第1期6,000元" in (await notices(runtime, fake_twilio, DEBTOR))[-1]

    readback, _ = await payment_confirmed(debtor, judge, runtime, fake_twilio, "16000")
    assert "本期应付6,000元" in readback
    assert "第1期和第2期已确认收到" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    case = await get_case(client, case_id)
    assert payment_steps(case, "pending") & {"instalment-1", "instalment-2"} == set()
    assert [(p["paid"], p["status"]) for p in case["payments"]] == [
        ("10000.00", "paid"),
        ("10000.00", "paid"),
        ("0.00", "due"),
    ]
    assert (case["status"], case["paid"]) == ("plan", "20000.00")

    await payment_confirmed(debtor, judge, runtime, fake_twilio, "1万")
    assert (await get_case(client, case_id))["status"] == "performed"


@SQLITE
async def test_a_co_debtors_payment_keeps_the_plan_debtors_reminders_theirs(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Two debtors, 林某's plan (3 × 10,000). 张某 reports 4,000 and it is confirmed: 林某's
    reminder of the first payment says the 6,000 left, still addressed to 林某."""
    second = {"name": "张某", "phone": CO_DEBTOR, "area_code": "330522102201", "locale": "zh-CN"}
    await new_case(client, clock, obligors=[*JUDGMENT["obligors"], second])
    await runtime.services.dispatcher.run_once()
    _, judge = await plan_agreed(client, runtime, fake_twilio, clock, ("0", "3", "1万", "每月15号"))
    await payment_confirmed(Phone(client, clock, CO_DEBTOR), judge, runtime, fake_twilio, "4000")
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI))
    reminder = (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "林某：" in reminder and "第1期6,000元" in reminder and "张某" not in reminder


@SQLITE
async def test_a_second_plan_runs_on_its_own_payments(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A plan defaults and the judge resumes urging; a new plan agreed later has its own
    reminders (its steps are the first plan's names) and its payments alone count: paying
    them performs the case, whatever the first plan left unpaid."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, judge = await plan_agreed(
        client, runtime, fake_twilio, clock, ("0", "3", "1万", "每月15号")
    )
    clock.set(datetime(2026, 12, 19, 10, 0, tzinfo=SHANGHAI))
    await runtime.services.followups.run_once()
    [*_, missed] = await notices(runtime, fake_twilio, JUDGE)
    assert (await judge.say(f"#{ref_in(missed)} 1")).startswith("已办理")
    assert (await get_case(client, case_id))["status"] == "open"

    await plan_agreed(client, runtime, fake_twilio, clock, ("0", "2", "65000", "每月20号"))
    case = await get_case(client, case_id)
    assert case["status"] == "plan"
    assert {"instalment-1", "instalment-2"} <= payment_steps(case, "pending")
    assert "首笔65,000元" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    clock.set(datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI))
    assert "第1期65,000元" in (await notices(runtime, fake_twilio, DEBTOR))[-1]

    for amount in ("65000", "65000"):
        await payment_confirmed(debtor, judge, runtime, fake_twilio, amount)
    assert (await get_case(client, case_id))["status"] == "performed"


@SQLITE
async def test_payment_reported_confirmed_performed_nothing_pending(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for text in ("5", "13万", "昨天", "1", "跳过", "1"):
        await debtor.say(text)
    [notice] = await notices(runtime, fake_twilio, JUDGE)
    assert (await Phone(client, clock, JUDGE).say(f"accept #{ref_in(notice)}")).startswith("已办理")
    case = await get_case(client, case_id)
    assert case["status"] == "performed"
    assert not [
        r
        for r in case["reminders"]
        if r["status"] == "pending"
        and "notice" not in r["step"]
        and not r["step"].startswith(("decision:", "performed:"))
    ]
    assert "履行已确认" in (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "已履行" in (await notices(runtime, fake_twilio, CREDITOR))[-1]


@SQLITE
async def test_a_part_payment_confirmed_keeps_the_case_open_for_the_rest(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Of 130,000 owed, 50,000 paid and confirmed: the case goes on for the 80,000 left, and
    the reminders, the read-back and the judge's notice say 80,000; the rest paid ends it."""
    case_id, debtor, judge, notice = await fifty_thousand_reported(
        client, runtime, fake_twilio, clock
    )
    ref = ref_in(notice)
    assert await judge.say(f"accept #{ref}") == f"已办理：#{ref} 确认收到50,000元，尚欠80,000元。"

    case = await get_case(client, case_id)
    assert case["status"] == "open"
    assert (case["amount_due"], case["paid"]) == ("130000.00", "50000.00")
    assert [f["status"] for f in case["filings"]] == ["accepted"]
    assert {r["step"]: r["status"] for r in case["reminders"]}["deadline"] == "pending"
    told = (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "已确认收到50,000元" in told and "尚欠80,000元" in told
    assert "尚欠80,000元" in (await notices(runtime, fake_twilio, CREDITOR))[-1]

    # the next reminder states what is left
    due = min(r["due_at"] for r in case["reminders"] if r["status"] == "pending")
    clock.set(datetime.fromisoformat(due))
    reminder = (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "80,000" in reminder and "130,000" not in reminder

    assert "应付80,000元" in await debtor.say("5") + "".join(
        [await debtor.say(text) for text in ("8万", "今天", "1", "跳过")]
    )
    await debtor.say("1")
    notice = (await notices(runtime, fake_twilio, JUDGE))[-1]
    assert "应付80,000元" in notice
    assert (await judge.say(f"accept #{ref_in(notice)}")).startswith("已办理")
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("performed", "130000.00")
    assert "履行已确认" in (await notices(runtime, fake_twilio, DEBTOR))[-1]


@SQLITE
async def test_the_judge_confirms_the_sum_that_arrived(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The debtor reports 50,000 paid; 30,000 arrived. The notice says how to confirm another
    sum, `同意 #n 3万` confirms 30,000 (100,000 still owed), and a note without a sum keeps
    the sum reported."""
    case_id, debtor, judge, notice = await fifty_thousand_reported(
        client, runtime, fake_twilio, clock
    )
    ref = ref_in(notice)
    assert f"写明实收金额，如“同意 #{ref} 30000”" in notice
    # more than the case still owes: a slip (a digit too many) is asked, nothing confirmed
    over = render("staff.received_over", STAFF_LOCALE, ref=ref, amount="200,000", owed="130,000")
    assert await judge.say(f"同意 #{ref} 实收20万") == over
    assert (await get_case(client, case_id))["paid"] == "0.00"
    assert await judge.say(f"同意 #{ref} 实收3万") == (
        f"已办理：#{ref} 确认收到30,000元，尚欠100,000元。"
    )
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("open", "30000.00")
    told = (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "已确认收到30,000元" in told and "尚欠100,000元" in told

    for text in ("5", "10万", "今天", "1", "跳过", "1"):
        await debtor.say(text)
    ref = ref_in((await notices(runtime, fake_twilio, JUDGE))[-1])
    assert await judge.say(f"同意 #{ref} 已核对银行流水") == f"已办理：#{ref} 确认收到100,000元。"
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("performed", "130000.00")


@SQLITE
async def test_a_reported_sum_above_what_is_owed_is_not_confirmed_as_it_stands(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The debtor reports 200,000 of the 130,000 owed (a digit too many, or paid over): a bare
    acceptance is refused and says how to confirm what was owed."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor, judge = Phone(client, clock, DEBTOR), Phone(client, clock, JUDGE)
    for text in ("5", "20万", "昨天", "1", "跳过", "1"):
        await debtor.say(text)
    ref = ref_in((await notices(runtime, fake_twilio, JUDGE))[-1])
    over = render("staff.received_over", STAFF_LOCALE, ref=ref, amount="200,000", owed="130,000")
    assert await judge.say(f"同意 #{ref}") == over
    assert (await get_case(client, case_id))["paid"] == "0.00"
    assert (await judge.say(f"同意 #{ref} 130,000")).startswith("已办理")
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("performed", "130000.00")


@SQLITE
@pytest.mark.parametrize(
    ("note", "paid"),
    [
        ("实收30000，差20000", "30000.00"),  # the sum after 实收, to its clause's end
        ("实收3万（报告5万）", "30000.00"),
        ("已核对，流水20261215", "50000.00"),  # a reference: the sum reported
        ("核对无误，多付了500", "50000.00"),  # no word for what arrived: the sum reported
        ("收到，谢谢", "50000.00"),
    ],
)
async def test_the_sum_received_is_read_from_its_own_words_only(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    note: str,
    paid: str,
) -> None:
    """50,000 reported. A note confirms another sum only as the whole note or after 实收,
    到账 …; any other figure in it (a bank serial number, a surplus) is a note."""
    case_id, _, judge, notice = await fifty_thousand_reported(client, runtime, fake_twilio, clock)
    assert (await judge.say(f"同意 #{ref_in(notice)} {note}")).startswith("已办理")
    assert (await get_case(client, case_id))["paid"] == paid


@SQLITE
@pytest.mark.parametrize("note", ["0元", "30000 50000", "已到账 12.1"])
async def test_a_sum_received_that_cannot_be_read_is_asked_again(
    client: TestClient,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    note: str,
) -> None:
    """A sum written but not readable (or not above zero) changes nothing and says how."""
    case_id, _, judge, notice = await fifty_thousand_reported(client, runtime, fake_twilio, clock)
    ref = ref_in(notice)
    answer = await judge.say(f"同意 #{ref} {note}")
    assert answer == f"无法办理：没看懂实收金额。请只写金额，如“同意 #{ref} 30000”。"
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("awaiting_decision", "0.00")
    assert (await judge.say(f"同意 #{ref} 5万")).startswith("已办理")


async def hardship_reported(client: TestClient, runtime: Runtime, clock: FakeClock) -> int:
    """A new case whose debtor, reminded on day 0, reports a hardship (old age); its id."""
    await officials(runtime)
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for text in ("2", "3", "年过八十，无劳动能力", "1"):
        await debtor.say(text)
    return case_id


@SQLITE
async def test_hardship_verified_by_the_official_then_the_judge_grants_exit(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id = await hardship_reported(client, runtime, clock)
    first_call, task = await notices(runtime, fake_twilio, VILLAGE)
    assert "一小时内致电" in first_call and "1 属实 2 不属实" in task
    # the judge is told who verifies it, not asked to visit
    [told] = await notices(runtime, fake_twilio, JUDGE)
    assert "报告困难，已交王书记核实：困难原因：年老" in told and "请上门" not in told
    official = Phone(client, clock, VILLAGE)
    assert (await official.say(f"#{ref_in(task)} 1 已上门核实，独居")).startswith("已办理")
    *_, verified = await notices(runtime, fake_twilio, JUDGE)
    assert "核实属实" in verified and "独居" in verified
    # option 1 needs the grace period's last day: said after the options, not run into them
    assert "3 继续督促。宽限请写明日期" in verified
    judge = Phone(client, clock, JUDGE)
    hint = f"#{ref_in(verified)} 1 2027年3月1日"
    assert hint in await judge.say(f"#{ref_in(verified)} 1")
    assert hint in await judge.say(f"#{ref_in(verified)} 1 上个月5号")  # a day gone by
    assert (await judge.say(f"#{ref_in(verified)} 2")).startswith("已办理")
    case = await get_case(client, case_id)
    assert case["status"] == "exited"
    assert "退出执行前督促程序" in (await notices(runtime, fake_twilio, DEBTOR))[-1]


@SQLITE
async def test_an_official_answers_with_an_options_words_instead_of_its_number(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """ "#2 属实，已上门看过" is option 1 (属实) with its note, "不属实" option 2; words that
    run on into others ("已联系不上") or a question ("属实吗") are no option."""
    case_id = await hardship_reported(client, runtime, clock)
    first_call, task = await notices(runtime, fake_twilio, VILLAGE)
    official = Phone(client, clock, VILLAGE)
    # an option's words that go on into other words, or a question: no option
    for unclear in (
        f"#{ref_in(first_call)} 已联系不上",
        f"#{ref_in(task)} 属实吗",
        f"#{ref_in(task)} 属实？",
    ):
        assert "未能识别" in await official.say(unclear)
    said = await official.say(f"#{ref_in(task)} 属实，已上门看过，独居")
    assert said == f"已办理：#{ref_in(task)} 属实。"
    *_, verified = await notices(runtime, fake_twilio, JUDGE)
    assert "核实属实" in verified and "已上门看过，独居" in verified
    said = await official.say(f"#{ref_in(first_call)}：未找到 家中无人")
    assert said == f"已办理：#{ref_in(first_call)} 未找到。"
    case = await get_case(client, case_id)
    decided = {e["detail"]["task_id"]: e["detail"] for e in case_events(case, "decided")}
    assert decided[ref_in(first_call)]["outcome"] == "not_found"
    assert decided[ref_in(first_call)]["note"] == "家中无人"
    # words that are no option of the task: the list of open items, nothing decided
    assert "未能识别" in await official.say("情况属实")
    # reported again: 不属实 is its own option, not 属实 after a word
    for text in ("2", "3", "年过八十，无劳动能力", "1"):
        await Phone(client, clock, DEBTOR).say(text)
    *_, again = await notices(runtime, fake_twilio, VILLAGE)
    said = await official.say(f"#{ref_in(again)} 不属实，本人在外打工")
    assert said == f"已办理：#{ref_in(again)} 不属实。"


@SQLITE
async def test_an_options_number_and_other_options_words_decide_nothing(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """ "2 属实": option 2 is 不属实, or the task numbered 2 is meant 属实; with one task open,
    either reading is a command. Which is meant is not clear, so nothing is recorded and the
    answer says how to write it; a number and its own option's words are one answer."""
    case_id = await hardship_reported(client, runtime, clock)
    first_call, task = await notices(runtime, fake_twilio, VILLAGE)
    official = Phone(client, clock, VILLAGE)
    unclear = render(
        "staff.option_unclear",
        STAFF_LOCALE,
        ref=ref_in(task),
        option=2,
        chosen="不属实",
        said="属实",
    )
    assert await official.say(f"#{ref_in(task)} 2 属实") == unclear
    # words alone: the option they start with, the rest a note (another option's words too)
    done = await official.say(f"#{ref_in(first_call)} 已联系，愿意履行")
    assert done == f"已办理：#{ref_in(first_call)} 已联系。"
    assert await official.say("2 属实") == unclear  # the one task open: still not clear
    case = await get_case(client, case_id)
    assert [e["detail"]["task_id"] for e in case_events(case, "decided")] == [ref_in(first_call)]
    assert await official.say("1 属实，已上门") == f"已办理：#{ref_in(task)} 属实。"


@SQLITE
async def test_a_grace_the_judge_gives_on_a_hardship_is_not_told_as_a_request_granted(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The debtor reported a hardship and asked for nothing: the grace is the judge's
    decision on the hardship verified, and the debtor is told so."""
    case_id = await hardship_reported(client, runtime, clock)
    _, task = await notices(runtime, fake_twilio, VILLAGE)
    await Phone(client, clock, VILLAGE).say(f"#{ref_in(task)} 1")
    *_, verified = await notices(runtime, fake_twilio, JUDGE)
    judge = Phone(client, clock, JUDGE)
    assert (await judge.say(f"#{ref_in(verified)} 1 2027年3月1日")).startswith("已办理")
    assert (await get_case(client, case_id))["status"] == "grace"
    told = (await notices(runtime, fake_twilio, DEBTOR))[-1]
    assert "困难已核实" in told and "2027年3月1日" in told
    assert "申请" not in told


@SQLITE
async def test_silent_debtor_gets_a_task_that_escalates_to_the_township(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    await officials(runtime)
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()  # day 0
    clock.advance(minutes=2)
    [first_call] = await notices(runtime, fake_twilio, VILLAGE)
    assert "一小时内致电" in first_call  # the seed's call, minutes after the SMS
    village = Phone(client, clock, VILLAGE)
    assert (await village.say(f"#{ref_in(first_call)} 3 电话无人接")).startswith("已办理")
    # an answer to that old notice says who did it, whatever word it uses
    again = await village.say(f"同意 #{ref_in(first_call)}")
    assert again.startswith(f"#{ref_in(first_call)}已由王书记于"), again
    clock.advance(days=8)
    await runtime.services.followups.run_once()
    _, task = await notices(runtime, fake_twilio, VILLAGE)
    assert "一直未回应" in task
    clock.advance(days=4)  # nobody acted in three days
    await runtime.services.followups.run_once()
    [up] = await notices(runtime, fake_twilio, TOWNSHIP)
    assert f"#{ref_in(task)}" in up and "转由您处理" in up
    # The village official's answer to the old reference changes nothing.
    answer = await village.say(f"#{ref_in(task)} 1")
    assert "没有编号为" in answer or "已由" in answer
    township = Phone(client, clock, TOWNSHIP)
    new_ref = int(re.search(r"回复“#(\d+)", up).group(1))  # the new task's own reference
    assert (await township.say(f"#{new_ref} 5 人已回村")).startswith("已办理")
    *_, alert = await notices(runtime, fake_twilio, JUDGE)
    assert "已返村" in alert
    case = await get_case(client, case_id)
    assert case_events(case, "task_escalated")


@SQLITE
async def test_a_task_done_before_its_notice_left_gets_no_notice(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """The official answers the first call from the list of open tasks, in the minute before
    its notice is due: the list shows the task's own options (the numbers differ from one
    kind of task to another), and the notice asking for the call is not sent afterwards."""
    await officials(runtime)
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()  # day 0; the first call's notice waits
    village = Phone(client, clock, VILLAGE)
    listed = await village.say("帮助")
    ref = re.search(r"#(\d+) \S+ 督促后首次电话（1 已联系 2 愿意履行 3 未找到", listed).group(1)
    assert (await village.say(f"#{ref} 1 已电话联系")).startswith("已办理")
    clock.advance(minutes=2)
    await runtime.services.dispatcher.run_once()
    assert await notices(runtime, fake_twilio, VILLAGE) == []
    steps = {r["step"]: r["status"] for r in (await get_case(client, case_id))["reminders"]}
    notice = [status for step, status in steps.items() if step.startswith(f"task:{ref}:")]
    assert notice == ["cancelled"]  # the row itself, not a notice gone astray


@SQLITE
async def test_a_courts_own_delays_govern_visits_and_escalation_and_older_cases_keep_theirs(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    await officials(runtime)
    other = {"name": "陈某", "phone": "+8613800138001", "area_code": "330522102201"}
    older = judgment(clock.now(), case_number="（2024）浙0522民初1000号", obligors=[other])
    older_id = await register(runtime, older)  # planned with the built-in schedule
    schedules = runtime.services.schedules
    body = schedules.default.to_json() | {"delays": {"silent_days": 3, "follow_up_days": 1}}
    assert await schedules.save(CLI, body, "浙0522") == 1
    case_id = await new_case(client, clock)  # planned with version 1
    await runtime.services.dispatcher.run_once()
    clock.advance(days=3, hours=1)
    await runtime.services.followups.run_once()
    visits = [n for n in await notices(runtime, fake_twilio, VILLAGE) if "一直未回应" in n]
    assert len(visits) == 1 and "林某" in visits[0]  # this court's 3 days; not yet the older 7
    clock.advance(days=1, hours=1)  # an official's task is due in one day here
    await runtime.services.followups.run_once()
    ups = await notices(runtime, fake_twilio, TOWNSHIP)  # the first call went up long ago
    assert [up for up in ups if f"#{ref_in(visits[0])}" in up]
    assert case_events(await get_case(client, case_id), "task_escalated")
    opened = case_events(await get_case(client, older_id), "task_opened")
    assert not [e for e in opened if e["detail"]["reason"] == "silent"]


@SQLITE
async def test_staff_commands_that_are_wrong_change_nothing(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    other = await runtime.services.staff.add_user(
        actor=CLI, role="judge", name="周法官", phone=OTHER_JUDGE, **COURT
    )
    assert other
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    await grace_asked(client, clock, "12月20日")
    [notice] = await notices(runtime, fake_twilio, JUDGE)
    ref = ref_in(notice)
    judge, stranger = Phone(client, clock, JUDGE), Phone(client, clock, OTHER_JUDGE)

    neutral = f"没有编号为#{ref}的待您处理事项。回复“帮助”查看您的待办。"
    assert await stranger.say(f"同意 #{ref}") == neutral  # another judge's item
    missing = await judge.say("同意 #999999")
    assert missing == neutral.replace(str(ref), "999999")
    assert await stranger.say(f"#{ref} 属实") == neutral  # an option's words: the same answer
    assert await judge.say("#999999 属实") == missing
    assert "请附上理由" in await judge.say(f"拒绝 #{ref}")
    assert "过长" in await judge.say(f"拒绝 #{ref} " + "太" * 2000)
    assert "可选" in await judge.say(f"#{ref} 7")
    assert "还价请在聊天" in await judge.say(f"还价 #{ref} 0 10 10000 15")
    assert "您有1项待办" in await judge.say("帮助")
    assert "未能识别" in await judge.say("好的👍")
    assert (await get_case(client, case_id))["status"] == "awaiting_decision"

    reason = "材料不全😀，请补充工资证明"
    assert (await judge.say(f"拒绝 ＃{ref}　{reason}")).startswith("已办理")
    again = await judge.say(f"同意 #{ref}")
    assert again.startswith(f"#{ref}已由李法官于") and "拒绝" in again
    assert (await judge.say(f"#{ref} 1")).startswith(f"#{ref}已由李法官于")  # an old message
    case = await get_case(client, case_id)
    assert case["status"] == "open"
    [filing] = case["filings"]
    assert filing["status"] == "rejected" and len(filing["decisions"]) == 1
    assert reason in (await notices(runtime, fake_twilio, DEBTOR))[-1]  # verbatim


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_decisions_at_once_keep_exactly_one(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    await grace_asked(client, clock, "12月20日")
    [notice] = await notices(runtime, fake_twilio, JUDGE)
    case = await get_case(client, case_id)
    judge = StaffMember(case["judge"]["id"], "judge", "李法官", JUDGE, None)
    service = runtime.services.decisions

    async def decide(outcome: Outcome, note: str) -> str:
        try:
            return await service.act(decisions.Actor(staff=judge), ref_in(notice), outcome, note)
        except decisions.Refused as refused:
            return refused.text

    answers = await asyncio.gather(decide(Outcome.ACCEPT, ""), decide(Outcome.REJECT, "不行"))
    assert sum(a.startswith("已办理") for a in answers) == 1, answers
    [filing] = (await get_case(client, case_id))["filings"]
    assert len(filing["decisions"]) == 1
    assert JUDGMENT  # the example judgment the cases come from


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_part_payments_confirmed_at_once_perform_the_case(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """Two reports of 65,000 of the 130,000, accepted at the same moment: the second sees
    the first, and the case is performed (not left with nothing owed and still going)."""
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for _ in range(2):
        for text in ("5", "6.5万", "昨天", "1", "跳过", "1"):
            await debtor.say(text)
    first, second = await notices(runtime, fake_twilio, JUDGE)
    case = await get_case(client, case_id)
    judge = StaffMember(case["judge"]["id"], "judge", "李法官", JUDGE, None)
    service = runtime.services.decisions
    answers = await asyncio.gather(
        *(
            service.act(decisions.Actor(staff=judge), ref_in(n), Outcome.ACCEPT)
            for n in (first, second)
        )
    )
    assert all(answer.startswith("已办理") for answer in answers), answers
    case = await get_case(client, case_id)
    assert (case["status"], case["paid"]) == ("performed", "130000.00")
