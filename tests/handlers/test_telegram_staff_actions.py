"""Staff act in chat, end to end: the debtor files (by SMS or in chat), the notice reaches the
staff member's chat at the fake Bot API with its options as signed buttons, a press or a typed
command goes through the Telegram webhook to the one decision service, and the case moves as
the API shows it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.domain.audit import CLI
from bot.domain.texts import render
from handlers.telegram.keyboards import CallbackSigner
from tests.conftest import make_settings, telegram_settings
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.handlers.sms_phone import Phone, notices, ref_in
from tests.handlers.telegram_chat import Chat, button_data, keyboard, texts
from tests.helpers import DEBTOR, JUDGMENT, case_events, get_case, new_case

JUDGE_CHAT = JUDGMENT["judge"]["telegram_chat_id"]
CREDITOR = JUDGMENT["creditor"]["phone"]
DEBTOR_CHAT, OFFICIAL_CHAT = 6001, 7001
# What a debtor sends to propose instalments: 20,000 down, then 10 × 11,000 on the 15th.
SETTLE = ("3", "1", "2万", "10", "1.1万", "每月15号", "1")
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(db_url: str, fake_twilio, fake_telegram: FakeTelegram) -> Settings:
    return make_settings(db_url, fake_twilio, **telegram_settings(fake_telegram))


def task_notice(chat: Chat, words: str) -> dict:
    """The one message the chat got since the last look that says `words`."""
    [notice] = [m for m in chat.news() if words in m["text"]]
    return notice


async def test_a_judge_decides_a_settlement_by_pressing_its_button_once(
    client, clock, runtime, fake_telegram, fake_twilio
):
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for text in SETTLE:
        await debtor.say(text)
    await runtime.services.dispatcher.run_once()
    judge = Chat(client, fake_telegram, JUDGE_CHAT)
    notice = task_notice(judge, "提出和解")
    ref = ref_in(notice["text"])
    assert [b["text"] for b in keyboard(notice)] == [f"#{ref} 1 同意", f"#{ref} 2 拒绝"]
    assert fake_twilio.to(JUDGMENT["judge"]["phone"]) == []  # the chat, not SMS

    done = render("staff.done", ref=ref, outcome=render("task.option.accept"))
    assert texts(await judge.press(f"#{ref} 1")) == [done]
    [taken_off] = fake_telegram.of("editMessageReplyMarkup")  # the buttons have served
    assert int(taken_off["chat_id"]) == JUDGE_CHAT and not taken_off.get("reply_markup")

    # The same button again (an old client, a double tap): told who decided, nothing changes.
    data = button_data(fake_telegram.sent(JUDGE_CHAT), f"#{ref} 1")
    [again] = texts(await judge.send(fake_telegram.callback_update(JUDGE_CHAT, data)))
    assert again.startswith(f"#{ref}已由李法官于2026-11-26 1") and "本次未作更改" in again
    case = await get_case(client, case_id)
    [filing] = case["filings"]
    assert filing["status"] == "in_review"  # the creditor's consent is asked
    [decision] = filing["decisions"]
    assert decision["outcome"] == "accept" and decision["by"] == "李法官"
    assert len(case_events(case, "decided")) == 1
    [consent] = await notices(runtime, fake_twilio, CREDITOR)
    assert "请您确认" in consent


async def proposed_in_chat(client, clock, runtime, fake_telegram) -> tuple[int, Chat, Chat, int]:
    """A new case whose debtor, in chat, proposes instalments (`SETTLE`); the judge has the
    task in chat: the case id, the debtor's and the judge's chats, the task's reference."""
    case_id = await new_case(client, clock)
    debtor = Chat(client, fake_telegram, DEBTOR_CHAT)
    await debtor.share_contact(DEBTOR)
    for text in SETTLE:
        clock.advance(seconds=20)
        await debtor.say(text)
    assert texts(debtor.news()) == []
    await runtime.services.dispatcher.run_once()
    judge = Chat(client, fake_telegram, JUDGE_CHAT)
    return case_id, debtor, judge, ref_in(task_notice(judge, "提出和解")["text"])


async def test_a_judge_counters_in_chat_the_debtor_accepts_by_button_the_creditor_by_sms(
    client, clock, runtime, fake_telegram, fake_twilio
):
    case_id, debtor, judge, ref = await proposed_in_chat(client, clock, runtime, fake_telegram)

    # SMS may not counter; the chat may (the same typed grammar).
    assert "还价请在聊天" in await Phone(client, clock, JUDGMENT["judge"]["phone"]).say(
        f"还价 #{ref} 5000 12 10000 15"
    )
    # more than the case owes (5,000 + 12 × 20,000): a slip, refused, nothing changes
    [over] = texts(await judge.say(f"还价 #{ref} 5000 12 20000 15"))
    assert over == render("staff.counter_over", total="245,000", owed="130,000")
    assert (await get_case(client, case_id))["filings"][0]["status"] == "filed"
    [countered] = texts(await judge.say(f"还价 #{ref} 5000 12 10000 15"))
    assert countered == render("staff.done", ref=ref, outcome=render("task.option.counter"))
    assert (await get_case(client, case_id))["filings"][0]["status"] == "countered"

    await runtime.services.dispatcher.run_once()
    [offer] = debtor.news()
    assert "首付5,000元，此后每月15日付10,000元，共12期，合计125,000元" in offer["text"]
    assert [b["text"] for b in keyboard(offer)] == ["1 同意", "2 拒绝"]
    assert texts(await debtor.press("1")) == [render("offer.accept")]

    await runtime.services.dispatcher.run_once()
    [consent] = [m["Body"] for m in fake_twilio.to(CREDITOR)]
    assert "请您确认" in consent and "首付5,000元" in consent
    creditor = Phone(client, clock, CREDITOR)
    assert (await creditor.say(f"同意 #{ref_in(consent)}")).startswith("已办理")

    case = await get_case(client, case_id)
    assert case["status"] == "plan"
    [plan] = [f["id"] for f in case["filings"] if f["kind"] == "settle"]
    steps = [r["step"] for r in case["reminders"]]
    assert f"instalment-{plan}-1-before" in steps and f"instalment-{plan}-12" in steps
    await runtime.services.dispatcher.run_once()
    assert any("首笔5,000元" in m["text"] for m in debtor.news())
    outcomes = [e["detail"]["outcome"] for e in case_events(case, "decided")]
    assert outcomes == ["counter", "accept", "accept"]  # judge, debtor, creditor


async def countered(client, clock, runtime, fake_telegram) -> tuple[int, Chat, dict]:
    """A new case whose debtor, in chat, proposes instalments and gets the judge's
    counter-proposal: the case id, the debtor's chat and the offer's message."""
    case_id, debtor, judge, ref = await proposed_in_chat(client, clock, runtime, fake_telegram)
    await judge.say(f"还价 #{ref} 5000 12 10000 15")
    await runtime.services.dispatcher.run_once()
    [offer] = debtor.news()
    return case_id, debtor, offer


async def test_the_counter_proposals_buttons_answer_it_only_while_it_waits_at_the_menu(
    client, clock, runtime, fake_telegram
):
    """Pressed inside another flow, or once the offer is answered, the counter-proposal's
    "1 同意" is out of date: it neither files that flow nor starts the menu's item 1."""
    case_id, debtor, offer = await countered(client, clock, runtime, fake_telegram)
    accept, refuse = (b["callback_data"] for b in keyboard(offer))
    await debtor.say("报告困难")  # a hardship report (its 2 would answer the offer)
    stale, asked = await debtor.send(fake_telegram.callback_update(DEBTOR_CHAT, accept))
    assert (stale["text"], asked["text"]) == (render("flow.stale"), render("hardship.reason"))
    await debtor.say("取消")
    assert texts(await debtor.send(fake_telegram.callback_update(DEBTOR_CHAT, refuse))) == [
        render("offer.reject")
    ]
    stale, menu = await debtor.send(fake_telegram.callback_update(DEBTOR_CHAT, accept))
    assert (stale["text"], menu["text"]) == (render("flow.stale"), render("menu"))
    case = await get_case(client, case_id)
    assert [f["kind"] for f in case["filings"]] == ["settle"]


async def test_while_a_counter_proposal_waits_words_answer_it_and_other_text_recalls_it(
    client, clock, runtime, fake_telegram
):
    """Its 1 and 2 are also said in words (接受, 不接受): free text gets the offer recalled,
    not the menu, whose 2 would refuse it unawares."""
    case_id, debtor, offer = await countered(client, clock, runtime, fake_telegram)
    assert "回复1同意，2拒绝" in offer["text"]  # as its buttons say
    [pending] = await debtor.say("首付三万太多了，能不能两万")
    assert pending["text"] == render("offer.pending")
    assert [b["text"] for b in keyboard(pending)] == ["1 同意", "2 拒绝"]
    for unclear in ("我不想接受", "首付两万能接受吗"):  # not clear: recalled
        assert texts(await debtor.say(unclear)) == [render("offer.pending")]
    assert texts(await debtor.say("行吧 我接受")) == [render("offer.accept")]
    case = await get_case(client, case_id)
    assert [e["detail"]["outcome"] for e in case_events(case, "decided")] == ["counter", "accept"]


async def test_an_official_presses_a_visit_outcome_and_the_judge_is_alerted(
    client, clock, runtime, fake_telegram
):
    await runtime.services.staff.add_user(
        actor=CLI,
        role="official",
        name="王书记",
        phone="+8613900000003",
        area_code="330522102201",
        telegram_chat_id=OFFICIAL_CHAT,
    )
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    clock.advance(days=8)  # the debtor has not answered
    await runtime.services.followups.run_once()
    await runtime.services.dispatcher.run_once()
    official = Chat(client, fake_telegram, OFFICIAL_CHAT)
    notice = task_notice(official, "一直未回应")
    ref = ref_in(notice["text"])
    assert [b["text"].split(" ", 2)[2] for b in keyboard(notice)] == [
        "已联系",
        "愿意履行",
        "未找到",
        "已迁出",
        "已返村",
    ]
    done = render("staff.done", ref=ref, outcome=render("task.option.back"))
    assert texts(await official.press(f"#{ref} 5")) == [done]
    await runtime.services.dispatcher.run_once()
    # (the judge also got the first call the official let run out, escalated: no one above)
    alert = task_notice(Chat(client, fake_telegram, JUDGE_CHAT), "记录走访结果")
    assert "王书记" in alert["text"] and "已返村" in alert["text"]
    [decided] = case_events(await get_case(client, case_id), "decided")
    assert decided["detail"]["outcome"] == "back"


@SQLITE
async def test_a_forged_or_foreign_button_changes_nothing(
    client, clock, runtime, fake_telegram, fake_twilio
):
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()
    debtor = Phone(client, clock, DEBTOR)
    for text in ("4", "12月20日", "等工资发下来就还", "1"):
        await debtor.say(text)
    await runtime.services.dispatcher.run_once()
    judge = Chat(client, fake_telegram, JUDGE_CHAT)
    ref = ref_in(task_notice(judge, "申请宽限")["text"])
    before = await get_case(client, case_id)
    for_another_chat = CallbackSigner(SecretStr(TOKEN)).data(OFFICIAL_CHAT, f"#{ref} 1")
    forged = (f"#{ref} 1", f"#{ref} 1|AAAAAAAAAA", for_another_chat, "", "|")
    answered = len(fake_telegram.of("answerCallbackQuery"))
    for data in forged:
        await judge.send(fake_telegram.callback_update(JUDGE_CHAT, data))
    assert judge.news() == []
    answers = fake_telegram.of("answerCallbackQuery")[answered:]
    assert [a.get("text") for a in answers] == [render("tg.stale_button")] * len(forged)
    assert await get_case(client, case_id) == before
    # The genuine button still decides.
    assert texts(await judge.press(f"#{ref} 1"))[0].startswith("已办理")
    assert (await get_case(client, case_id))["status"] == "grace"


@SQLITE
async def test_a_judge_grants_grace_on_a_verified_hardship_report_as_the_answer_says(
    client, clock, runtime, fake_telegram
):
    """The grace option needs a date: the answer to its button says what to type, and what it
    says works."""
    await runtime.services.staff.add_user(
        actor=CLI,
        role="official",
        name="王书记",
        phone="+8613900000003",
        area_code="330522102201",
        telegram_chat_id=OFFICIAL_CHAT,
    )
    case_id = await new_case(client, clock)
    debtor = Phone(client, clock, DEBTOR)
    for text in ("2", "3", "年过八十，无劳动能力", "1"):
        await debtor.say(text)
    await runtime.services.dispatcher.run_once()
    official = Chat(client, fake_telegram, OFFICIAL_CHAT)
    task = ref_in(task_notice(official, "1 属实 2 不属实")["text"])
    assert texts(await official.press(f"#{task} 1"))[0].startswith("已办理")
    await runtime.services.dispatcher.run_once()
    judge = Chat(client, fake_telegram, JUDGE_CHAT)
    ref = ref_in(task_notice(judge, "核实属实")["text"])

    [hint] = texts(await judge.press(f"#{ref} 1"))  # 宽限（写明日期）
    example = hint.split("如：", 1)[1].split("（", 1)[0]
    [granted] = texts(await judge.say(example))
    assert granted.startswith("已办理"), (hint, granted)
    case = await get_case(client, case_id)
    assert case["status"] == "grace"
