"""A court's own text in a real browser (chromium, Playwright) against the real app on
127.0.0.1: an admin signs in, opens the day-0 reminder, sees the preview follow the text with
its segment count and alphabet, is refused a misspelt placeholder (with the one meant), and
saves a good text. Screenshots go to `tests/artifacts/console_template_*.png`."""

from __future__ import annotations

import re

from pytest_aiohttp import AiohttpServer

from ducu.bootstrap import Runtime
from tests.handlers.test_admin_browser import ADMIN_PHONE, court
from tests.handlers.test_console_browser import (
    browser,
    expect,
    pytestmark,
    shoot,
    signed_in_at,
)

__all__ = ["browser", "court", "pytestmark"]  # the fixtures and the skip without chromium
MISSPELT = "{court}{nmae}：{case_number}案请于{deadline}前履行{amount}元。"


async def test_an_admin_words_the_first_reminder_with_a_live_preview(
    browser, court: Runtime, aiohttp_server: AiohttpServer
) -> None:
    page = await signed_in_at(browser, court, aiohttp_server, "/admin/templates", ADMIN_PHONE)
    await shoot(page, "templates")
    await page.get_by_role("link", name="首次提醒（判决生效当日）").first.click()
    await expect(page).to_have_url(re.compile(r"/admin/templates/zh-CN/reminder\.day0$"))
    count = page.locator("#count")
    await expect(count).to_have_text("2 条短信 · UCS-2 · 115 字")  # the shipped text

    text = page.get_by_label("文本", exact=True)
    await text.fill(MISSPELT)  # the preview follows as it is typed
    await expect(page.locator("#refused")).to_contain_text("没有占位符 {nmae}，是否想写 {name}？")
    await page.get_by_role("button", name="保存", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("未保存")
    await expect(page.get_by_role("alert")).to_contain_text("是否想写 {name}？")
    await shoot(page, "template_refused")

    await text.fill(MISSPELT.replace("{nmae}", "{name}"))
    await expect(page.locator("#refused")).to_be_hidden()
    await expect(count).to_have_text("1 条短信 · UCS-2 · 65 字")
    await expect(page.locator("#preview")).to_have_text(
        "【长兴县人民法院】欧阳娜娜：（2024）浙0522民初12345号案请于2026年12月31日前"
        "履行12,345,678.90元。"
    )
    await page.get_by_role("button", name="保存", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("已保存：此后发送的提醒使用本院文本。")
    await expect(page.get_by_role("button", name="恢复默认文本")).to_be_visible()
    await shoot(page, "template_saved")
