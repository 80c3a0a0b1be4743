"""The admin API under /api/v1/admin (the bearer token, handlers/api/auth.py): people,
areas, the audit log, a court's schedule and own texts. Each call goes through the same
services as the console and the CLI, recorded in the audit log with the actor `api`."""

from __future__ import annotations

import json
import re

from aiohttp import web

from bot.domain.audit import API, FILTERS, wanted
from bot.domain.locales import STAFF_LOCALE
from bot.domain.schedules import ScheduleRefused
from bot.domain.status import Role
from bot.domain.texts import render
from bot.services.court_texts import TemplateError
from bot.services.schedules import NoSuchCourt
from bot.services.staff import AreaImportError, NoSuchUser, StaffError
from handlers.api.routes import as_json
from handlers.keys import SERVICES

routes = web.RouteTableDef()
ID = re.compile(r"[0-9]{1,9}")  # users.id is a 32-bit integer
USER_FIELDS = ("role", "name", "phone", "area_code", "court_code", "court_name")
TEMPLATES = "/api/v1/admin/templates/{court}"
TEMPLATE = TEMPLATES + "/{locale}/{key}"


def _errors(field: str, message: str, status: int = 422) -> web.Response:
    return as_json({"errors": [{"field": field, "message": message}]}, status)


def _bad_query(request: web.Request, known: tuple[str, ...]) -> web.Response | None:
    """A 422 naming the query parameters this call does not take, or given empty or blank
    (leave out a filter not wanted), if any."""
    if unknown := sorted(set(request.query) - set(known)):
        return _errors("query", f"unknown parameter(s): {', '.join(unknown)}")
    if empty := sorted({name for name, value in request.query.items() if not value.strip()}):
        return _errors("query", f"empty parameter(s): {', '.join(empty)}")
    return None


@routes.get("/api/v1/admin/users")
async def list_users(request: web.Request) -> web.Response:
    if refused := _bad_query(request, ("role",)):
        return refused
    role = request.query.get("role") or None
    if role is not None and role not in set(Role):
        return _errors("role", f"role must be one of {', '.join(Role)}")
    people = await request.app[SERVICES].staff.users(API, role)
    return as_json([person.model_dump(mode="json") for person in people])


@routes.post("/api/v1/admin/users")
async def add_user(request: web.Request) -> web.Response:
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, LookupError, RecursionError):
        return _errors("body", "the body must be JSON")
    if not isinstance(body, dict) or not all(
        isinstance(body.get(name) or "", str) for name in USER_FIELDS
    ):
        return _errors("body", f"an object of strings: {', '.join(USER_FIELDS)}")
    fields = {name: body.get(name) or "" for name in USER_FIELDS}
    try:
        user_id = await request.app[SERVICES].staff.add_user(actor=API, **fields)
    except StaffError as refused:
        return _errors("body", str(refused))
    return as_json({"id": user_id}, 201)


@routes.post("/api/v1/admin/users/{user_id}/deactivate")
async def deactivate(request: web.Request) -> web.Response:
    raw = request.match_info["user_id"]
    if not ID.fullmatch(raw):
        return _errors("user_id", f"there is no staff member {raw}", 404)
    user_id = int(raw)
    try:
        moved = await request.app[SERVICES].staff.deactivate(API, user_id)
    except NoSuchUser as missing:
        return _errors("user_id", str(missing), 404)
    except StaffError as refused:
        return _errors("user_id", str(refused), 409)
    return as_json({"id": user_id, "active": False, "moved_tasks": moved})


@routes.post("/api/v1/admin/areas/import")
async def import_areas(request: web.Request) -> web.Response:
    """The body is the CSV file itself (code,name,parent; UTF-8 or GBK): all of it or none."""
    try:
        done = await request.app[SERVICES].staff.import_areas(API, await request.read())
    except AreaImportError as refused:
        lines = [{"field": f"line {line}", "message": problem} for line, problem in refused.lines]
        return as_json({"errors": lines or [{"field": "body", "message": str(refused)}]}, 422)
    return as_json({"added": done.added, "renamed": done.renamed, "unchanged": done.unchanged})


@routes.get("/api/v1/admin/audit")
async def audit(request: web.Request) -> web.Response:
    """The audit log, newest first, a page at a time (filters as on /admin/audit)."""
    if refused := _bad_query(request, FILTERS):
        return refused
    try:
        asked = wanted(request.query, request.app[SERVICES].settings.zone)
    except ValueError as refused:
        return _errors("query", str(refused))
    rows, total = await request.app[SERVICES].staff.audit(API, asked)
    return as_json(
        {"total": total, "page": asked.page, "rows": [row.model_dump(mode="json") for row in rows]}
    )


def _refused(refused: TemplateError) -> web.Response:
    """Every reason, in English; 404 when the court, locale or key itself is not there."""
    errors = []
    for reason in refused.reasons:
        field = reason.key.rsplit(".", 1)[-1]
        errors.append(
            {
                "field": field if field in ("court", "locale", "key") else "body",
                "message": reason.text("en"),
            }
        )
    return as_json({"errors": errors}, 404 if refused.missing else 422)


@routes.get(TEMPLATES)
async def list_templates(request: web.Request) -> web.Response:
    """Every text a court may word, in every locale: the court's or the shipped one."""
    try:
        rows = await request.app[SERVICES].court_texts.list(API, request.match_info["court"])
    except TemplateError as refused:
        return _refused(refused)
    return as_json([row.model_dump(mode="json") for row in rows])


@routes.get(TEMPLATE)
async def show_template(request: web.Request) -> web.Response:
    court, locale, key = (request.match_info[name] for name in ("court", "locale", "key"))
    try:
        shown = await request.app[SERVICES].court_texts.show(API, locale, key, court)
    except TemplateError as refused:
        return _refused(refused)
    return as_json(shown.model_dump(mode="json"))


@routes.put(TEMPLATE)
async def save_template(request: web.Request) -> web.Response:
    """The court's text from now on: `{"body": "…"}` under the admins' placeholder names."""
    court, locale, key = (request.match_info[name] for name in ("court", "locale", "key"))
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, LookupError, RecursionError):
        return _errors("body", "the body must be JSON")
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return _errors("body", 'an object with the text as a string: {"body": "…"}')
    try:
        saved = await request.app[SERVICES].court_texts.save(API, locale, key, body["body"], court)
    except TemplateError as refused:
        return _refused(refused)
    return as_json(saved.model_dump(mode="json"))


@routes.delete(TEMPLATE)
async def reset_template(request: web.Request) -> web.Response:
    """Back to the shipped text."""
    court, locale, key = (request.match_info[name] for name in ("court", "locale", "key"))
    try:
        shown = await request.app[SERVICES].court_texts.reset(API, locale, key, court)
    except TemplateError as refused:
        return _refused(refused)
    return as_json(shown.model_dump(mode="json"))


def _schedule_errors(refused: ScheduleRefused) -> web.Response:
    """Every reason at once, in the court's words, with the field at fault and its key."""
    errors = [
        {
            "field": reason.field,
            "key": reason.key,
            "message": render(reason.key, STAFF_LOCALE, **reason.values),
        }
        for reason in refused.reasons
    ]
    return as_json({"errors": errors}, 422)


@routes.get("/api/v1/admin/schedules/{court}")
async def get_schedule(request: web.Request) -> web.Response:
    """The court's current schedule (version 0: the built-in one) and its versions."""
    service = request.app[SERVICES].schedules
    code = request.match_info["court"]
    try:
        current = await service.current(API, code)
        history = await service.history(API, code)
    except NoSuchCourt as missing:
        return _errors("court", str(missing), 404)
    return as_json(
        {
            "court": current.court_code,
            "version": current.version,
            "schedule": current.schedule.to_json(),
            "history": [
                {"version": v.version, "created_at": v.created_at.isoformat()} for v in history
            ],
        }
    )


@routes.put("/api/v1/admin/schedules/{court}")
async def put_schedule(request: web.Request) -> web.Response:
    """A new version of the court's schedule; 422 with every reason when it breaks a rule."""
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, LookupError, RecursionError):
        return _errors("body", "the body must be JSON")
    try:
        version = await request.app[SERVICES].schedules.save(API, body, request.match_info["court"])
    except ScheduleRefused as refused:
        return _schedule_errors(refused)
    except NoSuchCourt as missing:
        return _errors("court", str(missing), 404)
    return as_json({"court": request.match_info["court"], "version": version}, 201)


@routes.post("/api/v1/admin/schedules/{court}/replan")
async def replan(request: web.Request) -> web.Response:
    """Re-plans the court's open cases to its latest version: `dry_run=true` (the default)
    only says what would change; `dry_run=false` does it."""
    if refused := _bad_query(request, ("dry_run",)):
        return refused
    dry_run = request.query.get("dry_run", "true")
    if dry_run not in ("true", "false"):
        return _errors("dry_run", "dry_run must be true or false")
    try:
        report = await request.app[SERVICES].schedules.replan(
            API, request.match_info["court"], apply=dry_run == "false"
        )
    except NoSuchCourt as missing:
        return _errors("court", str(missing), 404)
    return as_json(report.as_dict())
