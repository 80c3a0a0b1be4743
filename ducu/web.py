"""The aiohttp application: routes of every edge, health and metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.app import Services
from handlers.api.admin import routes as api_admin_routes
from handlers.api.auth import require_token
from handlers.api.errors import json_errors
from handlers.api.routes import routes as api_routes
from handlers.console.admin import routes as admin_routes
from handlers.console.auth import routes as sign_in_routes
from handlers.console.auth import setup_sessions
from handlers.console.dashboard import routes as dashboard_routes
from handlers.console.decisions import routes as decision_routes
from handlers.console.pages import routes as console_routes
from handlers.console.schedules import routes as schedule_routes
from handlers.console.templates_admin import routes as template_routes
from handlers.home import routes as home_routes
from handlers.keys import SERVICES
from handlers.sandbox.page import routes as sandbox_routes
from handlers.sms.webhook import routes as sms_routes
from handlers.templating import setup_templates

if TYPE_CHECKING:
    from handlers.telegram.channel import TelegramChannel

MAX_BODY = 256 * 1024  # a judgment with 50 obligors is far below this
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[SERVICES].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(services: Services, telegram: TelegramChannel | None = None) -> web.Application:
    """The console is always mounted; Twilio's webhooks when Twilio is configured, the
    sandbox when it is on (`--demo` or DUCU_SANDBOX), Telegram's webhook when a bot token is
    set."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[json_errors, require_token])
    app[SERVICES] = services
    setup_templates(app, services.settings.zone)
    setup_sessions(app, services.settings)
    app.add_routes(routes)
    app.add_routes(home_routes)
    app.add_routes(api_routes)
    app.add_routes(api_admin_routes)
    app.add_routes(sign_in_routes)
    app.add_routes(console_routes)
    app.add_routes(decision_routes)
    app.add_routes(admin_routes)
    app.add_routes(dashboard_routes)
    app.add_routes(schedule_routes)
    app.add_routes(template_routes)
    if services.settings.twilio_configured:
        app.add_routes(sms_routes)
    if services.settings.sandbox:
        app.add_routes(sandbox_routes)
    if telegram is not None:
        from handlers.telegram.webhook import TELEGRAM
        from handlers.telegram.webhook import routes as telegram_routes

        app[TELEGRAM] = telegram
        app.add_routes(telegram_routes)
    return app
