"""A court's own texts over real HTTP: only a court's admins reach /admin/templates and only the
bearer token /api/v1/admin/templates; a bad text is refused with every reason and nothing
saved; a saved text is what the next reminder of that court carries at the fake Twilio, while
another court keeps the shipped text; every save and reset is in the audit log."""

from __future__ import annotations

import html as htmllib
from collections.abc import AsyncIterator

import pytest

from bot.domain.audit import CLI, AuditFilter
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.handlers.console_site import CSRF, JUDGE_PHONE, PASSWORD, add_staff, sign_in
from tests.handlers.test_admin import ADMIN_PHONE, BEARER, BOTH, OTHER_ADMIN_PHONE, post
from tests.helpers import DEBTOR, judgment, register

FORM = "/admin/templates/zh-CN/reminder.day0"
PAGES = ["/admin/templates", FORM, FORM + "/preview?body=x"]
FORMS = [FORM, FORM + "/reset"]
API_ONE = "/api/v1/admin/templates/浙0522/zh-CN/reminder.day0"
API = [("GET", "/api/v1/admin/templates/浙0522"), ("GET", API_ONE), ("PUT", API_ONE)]
API += [("DELETE", API_ONE)]
OWN = (
    "{court}{name}：{case_number}案请于{deadline}前履行{amount}元，逾期将依法处理。"
    "回复1申报财产 5已履行 0帮助"
)
SECOND_DEBTOR = "+8613800138001"
OTHER_COURT_DEBTOR = "+8613800138002"


@pytest.fixture
async def courts(
    sqlite_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> AsyncIterator[Runtime]:
    """The example court with its admin and judge, and another court with its admin; SMS
    through the fake Twilio."""
    runtime = await build(make_settings(sqlite_url, fake_twilio, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    other = await runtime.services.staff.add_user(
        actor=CLI,
        role="admin",
        name="孙管理员",
        phone=OTHER_ADMIN_PHONE,
        court_code="浙0523",
        court_name="安吉县人民法院",
    )
    await runtime.services.accounts.set_password(CLI, other, PASSWORD)
    yield runtime
    await runtime.close()


async def signed_in(aiohttp_client, runtime: Runtime, phone: str):
    client = await aiohttp_client(runtime.web_app())
    assert (await sign_in(client, phone)).status == 302
    return client


def debtor_case(number: str, phone: str, court: dict[str, str] | None = None, **more) -> dict:
    body = judgment(more.pop("at"), case_number=number, **({"court": court} if court else {}))
    body["obligors"][0]["phone"] = phone
    return body | more


async def test_strangers_and_staff_who_are_not_admins_are_refused(
    courts: Runtime, aiohttp_client
) -> None:
    client = await aiohttp_client(courts.web_app())
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
    token = CSRF.search(await (await client.get("/login")).text()).group(1)
    for path in FORMS:
        assert (await client.post(path, data={"body": OWN}, allow_redirects=False)).status == 403
        response = await client.post(path, data={"csrf": token, "body": OWN}, allow_redirects=False)
        assert response.headers["Location"].startswith("/login")
    judge = await signed_in(aiohttp_client, courts, JUDGE_PHONE)
    token = CSRF.search(await (await judge.get("/console/cases")).text()).group(1)
    for path in PAGES:
        assert (await judge.get(path, allow_redirects=False)).status == 403, path
    for path in FORMS:
        response = await judge.post(path, data={"csrf": token, "body": OWN}, allow_redirects=False)
        assert response.status == 403, path
    for method, path in API:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.request(method, path, headers=headers, json={"body": OWN})
            assert response.status == 401, (method, path)
    texts = await courts.services.court_texts.list(CLI, "浙0522")
    assert {text.source for text in texts} == {"shipped"}
    rows, _ = await courts.services.staff.audit(CLI, AuditFilter(object_kind="template"))
    assert rows == []


async def test_a_saved_text_is_what_the_court_sends_next_and_no_other_court(
    courts: Runtime, aiohttp_client, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    dispatcher = courts.services.dispatcher
    await register(courts, judgment(clock.now()))
    assert await dispatcher.run_once() == 1  # the shipped day-0 text (and the court's texts read)
    [first] = fake_twilio.to(DEBTOR)
    assert first["Body"].startswith("【长兴县人民法院】林某：您的（2024）浙0522民初1234号案")

    admin = await signed_in(aiohttp_client, courts, ADMIN_PHONE)
    listed = htmllib.unescape(await (await admin.get("/admin/templates")).text())
    assert "首次提醒（判决生效当日）" in listed and "系统默认" in listed
    form = htmllib.unescape(await (await admin.get(FORM)).text())
    assert "{court}{name}：您的{case_number}案已进入执行前督促程序" in form  # the shipped text
    assert "2 条短信 · UCS-2 · 115 字" in form

    preview = await (await admin.get(FORM + "/preview", params={"body": OWN})).json()
    assert preview["refused"] == [] and preview["count"] == "2 条短信 · UCS-2 · 89 字"
    assert preview["text"].startswith("【长兴县人民法院】欧阳娜娜：（2024）浙0522民初12345号案")
    shown = htmllib.unescape(await (await admin.get(FORM, params={"body": "{court}{nmae}"})).text())
    assert "没有占位符 {nmae}，是否想写 {name}？" in shown  # the Preview button without script

    refused = await post(admin, FORM, FORM, body="{court}{nmae}：{case}案 {amount}元 {deadline}")
    assert "未保存" in refused and "没有占位符 {nmae}，是否想写 {name}？" in refused
    assert "没有占位符 {case}，是否想写 {case_number}？" in refused
    assert "{court}{nmae}：{case}案" in refused  # the admin's text is kept in the form
    assert (
        await courts.services.court_texts.show(CLI, "zh-CN", "reminder.day0", "浙0522")
    ).source == "shipped"
    saved = await post(admin, FORM, FORM, body=OWN.replace("\n", "\r\n") + "\r\n")
    assert "已保存：此后发送的提醒使用本院文本。" in saved and "本院文本" in saved

    when = {"at": clock.now()}
    await register(courts, debtor_case("（2024）浙0522民初1240号", SECOND_DEBTOR, **when))
    other_court = {"code": "浙0523", "name": "安吉县人民法院"}
    other = debtor_case("（2024）浙0523民初7号", OTHER_COURT_DEBTOR, other_court, **when)
    other["judge"] = {"name": "周法官", "phone": "+8613900000019"}
    await register(courts, other)
    assert await dispatcher.run_once() == 2
    [mine] = fake_twilio.to(SECOND_DEBTOR)
    assert mine["Body"] == (
        "【长兴县人民法院】林某：（2024）浙0522民初1240号案请于2026年12月6日前履行130,000元，"
        "逾期将依法处理。回复1申报财产 5已履行 0帮助"
    )
    [theirs] = fake_twilio.to(OTHER_COURT_DEBTOR)
    assert theirs["Body"].startswith("【安吉县人民法院】林某：您的（2024）浙0523民初7号案已进入")

    stranger = await signed_in(aiohttp_client, courts, OTHER_ADMIN_PHONE)
    assert "本院文本" not in await (await stranger.get("/admin/templates")).text()
    assert OWN not in htmllib.unescape(await (await stranger.get(FORM)).text())

    back = await post(admin, FORM + "/reset", FORM)
    assert "已恢复默认文本。" in back and "恢复默认文本</button>" not in back
    rows, _ = await courts.services.staff.audit(CLI, AuditFilter(object_kind="template"))
    assert [(r.action, r.actor, r.object_id, r.before, r.after) for r in rows] == [
        ("reset_template", "console", "zh-CN/reminder.day0", {"body": OWN}, None),
        ("set_template", "console", "zh-CN/reminder.day0", None, {"body": OWN}),
    ]
    assert (await admin.get("/admin/templates/fr/reminder.day0")).status == 404
    assert (await admin.get("/admin/templates/zh-CN/menu")).status == 404


@BOTH
async def test_the_api_lists_shows_saves_and_resets_all_or_nothing(
    db_url: str, clock: FakeClock, aiohttp_client
) -> None:
    runtime = await build(make_settings(db_url, None), clock=clock)
    try:
        await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)  # the court 浙0522
        client = await aiohttp_client(runtime.web_app())
        listed = await (await client.get("/api/v1/admin/templates/浙0522", headers=BEARER)).json()
        assert len(listed) == 14 and {row["source"] for row in listed} == {"shipped"}
        shown = await (await client.get(API_ONE, headers=BEARER)).json()
        assert shown["preview"]["alphabet"] == "UCS-2" and shown["preview"]["segments"] == 2
        assert {"name": "court", "required": True} in shown["placeholders"]

        bad = await client.put(
            API_ONE, json={"body": "{court}{casenumber}{amount}"}, headers=BEARER
        )
        assert bad.status == 422
        assert (await bad.json())["errors"] == [
            {
                "field": "body",
                "message": "There is no placeholder {casenumber}: did you mean {case_number}?",
            },
            {
                "field": "body",
                "message": "Required placeholder(s) missing: {case_number} {deadline}",
            },
        ]
        for path, field, message in (
            ("浙0599/zh-CN/reminder.day0", "court", "There is no court 浙0599."),
            ("浙0522/fr/reminder.day0", "locale", "There is no locale fr; there are: zh-CN en"),
            (
                "浙0522/zh-CN/menu",
                "key",
                "menu is not a text a court may word: pick one from the list.",
            ),
        ):
            missing = await client.put(
                f"/api/v1/admin/templates/{path}", json={"body": OWN}, headers=BEARER
            )
            assert missing.status == 404
            assert (await missing.json())["errors"] == [{"field": field, "message": message}]
        assert (await client.put(API_ONE, data=b"{", headers=BEARER)).status == 422
        assert (await client.put(API_ONE, json={"text": OWN}, headers=BEARER)).status == 422

        saved = await (await client.put(API_ONE, json={"body": OWN}, headers=BEARER)).json()
        assert saved["source"] == "court" and saved["body"] == OWN and saved["updated_at"]
        again = await client.put(API_ONE, json={"body": saved["shipped"]}, headers=BEARER)
        assert (await again.json())["source"] == "shipped"  # the shipped text unchanged: no row
        await client.put(API_ONE, json={"body": OWN}, headers=BEARER)
        reset = await client.delete(API_ONE, headers=BEARER)
        assert (await reset.json())["source"] == "shipped"
        page = await (
            await client.get("/api/v1/admin/audit?object_kind=template", headers=BEARER)
        ).json()
        assert [(row["action"], row["actor"]) for row in page["rows"]] == [
            ("reset_template", "api"),
            ("set_template", "api"),
            ("reset_template", "api"),
            ("set_template", "api"),
        ]
    finally:
        await runtime.close()
