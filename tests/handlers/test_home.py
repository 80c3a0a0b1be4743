"""`/`: a page that links what this server offers, and only that (the console always)."""

from __future__ import annotations

import re

from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


async def test_the_home_page_links_the_sandbox_and_the_api_document(
    sqlite_url: str, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    try:
        client = await aiohttp_client(runtime.web_app())
        home = await client.get("/")
        assert home.status == 200 and home.content_type == "text/html"
        html = await home.text()
        assert links(html) == ["/sandbox", "/api/v1/openapi.json", "/login"]
        for path in links(html):
            assert (await client.get(path)).status == 200
    finally:
        await runtime.close()


async def test_without_the_sandbox_the_home_page_does_not_link_it(
    sqlite_url: str, fake_twilio: FakeTwilio, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    runtime = await build(make_settings(sqlite_url, fake_twilio), clock=clock)
    try:
        client = await aiohttp_client(runtime.web_app())
        assert links(await (await client.get("/")).text()) == ["/api/v1/openapi.json", "/login"]
    finally:
        await runtime.close()
