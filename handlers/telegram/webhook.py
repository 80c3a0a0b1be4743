"""`POST /telegram/webhook`: Telegram's secret header checked, the update handled, then 200.

The update is acknowledged only once it is handled, so one that fails (a 500) comes again;
the inbox (`HandleOnce`) makes a redelivered update that was handled a no-op.
"""

from __future__ import annotations

import hmac
import logging

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from handlers.telegram.channel import WEBHOOK_PATH, TelegramChannel
from handlers.telegram.middlewares import UpdateInProgress

log = logging.getLogger(__name__)
TELEGRAM = web.AppKey("telegram", TelegramChannel)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
routes = web.RouteTableDef()


@routes.post(WEBHOOK_PATH)
async def telegram_webhook(request: web.Request) -> web.Response:
    channel = request.app[TELEGRAM]
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, channel.webhook_secret.encode()):
        log.warning("telegram webhook: wrong or missing secret token")
        return web.json_response({"error": "unauthorized"}, status=401)
    try:
        update = Update.model_validate(await request.json(), context={"bot": channel.bot})
    except (ValueError, ValidationError):
        return web.json_response({"error": "not a Telegram update"}, status=400)
    try:
        await channel.dispatcher.feed_update(channel.bot, update)
    except UpdateInProgress:  # Telegram retries a delivery that did not get a 2xx
        return web.json_response({"error": "being handled; send it again"}, status=503)
    return web.json_response({})
