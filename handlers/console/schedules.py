"""The admin's schedule pages: the court's current schedule as a form (a table of steps,
quiet hours, weekly cap) with its versions, and the re-plan of open cases (a dry run, then
an apply button). The guard (auth.py) lets only a court's admins in, and each admin sees
their own court's schedule alone; `ScheduleService` checks, saves and audits.
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDictProxy

from bot.domain.audit import AuditActor
from bot.domain.replan import Change
from bot.domain.schedules import ANCHORS, DELAY_LIMITS, ScheduleRefused, reminder_texts
from handlers.console.auth import STAFF, done, page, texts
from handlers.keys import SERVICES

routes = web.RouteTableDef()
STEP_FIELDS = ("key", "anchor", "days", "at", "template", "follow_up")


def _actor(request: web.Request) -> AuditActor:
    return AuditActor.of(request[STAFF])


def _whole(text: str) -> int | str:
    """A whole number as typed, or the text itself (the schedule's check names it)."""
    try:
        return int(text.strip())
    except ValueError:
        return text


def body_of(form: MultiDictProxy) -> dict:
    """The schedule a form posted: one step per table row (a row left empty is no step)."""
    columns = {name: [str(v) for v in form.getall(f"step_{name}", [])] for name in STEP_FIELDS}
    rows = zip(*(columns[name] for name in STEP_FIELDS), strict=False)
    steps = []
    for key, anchor, days, at, template, follow_up in rows:
        if not (key.strip() or days.strip() or at.strip()):
            continue
        steps.append(
            {
                "key": key.strip(),
                "anchor": anchor,
                "days": _whole(days),
                "at": at.strip() or None,
                "template": template,
                "follow_up": follow_up == "yes",
            }
        )
    return {
        "steps": steps,
        "quiet_hours": str(form.get("quiet_hours", "")).strip(),
        "weekly_cap": _whole(str(form.get("weekly_cap", ""))),
        "delays": {name: _whole(str(form[name])) for name in DELAY_LIMITS if name in form},
    }


async def _form_page(
    request: web.Request, body: dict, reasons: list[str], *, status: int = 200
) -> web.Response:
    service = request.app[SERVICES].schedules
    current = await service.current(_actor(request))
    context = {
        "current": current,
        "body": body,
        "reasons": reasons,
        "history": await service.history(_actor(request)),
        "anchors": ANCHORS,
        "templates": reminder_texts(),
    }
    return await page(request, "console/admin_schedules.html", context, status=status)


@routes.get("/admin/schedules")
async def schedules(request: web.Request) -> web.Response:
    current = await request.app[SERVICES].schedules.current(_actor(request))
    return await _form_page(request, current.schedule.to_json(), [])


@routes.post("/admin/schedules")
async def save(request: web.Request) -> web.Response:
    body = body_of(await request.post())
    try:
        version = await request.app[SERVICES].schedules.save(_actor(request), body)
    except ScheduleRefused as refused:
        t = await texts(request)
        said = [t(reason.key, **reason.values) for reason in refused.reasons]
        return await _form_page(request, body, said, status=422)
    t = await texts(request)
    return await done(request, t("admin.schedule.saved", version=version), "/admin/schedules")


@routes.get("/admin/schedules/replan")
async def replan_dry_run(request: web.Request) -> web.Response:
    report = await request.app[SERVICES].schedules.replan(_actor(request), apply=False)
    context = {"report": report, "kinds": list(Change)}
    return await page(request, "console/admin_replan.html", context)


@routes.post("/admin/schedules/replan")
async def replan(request: web.Request) -> web.Response:
    report = await request.app[SERVICES].schedules.replan(_actor(request), apply=True)
    t = await texts(request)
    said = t("admin.schedule.replanned", cases=report.cases, version=report.version)
    return await done(request, said, "/admin/schedules")
