"""The console in a real browser (Debian's chromium, driven by Playwright) against the real app
on 127.0.0.1: a judge signs in, finds a case by the debtor's name, opens it and reads the
settlement a debtor proposed; a judge counter-proposes and the debtor's sandbox shows it; an
official records a call; another judge's case is not found; logged out, every console page
lands on the login.

Screenshots of each page go to `tests/artifacts/` (git-ignored), for a look by eye: at a
desk's width, at a phone's, and as printed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from bot.domain.messages import InboundMessage
from bot.domain.status import Channel
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import (
    ASSETS,
    JUDGE_PHONE,
    OFFICIAL_PHONE,
    OTHER_JUDGE_PHONE,
    PASSWORD,
    SETTLEMENT,
    add_filing,
    add_staff,
)
from tests.helpers import DEBTOR, judgment, register

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


async def signed_in_at(
    browser, runtime: Runtime, aiohttp_server: AiohttpServer, path: str, phone: str, **options
) -> Page:
    """A new page of a new server, at `path` through the sign-in it redirects to."""
    site = str((await aiohttp_server(runtime.web_app())).make_url("")).rstrip("/")
    page = await browser.new_page(viewport=DESK, **options)
    await page.goto(f"{site}{path}")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{site}{path}")
    return page


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


async def sign_in_as(page: Page, site: str, phone: str) -> None:
    await page.goto(f"{site}/login")
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{site}/console/cases")


async def test_a_judge_counter_proposes_the_debtor_sees_it_an_official_records_a_call(
    browser, site: str, console: Runtime, clock: FakeClock
) -> None:
    await add_staff(console, "official", "王书记", OFFICIAL_PHONE, area_code="330522102201")
    await add_staff(console, "judge", "赵法官", OTHER_JUDGE_PHONE)
    case_id = await register(console, judgment(clock.now()))
    await console.services.dispatcher.run_once()  # day 0
    for n, text in enumerate(("3", "1", "2万", "10", "1.1万", "15号", "1")):
        await console.services.engine.handle(
            InboundMessage(Channel.SMS, DEBTOR, text, provider_id=f"SBIN{n}")
        )
    judge = await browser.new_page(viewport=DESK)
    await sign_in_as(judge, site, JUDGE_PHONE)
    await judge.goto(f"{site}/console/cases/{case_id}")
    decisions = judge.locator("#decisions")
    await expect(decisions).to_contain_text("和解方案待决定")
    await judge.get_by_label("首付（元，可为0）").fill("5千")
    await judge.get_by_label("期数").fill("十二")
    await judge.get_by_label("每期（元）").fill("1万")
    await judge.get_by_label("每月几日").fill("15")
    await judge.get_by_role("button", name="预览各期").click()
    await expect(judge.locator("#preview tbody tr")).to_have_count(14)  # 13 payments, the total
    await shoot(judge, "counter_preview")
    await judge.get_by_role("button", name="提交还价").click()
    await expect(judge.get_by_role("status")).to_contain_text("还价")
    await expect(decisions).to_contain_text("本案目前没有需要您处理的事项")
    await shoot(judge, "counter_sent")

    await console.services.dispatcher.run_once()  # the counter-proposal goes to the debtor
    debtor = await browser.new_page(viewport=PHONE)
    await debtor.goto(f"{site}/sandbox?address=%2B8613800138000")
    await expect(debtor.locator(".m.out").last).to_contain_text("首付5,000元")
    await expect(debtor.locator(".m.out").last).to_contain_text("回复1同意，2拒绝")
    await shoot(debtor, "sandbox_counter")

    official = await browser.new_page(viewport=PHONE)
    await sign_in_as(official, site, OFFICIAL_PHONE)
    await official.goto(f"{site}/console/tasks")
    task = official.locator("article.task").first
    await expect(task).to_contain_text("督促后首次电话")
    await task.get_by_label("处理结果").select_option("reached")
    await task.get_by_label("理由／备注／日期").fill("已电联，本人称月底前付清")
    await task.get_by_role("button", name="提交").click()
    await expect(official.get_by_role("status")).to_contain_text("已联系")
    await shoot(official, "tasks_done_phone")

    other = await browser.new_page(viewport=DESK)
    await sign_in_as(other, site, OTHER_JUDGE_PHONE)
    response = await other.goto(f"{site}/console/cases/{case_id}")
    assert response is not None and response.status == 404


@pytest.fixture
async def lively_site(sqlite_url: str, clock: FakeClock, aiohttp_server: AiohttpServer):
    """The console with pages that look for news twice a second."""
    settings = make_settings(sqlite_url, None, DUCU_PUBLIC_URL="", DUCU_CONSOLE_POLL_SECONDS=0.5)
    runtime = await build(settings, clock=clock)
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    server = await aiohttp_server(runtime.web_app())
    yield runtime, str(server.make_url("")).rstrip("/")
    await runtime.close()


async def test_what_arrives_shows_on_an_open_page_without_a_reload(
    browser, lively_site, clock: FakeClock
) -> None:
    runtime, site = lively_site
    case_id = await register(runtime, judgment(clock.now()))
    page = await browser.new_page(viewport=DESK)
    await sign_in_as(page, site, JUDGE_PHONE)
    await page.goto(f"{site}/console/cases/{case_id}")
    await page.evaluate("window.notReloaded = true")
    await runtime.services.engine.handle(
        InboundMessage(Channel.SMS, DEBTOR, "我下周去法院交钱", provider_id="SBIN-live")
    )
    await expect(page.locator("main")).to_contain_text("我下周去法院交钱", timeout=10_000)
    assert await page.evaluate("window.notReloaded") is True  # swapped in, not reloaded
    await page.get_by_label("说明（选填）").fill("半句话")  # someone typing is not disturbed
    await runtime.services.engine.handle(
        InboundMessage(Channel.SMS, DEBTOR, "还是下个月吧", provider_id="SBIN-live-2")
    )
    await expect(page.get_by_role("status")).to_contain_text("有新的动态", timeout=10_000)
    assert await page.get_by_label("说明（选填）").input_value() == "半句话"
    await shoot(page, "case_news")
