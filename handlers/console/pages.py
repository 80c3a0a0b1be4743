"""The console's pages for staff: my cases (searched, filtered), a case in full with the
forms of its tasks I may act on, my tasks.

Each page reads the core's read models through `CaseQueries` and `DecisionService`, which
apply the one rule of who sees which case and who acts on which task
(bot/domain/access.py); a case one may not see answers 404 exactly as a missing one does.
The forms post to handlers/console/decisions.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from bot.domain.case_states import LIVE
from bot.domain.filings import Instalments, assets_total, is_reduction
from bot.domain.instalments import Payment, payment_name, payments
from bot.domain.money import format_yuan, still_owed, to_fen
from bot.domain.status import CaseStatus
from bot.domain.views import EventEntry
from bot.services.decisions import Refused, counter
from handlers.console.auth import HOME, STAFF, page
from handlers.console.timeline import describe
from handlers.keys import SERVICES

routes = web.RouteTableDef()

LIST_LIMIT = 200  # lines a case list shows
COUNTER_FIELDS = ("down", "count", "amount", "day", "total")


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


# What console/filing.html needs besides the filing, and `reduced` (see `below`).
FILING_HELPERS = {"fen": format_yuan, "assets_total": assets_total, "plan": _plan}


def below(owed_fen: int) -> Callable[[int], bool]:
    """`reduced` for console/filing.html: whether a total proposed is less than `owed_fen`."""
    return lambda total_fen: is_reduction(total_fen, owed_fen)


def _preview(request: web.Request) -> tuple[dict[str, str], list[Payment] | str | None]:
    """A counter-proposal's payments as they would run if accepted today (the form's GET
    preview: nothing is stored), or why it cannot be a plan."""
    fields = {name: request.query.get(name, "") for name in COUNTER_FIELDS}
    if not any(fields.values()):
        return fields, None
    try:
        terms = counter(*fields.values())
    except Refused as refused:
        return fields, refused.text
    return fields, payments(terms, _today(request))


@routes.get(r"/console/cases/{case_id:\d{1,12}}")
async def case(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    staff = request[STAFF]
    view = await services.cases.case_for(staff, int(request.match_info["case_id"]))
    if view is None:
        raise web.HTTPNotFound()
    owed = still_owed(to_fen(view.amount_due), to_fen(view.paid))
    counter_fields, preview = _preview(request)
    context = {
        "case": view,
        "names": {o.id: o.name for o in view.obligors},
        "yuan": lambda amount: format_yuan(to_fen(amount)),
        **FILING_HELPERS,
        "owed": owed,
        "reduced": below(owed),
        "tasks": await services.decisions.on_case(staff, view.id),
        "counter": counter_fields,
        "preview": preview,
        "payment_name": payment_name,
        "describe": describe,
        "live": LIVE,
    }
    return await page(request, "console/case.html", context)


@routes.get("/console/tasks")
async def tasks(request: web.Request) -> web.Response:
    """My open tasks, due and overdue first, each with its form; for an official, also the
    silent debtors of their area."""
    services = request.app[SERVICES]
    staff = request[STAFF]
    context = {
        **FILING_HELPERS,
        "below": below,
        "tasks": await services.decisions.mine(staff),
        "silent": await services.cases.live_for(staff, silent_only=True),
        "now": services.clock.now(),
    }
    return await page(request, "console/tasks.html", context)


@routes.get(r"/console/cases/{case_id:\d{1,12}}/timeline.csv")
async def timeline_csv(request: web.Request) -> web.Response:
    """The case's timeline as CSV (UTF-8 with a BOM, as Excel in China opens it), times in
    the court's zone."""
    services = request.app[SERVICES]
    view = await services.cases.case_for(request[STAFF], int(request.match_info["case_id"]))
    if view is None:
        raise web.HTTPNotFound()
    zone = services.settings.zone
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "type", "what", "channel", "address", "text"])
    for item in view.timeline:
        at = item.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(item, EventEntry):
            detail = json.dumps(item.detail, ensure_ascii=False, sort_keys=True)
            writer.writerow([at, "event", item.kind, "", "", detail])
        else:
            writer.writerow([at, "message", item.direction, item.channel, item.address, item.text])
    name = f"case-{view.id}-timeline.csv"
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.get("/console/changes")
async def changes(request: web.Request) -> web.Response:
    """A stamp that changes when anything new is recorded (an event, a message): pages poll
    it and refresh what they show. It tells nothing else."""
    stamp = await request.app[SERVICES].cases.change_stamp()
    return web.json_response({"stamp": stamp})
