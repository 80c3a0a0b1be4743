"""Twilio webhooks: inbound SMS (answered with TwiML) and delivery status callbacks."""

from __future__ import annotations

import logging

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.conversation.types import InboundMessage
from bot.domain.phones import PhoneError, normalize_phone
from bot.domain.status import Channel
from handlers.keys import SERVICES
from handlers.sms.errors import contact_status_for

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


async def _signed_form(request: web.Request) -> dict[str, str]:
    """The POSTed form, if `X-Twilio-Signature` proves it came from Twilio; else 403."""
    settings = request.app[SERVICES].settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    base = settings.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    url = base + request.path_qs
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    given = request.headers.get("X-Twilio-Signature", "")
    if not given or not validator.validate(url, form, given):  # compares in constant time
        log.warning("rejected a Twilio webhook with a bad signature on %s", request.path)
        raise web.HTTPForbidden(text="bad signature")
    return form


@routes.post("/twilio/sms")
async def inbound_sms(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        raise web.HTTPBadRequest(text="MessageSid and From are required")
    try:
        sender = normalize_phone(sender)
    except PhoneError:
        pass  # keep what Twilio sent: an unknown sender still gets a polite answer
    replies = await request.app[SERVICES].engine.handle(
        InboundMessage(Channel.SMS, sender, form.get("Body", ""), provider_id=sid)
    )
    twiml = MessagingResponse()
    for reply in replies:
        twiml.message(reply.plain())
    return web.Response(text=str(twiml), content_type="application/xml")


@routes.post("/twilio/status")
async def status_callback(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    error_code = form.get("ErrorCode") or None
    await request.app[SERVICES].delivery.status(
        provider="twilio",
        provider_id=sid,
        status=status,
        error_code=error_code,
        contact_status=contact_status_for(error_code),
    )
    return web.Response(status=204)
