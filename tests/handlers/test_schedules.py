"""Courts' schedules over real HTTP on a real SQLite file: the admin API saves a version or
refuses it with every reason (nothing saved), a new case is planned with the latest version,
a re-plan's dry run says what its apply then does, dispatch keeps the case's own quiet hours,
and an admin's console pages show and change their own court's schedule alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from bot.domain.audit import CLI, AuditFilter
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import CSRF, add_staff, sign_in
from tests.helpers import AUTH, SHANGHAI, get_case, judgment, new_case, numbered_judgment

ADMIN_PHONE = "+8613900000011"
OTHER_ADMIN_PHONE = "+8613900000012"
COURT = f"/api/v1/admin/schedules/{quote('浙0522')}"
EVE = {"key": "eve", "anchor": "due", "days": -1, "at": "18:00", "template": "reminder.warning"}


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def utc_text(month: int, day: int, hour: int) -> str:
    """A local time in Shanghai as the API writes it."""
    return local(month, day, hour).astimezone(UTC).isoformat()


def version_1(body: dict) -> dict:
    """The built-in schedule with a later middle reminder, one on the deadline's eve, a
    weekly cap of 4 and quiet hours at lunch."""
    steps = body["steps"]
    steps[1] |= {"days": 4}
    return body | {"steps": [*steps[:3], EVE, steps[3]], "quiet_hours": "12:00-14:00"}


@pytest.fixture
async def court(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    yield runtime
    await runtime.close()


def steps_of(case: dict) -> dict[str, tuple[str, str]]:
    return {
        r["step"]: (r["status"], r["due_at"]) for r in case["reminders"] if "task" not in r["step"]
    }


async def test_versions_replan_and_dispatch_through_the_api(
    court: Runtime, aiohttp_client, clock: FakeClock
) -> None:
    client = await aiohttp_client(court.web_app())
    old_case = await new_case(client, clock)  # 10:00 on 26 Nov, due 6 Dec: the built-in plan
    assert await court.services.dispatcher.run_once() == 1  # its day-0 reminder goes
    built_in = await (await client.get(COURT, headers=AUTH)).json()
    assert (built_in["version"], built_in["history"]) == (0, [])

    body = version_1(built_in["schedule"])
    refused = await client.put(COURT, json=body | {"weekly_cap": 3}, headers=AUTH)
    assert refused.status == 422
    assert (await refused.json())["errors"] == [
        {
            "field": "weekly_cap",
            "key": "schedule.error.cap_broken",
            "message": "履行期为7天的案件会在7天内收到4条提醒，超过每周上限3条。",
        }
    ]
    assert (await (await client.get(COURT, headers=AUTH)).json())["version"] == 0
    saved = await client.put(COURT, json=body | {"weekly_cap": 4}, headers=AUTH)
    assert (saved.status, await saved.json()) == (201, {"court": "浙0522", "version": 1})
    unknown = await client.put(f"{COURT}x", json=body, headers=AUTH)
    assert unknown.status == 404

    # a new case runs version 1; the old one keeps the built-in plan until the re-plan
    new = await client.post(
        "/api/v1/judgments", json=numbered_judgment(1, clock.now()), headers=AUTH
    )
    assert "eve" in steps_of(await get_case(client, (await new.json())["case_id"]))
    assert "eve" not in steps_of(await get_case(client, old_case))

    dry = await (await client.post(f"{COURT}/replan", headers=AUTH)).json()
    assert dry["applied"] is False and dry["cases"] == 1
    assert dry["counts"] == {"added": 1, "moved": 1, "cancelled": 0, "revived": 0}
    applied = await (await client.post(f"{COURT}/replan?dry_run=false", headers=AUTH)).json()
    assert applied == dry | {"applied": True}  # the same numbers, the same rows
    again = await (await client.post(f"{COURT}/replan", headers=AUTH)).json()
    assert again["cases"] == 0
    steps = steps_of(await get_case(client, old_case))
    assert steps["day0"][0] == "sent"  # never again
    assert steps["middle"] == ("pending", utc_text(11, 30, 10))  # day 4 at 10:00
    assert steps["eve"] == ("pending", utc_text(12, 5, 18))

    # the court's own quiet hours hold at dispatch: a row due at 12:30 waits for 14:00
    clock.set(local(11, 30, 12, 30))
    await court.services.dispatcher.run_once()
    steps = steps_of(await get_case(client, old_case))
    assert steps["middle"] == ("pending", utc_text(11, 30, 14))
    clock.set(local(11, 30, 14))
    await court.services.dispatcher.run_once()
    assert steps_of(await get_case(client, old_case))["middle"][0] == "sent"

    rows, _ = await court.services.staff.audit(CLI, AuditFilter(object_kind="court"))
    assert [(r.actor, r.action, r.object_id) for r in rows] == [
        ("api", "replan", "浙0522"),
        ("api", "set_schedule", "浙0522"),
    ]
    assert rows[0].after == {"version": 1, "cases": 1, "added": 1, "moved": 1}
    assert rows[1].before is None and rows[1].after["weekly_cap"] == 4


async def test_an_admin_edits_their_own_courts_schedule_in_the_console(
    court: Runtime, aiohttp_client, clock: FakeClock
) -> None:
    await add_staff(court, "admin", "钱管理员", ADMIN_PHONE)
    await court.services.judgments.register(court.services.judgments.parse(judgment(clock.now())))
    other_id = await court.services.staff.add_user(
        actor=CLI, role="admin", name="孙管理员", phone=OTHER_ADMIN_PHONE, court_code="浙0523"
    )
    await court.services.accounts.set_password(CLI, other_id, "correct horse battery")
    other = await aiohttp_client(court.web_app())
    assert (await sign_in(other, OTHER_ADMIN_PHONE)).status == 302
    page = await (await other.get("/admin/schedules")).text()
    assert "浙0523" in page and "内置默认日程" in page
    # an empty field means no quiet hours: said beside it, not shown as a greyed window
    assert "留空即不设" in page and 'placeholder="21:00-08:00"' not in page
    token = CSRF.search(page).group(1)
    form = {
        "csrf": token,
        "quiet_hours": "21:00-08:00",
        "weekly_cap": "0",
        "step_key": ["day0", "deadline", ""],
        "step_anchor": ["effective", "due", "due"],
        "step_days": ["0", "1", ""],
        "step_at": ["", "9:00", ""],
        "step_template": ["reminder.day0", "reminder.nope", "reminder.day0"],
        "step_follow_up": ["yes", "no", "no"],
    }
    answer = await other.post("/admin/schedules", data=_fields(form))
    assert answer.status == 422
    said = await answer.text()
    for reason in ("第2步：晚于履行期限", "第2步：时间须写作 HH:MM", "第2步：没有这个提醒模板"):
        assert reason in said
    assert "每周上限须为1至14之间的整数" in said
    assert 'value="9:00"' in said  # what was typed comes back to be corrected
    form |= {"weekly_cap": "2", "step_days": ["0", "0", ""], "step_at": ["", "09:00", ""]}
    form["step_template"][1] = "reminder.deadline"
    saved = await other.post("/admin/schedules", data=_fields(form))
    assert "已保存为第1版" in await saved.text()
    ours = await (await other.get("/admin/schedules/replan")).text()
    assert "没有需要改动的案件" in ours  # the other court has no case; 浙0522's is not theirs
    assert (await court.services.schedules.current(CLI, "浙0522")).version == 0
    assert (await court.services.schedules.current(CLI, "浙0523")).version == 1


def _fields(form: dict) -> list[tuple[str, str]]:
    return [
        (k, v)
        for k, values in form.items()
        for v in ([values] if isinstance(values, str) else values)
    ]
