"""`/sandbox`: the sandbox channel's conversations, one address at a time, and a form to
answer as anyone. The page's script fetches new messages and the address list as they change
(`/sandbox/messages`, `/sandbox/addresses`) and posts replies without leaving the page."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.domain.messages import InboundMessage
from bot.domain.phones import PhoneError, normalize_phone
from bot.domain.status import Channel
from bot.domain.views import ThreadPage
from handlers.keys import SERVICES
from handlers.origin import require_same_origin

routes = web.RouteTableDef()

PAGE = 50  # messages a thread shows at first, and per "older messages"
ADDRESSES = 300  # addresses listed, latest first
_ID = re.compile(r"[0-9]{1,18}")


def thread_url(address: str, **query: int) -> str:
    return "/sandbox?" + urlencode({"address": address, **query})


def _message_id(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None:
        return None
    if not _ID.fullmatch(value):
        raise web.HTTPBadRequest(text=f"{name} must be a message id")
    return int(value)


async def _before(request: web.Request, address: str) -> ThreadPage:
    """The page of messages before the message `before` (the latest page, without it)."""
    before = _message_id(request, "before")
    return await request.app[SERVICES].cases.thread(address, limit=PAGE, before=before)


async def _page(
    request: web.Request,
    address: str,
    *,
    sender: str | None = None,
    text: str = "",
    error: str = "",
    status: int = 200,
) -> web.Response:
    """The page of one address's thread (the latest one's when none is given)."""
    addresses = await request.app[SERVICES].cases.addresses(ADDRESSES)
    address = address or (addresses[0].address if addresses else "")
    context = {
        "address": address,
        "who": next((c for c in addresses if c.address == address), None),
        "addresses": addresses,
        "page": await _before(request, address),
        "sender": address if sender is None else sender,
        "text": text,
        "error": error,
        "url": thread_url,
    }
    return aiohttp_jinja2.render_template("sandbox/page.html", request, context, status=status)


@routes.get("/sandbox")
async def sandbox(request: web.Request) -> web.Response:
    return await _page(request, request.query.get("address", ""))


def _fragment(request: web.Request, template: str, context: dict) -> web.Response:
    """A part of the page, for the page's script to put in place: HTML in JSON."""
    html = aiohttp_jinja2.render_string(template, request, context)
    return web.json_response({"html": html})


@routes.get("/sandbox/messages")
async def sandbox_messages(request: web.Request) -> web.Response:
    """One address's messages as an HTML fragment in JSON: those after the message `after`,
    or the page before `before`, or the latest page."""
    address = request.query.get("address")
    if not address:
        raise web.HTTPBadRequest(text="address is required")
    after = _message_id(request, "after")
    if after is None:
        page = await _before(request, address)
    else:
        newer = await request.app[SERVICES].cases.thread_after(address, after, limit=PAGE)
        page = ThreadPage(messages=tuple(newer), older=False)
    return _fragment(
        request, "sandbox/thread.html", {"address": address, "page": page, "url": thread_url}
    )


@routes.get("/sandbox/addresses")
async def sandbox_addresses(request: web.Request) -> web.Response:
    """The address list, `address` marked as the one shown."""
    addresses = await request.app[SERVICES].cases.addresses(ADDRESSES)
    context = {
        "address": request.query.get("address", ""),
        "addresses": addresses,
        "url": thread_url,
    }
    return _fragment(request, "sandbox/addresses.html", context)


@routes.post("/sandbox/reply")
async def sandbox_reply(request: web.Request) -> web.Response:
    """Takes the text as an SMS from the number given. The page's script asks for JSON; a
    plain form post is answered with the thread (303) or the page with the error (400)."""
    require_same_origin(request)
    form = await request.post()
    sender, text = str(form.get("address", "")), str(form.get("text", ""))
    wants_json = request.headers.get("Accept") == "application/json"
    try:
        address = normalize_phone(sender)
    except PhoneError as exc:
        if wants_json:
            return web.json_response({"error": str(exc)}, status=400)
        return await _page(request, "", sender=sender, text=text, error=str(exc), status=400)
    await request.app[SERVICES].engine.handle(
        InboundMessage(Channel.SMS, address, text, provider_id=f"SBIN{uuid.uuid4().hex}")
    )
    url = thread_url(address)
    if wants_json:
        return web.json_response({"address": address, "url": url})
    raise web.HTTPSeeOther(url)
