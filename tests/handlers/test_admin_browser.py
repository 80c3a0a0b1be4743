"""The admin pages in a real browser (chromium, Playwright) against the real app on
127.0.0.1: an admin signs in, adds an official, imports an areas CSV, deactivates a user and
reads the audit log. Screenshots go to `tests/artifacts/console_admin_*.png`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import add_staff
from tests.handlers.test_console_browser import (
    browser,
    expect,
    pytestmark,
    shoot,
    signed_in_at,
)

__all__ = ["browser", "pytestmark"]  # the browser fixture and the skip without chromium
ADMIN_PHONE = "+8613900000011"


@pytest.fixture
async def court(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)
    await add_staff(runtime, "judge", "李法官", "+8613900000001")
    yield runtime
    await runtime.close()


async def test_an_admin_adds_imports_deactivates_and_reads_the_log(
    browser, court: Runtime, aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    page = await signed_in_at(browser, court, aiohttp_server, "/admin/users", ADMIN_PHONE)

    form = page.locator("form[action='/admin/users']")
    await form.get_by_label("角色").select_option("official")
    await form.get_by_label("姓名").fill("周网格员")
    await form.get_by_label("手机号").fill("13900000021")
    await form.get_by_label("辖区代码").fill("330522102201")
    await shoot(page, "admin_users")
    await form.get_by_role("button", name="添加人员").click()
    await expect(page.get_by_role("status")).to_have_text("已保存。")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("周网格员")
    await shoot(page, "admin_user")

    csv = tmp_path / "areas.csv"
    csv.write_bytes("code,name,parent\n330522,长兴县,\n330522102,雉城街道,330522\n".encode("gbk"))
    await page.get_by_role("link", name="区划").click()
    await page.get_by_label("CSV 文件").set_input_files(str(csv))
    await page.get_by_role("button", name="导入区划").click()
    await expect(page.get_by_role("status")).to_contain_text("2 个区划")
    await expect(page.get_by_role("cell", name="雉城街道")).to_be_visible()
    await shoot(page, "admin_areas")

    await page.get_by_role("link", name="人员").click()
    await page.get_by_role("link", name="李法官").click()
    await page.get_by_role("button", name="停用").click()
    await expect(page.get_by_role("status")).to_contain_text("已停用李法官")
    await shoot(page, "admin_deactivated")

    await page.get_by_role("link", name="审计日志").first.click()
    rows = page.locator("tbody tr")
    await expect(rows.first).to_contain_text("deactivate_user")
    # the set-up (two people, two passwords by the CLI), then a user, two areas, a deactivation
    await expect(page.get_by_text("共 8 条记录")).to_be_visible()
    await page.get_by_label("操作", exact=True).fill("save_area")
    await page.get_by_role("button", name="查询").click()
    await expect(rows).to_have_count(2)
    await shoot(page, "admin_audit")
