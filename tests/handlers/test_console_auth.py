"""Signing in to the console over real HTTP on 127.0.0.1, against a real SQLite file: the
cookie, one neutral answer for a wrong phone or password, the throttle, CSRF on every form,
signing out, the idle timeout, and where a sign-in leads."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_aiohttp import AiohttpClient

from bot.domain.audit import CLI
from bot.services.accounts import AccountError
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.handlers.console_site import (
    JUDGE_PHONE,
    PASSWORD,
    add_staff,
    csrf_of,
    sign_in,
)
from tests.helpers import judgment, register


@pytest.fixture
async def console(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    """The app (sandbox for SMS, served over http) with a judge who has a password."""
    runtime = await build(make_settings(sqlite_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    await add_staff(runtime, "judge", "李法官", JUDGE_PHONE)
    yield runtime
    await runtime.close()


@pytest.fixture
async def client(console: Runtime, aiohttp_client: AiohttpClient):
    return await aiohttp_client(console.web_app())


def login_for(location: str) -> str:
    """The page a redirect to the login comes back to after signing in."""
    parts = urlsplit(location)
    assert parts.path == "/login"
    [back] = parse_qs(parts.query)["next"]
    return back


async def signed_in(client) -> bool:
    response = await client.get("/console/cases", allow_redirects=False)
    return response.status == 200


def neutral(html: str) -> str:
    """A login page without what differs from one answer to the next (token, phone typed)."""
    html = re.sub(r'name="csrf" value="[^"]+"', "", html)
    return re.sub(r'name="phone" type="tel"[^>]*>', "", html)


async def test_a_judge_signs_in_gets_a_safe_cookie_and_signs_out(client) -> None:
    away = await client.get("/console/cases", allow_redirects=False)
    assert away.status == 302 and login_for(away.headers["Location"]) == "/console/cases"

    response = await sign_in(client)
    assert response.status == 302 and response.headers["Location"] == "/console/cases"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ducu_console=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the public URL is not https
    assert "李法官" in await (await client.get("/console/cases")).text()

    token = await csrf_of(client, "/console/cases")
    out = await client.post("/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/login"
    assert not await signed_in(client)


async def test_the_cookie_is_secure_when_the_public_url_is_https(
    sqlite_url: str, clock: FakeClock, aiohttp_client: AiohttpClient
) -> None:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)  # https public URL
    try:
        client = await aiohttp_client(runtime.web_app())
        response = await client.get("/login")  # the session (its CSRF token) starts here
        assert response.status == 200
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await runtime.close()


async def test_a_wrong_password_and_an_unknown_phone_get_the_same_answer(client) -> None:
    answers = [
        await sign_in(client, password="wrong password!"),
        await sign_in(client, phone="+8613900000077"),
        await sign_in(client, phone="12345"),
    ]
    pages = [neutral(await answer.text()) for answer in answers]
    assert [answer.status for answer in answers] == [401, 401, 401]
    assert pages[0] == pages[1] == pages[2]
    assert "手机号或密码不正确" in pages[0]
    assert not await signed_in(client)


async def test_failures_are_throttled_per_phone_then_forgiven_after_the_window(
    client, clock: FakeClock
) -> None:
    for _ in range(5):
        assert (await sign_in(client, password="wrong password!")).status == 401
    throttled = await sign_in(client)  # the right password, too late
    assert throttled.status == 429
    assert neutral(await throttled.text()) == neutral(
        await (await sign_in(client, password="wrong password!")).text()
    )
    assert not await signed_in(client)

    clock.advance(minutes=16)
    assert (await sign_in(client)).status == 302


async def test_failures_are_throttled_per_address_whatever_the_phone(client) -> None:
    for n in range(20):
        assert (await sign_in(client, phone=f"+86139000001{n:02d}")).status == 401
    assert (await sign_in(client)).status == 429


@pytest.mark.parametrize("path", ["/login", "/logout", "/locale"])
async def test_a_form_without_its_csrf_token_or_with_a_forged_one_is_refused(
    client, path: str
) -> None:
    assert (await sign_in(client)).status == 302
    form = {"phone": JUDGE_PHONE, "password": PASSWORD, "locale": "en"}
    missing = await client.post(path, data=form, allow_redirects=False)
    forged = await client.post(path, data={**form, "csrf": "x" * 43}, allow_redirects=False)
    assert (missing.status, forged.status) == (403, 403)
    assert await signed_in(client)  # not signed out
    assert "我的案件" in await (await client.get("/console/cases")).text()  # still Chinese


async def test_a_token_of_another_session_is_refused(
    client, console: Runtime, aiohttp_client: AiohttpClient
) -> None:
    other = await aiohttp_client(console.web_app())
    token = await csrf_of(other)
    form = {"csrf": token, "phone": JUDGE_PHONE, "password": PASSWORD}
    assert (await client.post("/login", data=form, allow_redirects=False)).status == 403


async def test_an_idle_session_goes_back_to_the_login(client, clock: FakeClock) -> None:
    await sign_in(client)
    clock.advance(minutes=20)
    assert await signed_in(client)  # a request: the idle time starts again
    clock.advance(minutes=20)
    assert await signed_in(client)
    clock.advance(minutes=31)
    away = await client.get("/console/cases/1?x=1", allow_redirects=False)
    assert away.status == 302
    assert login_for(away.headers["Location"]) == "/console/cases/1?x=1"
    assert not await signed_in(client)


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/console/cases?q=%E6%9E%97", "/console/cases?q=%E6%9E%97"),
        ("/console/tasks", "/console/tasks"),
        ("//evil.example/console", "/console/cases"),
        ("/\\evil.example", "/console/cases"),
        ("https://evil.example/", "/console/cases"),
        ("javascript:alert(1)", "/console/cases"),
        ("/\t/evil.example", "/console/cases"),
        ("", "/console/cases"),
    ],
)
async def test_a_sign_in_leads_only_to_a_local_path(client, asked: str, lands: str) -> None:
    response = await sign_in(client, next_path=asked)
    assert response.status == 302 and response.headers["Location"] == lands


async def test_the_language_switch_is_kept_in_the_session(client) -> None:
    await sign_in(client)
    token = await csrf_of(client, "/console/cases")
    switched = await client.post(
        "/locale",
        data={"csrf": token, "locale": "en", "next": "/console/tasks"},
        allow_redirects=False,
    )
    assert switched.headers["Location"] == "/console/tasks"
    html = await (await client.get("/console/cases")).text()
    assert "My cases" in html and '<html lang="en">' in html
    assert "中文" in html  # the way back


async def test_creditors_and_unknown_users_get_no_password(console: Runtime, clock) -> None:
    await register(console, judgment(clock.now()))  # its creditor 杜某 is a user
    [creditor] = [u for u in await console.services.staff.users(CLI, "creditor")]
    with pytest.raises(AccountError, match="no staff member"):
        await console.services.accounts.set_password(CLI, creditor.id, PASSWORD)
    with pytest.raises(AccountError, match="no staff member"):
        await console.services.accounts.set_password(CLI, 999, PASSWORD)
    with pytest.raises(AccountError, match="too short"):
        await console.services.accounts.set_password(CLI, 1, "short")
