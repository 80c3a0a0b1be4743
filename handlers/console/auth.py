"""Signing in to the console: the session cookie, the guard every console request passes, the
CSRF check of every form, and `/login`, `/logout`, `/locale`.

The session lives in a signed, encrypted cookie (aiohttp-session's EncryptedCookieStorage,
HttpOnly, SameSite=Lax, Secure when DUCU_PUBLIC_URL is https) and holds the user's id, the
time of their last request (by the services' clock), the CSRF token and the language. Its key
is derived from DUCU_DATA_KEY; without one, a key is made at start, so a restart signs
everyone out. A session idle longer than DUCU_CONSOLE_IDLE_MINUTES is signed out. The user is
read again at every request, so a user removed, deactivated or no longer staff is out at
once. Pages under /admin are for the admins of a court alone (403 for anyone else).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import NoReturn
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session import setup as setup_session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.config import Settings
from bot.domain.locales import LOCALES, STAFF_LOCALE, resolve
from bot.domain.records import StaffMember
from bot.domain.status import Role
from bot.domain.texts import render
from bot.pii import PersonalDataKey
from bot.services.accounts import LoginRefused
from handlers.keys import SERVICES

routes = web.RouteTableDef()
log = logging.getLogger(__name__)

COOKIE = "ducu_console"
HOME = "/console/cases"
GUARDED = ("/console", "/admin")  # pages behind the sign-in
ADMIN = "/admin"  # pages for a court's admins
FLASH = "flash"
FORMS = ("/login", "/logout", "/locale")  # console forms open to anyone (CSRF still checked)
STAFF = web.RequestKey("staff", StaffMember)


def setup_sessions(app: web.Application, settings: Settings) -> None:
    """Session cookies and the console's guard, for every console path."""
    secret = settings.data_key.get_secret_value()
    if secret:
        key = PersonalDataKey(secret).subkey("console sessions")
    else:
        log.warning("DUCU_DATA_KEY is not set: console sessions end when the server restarts")
        key = os.urandom(32)
    storage = EncryptedCookieStorage(
        key,
        cookie_name=COOKIE,
        httponly=True,
        samesite="Lax",
        secure=settings.public_url.startswith("https://"),
    )
    setup_session_middleware(app, storage)
    app.middlewares.append(console_guard)


def local_path(target: str | None) -> str:
    """`target` when it is a path on this site, else the console's home: `//host`, `/\\host`,
    schemes and control characters would send the browser elsewhere."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return HOME


def _under(path: str, *tops: str) -> bool:
    return any(path == top or path.startswith(top + "/") for top in tops)


def _is_console(path: str) -> bool:
    return path in FORMS or _under(path, *GUARDED)


def _idle_out(request: web.Request, session: Session) -> bool:
    """True when the session's last request is older than the idle limit (and forgets it)."""
    services = request.app[SERVICES]
    now = services.clock.now().timestamp()
    if now - session.get("seen", 0) > services.settings.console_idle_minutes * 60:
        session.pop("uid", None)
        return True
    session["seen"] = now
    return False


@web.middleware
async def console_guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every console form carries the session's CSRF token (403 without it); every page
    under /console and /admin needs a signed-in staff member (else the login, and back here
    after); under /admin, an admin of a court (else 403)."""
    if not _is_console(request.path):
        return await handler(request)
    session = await get_session(request)
    token = session.setdefault("csrf", secrets.token_urlsafe(32))
    if request.method == "POST":
        given = (await request.post()).get("csrf")
        if not isinstance(given, str) or not hmac.compare_digest(given, token):
            raise web.HTTPForbidden(text="this form has expired: open the page again")
    if _under(request.path, *GUARDED):
        uid = session.get("uid")
        staff = None
        if uid is not None and not _idle_out(request, session):
            staff = await request.app[SERVICES].accounts.member(uid)
        if staff is None:
            raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}))
        if _under(request.path, ADMIN) and (staff.role != Role.ADMIN or staff.court_id is None):
            raise web.HTTPForbidden(text="for a court's admins only")
        request[STAFF] = staff
    return await handler(request)


def _locale(session: Session) -> str:
    return resolve(session.get("locale") or STAFF_LOCALE)


async def texts(request: web.Request) -> Callable[..., str]:
    """The console's texts in the session's language: `t(key, **values)`."""
    locale = _locale(await get_session(request))
    return lambda key, **values: render(key, locale, **values)


async def page(
    request: web.Request, template: str, context: dict, *, status: int = 200
) -> web.Response:
    """A console page in the session's language, with what every page shows."""
    session = await get_session(request)
    locale = _locale(session)
    common = {
        "t": await texts(request),
        "lang": locale,
        "languages": [(other, render("console.language", other)) for other in LOCALES],
        "csrf": session["csrf"],
        "here": request.path_qs,
        "staff": request.get(STAFF),
        "flash": session.pop(FLASH, None),  # what the last form did (`done`)
        "poll_ms": int(request.app[SERVICES].settings.console_poll_seconds * 1000),
    }
    return aiohttp_jinja2.render_template(template, request, common | context, status=status)


async def done(request: web.Request, text: str, to: str, *, ok: bool = True) -> NoReturn:
    """After a form: back to `to` (a local path), where the next page says `text` once."""
    (await get_session(request))[FLASH] = {"text": text, "ok": ok}
    raise web.HTTPSeeOther(to)


async def _fresh(request: web.Request, **values: object) -> None:
    """A new session (a new id and CSRF token, as at every sign-in and out: no fixation),
    keeping the language."""
    locale = (await get_session(request)).get("locale")
    session = await new_session(request)
    session.update(csrf=secrets.token_urlsafe(32), **values)
    if locale:
        session["locale"] = locale


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return await page(
        request, "console/login.html", {"next": local_path(request.query.get("next"))}
    )


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    target = local_path(str(form.get("next", "")))
    phone, password = str(form.get("phone", "")), str(form.get("password", ""))
    try:
        staff = await services.accounts.sign_in(phone, password, request.remote or "")
    except LoginRefused as refused:
        context = {"next": target, "phone": phone, "refused": True}
        return await page(
            request, "console/login.html", context, status=429 if refused.throttled else 401
        )
    await _fresh(request, uid=staff.id, seen=services.clock.now().timestamp())
    raise web.HTTPFound(target)


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    await _fresh(request)
    raise web.HTTPFound("/login")


@routes.post("/locale")
async def choose_locale(request: web.Request) -> web.Response:
    """The language of the console, kept in the session."""
    form = await request.post()
    if form.get("locale") in LOCALES:
        (await get_session(request))["locale"] = form["locale"]
    raise web.HTTPFound(local_path(str(form.get("next", ""))))
