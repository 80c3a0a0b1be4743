"""The sandbox page in a real browser (Debian's chromium, driven by Playwright) against the real
app on 127.0.0.1: Enter sends and the answer is appended in place, the view follows only from
the bottom, Shift+Enter breaks the line, older messages load above, a busy history leaves the
debtor there, a bad sender number is shown, markup in a message is text.

Screenshots go to `tests/artifacts/` (git-ignored), one per test, for a look by eye.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.helpers import DEBTOR, add_messages, remind

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no browser: install Debian's chromium ({CHROMIUM})"
)
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed: pip install -e '.[test]'"
)
Page = playwright_api.Page
expect = playwright_api.expect

AT_BOTTOM = "l => l.scrollHeight - l.scrollTop - l.clientHeight < 8"


@pytest.fixture
async def site(sandbox_runtime: Runtime, aiohttp_server: AiohttpServer) -> str:
    """The base URL of the real app, served on 127.0.0.1."""
    server = await aiohttp_server(sandbox_runtime.web_app())
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def page(request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1100, "height": 700})
        try:
            yield page
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=ARTIFACTS / f"{request.node.name}.png")
            await browser.close()


async def open_debtor(page: Page, site: str) -> None:
    """Opens the sandbox and picks the debtor from the list."""
    await page.goto(f"{site}/sandbox")
    await page.get_by_role("link", name=re.compile("林某 \\(debtor\\)")).click()
    await expect(page.locator("header")).to_contain_text(DEBTOR)
    await page.evaluate("window.loadedOnce = true")  # gone if the page reloads


async def test_enter_sends_and_the_answer_is_appended_at_the_bottom(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    history = [f"earlier {i}" for i in range(30)]  # enough to scroll
    await add_messages(sqlite_url, DEBTOR, history, clock.now() - timedelta(days=1))
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    log, box = page.locator("#log"), page.get_by_label("text")
    assert await log.evaluate(AT_BOTTOM)

    await box.fill("0")
    await box.press("Enter")
    await expect(log.locator(".m.in").last).to_have_text(re.compile("^0"))
    await expect(log.locator(".m")).to_have_count(33)  # the menu came back
    await expect(log.locator(".m.out").last).to_contain_text("回复")
    assert await page.evaluate("window.loadedOnce") is True  # no reload
    assert await box.input_value() == ""
    assert await log.evaluate(AT_BOTTOM)


async def test_a_message_arriving_while_one_reads_above_leaves_the_view_where_it_was(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    await add_messages(sqlite_url, DEBTOR, ["old"] * 30, clock.now() - timedelta(days=1))
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    log = page.locator("#log")
    await log.evaluate("l => { l.scrollTop = 100; }")
    await add_messages(sqlite_url, DEBTOR, ["new one"], clock.now())

    await expect(log.locator(".m").last).to_contain_text("new one")  # fetched, appended
    assert await log.evaluate("l => l.scrollTop") == 100
    assert not await log.evaluate(AT_BOTTOM)
    assert await page.evaluate("window.loadedOnce") is True


async def test_a_new_address_is_listed_in_place_and_the_list_keeps_its_scroll(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    await remind(sandbox_runtime, clock)
    for n in range(20):  # enough to scroll the list
        await add_messages(sqlite_url, f"+86137{n:08d}", ["busy"], clock.now())
    await open_debtor(page, site)
    nav = page.locator("nav")
    await nav.evaluate("n => { n.scrollTop = 150; }")
    await add_messages(sqlite_url, "+8613600000000", ["a new one"], clock.now())

    await expect(nav).to_contain_text("+8613600000000")
    assert await nav.evaluate("n => n.scrollTop") == 150
    await expect(nav.locator("a.on")).to_contain_text("林某 (debtor)")
    assert await page.evaluate("window.loadedOnce") is True


async def test_shift_enter_breaks_the_line_and_enter_then_sends_both_lines(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock
) -> None:
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    box = page.get_by_label("text")
    await box.press_sequentially("第一行")
    await box.press("Shift+Enter")
    await box.press_sequentially("line 2")
    assert await box.input_value() == "第一行\nline 2"
    await expect(page.locator("#log .m.in")).to_have_count(0)  # nothing sent yet

    await box.press("Enter")
    sent = page.locator("#log .m.in")
    await expect(sent).to_have_count(1)
    assert (await sent.inner_text()).startswith("第一行\nline 2\n")


async def test_older_messages_load_above_without_moving_the_view(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    texts = [f"message {i}" for i in range(80)]
    await add_messages(sqlite_url, DEBTOR, texts, clock.now() - timedelta(days=1))
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    log = page.locator("#log")
    await expect(log.locator(".m")).to_have_count(50)
    shown_first = await log.locator(".m").first.get_attribute("data-id")
    first = log.locator(f'.m[data-id="{shown_first}"]')
    await log.evaluate("l => { l.scrollTop = 0; }")
    top = await first.bounding_box()

    await page.get_by_role("link", name="older messages").click()
    await expect(log.locator(".m")).to_have_count(81)
    await expect(log.locator(".m").first).to_contain_text("message 0")
    moved = (await first.bounding_box())["y"] - top["y"]
    assert abs(moved) < 1  # the message one was reading stays put (scrollTop is whole pixels)
    await expect(page.get_by_role("link", name="older messages")).to_have_count(0)
    assert await page.evaluate("window.loadedOnce") is True


async def test_a_busy_history_of_others_still_shows_the_debtor(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock, sqlite_url: str
) -> None:
    await remind(sandbox_runtime, clock)
    for n in range(12):  # 1,200 later messages to others
        await add_messages(sqlite_url, f"+86137{n:08d}", ["busy"] * 100, clock.now())
    await open_debtor(page, site)
    [reminder] = await page.locator("#log .m").all_inner_texts()
    assert reminder.startswith("【长兴县人民法院】林某")


async def test_a_bad_sender_number_is_shown_on_the_page(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock
) -> None:
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    await page.get_by_label("from").fill("12345")
    box = page.get_by_label("text")
    await box.fill("帮助")
    await box.press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("not a valid phone number")
    assert await box.input_value() == "帮助"  # kept, to send again from a good number
    await expect(page.locator("#log .m")).to_have_count(1)


async def test_markup_in_a_message_is_shown_as_text(
    page: Page, site: str, sandbox_runtime: Runtime, clock: FakeClock
) -> None:
    await remind(sandbox_runtime, clock)
    await open_debtor(page, site)
    text = "<script>window.injected = 1</script><b>bold</b>"
    box = page.get_by_label("text")
    await box.fill(text)
    await box.press("Enter")
    sent = page.locator("#log .m.in")
    await expect(sent).to_have_count(1)
    assert (await sent.inner_text()).startswith(text)
    assert await sent.locator("b, script").count() == 0
    assert await page.evaluate("window.injected") is None
    await page.reload()  # and as the server renders it
    assert (await page.locator("#log .m.in").inner_text()).startswith(text)
    assert await page.evaluate("window.injected") is None
