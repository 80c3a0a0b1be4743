"""The console's decision forms: one POST per task, through the same service as SMS and chat.

Every outcome comes back as a message on the next page (a redirect after the POST, so a
reload sends nothing twice; a form sent twice gets "already decided by … at …" the second
time, from the service, and nothing changes).
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.tasks import Outcome
from bot.services.decisions import Actor, Refused, counter
from handlers.console.auth import STAFF, done, local_path
from handlers.keys import SERVICES

routes = web.RouteTableDef()


@routes.post(r"/console/tasks/{task_id:\d{1,12}}")
async def decide(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    back = local_path(form.get("next"))
    services = request.app[SERVICES]
    actor = Actor(staff=request[STAFF])
    fields = [form.get(name, "") for name in ("down", "count", "amount", "day", "total")]
    try:
        outcome = Outcome(form.get("outcome", ""))
    except ValueError:
        raise web.HTTPBadRequest(text="no such outcome") from None
    try:
        terms = counter(*fields) if outcome == Outcome.COUNTER else None
        note = "" if terms else form.get("note", "")
        task_id = int(request.match_info["task_id"])
        text, ok = await services.decisions.act(actor, task_id, outcome, note, terms), True
    except Refused as refused:
        text, ok = refused.text, False
    await done(request, text, back, ok=ok)


@routes.post(r"/console/cases/{case_id:\d{1,12}}/refer")
async def refer(request: web.Request) -> web.Response:
    form = await request.post()
    case_id = int(request.match_info["case_id"])
    try:
        text, ok = (
            await request.app[SERVICES].decisions.refer(
                request[STAFF], case_id, str(form.get("note", ""))
            ),
            True,
        )
    except Refused as refused:
        text, ok = refused.text, False
    await done(request, text, local_path(str(form.get("next", ""))), ok=ok)


@routes.get(r"/console/tasks/{task_id:\d{1,12}}")
async def task_link(request: web.Request) -> web.Response:
    """Where a notice's link leads (after the login): the task's form on its case's page."""
    task_id = int(request.match_info["task_id"])
    case_id = await request.app[SERVICES].decisions.locate(request[STAFF], task_id)
    if case_id is None:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(f"/console/cases/{case_id}#task-{task_id}")
