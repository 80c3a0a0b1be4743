"""The console in a real browser (Debian's chromium, driven by Playwright) against the real app
on 127.0.0.1: a judge signs in, finds a case by the debtor's name, opens it and reads the
settlement a debtor proposed; logged out, every console page lands on the login.

Screenshots of each page go to `tests/artifacts/` (git-ignored), for a look by eye: at a
desk's width, at a phone's, and as printed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import (
    ASSETS,
    JUDGE_PHONE,
    PASSWORD,
    SETTLEMENT,
    add_filing,
    add_staff,
)
from tests.helpers import judgment, register

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESK = {"width": 1100, "height": 800}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no browser: install Debian's chromium ({CHROMIUM})"
)
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed: pip install -e '.[test]'"
)
Page = playwright_api.Page
expect = playwright_api.expect


@pytest.fixture
async def console(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    yield runtime
    await runtime.close()


@pytest.fixture
async def site(console: Runtime, aiohttp_server: AiohttpServer) -> str:
    server = await aiohttp_server(console.web_app())
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"console_{name}.png", full_page=True)


async def test_a_judge_finds_a_case_by_name_and_reads_the_settlement(
    browser, site: str, console: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    case_id = await register(console, judgment(clock.now()))
    await register(console, judgment(clock.now(), case_number="（2024）浙0522民初1235号"))
    await console.services.dispatcher.run_once()
    await add_filing(sqlite_url, case_id, "assets", ASSETS, clock.now())
    await add_filing(sqlite_url, case_id, "settle", SETTLEMENT, clock.now())
    page = await browser.new_page(viewport=DESK)

    await page.goto(f"{site}/console/cases")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await shoot(page, "login")
    await page.get_by_label("手机号").fill(JUDGE_PHONE)
    await page.get_by_label("密码").fill("not the password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_contain_text("手机号或密码不正确")
    await shoot(page, "login_refused")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()

    await expect(page).to_have_url(f"{site}/console/cases")
    await expect(page.locator("tbody tr")).to_have_count(2)
    await shoot(page, "cases")
    await page.get_by_role("searchbox").fill("林某")
    await page.get_by_role("button", name="查找").click()
    await expect(page).to_have_url(re.compile(r"q=%E6%9E%97"))
    await shoot(page, "cases_found")
    await page.get_by_role("link", name="（2024）浙0522民初1234号").first.click()

    await expect(page).to_have_url(f"{site}/console/cases/{case_id}")
    settlement = page.locator("article.filing", has_text="和解")
    await expect(settlement).to_contain_text("12")
    await expect(settlement).to_contain_text("9,000")
    await expect(settlement).to_contain_text("2027-11-15")
    await expect(settlement).to_contain_text("128,000")
    await expect(page.locator("#decisions")).to_be_visible()
    await shoot(page, "case")
    await page.emulate_media(media="print")
    await expect(page.locator("header.bar")).to_be_hidden()  # a printout is the case alone
    await shoot(page, "case_print")
    await page.emulate_media(media="screen")

    await page.set_viewport_size(PHONE)
    await shoot(page, "case_phone")
    await page.goto(f"{site}/console/cases")
    await shoot(page, "cases_phone")
    await page.set_viewport_size(DESK)

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    await page.goto(f"{site}/console/tasks")
    await shoot(page, "tasks_en")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{site}/login")


@pytest.mark.parametrize(
    "path", ["/console", "/console/cases", "/console/cases/1", "/console/tasks"]
)
async def test_logged_out_every_console_page_lands_on_the_login(
    browser, site: str, path: str
) -> None:
    page = await browser.new_page(viewport=DESK)
    await page.goto(f"{site}{path}")
    await expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.url.startswith(f"{site}/login?next=")
