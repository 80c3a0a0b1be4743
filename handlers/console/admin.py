"""The admin pages of the console: the people of the admin's court, the areas, the audit
log. The guard (auth.py) lets only a court's admins in; every change goes through
`StaffService`, which keeps the admin to their court and writes the audit row, with the
admin as its actor. A form posts, then redirects with what it did (as decisions.py does).
"""

from __future__ import annotations

import json
from math import ceil
from urllib.parse import urlencode

from aiohttp import web

from bot.domain.audit import PAGE, AuditActor, wanted
from bot.domain.status import STAFF_ROLES
from bot.services.staff import AreaImportError, NoSuchUser, PhoneTaken, StaffError
from handlers.console.auth import STAFF, done, page, texts
from handlers.keys import SERVICES

routes = web.RouteTableDef()
USER = r"/admin/users/{user_id:[0-9]{1,9}}"  # users.id is a 32-bit integer


def _actor(request: web.Request) -> AuditActor:
    return AuditActor.of(request[STAFF])


async def _form(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


@routes.get("/admin")
async def admin_home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/admin/users")


@routes.get("/admin/users")
async def users(request: web.Request) -> web.Response:
    people = await request.app[SERVICES].staff.users(_actor(request))
    context = {"people": [p for p in people if p.role in STAFF_ROLES], "roles": STAFF_ROLES}
    return await page(request, "console/admin_users.html", context)


@routes.post("/admin/users")
async def add_user(request: web.Request) -> web.Response:
    form = await _form(request)
    try:
        user_id = await request.app[SERVICES].staff.add_user(
            actor=_actor(request),
            role=form.get("role", ""),
            name=form.get("name", ""),
            phone=form.get("phone", ""),
            area_code=form.get("area_code", "").strip() or None,
        )
    except StaffError as refused:
        return await done(request, await _refusal(request, refused), "/admin/users", ok=False)
    t = await texts(request)
    return await done(request, t("admin.saved"), f"/admin/users/{user_id}")


async def _refusal(request: web.Request, refused: StaffError) -> str:
    """Why a person was not added, in the console's language where the catalog words it."""
    if not isinstance(refused, PhoneTaken):
        return str(refused)
    t = await texts(request)
    if refused.debtor:
        return t("admin.phone_taken.debtor")
    if (holder := refused.holder) is None:
        return t("admin.phone_taken.other_court")
    key = "admin.phone_taken" if holder.active else "admin.phone_taken.deactivated"
    return t(key, role=t(f"staff.role.{holder.role}"), name=holder.name)


async def _user_or_404(request: web.Request):
    try:
        return await request.app[SERVICES].staff.user(
            _actor(request), int(request.match_info["user_id"])
        )
    except NoSuchUser:
        raise web.HTTPNotFound() from None


@routes.get(USER)
async def user(request: web.Request) -> web.Response:
    return await page(request, "console/admin_user.html", {"person": await _user_or_404(request)})


@routes.post(USER)
async def edit_user(request: web.Request) -> web.Response:
    person = await _user_or_404(request)
    form = await _form(request)
    here = f"/admin/users/{person.id}"
    try:
        await request.app[SERVICES].staff.edit_user(
            _actor(request), person.id, form.get("name", ""), form.get("area_code", "")
        )
    except StaffError as refused:
        return await done(request, str(refused), here, ok=False)
    return await done(request, (await texts(request))("admin.saved"), here)


@routes.post(USER + "/deactivate")
async def deactivate(request: web.Request) -> web.Response:
    person = await _user_or_404(request)
    here = f"/admin/users/{person.id}"
    try:
        moved = await request.app[SERVICES].staff.deactivate(_actor(request), person.id)
    except StaffError as refused:
        return await done(request, str(refused), here, ok=False)
    t = await texts(request)
    return await done(request, t("admin.deactivated", name=person.name, count=moved), here)


@routes.post(USER + "/invite")
async def invite(request: web.Request) -> web.Response:
    person = await _user_or_404(request)
    services = request.app[SERVICES]
    code = await services.links.invite(person.id)
    t = await texts(request)
    said = t("admin.invite", name=person.name, link=services.settings.chat_link_base + code)
    return await done(request, said, f"/admin/users/{person.id}")


@routes.get("/admin/areas")
async def areas(request: web.Request) -> web.Response:
    return await _areas_page(request, {})


async def _areas_page(request: web.Request, extra: dict, *, status: int = 200) -> web.Response:
    known = await request.app[SERVICES].staff.areas()
    context = {"areas": known, "refused": None, "lines": []} | extra
    return await page(request, "console/admin_areas.html", context, status=status)


@routes.post("/admin/areas")
async def import_areas(request: web.Request) -> web.Response:
    """A CSV file of areas, all of it or nothing; a refusal lists each bad line."""
    upload = (await request.post()).get("file")
    data = upload.file.read() if isinstance(upload, web.FileField) else b""
    try:
        imported = await request.app[SERVICES].staff.import_areas(_actor(request), data)
    except AreaImportError as refused:
        extra = {"refused": str(refused), "lines": refused.lines}
        return await _areas_page(request, extra, status=422)
    t = await texts(request)
    said = t("admin.areas.imported", count=imported.added + imported.renamed)
    return await done(request, said, "/admin/areas")


@routes.get("/admin/audit")
async def audit(request: web.Request) -> web.Response:
    """The audit log of the admin's court and of the areas, newest first, a page at a time."""
    services = request.app[SERVICES]
    query = dict(request.query)
    context = {
        "query": query,
        "shown": lambda value: "" if value is None else json.dumps(value, ensure_ascii=False),
        "page_link": lambda n: "/admin/audit?" + urlencode(query | {"page": n}),
    }
    try:
        asked = wanted(query, services.settings.zone)
    except ValueError as refused:
        context |= {"asked": None, "refused": str(refused)}
        return await page(request, "console/admin_audit.html", context, status=422)
    rows, total = await services.staff.audit(_actor(request), asked)
    context |= {"rows": rows, "total": total, "pages": ceil(total / PAGE), "asked": asked}
    return await page(request, "console/admin_audit.html", context | {"refused": None})
