"""The outcome dashboard in a real browser (chromium, Playwright) against the real app on
127.0.0.1: an admin signs in, reads the rate and the charts, filters by area and downloads the
CSV. Screenshots go to `tests/artifacts/console_dashboard_*.png` (desk, phone, print)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from bot.domain.status import CaseStatus
from ducu.bootstrap import Runtime, build
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import add_staff
from tests.handlers.test_admin_browser import ADMIN_PHONE
from tests.handlers.test_console_browser import (
    PHONE,
    browser,
    expect,
    pytestmark,
    shoot,
    signed_in_at,
)
from tests.helpers import judgment, register

__all__ = ["browser", "pytestmark"]  # the browser fixture and the skip without chromium
ENDED = ("performed", "performed", "referred", None)  # None: still open, not yet due


@pytest.fixture
async def court(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    """Four cases a month apart: two performed, one referred, one open."""
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "admin", "钱管理员", ADMIN_PHONE)
    engine = make_engine(sqlite_url)
    for i, status in enumerate(ENDED):
        effective = clock.now() - timedelta(days=30 * (len(ENDED) - 1 - i))
        body = judgment(effective, case_number=f"（2026）浙0522民初{2000 + i}号")
        case_id = await register(runtime, body)
        if status:
            async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
                await uow.cases.set_status(
                    case_id, CaseStatus.OPEN, CaseStatus(status), effective + timedelta(days=3)
                )
                await uow.commit()
    await engine.dispose()
    yield runtime
    await runtime.close()


async def test_an_admin_reads_the_dashboard_and_downloads_the_csv(
    browser, court: Runtime, aiohttp_server: AiohttpServer
) -> None:
    page = await signed_in_at(
        browser, court, aiohttp_server, "/admin/dashboard", ADMIN_PHONE, accept_downloads=True
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text("长兴县人民法院")
    rate = page.locator(".rate")
    await expect(rate).to_contain_text("66.7%")  # 2 performed of 3 decided
    await expect(rate).to_contain_text("已判定 3 件，其中自动履行 2 件")
    months = page.get_by_role("img", name="按生效月份的自动履行率")
    await expect(months).to_be_visible()
    await expect(months.locator("text.value").last).to_have_text("— · 0/0")  # not yet due
    await shoot(page, "dashboard")

    await page.get_by_label("辖区代码").fill("330522102")
    await page.get_by_role("button", name="查看").click()
    await expect(page).to_have_url(re.compile(r"area=330522102"))
    await expect(page.get_by_role("row", name=re.compile("^案件数"))).to_contain_text("4")
    async with page.expect_download() as started:
        await page.get_by_role("link", name="CSV").click()
    download = await started.value
    assert download.suggested_filename == "figures.csv"
    saved = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    lines = saved.splitlines()
    assert lines[0] == "figure,value"
    assert {"court,浙0522", "area,330522102", "cases,4", "decided,3", "performed,2"} <= set(lines)
    assert "voluntary_performance_rate,0.6667" in lines

    await page.emulate_media(media="print")
    await shoot(page, "dashboard_print")
    await page.emulate_media(media="screen")
    await page.set_viewport_size(PHONE)
    await shoot(page, "dashboard_phone")
