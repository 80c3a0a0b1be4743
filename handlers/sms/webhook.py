"""Twilio webhooks: inbound SMS (answered with TwiML) and delivery status callbacks."""

from __future__ import annotations

import hmac
import logging
import re
from functools import lru_cache

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.domain.messages import InboundMessage
from bot.domain.phones import PhoneError, normalize_phone
from bot.domain.status import Channel
from handlers.keys import SERVICES
from handlers.sms.errors import contact_status_for

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
# What XML 1.0 cannot hold, even escaped: most control characters, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


async def _signed_form(request: web.Request) -> dict[str, str]:
    """The POSTed form, if `X-Twilio-Signature` proves it came from Twilio; else 403."""
    settings = request.app[SERVICES].settings
    try:
        posted = await request.post()
    except (ValueError, LookupError):  # not UTF-8, or an unknown charset: nothing to verify
        log.warning("rejected a Twilio webhook whose form cannot be decoded on %s", request.path)
        raise web.HTTPForbidden(text="bad signature") from None
    base = settings.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    url = base + request.path_qs
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    given = request.headers.get("X-Twilio-Signature", "")
    # The multidict itself: the validator signs every value of a repeated field, and reads
    # it with `getall` (a plain dict costs it two exceptions a field).
    if any(not isinstance(value, str) for value in posted.values()):  # a file: not Twilio's
        given = ""
    if not given or not _genuine(validator, url, posted, given):
        log.warning("rejected a Twilio webhook with a bad signature on %s", request.path)
        raise web.HTTPForbidden(text="bad signature")
    return {k: str(v) for k, v in posted.items()}


def _genuine(validator: RequestValidator, url: str, form: object, given: str) -> bool:
    """Whether Twilio signed this URL and form: the URL as we have it first (one HMAC), then
    the SDK's check, which tries it with and without the port (two more). Both compare in
    constant time."""
    if not given.isascii():  # a signature is base64; compare_digest takes ASCII text only
        return False
    if hmac.compare_digest(validator.compute_signature(url, form), given):
        return True
    return validator.validate(url, form, given)


def _fields(form: dict[str, str], **limits: int) -> list[str]:
    """The named fields, each non-empty, without NUL and within its column's length (what
    Twilio sends always is); else 400 rather than a database error."""
    values = [form.get(name, "") for name in limits]
    for (name, limit), value in zip(limits.items(), values, strict=True):
        if not value or "\x00" in value or len(value) > limit:
            raise web.HTTPBadRequest(text=f"{name} is required: up to {limit} characters")
    return values


@routes.post("/twilio/sms")
async def inbound_sms(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid, sender = _fields(form, MessageSid=64, From=64)
    try:
        sender = normalize_phone(sender)
    except PhoneError:
        pass  # keep what Twilio sent: an unknown sender still gets a polite answer
    replies = await request.app[SERVICES].engine.handle(
        InboundMessage(Channel.SMS, sender, form.get("Body", ""), provider_id=sid)
    )
    return web.Response(
        text=_twiml(tuple(reply.plain() for reply in replies)), content_type="application/xml"
    )


@lru_cache(maxsize=256)  # most answers are the same few menus and prompts
def _twiml(texts: tuple[str, ...]) -> str:
    twiml = MessagingResponse()
    for text in texts:  # a reply may quote the debtor's own control characters
        twiml.message(_NOT_XML.sub("", text))
    return str(twiml)


@routes.post("/twilio/status")
async def status_callback(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid, status = _fields(form, MessageSid=64, MessageStatus=16)
    error_code = _fields(form, ErrorCode=16)[0] if form.get("ErrorCode") else None
    await request.app[SERVICES].delivery.status(
        provider="twilio",
        provider_id=sid,
        status=status,
        error_code=error_code,
        contact_status=contact_status_for(error_code),
    )
    return web.Response(status=204)
