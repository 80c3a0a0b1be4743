"""The admin side over real HTTP, on a real SQLite file (and PostgreSQL where configured):
only a court's own admins reach /admin and only the bearer token /api/v1/admin; people are
added, edited, invited and deactivated (an official's open tasks move one level up, their
login is refused); areas are imported from CSV all or nothing; every change, from the
console, the CLI's services or the API, is in the audit log, which nothing edits."""

from __future__ import annotations

import html as htmllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

import pytest
from aiohttp import FormData
from pytest_aiohttp import AiohttpClient
from sqlalchemy import text

from bot.domain.audit import CLI, AuditActor, AuditFilter
from bot.domain.messages import InboundMessage
from bot.domain.status import Channel
from bot.services.staff import PhoneTaken
from ducu.bootstrap import Runtime, build
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.conftest import API_TOKEN, make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import CSRF, JUDGE_PHONE, PASSWORD, add_staff, sign_in
from tests.helpers import DEBTOR, judgment, register

ADMIN_PHONE = "+8613900000011"
OTHER_ADMIN_PHONE = "+8613900000012"
VILLAGE_PHONE = "+8613900000003"
TOWNSHIP_PHONE = "+8613900000005"
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}
SIDS = count(1)
BOTH = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

PAGES = [
    "/admin",
    "/admin/users",
    "/admin/users/1",
    "/admin/areas",
    "/admin/audit",
    "/admin/schedules",
    "/admin/schedules/replan",
]
FORMS = [
    "/admin/users",
    "/admin/users/1",
    "/admin/users/1/deactivate",
    "/admin/users/1/invite",
    "/admin/areas",
    "/admin/schedules",
    "/admin/schedules/replan",
]
API = [
    ("GET", "/api/v1/admin/users"),
    ("POST", "/api/v1/admin/users"),
    ("POST", "/api/v1/admin/users/1/deactivate"),
    ("POST", "/api/v1/admin/areas/import"),
    ("GET", "/api/v1/admin/audit"),
    ("GET", "/api/v1/admin/schedules/浙0522"),
    ("PUT", "/api/v1/admin/schedules/浙0522"),
    ("POST", "/api/v1/admin/schedules/浙0522/replan"),
]


@pytest.fixture
async def court(db_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    """The example case; its court's admin, judge, village and township officials; another
    court's admin."""
    runtime = await build(make_settings(db_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)
    await add_staff(runtime, "official", "王书记", VILLAGE_PHONE, area_code="330522102201")
    await add_staff(runtime, "official", "赵镇长", TOWNSHIP_PHONE, area_code="330522102")
    await register(runtime, judgment(clock.now()))
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    other = await runtime.services.staff.add_user(
        actor=CLI, role="admin", name="孙管理员", phone=OTHER_ADMIN_PHONE, court_code="浙0523"
    )
    await runtime.services.accounts.set_password(CLI, other, PASSWORD)
    yield runtime
    await runtime.close()


async def signed_in(aiohttp_client: AiohttpClient, runtime: Runtime, phone: str):
    client = await aiohttp_client(runtime.web_app())
    assert (await sign_in(client, phone)).status == 302
    return client


async def post(client, path: str, page: str, **form: object) -> str:
    """Submits a form of `page` with its CSRF token; the page it leads to."""
    token = CSRF.search(await (await client.get(page)).text()).group(1)
    response = await client.post(path, data={"csrf": token, **form})
    assert response.status in (200, 422), response.status
    return htmllib.unescape(await response.text())


async def user_id(runtime: Runtime, phone: str) -> int:
    [found] = [u.id for u in await runtime.services.staff.users(CLI) if u.phone == phone]
    return found


@asynccontextmanager
async def store(runtime: Runtime) -> AsyncIterator[SqlUnitOfWork]:
    """The database as it is, read outside the services."""
    engine = make_engine(runtime.services.settings.database_url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            yield uow
    finally:
        await engine.dispose()


async def audit(runtime: Runtime, **wanted: object):
    rows, _ = await runtime.services.staff.audit(CLI, AuditFilter(**wanted))
    return rows


@BOTH
async def test_strangers_are_refused_everywhere(court: Runtime, aiohttp_client) -> None:
    client = await aiohttp_client(court.web_app())
    for path in PAGES:  # logged out: the login, and back here after
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
    token = CSRF.search(await (await client.get("/login")).text()).group(1)
    for path in FORMS:
        assert (await client.post(path, data={}, allow_redirects=False)).status == 403  # no CSRF
        response = await client.post(path, data={"csrf": token}, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login")
    judge = await signed_in(aiohttp_client, court, JUDGE_PHONE)
    token = CSRF.search(await (await judge.get("/console/cases")).text()).group(1)
    for path in PAGES:
        assert (await judge.get(path, allow_redirects=False)).status == 403, path
    for path in FORMS:
        response = await judge.post(path, data={"csrf": token}, allow_redirects=False)
        assert response.status == 403, path
    assert "/admin/" not in await (await judge.get("/console/cases")).text()  # no admin links
    for method, path in API:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.request(method, path, headers=headers, data=b"x")
            assert response.status == 401, (method, path)
    assert {row.actor for row in await audit(court)} == {"cli"}  # the set-up alone


@BOTH
async def test_an_admin_of_another_court_sees_nothing_of_this_one(
    court: Runtime, aiohttp_client
) -> None:
    village = await user_id(court, VILLAGE_PHONE)
    other = await signed_in(aiohttp_client, court, OTHER_ADMIN_PHONE)
    people = await (await other.get("/admin/users")).text()
    assert "王书记" not in people and "孙管理员" in people
    assert (await other.get(f"/admin/users/{village}")).status == 404
    for action in ("", "/deactivate", "/invite"):
        page = "/admin/users"
        token = CSRF.search(await (await other.get(page)).text()).group(1)
        form = {"csrf": token, "name": "改名", "area_code": "330522"}
        response = await other.post(f"/admin/users/{village}{action}", data=form)
        assert response.status == 404
    log = await (await other.get("/admin/audit")).text()
    assert f"user {village}" not in log and "王书记" not in log
    assert (await court.services.accounts.member(village)).active


@BOTH
async def test_people_through_the_console_are_audited_and_a_deactivated_official_hands_over(
    court: Runtime, aiohttp_client
) -> None:
    admin = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    me = await user_id(court, ADMIN_PHONE)
    added = await post(
        admin,
        "/admin/users",
        "/admin/users",
        role="official",
        name="周网格员",
        phone="13900000021",
        area_code="330522102201",
    )
    assert "已保存" in added and "周网格员" in added
    new = await user_id(court, "+8613900000021")
    refused = await post(
        admin, "/admin/users", "/admin/users", role="official", name="无辖区", phone="13900000022"
    )
    assert "an official needs an area" in refused
    edited = await post(
        admin, f"/admin/users/{new}", f"/admin/users/{new}", name="周书记", area_code="330522102201"
    )
    assert "周书记" in edited
    invited = await post(admin, f"/admin/users/{new}/invite", f"/admin/users/{new}")
    assert "Telegram 邀请码" in invited

    # the debtor reports hardship: the village official's first call and verification
    for said in ("2", "3", "年过八十，无劳动能力", "1"):
        await court.services.engine.handle(
            InboundMessage(Channel.SMS, DEBTOR, said, provider_id=f"SBIN{next(SIDS)}")
        )
    village = await user_id(court, VILLAGE_PHONE)
    township = await user_id(court, TOWNSHIP_PHONE)
    async with store(court) as uow:
        open_before = await uow.tasks.open_for(village)
    assert open_before
    done = await post(admin, f"/admin/users/{village}/deactivate", f"/admin/users/{village}")
    assert f"已停用王书记；{len(open_before)} 项未办任务已移交" in done
    async with store(court) as uow:
        assert await uow.tasks.open_for(village) == []
        moved = await uow.tasks.open_for(township)
        assert [t.reason for t in moved] == [t.reason for t in open_before]
        assert await uow.users.officials_for("330522102201") != []  # 周书记 now
        assert village not in [u.id for u in await uow.users.officials_for("330522102201")]
    view = await court.services.cases.view(1)
    escalated = [e for e in view.timeline if e.type == "event" and e.kind == "task_escalated"]
    assert len(escalated) == len(open_before)

    # the deactivated official cannot sign in: the neutral refusal
    client = await aiohttp_client(court.web_app())
    refused_login = await sign_in(client, VILLAGE_PHONE)
    assert refused_login.status == 401
    assert "手机号或密码不正确" in await refused_login.text()  # as for a wrong password

    rows = await audit(court, actor=str(me))
    assert [(r.action, r.object_id) for r in rows] == [
        ("deactivate_user", str(village)),
        ("edit_user", str(new)),
        ("add_user", str(new)),
    ]
    assert rows[0].before["active"] is True and rows[0].after["active"] is False
    assert rows[1].before["name"] == "周网格员" and rows[1].after["name"] == "周书记"
    log = htmllib.unescape(
        await (await admin.get(f"/admin/audit?actor={me}&action=edit_user")).text()
    )
    assert "共 1 条记录" in log and "周书记" in log
    assert "共 0 条记录" in htmllib.unescape(
        await (await admin.get("/admin/audit?since=2099-01-01")).text()
    )
    assert (await admin.get("/admin/audit?since=yesterday")).status == 422


@BOTH
async def test_api_changes_are_audited_and_the_log_is_never_edited(
    court: Runtime, aiohttp_client, db_url: str
) -> None:
    client = await aiohttp_client(court.web_app())
    added = await client.post(
        "/api/v1/admin/users",
        json={"role": "judge", "name": "吴法官", "phone": "13900000031", "court_code": "浙0522"},
        headers=BEARER,
    )
    assert added.status == 201
    new = (await added.json())["id"]
    bad = await client.post("/api/v1/admin/users", json={"role": "king"}, headers=BEARER)
    assert bad.status == 422
    gone = await client.post(f"/api/v1/admin/users/{new}/deactivate", headers=BEARER)
    assert (await gone.json()) == {"id": new, "active": False, "moved_tasks": 0}
    again = await client.post(f"/api/v1/admin/users/{new}/deactivate", headers=BEARER)
    assert again.status == 409
    assert (await client.post("/api/v1/admin/users/99999/deactivate", headers=BEARER)).status == 404
    listed = await (await client.get("/api/v1/admin/users?role=judge", headers=BEARER)).json()
    assert {"id": new, "active": False} == {
        k: v for k, v in listed[-1].items() if k in ("id", "active")
    }

    csv = "code,name,parent\n330522,长兴县,\n330522102,雉城街道,330522\n".encode("gbk")
    imported = await client.post("/api/v1/admin/areas/import", data=csv, headers=BEARER)
    assert await imported.json() == {"added": 2, "renamed": 0, "unchanged": 0}
    wrong = "code,name,parent\n330522,长兴县,\n330523,安吉县,\n330523,安吉,\n".encode()
    refused = await client.post("/api/v1/admin/areas/import", data=wrong, headers=BEARER)
    assert refused.status == 422
    assert (await refused.json())["errors"] == [
        {"field": "line 4", "message": "code 330523 is already on line 3"}
    ]
    assert "330523" not in dict(await court.services.staff.areas())  # nothing half-saved

    page = await (await client.get("/api/v1/admin/audit?actor=api", headers=BEARER)).json()
    assert page["total"] == 4 and page["page"] == 1
    assert [row["action"] for row in page["rows"]] == [
        "save_area",
        "save_area",
        "deactivate_user",
        "add_user",
    ]
    assert page["rows"][-1]["after"]["name"] == "吴法官"
    for query in (
        "page=0",
        "since=0001-01-01",
        "action=drop",
        "actor=root",
        "colour=red",
        "actor=",
        "since=%0C",  # blank is empty too (found by the schema fuzz: it was no filter)
        "action=%20%0A",
        "object_id=a%00b",  # a NUL byte: PostgreSQL would refuse the query
    ):
        refused = await client.get(f"/api/v1/admin/audit?{query}", headers=BEARER)
        assert refused.status == 422, query
    assert (await client.get("/api/v1/admin/users?role=king", headers=BEARER)).status == 422

    engine = make_engine(court.services.settings.database_url)
    try:
        for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
            with pytest.raises(Exception, match="never edited"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(method, "/api/v1/admin/audit", headers=BEARER)
        assert response.status == 405


async def test_areas_from_the_console_all_or_nothing(court: Runtime, aiohttp_client) -> None:
    admin = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    me = await user_id(court, ADMIN_PHONE)

    async def upload(data: bytes) -> str:
        token = CSRF.search(await (await admin.get("/admin/areas")).text()).group(1)
        form = FormData({"csrf": token})
        form.add_field("file", data, filename="areas.csv", content_type="text/csv")
        response = await admin.post("/admin/areas", data=form)
        return htmllib.unescape(await response.text())

    good = "\ufeffcode,name,parent\n330522,长兴县,\n330522102,雉城街道,330522\n"
    done = await upload(good.encode())
    assert "已导入：2 个区划新增或改名" in done and "雉城街道" in done
    bad = await upload("code,name,parent\n3305,短,\n330522103,画溪街道,330599\n".encode("gbk"))
    assert "第 2 行" in bad and "not 6, 9 or 12 digits" in bad and "第 3 行" in bad
    assert "画溪街道" not in bad.split("已登记的区划")[1]
    assert "neither UTF-8 nor GBK" in await upload(
        "code,name,parent\n330522,Zürich,\n".encode("latin-1")
    )
    rows = await audit(court, actor=str(me))
    assert [(r.action, r.object_id, r.court_id) for r in rows] == [
        ("save_area", "330522102", None),
        ("save_area", "330522", None),
    ]
    assert AuditActor.of(await court.services.accounts.member(me)).court_id is not None


@BOTH
async def test_a_phone_someone_holds_is_refused_naming_who_and_nothing_changes(
    court: Runtime, aiohttp_client
) -> None:
    """Adding a person whose number (however written) is another staff member's, the
    creditor's or a debtor's is refused, saying whose (a debtor only as a debtor); the
    holder is untouched and no second user has the number. The same person again (role,
    number and name) is still saved, as the CLI and the tests' set-up do."""
    admin = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    judge = await user_id(court, JUDGE_PHONE)
    before = await court.services.staff.users(CLI)
    cases = [
        ({"role": "judge", "name": "赵法官", "phone": JUDGE_PHONE}, "承办法官李法官"),
        ({"role": "admin", "name": "杜管理员", "phone": "139 0000 0002"}, "申请执行人杜某"),
        (
            {"role": "official", "name": "林书记", "phone": "138 0013 8000", "area_code": "330522"},
            "被执行人的号码",
        ),
    ]
    for form, holder in cases:
        said = await post(admin, "/admin/users", "/admin/users", **form)
        assert holder in said and "已保存" not in said, said
    assert "林某" not in said and "1234" not in said  # the debtor's name and case stay unsaid
    assert await court.services.staff.users(CLI) == before
    assert (await court.services.staff.user(CLI, judge)).name == "李法官"
    me = await user_id(court, ADMIN_PHONE)
    assert await audit(court, actor=str(me)) == []

    api = await aiohttp_client(court.web_app())
    body = {"role": "admin", "name": "杜管理员", "phone": "+8613900000002", "court_code": "浙0522"}
    refused = await api.post("/api/v1/admin/users", json=body, headers=BEARER)
    assert refused.status == 422
    assert "creditor 杜某" in (await refused.json())["errors"][0]["message"]

    again = await post(
        admin, "/admin/users", "/admin/users", role="judge", name="李法官", phone="13900000001"
    )
    assert "已保存" in again
    assert await court.services.staff.users(CLI) == before


@BOTH
async def test_another_courts_people_and_debtors_stay_unsaid_and_one_person_may_hold_two_roles(
    court: Runtime,
) -> None:
    """An admin of another court learns nothing of this court's debtors by adding their
    numbers (the add is theirs to make), nor who holds a number in another role; a number of
    this very role elsewhere is refused without a name. The judge made this court's admin
    too is one person in two roles."""
    staff = court.services.staff
    theirs_id = await staff.add_user(
        actor=CLI, role="admin", name="孙管理员", phone="+8613900000777", court_code="浙0523"
    )
    theirs = AuditActor("console", theirs_id, (await staff.user(CLI, theirs_id)).court_id)
    assert await staff.add_user(
        actor=theirs, role="official", name="林书记", phone=DEBTOR, area_code="330523"
    )
    with pytest.raises(PhoneTaken) as refused:
        await staff.add_user(actor=theirs, role="judge", name="周法官", phone=JUDGE_PHONE)
    assert "李法官" not in str(refused.value) and "another court" in str(refused.value)
    await staff.add_user(
        actor=CLI, role="admin", name="李法官", phone=JUDGE_PHONE, court_code="浙0522"
    )
    roles = {u.role: u.name for u in await staff.users(CLI) if u.phone == JUDGE_PHONE}
    assert roles == {"judge": "李法官", "admin": "李法官"}


@BOTH
async def test_a_deactivated_judge_hands_their_open_task_to_the_admin_who_can_act_on_it(
    court: Runtime, aiohttp_client
) -> None:
    """A grace request is the judge's task; the judge is deactivated: the task moves to the
    court's admin (who gets new tasks of the case), is listed for them and their SMS acts
    on it; the judge's SMS no longer can."""
    for said in ("4", "12月20日", "等工资发下来就还", "1"):
        await court.services.engine.handle(
            InboundMessage(Channel.SMS, DEBTOR, said, provider_id=f"SBIN{next(SIDS)}")
        )
    judge = await user_id(court, JUDGE_PHONE)
    me = await user_id(court, ADMIN_PHONE)
    async with store(court) as uow:
        [task] = await uow.tasks.open_for(judge)
    assert (task.kind, task.reason) == ("decide", "grace")
    admin = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    done = await post(admin, f"/admin/users/{judge}/deactivate", f"/admin/users/{judge}")
    assert "已停用李法官；1 项未办任务已移交" in done
    async with store(court) as uow:
        assert await uow.tasks.open_for(judge) == []
        [moved] = await uow.tasks.open_for(me)
    assert (moved.kind, moved.reason, moved.filing_id) == ("decide", "grace", task.filing_id)
    listed = htmllib.unescape(await (await admin.get("/console/tasks")).text())
    assert f"#{moved.id}" in listed
    view = await court.services.cases.view(1)
    [handed] = [e for e in view.timeline if e.type == "event" and e.kind == "task_handed_over"]
    assert handed.detail["task_id"] == task.id and handed.detail["to_task"] == moved.id

    stale = await court.services.engine.handle(
        InboundMessage(Channel.SMS, JUDGE_PHONE, f"同意 #{task.id}", provider_id="SBJUDGE")
    )
    assert "已同意" not in " ".join(r.text for r in stale)
    accepted = await court.services.engine.handle(
        InboundMessage(Channel.SMS, ADMIN_PHONE, f"同意 #{moved.id}", provider_id="SBADMIN")
    )
    assert accepted
    view = await court.services.cases.view(1)
    assert view.status == "grace"


@BOTH
async def test_full_width_area_codes_are_stored_as_ascii(court: Runtime, aiohttp_client) -> None:
    """An official added or edited with a full-width area code, and an area added or imported
    so, are stored in ASCII: the official then covers the debtors of that area."""
    admin = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    said = await post(
        admin,
        "/admin/users",
        "/admin/users",
        role="official",
        name="全角书记",
        phone="13900000041",
        area_code="３３０５２２１０２２０１",
    )
    assert "已保存" in said
    new = await user_id(court, "+8613900000041")
    assert (await court.services.staff.user(CLI, new)).area_code == "330522102201"
    here = f"/admin/users/{new}"
    await post(admin, here, here, name="全角书记", area_code="３３０５２２")
    assert (await court.services.staff.user(CLI, new)).area_code == "330522"

    token = CSRF.search(await (await admin.get("/admin/areas")).text()).group(1)
    form = FormData({"csrf": token})
    data = "code,name,parent\n３３０５２２１０７,全角镇,\n".encode()
    form.add_field("file", data, filename="areas.csv", content_type="text/csv")
    await admin.post("/admin/areas", data=form)
    await court.services.staff.add_area(CLI, "３３０５２２１０８", "全角乡")
    areas = dict(await court.services.staff.areas())
    assert areas["330522107"] == "全角镇" and areas["330522108"] == "全角乡"
    assert not any(not code.isascii() for code in areas)
