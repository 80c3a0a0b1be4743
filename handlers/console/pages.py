"""The console's pages for staff: my cases (searched, filtered), a case in full, my tasks.

Read-only: each page reads the core's read models through `CaseQueries`, which applies the
one rule of who sees which case (bot/domain/access.py); a case one may not see answers 404
exactly as a missing one does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.domain.filings import Instalments, assets_total, is_reduction
from bot.domain.money import format_yuan, to_fen
from bot.domain.status import CaseStatus
from handlers.console.auth import HOME, STAFF, page
from handlers.keys import SERVICES

routes = web.RouteTableDef()

LIST_LIMIT = 200  # lines a case list shows


def _today(request: web.Request) -> date:
    services = request.app[SERVICES]
    return services.clock.now().astimezone(services.settings.zone).date()


@routes.get("/console")
async def console_home(request: web.Request) -> web.Response:
    raise web.HTTPFound(HOME)


@routes.get("/console/cases")
async def cases(request: web.Request) -> web.Response:
    text = request.query.get("q", "")
    chosen = request.query.get("status", "")
    status = next((known for known in CaseStatus if known == chosen), None)
    lines = await request.app[SERVICES].cases.find_for(
        request[STAFF], text, status, limit=LIST_LIMIT
    )
    context = {
        "lines": lines,
        "q": text,
        "status": status,
        "statuses": list(CaseStatus),
        "today": _today(request),
        "yuan": lambda amount: format_yuan(to_fen(amount)),
    }
    return await page(request, "console/cases.html", context)


def _plan(payload: dict[str, Any]) -> Instalments:
    """A settlement's instalments as the debtor proposed them."""
    return Instalments(
        payload["down_fen"],
        payload["count"],
        payload["amount_fen"],
        payload["day"],
        date.fromisoformat(payload["first"]),
    )


@routes.get(r"/console/cases/{case_id:\d{1,12}}")
async def case(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    view = await services.cases.case_for(request[STAFF], int(request.match_info["case_id"]))
    if view is None:
        raise web.HTTPNotFound()
    owed = to_fen(view.amount_due)
    context = {
        "case": view,
        "names": {o.id: o.name for o in view.obligors},
        "yuan": lambda amount: format_yuan(to_fen(amount)),
        "fen": format_yuan,
        "assets_total": assets_total,
        "plan": _plan,
        "reduced": lambda total_fen: is_reduction(total_fen, owed),
    }
    return await page(request, "console/case.html", context)


@routes.get("/console/tasks")
async def tasks(request: web.Request) -> web.Response:
    """An official's tasks: none listed yet (the staff-actions service will give them)."""
    return await page(request, "console/tasks.html", {})
