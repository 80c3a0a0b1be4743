"""The Telegram channel for debtors, end to end: updates through the real webhook route, the
bot's calls against a fake Bot API on 127.0.0.1, reminders through the real dispatcher."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.domain.audit import CLI
from bot.domain.texts import render
from tests.conftest import TELEGRAM_SECRET, make_settings, telegram_settings
from tests.fakes.telegram import FakeTelegram
from tests.handlers.telegram_chat import (
    LINK,
    SECRET_HEADER,
    WEBHOOK,
    Chat,
    button_data,
    keyboard,
    post_update,
    texts,
)
from tests.helpers import DEBTOR, JUDGMENT, get_case, new_case

JUDGE_CHAT = JUDGMENT["judge"]["telegram_chat_id"]  # the judgment links the judge's chat
DEBTOR_CHAT = 5550001
CASE_NUMBER = JUDGMENT["case_number"]
NAME = JUDGMENT["obligors"][0]["name"]


@pytest.fixture
def settings(db_url: str, fake_twilio, fake_telegram: FakeTelegram) -> Settings:
    return make_settings(db_url, fake_twilio, **telegram_settings(fake_telegram))


@pytest.fixture
def chat(client, fake_telegram: FakeTelegram) -> Chat:
    return Chat(client, fake_telegram, DEBTOR_CHAT)


def case_data_in(messages: list[str]) -> list[str]:
    """Whatever of the case a stranger must never read."""
    return [t for t in messages for part in (CASE_NUMBER, NAME, "130,000") if part in t]


def contacts(case: dict, channel: str) -> list[dict]:
    return [c for o in case["obligors"] for c in o["contacts"] if c["channel"] == channel]


def timeline(case: dict, kind: str) -> list[dict]:
    return [i for i in case["timeline"] if i["type"] == "event" and i["kind"] == kind]


# --- the webhook ---------------------------------------------------------------------------


async def test_a_wrong_or_missing_secret_gets_401_and_no_effect(client, chat, fake_telegram):
    update = fake_telegram.text_update(DEBTOR_CHAT, "hello")
    for headers in (
        {},
        {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET + "x"},
        {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET[:-1]},
    ):
        response = await client.post(WEBHOOK, json=update, headers=headers)
        assert response.status == 401
    assert chat.news() == []
    # Nothing was claimed: the same update with the right secret is handled.
    assert texts(await chat.send(update)) == [render("tg.welcome")]


async def test_a_body_that_is_not_an_update_gets_400(client):
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}'):
        response = await client.post(WEBHOOK, data=body, headers=headers)
        assert response.status == 400


# --- linking ---------------------------------------------------------------------------------


async def test_a_debtor_links_by_sharing_their_own_contact(client, clock, chat):
    case_id = await new_case(client, clock)
    linked, menu = await chat.share_contact(DEBTOR.removeprefix("+"))  # as Telegram sends it
    assert linked["text"] == render("tg.linked")
    assert linked["reply_markup"] == {"remove_keyboard": True}
    assert menu["text"] == render("help")
    assert [b["text"].split()[0] for b in keyboard(menu)] == ["1", "2", "3", "4", "5", "6"]
    [telegram] = contacts(await get_case(client, case_id), "telegram")
    assert telegram == {"channel": "telegram", "address": str(DEBTOR_CHAT), "status": "active"}


async def test_stop_in_chat_says_chat_reminders_stop_and_sms_goes_on(client, clock, chat):
    """TD in the chat stops the chat's reminders, not the SMS ones, and says so."""
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    assert texts(await chat.say("TD")) == [render("opted_out.telegram")]
    case = await get_case(client, case_id)
    assert [c["status"] for c in contacts(case, "telegram")] == ["opted_out"]
    assert [c["status"] for c in contacts(case, "sms")] == ["active"]
    assert texts(await chat.say("恢复")) == [render("opted_in.telegram")]
    assert "退订短信" not in render("opted_out.telegram")
    assert "恢复短信" not in render("opted_in.telegram")


async def test_a_forwarded_contact_is_refused_and_reveals_nothing(client, clock, chat):
    case_id = await new_case(client, clock)
    refused = await chat.share_contact(DEBTOR, owner=DEBTOR_CHAT + 1)  # someone else's card
    assert texts(refused) == [render("tg.not_own_contact")]
    no_owner = chat.fake.contact_update(DEBTOR_CHAT, DEBTOR, contact_user_id=None)
    assert texts(await chat.send(no_owner)) == [render("tg.not_own_contact")]
    after = texts(await chat.say("1")) + texts(await chat.say(CASE_NUMBER))
    assert after == [render("tg.welcome")] * 2
    assert contacts(await get_case(client, case_id), "telegram") == []
    assert case_data_in(texts(chat.fake.sent(DEBTOR_CHAT))) == []


async def test_a_phone_the_court_does_not_know_gets_a_polite_refusal(client, clock, chat):
    await new_case(client, clock)
    assert texts(await chat.share_contact("+8613700000000")) == [render("tg.not_found")]
    assert texts(await chat.share_contact("not a phone")) == [render("tg.not_found")]
    assert case_data_in(texts(chat.fake.sent(DEBTOR_CHAT))) == []


async def test_a_debtor_links_by_the_one_time_link_sent_by_sms(
    client, clock, chat, runtime, fake_twilio, fake_telegram
):
    case_id = await new_case(client, clock)
    await runtime.services.dispatcher.run_once()  # day 0, by SMS: no chat is linked yet
    clock.advance(minutes=2)
    await runtime.services.dispatcher.run_once()  # then the invitation
    day0, invite = [m["Body"] for m in fake_twilio.to(DEBTOR)]
    assert CASE_NUMBER in day0
    [code] = LINK.findall(invite)
    assert invite.startswith("【长兴县人民法院】") and len(code) >= 20

    other = Chat(client, fake_telegram, DEBTOR_CHAT + 1)
    assert texts(await other.start("not-a-code")) == [render("tg.bad_code")]
    assert texts(await chat.start(code))[0] == render("tg.linked")
    assert texts(await other.start(code)) == [render("tg.bad_code")]  # used once
    assert case_data_in(texts(other.news())) == []

    # From now on reminders come to the chat, and SMS stays unused while the chat works.
    clock.advance(days=3, hours=1)  # past the middle reminder (day 3, 10:00)
    await runtime.services.dispatcher.run_once()
    [middle] = chat.news()
    assert middle["text"].startswith("【长兴县人民法院】林某") and CASE_NUMBER in middle["text"]
    assert len(fake_twilio.to(DEBTOR)) == 2
    case = await get_case(client, case_id)
    assert [e["detail"]["channel"] for e in timeline(case, "reminder_sent")] == [
        "sms",
        "sms",
        "telegram",
    ]


async def test_no_invitation_goes_to_a_debtor_already_in_chat(
    client, clock, chat, runtime, fake_twilio
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    await runtime.services.dispatcher.run_once()
    clock.advance(minutes=2)
    await runtime.services.dispatcher.run_once()
    assert fake_twilio.to(DEBTOR) == []
    [day0] = chat.news()
    assert CASE_NUMBER in day0["text"]
    # The reminder offers the menu as buttons, and they work like the menu's.
    assert [b["text"].split()[0] for b in keyboard(day0)] == ["1", "2", "3", "4", "5", "6"]
    [kind] = await chat.press("3")
    assert kind["text"].startswith(render("settle.kind"))
    reminders = {r["step"]: r for r in (await get_case(client, case_id))["reminders"]}
    assert reminders["chat_link"]["status"] == "cancelled"
    assert reminders["chat_link"]["error"] == "already in chat"


# --- the flows as buttons --------------------------------------------------------------------


async def test_a_settlement_proposed_by_buttons_reaches_the_judges_chat(
    client, clock, chat, runtime, fake_telegram, fake_twilio
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    [kind] = await chat.press("3")
    assert kind["text"].startswith(render("settle.kind"))
    assert [b["text"] for b in keyboard(kind)] == [
        "1 " + render("settle.instalments"),
        "2 " + render("settle.lump"),
    ]
    [ask_amount] = await chat.press("2")
    assert ask_amount["text"] == render("settle.lump_amount")
    assert texts(await chat.say("10万")) == [render("settle.lump_date")]
    [confirm] = await chat.say("12月15日")
    assert confirm["text"].startswith(render("confirm.ask", summary="|").split("|")[0])
    assert "100,000" in confirm["text"]
    assert texts(await chat.press("1")) == [render("filed.settle")]

    clock.advance(seconds=5)
    await runtime.services.dispatcher.run_once()
    notices = [m["text"] for m in fake_telegram.sent(JUDGE_CHAT)]
    [notice] = [n for n in notices if n.startswith("【督促】")]
    for part in (CASE_NUMBER, NAME, DEBTOR, "100,000", "2026年12月15日"):
        assert part in notice, (part, notice)
    assert fake_twilio.to(JUDGMENT["judge"]["phone"]) == []  # the chat, not SMS
    case = await get_case(client, case_id)
    [notified] = timeline(case, "staff_notified")
    assert notified["detail"]["channel"] == "telegram"


async def test_a_button_of_an_earlier_step_is_stale_and_changes_nothing(
    client, clock, chat, runtime, fake_telegram
):
    """Every step numbers its buttons from 1: an old message's "1 分期付款", pressed at the
    read-back, is not the read-back's "1 确认提交". It is answered as out of date, with the
    step the conversation is at, and nothing is filed; the read-back's own 1 still works."""
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    [kind] = await chat.press("3")
    old_instalments = keyboard(kind)[0]["callback_data"]
    await chat.press("2")
    await chat.say("10万")
    [confirm] = await chat.say("12月15日")
    stale, again = await chat.send(fake_telegram.callback_update(DEBTOR_CHAT, old_instalments))
    assert stale["text"] == render("flow.stale")
    assert again["text"] == confirm["text"] and keyboard(again) == keyboard(confirm)
    assert (await get_case(client, case_id))["filings"] == []
    assert texts(await chat.press("1")) == [render("filed.settle")]
    [filing] = (await get_case(client, case_id))["filings"]
    assert filing["payload"]["kind"] == "lump"


async def test_a_reminders_menu_button_pressed_inside_a_flow_is_stale(
    client, clock, chat, runtime, fake_telegram
):
    """A reminder's menu buttons answer the menu: pressed while a flow asks something else
    ("3" as the grace's date), they are out of date and change nothing."""
    await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    await runtime.services.dispatcher.run_once()
    [day0] = chat.news()
    menu_three = keyboard(day0)[2]["callback_data"]
    [until] = await chat.press("4")
    assert until["text"] == render("grace.until")
    stale, again = await chat.send(fake_telegram.callback_update(DEBTOR_CHAT, menu_three))
    assert (stale["text"], again["text"]) == (render("flow.stale"), render("grace.until"))
    assert texts(await chat.say("下个月20号")) == [render("grace.reason")]


async def test_a_menu_button_after_a_flow_expired_or_twice_on_a_read_back_is_not_stale(
    client, clock, chat, runtime, fake_telegram
):
    """A flow left a day is gone: the reminder's menu button then chooses afresh. The
    read-back's 1 pressed twice is told the filing is in, not that the button is old."""
    await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    await runtime.services.dispatcher.run_once()
    [day0] = chat.news()
    menu_three = keyboard(day0)[2]["callback_data"]
    await chat.press("4")  # a grace, left unanswered
    clock.advance(hours=30)
    [kind] = await chat.send(fake_telegram.callback_update(DEBTOR_CHAT, menu_three))
    assert kind["text"].startswith(render("settle.kind"))
    await chat.press("2")
    await chat.say("10万")
    await chat.say("12月15日")
    read_back_one = button_data(fake_telegram.sent(DEBTOR_CHAT), "1")
    assert texts(await chat.press("1")) == [render("filed.settle")]
    again = await chat.send(fake_telegram.callback_update(DEBTOR_CHAT, read_back_one))
    assert texts(again) == [render("filed.again")]


async def test_a_button_not_made_for_this_chat_is_refused(client, clock, chat, fake_telegram):
    await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    answers_before = len(fake_telegram.of("answerCallbackQuery"))
    for data in ("3", "3|AAAAAAAAAA", "", "|", "3|" + "A" * 60):
        await chat.send(fake_telegram.callback_update(DEBTOR_CHAT, data))
    assert chat.news() == []
    answers = fake_telegram.of("answerCallbackQuery")[answers_before:]
    assert [a.get("text") for a in answers] == [render("tg.stale_button")] * 5
    # A genuine button from this chat still works.
    [kind] = await chat.press("3")
    assert kind["text"].startswith(render("settle.kind"))


async def test_a_redelivered_update_has_one_effect(client, clock, chat, fake_telegram):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    first = fake_telegram.text_update(DEBTOR_CHAT, "3")
    assert len(await chat.send(first)) == 1
    assert await chat.send(first) == []  # Telegram resent it: acknowledged, nothing done
    second = fake_telegram.text_update(DEBTOR_CHAT, "2")
    # Three deliveries at once: one is handled; one that finds it in progress is told to come
    # again (503) and, sent again after, is acknowledged with no effect.
    statuses = await asyncio.gather(
        *(client.post(WEBHOOK, json=second, headers=SECRET_HEADER) for _ in range(3))
    )
    assert sorted(r.status for r in statuses) in ([200, 200, 200], [200, 200, 503], [200, 503, 503])
    await post_update(client, second)
    assert texts(chat.news()) == [render("settle.lump_amount")]
    case = await get_case(client, case_id)
    inbound = [
        m["text"]
        for m in case["timeline"]
        if m["type"] == "message" and m["direction"] == "in" and m["channel"] == "telegram"
    ]
    assert inbound == ["3", "2"]


async def test_an_update_whose_handling_failed_is_handled_when_telegram_sends_it_again(
    client, clock, chat, fake_telegram
):
    """The answer could not be sent (Telegram answered 500): the webhook fails, the claim is
    given back, and Telegram's redelivery seconds later gets the answer out, the message
    stored once."""
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    update = fake_telegram.text_update(DEBTOR_CHAT, "3")
    fake_telegram.fail_next(500, description="Internal Server Error")
    await post_update(client, update, status=500)
    assert chat.news() == []
    [kind] = await chat.send(update)  # the redelivery, well within the claim's 60 s
    assert kind["text"].startswith(render("settle.kind"))
    case = await get_case(client, case_id)
    inbound = [
        m["text"] for m in case["timeline"] if m["type"] == "message" and m["direction"] == "in"
    ]
    assert inbound.count("3") == 1


# --- limits and failures ---------------------------------------------------------------------


async def test_a_429_is_resent_after_telegrams_delay(
    client, clock, chat, runtime, fake_telegram, fake_twilio
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    chat.news()
    fake_telegram.fail_next(429, retry_after=1)
    dispatcher = runtime.services.dispatcher
    await dispatcher.run_once()
    assert chat.news() == []
    [day0] = [r for r in (await get_case(client, case_id))["reminders"] if r["step"] == "day0"]
    assert day0["status"] == "pending" and day0["error"] == "429"
    clock.advance(seconds=0.5)
    await dispatcher.run_once()
    assert chat.news() == []  # not due before the delay
    clock.advance(seconds=0.5)
    await dispatcher.run_once()  # due; the bot itself also holds every send for the second
    [sent] = chat.news()
    assert CASE_NUMBER in sent["text"]
    tries = [a for a in fake_telegram.attempts if a.method == "sendMessage"][-2:]
    assert [int(t.params["chat_id"]) for t in tries] == [DEBTOR_CHAT] * 2
    assert tries[1].at - tries[0].at >= 1.0
    assert fake_twilio.to(DEBTOR) == []


async def test_a_blocked_chat_falls_back_to_sms(
    client, clock, chat, runtime, fake_telegram, fake_twilio
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    fake_telegram.block(DEBTOR_CHAT)
    await runtime.services.dispatcher.run_once()  # 403: the chat is dropped, SMS is next
    await runtime.services.dispatcher.run_once()
    [sms] = fake_twilio.to(DEBTOR)
    assert CASE_NUMBER in sms["Body"]
    case = await get_case(client, case_id)
    [telegram] = contacts(case, "telegram")
    assert telegram["status"] == "blocked"
    [fallback] = timeline(case, "channel_fallback")
    assert fallback["detail"]["reason"] == "403"
    assert timeline(case, "unreachable") == []  # SMS still reaches them: nobody need go

    # They unblock the bot and write: the chat is theirs again, and reminders go there.
    fake_telegram.blocked.clear()
    assert len(await chat.say("0")) == 1
    [telegram] = contacts(await get_case(client, case_id), "telegram")
    assert telegram["status"] == "active"


@pytest.mark.parametrize(
    "description",
    [
        "Bad Request: message is too long",
        "Bad Request: can't parse entities: unsupported start tag",
        "Bad Request: BUTTON_DATA_INVALID",
    ],
)
async def test_a_message_telegram_refuses_goes_by_sms_at_once_and_the_chat_stays(
    client, clock, chat, runtime, fake_telegram, fake_twilio, description
):
    """A 400 about our own message says nothing about the chat: SMS carries this one, in the
    same round, and the next reminder goes to the chat again."""
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    chat.news()
    fake_telegram.fail_next(400, description=description)

    assert await runtime.services.dispatcher.run_once() == 1

    [sms] = fake_twilio.to(DEBTOR)
    assert CASE_NUMBER in sms["Body"]
    case = await get_case(client, case_id)
    [telegram] = contacts(case, "telegram")
    assert telegram["status"] == "active"
    [fallback] = timeline(case, "channel_fallback")
    assert fallback["detail"]["reason"] == "400"
    assert timeline(case, "unreachable") == []
    [day0] = [r for r in case["reminders"] if r["step"] == "day0"]
    assert day0["status"] == "sent"

    clock.advance(days=3)  # the next step goes to the chat, which was never marked
    await runtime.services.dispatcher.run_once()
    assert len(chat.news()) == 1 and len(fake_twilio.to(DEBTOR)) == 1


@pytest.mark.parametrize(
    ("error_code", "description", "status"),
    [
        (400, "Bad Request: chat not found", "invalid"),
        (400, "Bad Request: user is deactivated", "invalid"),
        (403, "Forbidden: bot was kicked from the group chat", "blocked"),
    ],
)
async def test_a_chat_that_is_gone_is_marked_and_sms_takes_over(
    client, clock, chat, runtime, fake_telegram, fake_twilio, error_code, description, status
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    fake_telegram.fail_next(error_code, description=description)

    await runtime.services.dispatcher.run_once()
    await runtime.services.dispatcher.run_once()

    [sms] = fake_twilio.to(DEBTOR)
    assert CASE_NUMBER in sms["Body"]
    [telegram] = contacts(await get_case(client, case_id), "telegram")
    assert telegram["status"] == status


async def test_a_judge_who_blocked_the_bot_gets_the_notice_by_sms(
    client, clock, chat, runtime, fake_telegram, fake_twilio
):
    await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    await chat.press("5")  # the payment report goes to the judge
    fake_telegram.block(JUDGE_CHAT)
    await chat.say("130000")
    await chat.say("今天")
    await chat.press("1")
    await chat.say("无")
    await chat.press("1")
    for _ in range(3):
        await runtime.services.dispatcher.run_once()
    [notice] = [m["Body"] for m in fake_twilio.to(JUDGMENT["judge"]["phone"])]
    assert notice.startswith("【督促】") and CASE_NUMBER in notice
    [judge] = await runtime.services.staff.users(CLI, "judge")
    assert judge.phone == JUDGMENT["judge"]["phone"]


async def test_an_answer_told_to_wait_is_sent_after_the_wait(client, clock, chat, fake_telegram):
    await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    fake_telegram.fail_next(429, retry_after=1)
    [answer] = await chat.say("3")
    assert answer["text"].startswith(render("settle.kind"))
    refused, resent = [a for a in fake_telegram.attempts if a.method == "sendMessage"][-2:]
    assert resent.at - refused.at >= 1.0  # Telegram's retry_after, waited out


async def test_a_chat_that_blocked_the_bot_mid_conversation_is_let_go(
    client, clock, chat, fake_telegram
):
    case_id = await new_case(client, clock)
    await chat.share_contact(DEBTOR)
    fake_telegram.block(DEBTOR_CHAT)
    await post_update(client, fake_telegram.text_update(DEBTOR_CHAT, "3"))  # 200, not a retry loop
    case = await get_case(client, case_id)
    assert [m["text"] for m in case["timeline"] if m["type"] == "message"][-2:][0] == "3"


async def test_a_court_that_chose_sms_reaches_its_debtors_by_sms_only(
    client, clock, chat, runtime, fake_twilio
):
    case_id = await new_case(client, clock)
    await runtime.services.staff.set_channels(CLI, JUDGMENT["court"]["code"], ["sms"])
    await chat.share_contact(DEBTOR)
    chat.news()
    await runtime.services.dispatcher.run_once()
    clock.advance(minutes=2)
    await runtime.services.dispatcher.run_once()
    [day0] = fake_twilio.to(DEBTOR)  # and no invitation into a chat the court does not use
    assert CASE_NUMBER in day0["Body"]
    assert chat.news() == []
    reminders = {r["step"]: r for r in (await get_case(client, case_id))["reminders"]}
    assert reminders["chat_link"]["status"] == "cancelled"


async def test_group_chats_are_ignored(client, clock, chat, fake_telegram):
    await new_case(client, clock)
    update = fake_telegram.text_update(DEBTOR_CHAT, "1")
    update["message"]["chat"]["type"] = "group"
    await post_update(client, update)
    assert chat.news() == []
