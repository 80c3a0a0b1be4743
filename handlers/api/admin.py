"""The admin API under /api/v1/admin (the bearer token, handlers/api/auth.py): people,
areas, the audit log. Each call goes through the same services as the console and the CLI,
recorded in the audit log with the actor `api`."""

from __future__ import annotations

import json

from aiohttp import web

from bot.domain.audit import API, wanted
from bot.services.staff import AreaImportError, NoSuchUser, StaffError
from handlers.api.routes import as_json
from handlers.keys import SERVICES

routes = web.RouteTableDef()
USER_FIELDS = ("role", "name", "phone", "area_code", "court_code", "court_name")


def _errors(field: str, message: str, status: int = 422) -> web.Response:
    return as_json({"errors": [{"field": field, "message": message}]}, status)


@routes.get("/api/v1/admin/users")
async def list_users(request: web.Request) -> web.Response:
    people = await request.app[SERVICES].staff.users(API, request.query.get("role") or None)
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


@routes.post(r"/api/v1/admin/users/{user_id:\d{1,12}}/deactivate")
async def deactivate(request: web.Request) -> web.Response:
    user_id = int(request.match_info["user_id"])
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
    try:
        asked = wanted(request.query, request.app[SERVICES].settings.zone)
    except ValueError as refused:
        return _errors("query", str(refused))
    rows, total = await request.app[SERVICES].staff.audit(API, asked)
    return as_json(
        {"total": total, "page": asked.page, "rows": [row.model_dump(mode="json") for row in rows]}
    )
