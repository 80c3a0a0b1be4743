"""Judges, officials, admins and creditors in chat: linking by invite, what each role may see,
and the notices that reach them there."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.domain.audit import CLI
from bot.domain.texts import render
from tests.conftest import make_settings, telegram_settings
from tests.fakes.telegram import FakeTelegram
from tests.handlers.telegram_chat import Chat, texts
from tests.helpers import (
    AUTH,
    JUDGMENT,
    inbound_form,
    numbered_judgment,
    post_signed,
)

JUDGE_CHAT = JUDGMENT["judge"]["telegram_chat_id"]
OFFICIAL_CHAT, OTHER_OFFICIAL_CHAT, ADMIN_CHAT, CREDITOR_CHAT = 7001, 7002, 7003, 7004
STRANGER_CHAT = 7999
AREA = "330522102"  # the township of the example debtors (330522102201)


@pytest.fixture
def settings(db_url: str, fake_twilio, fake_telegram: FakeTelegram) -> Settings:
    return make_settings(db_url, fake_twilio, **telegram_settings(fake_telegram))


async def post_judgment(client, body: dict) -> None:
    response = await client.post("/api/v1/judgments", json=body, headers=AUTH)
    assert response.status == 201, await response.text()


async def three_cases(client, clock) -> list[dict]:
    """Cases 1 and 2: judge A (linked by the judgment), debtors in AREA. Case 3: judge B,
    a debtor in another county."""
    bodies = [numbered_judgment(i, clock.now()) for i in (1, 2, 3)]
    bodies[2]["judge"] = {"name": "王法官", "phone": "+8613900000009"}
    bodies[2]["obligors"][0]["area_code"] = "330523100200"
    for body in bodies:
        await post_judgment(client, body)
    return bodies


async def linked_staff(client, runtime, fake, chat_id: int, **user) -> Chat:
    """A staff member registered by an admin and linked through a one-time invite."""
    user_id = await runtime.services.staff.add_user(actor=CLI, **user)
    code = await runtime.services.links.invite(user_id)
    chat = Chat(client, fake, chat_id)
    [greeting] = await chat.start(code)
    assert greeting["text"] == render(
        "staff.linked", name=user["name"], role=render(f"staff.role.{user['role']}")
    )
    return chat


def official(name: str = "王书记", area: str = AREA, phone: str = "+8613900000003") -> dict:
    return {"role": "official", "name": name, "phone": phone, "area_code": area}


async def test_an_invite_links_once_and_an_unknown_chat_learns_nothing(
    client, clock, runtime, fake_telegram
):
    bodies = await three_cases(client, clock)
    user_id = await runtime.services.staff.add_user(actor=CLI, **official())
    code = await runtime.services.links.invite(user_id)
    stranger = Chat(client, fake_telegram, STRANGER_CHAT)
    for command in ("/cases", "/silent", f"/case {bodies[0]['case_number']}", "/help"):
        assert texts(await stranger.say(command)) == [render("tg.welcome")]
    assert texts(await Chat(client, fake_telegram, OFFICIAL_CHAT).start(code))[0].startswith(
        "王书记"
    )
    assert texts(await stranger.start(code)) == [render("tg.bad_code")]  # used up
    with pytest.raises(LookupError):
        await runtime.services.links.invite(10_000)


async def test_a_judge_sees_their_own_cases_only(client, clock, fake_telegram):
    bodies = await three_cases(client, clock)
    judge = Chat(client, fake_telegram, JUDGE_CHAT)
    [listing] = texts(await judge.say("/cases"))
    assert listing.startswith(render("staff.cases", count=2))
    assert bodies[0]["case_number"] in listing and bodies[1]["case_number"] in listing
    assert bodies[2]["case_number"] not in listing and "林某3" not in listing

    [own] = texts(await judge.say(f"/case {bodies[0]['case_number']}"))
    assert own.startswith(bodies[0]["case_number"]) and "林某1" in own
    assert "judgment_received" in own  # the timeline
    for other in (bodies[2]["case_number"], "（2024）浙0522民初99999号", "garbage"):
        assert texts(await judge.say(f"/case {other}")) == [render("staff.case_unknown")]
    assert texts(await judge.say("/case")) == [render("staff.case_usage")]
    assert texts(await judge.say("/help")) == [render("staff.help")]
    # Any other text is read with the staff grammar, as by SMS.
    [unknown] = texts(await judge.say("hello"))
    assert unknown == "\n".join([render("staff.unknown_command"), render("staff.none_open")])


async def test_an_official_sees_the_silent_debtors_of_their_area(
    client, clock, runtime, fake_telegram, fake_twilio
):
    bodies = await three_cases(client, clock)
    chat = await linked_staff(client, runtime, fake_telegram, OFFICIAL_CHAT, **official())
    far = await linked_staff(
        client,
        runtime,
        fake_telegram,
        OTHER_OFFICIAL_CHAT,
        **official("赵主任", "330524", "+8613900000005"),
    )
    [before] = texts(await chat.say("/silent"))
    assert before == render("staff.none")  # nobody has been reminded yet
    await runtime.services.dispatcher.run_once()  # day 0 to all three, by SMS
    answer = await post_signed(
        client,
        "/twilio/sms",
        inbound_form("0", "SM" + "1" * 32, sender=bodies[0]["obligors"][0]["phone"]),
    )
    assert answer.status == 200

    [silent] = texts(await chat.say("/silent"))
    assert silent.startswith(render("staff.silent", count=1))
    assert "林某2" in silent and "林某1" not in silent and "林某3" not in silent
    [listing] = texts(await chat.say("/cases"))
    assert "林某1" in listing and "林某2" in listing and "林某3" not in listing
    assert texts(await far.say("/cases")) == [render("staff.none")]
    assert texts(await far.say(f"/case {bodies[0]['case_number']}")) == [
        render("staff.case_unknown")
    ]


async def test_an_admin_sees_their_courts_cases(client, clock, runtime, fake_telegram):
    bodies = await three_cases(client, clock)
    admin = await linked_staff(
        client,
        runtime,
        fake_telegram,
        ADMIN_CHAT,
        role="admin",
        name="张管理员",
        phone="+8613900000004",
        court_code=JUDGMENT["court"]["code"],
    )
    [listing] = texts(await admin.say("/cases"))
    assert listing.startswith(render("staff.cases", count=3))
    [case] = texts(await admin.say(f"/case {bodies[2]['case_number']}"))
    assert case.startswith(bodies[2]["case_number"])
    assert texts(await admin.say("/silent")) == [render("staff.help")]  # an official's command


async def test_a_hardship_report_reaches_the_area_officials_chat(
    client, clock, runtime, fake_telegram, fake_twilio
):
    bodies = await three_cases(client, clock)
    await linked_staff(client, runtime, fake_telegram, OFFICIAL_CHAT, **official())
    phone = bodies[0]["obligors"][0]["phone"]
    for n, text in enumerate(("2", "1", "住院三个月，没有收入", "1")):
        clock.advance(seconds=20)
        response = await post_signed(
            client, "/twilio/sms", inbound_form(text, f"SM{n:032x}", sender=phone)
        )
        assert response.status == 200
    await runtime.services.dispatcher.run_once()
    notices = [
        m["text"] for m in fake_telegram.sent(OFFICIAL_CHAT) if m["text"].startswith("【督促】")
    ]
    [notice] = notices
    assert bodies[0]["case_number"] in notice and "林某1" in notice and phone in notice
    judge_notices = [m["text"] for m in fake_telegram.sent(JUDGE_CHAT)]
    assert any(bodies[0]["case_number"] in n for n in judge_notices)  # the judge is told too
    assert fake_twilio.to("+8613900000003") == []  # the official's phone: not needed


async def test_a_creditor_links_by_invite_and_is_told_only_how_to_answer(
    client, clock, runtime, fake_telegram
):
    await three_cases(client, clock)
    [creditor] = await runtime.services.staff.users(CLI, "creditor")
    code = await runtime.services.links.invite(creditor.id)
    chat = Chat(client, fake_telegram, CREDITOR_CHAT)
    assert texts(await chat.start(code)) == [
        render("staff.linked", name=creditor.name, role=render("staff.role.creditor"))
    ]
    for text in ("/help", "/cases", "/silent"):  # no case lists for a party
        assert texts(await chat.say(text)) == [render("staff.help_creditor")]
    # Text is read with the staff grammar, as by SMS: nothing to answer yet.
    assert texts(await chat.say("帮助")) == [render("staff.none_open")]
    forged = fake_telegram.callback_update(CREDITOR_CHAT, "#1 1|AAAAAAAAAA")
    await chat.send(forged)
    assert fake_telegram.of("answerCallbackQuery")[-1]["text"] == render("tg.stale_button")
