"""The schedule pages in a real browser (chromium, Playwright) against the real app on
127.0.0.1: an admin signs in, adds a step, is refused for the weekly cap, removes a step and
saves, then re-plans the open case after reading the dry run. Screenshots go to
`tests/artifacts/console_schedule_*.png`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pytest_aiohttp import AiohttpServer

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import add_staff
from tests.handlers.test_admin_browser import ADMIN_PHONE
from tests.handlers.test_console_browser import (
    browser,
    expect,
    pytestmark,
    shoot,
    signed_in_at,
)
from tests.helpers import judgment, register

__all__ = ["browser", "pytestmark"]  # the browser fixture and the skip without chromium


@pytest.fixture
async def court(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)
    await register(runtime, judgment(clock.now()))  # an open case on the built-in schedule
    yield runtime
    await runtime.close()


async def test_an_admin_edits_a_schedule_is_refused_for_the_cap_and_replans(
    browser, court: Runtime, aiohttp_server: AiohttpServer
) -> None:
    page = await signed_in_at(browser, court, aiohttp_server, "/admin/schedules", ADMIN_PHONE)
    await expect(page.get_by_text("内置默认日程")).to_be_visible()

    rows = page.locator("#steps tr")
    await expect(rows).to_have_count(5)  # four steps and a blank row
    await page.get_by_role("button", name="添加步骤").click()
    await expect(rows).to_have_count(6)
    eve = rows.last
    await eve.get_by_label("步骤名").fill("eve")
    await eve.get_by_label("起算点").select_option("due")
    await eve.get_by_label("天数").fill("-1")
    await eve.get_by_label("时间").fill("18:00")
    await eve.get_by_label("提醒模板").select_option("reminder.warning")
    await shoot(page, "schedule_edit")
    await page.get_by_role("button", name="保存为新版本").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("履行期为7天的案件会在7天内收到4条提醒，超过每周上限3条")
    await shoot(page, "schedule_refused")

    middle = rows.filter(has=page.locator("input[name=step_key][value=middle]"))
    await middle.get_by_role("button", name="删除").click()
    await page.get_by_role("button", name="保存为新版本").click()
    await expect(page.get_by_role("status")).to_contain_text("已保存为第1版")
    await expect(page.get_by_role("cell", name="第1版")).to_be_visible()  # the versions

    await page.get_by_role("link", name="重新排程").click()
    await expect(page.get_by_text("预演：把本院未结案件改按第1版排程")).to_be_visible()
    await expect(page.locator("[data-count=added]")).to_have_text("1")  # the eve
    await expect(page.locator("[data-count=cancelled]")).to_have_text("1")  # the middle one
    await expect(page.get_by_role("cell", name="eve")).to_be_visible()
    await shoot(page, "schedule_dry_run")
    await page.get_by_role("button", name="确认执行").click()
    await expect(page.get_by_role("status")).to_contain_text("已将1件案件改按第1版排程")
    await page.get_by_role("link", name="重新排程").click()
    await expect(page.get_by_text("没有需要改动的案件")).to_be_visible()
