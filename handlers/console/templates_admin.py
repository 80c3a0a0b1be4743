"""The admin pages of a court's own texts: the list of texts a court may word, and a text's
form (its placeholders, a preview with the segment count and alphabet, save, back to the
shipped text). The guard (auth.py) lets only a court's admins in; `CourtTextService` keeps the
admin to their court and writes the audit row.

The preview is the server's: the form's Preview button asks for the page again with the text
in the query (nothing is stored), and a little script asks `…/preview` as the admin types.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.domain.audit import AuditActor
from bot.domain.court_texts import Checked, Reason
from bot.domain.texts import render
from bot.services.court_texts import TemplateError
from handlers.console.auth import STAFF, done, page, texts
from handlers.keys import SERVICES

routes = web.RouteTableDef()
TEXT = "/admin/templates/{locale}/{key}"


def _actor(request: web.Request) -> AuditActor:
    return AuditActor.of(request[STAFF])


def _asked(request: web.Request) -> tuple[str, str]:
    return request.match_info["locale"], request.match_info["key"]


def _here(locale: str, key: str) -> str:
    return f"/admin/templates/{locale}/{key}"


@routes.get("/admin/templates")
async def template_list(request: web.Request) -> web.Response:
    rows = await request.app[SERVICES].court_texts.list(_actor(request))
    return await page(request, "console/admin_templates.html", {"rows": rows})


async def _form(
    request: web.Request, checked: Checked | None, refused: list[str], *, status: int = 200
) -> web.Response:
    """A text's form: the court's (or shipped) text, or the one being tried (`checked`)."""
    locale, key = _asked(request)
    try:
        shown = await request.app[SERVICES].court_texts.show(_actor(request), locale, key)
    except TemplateError as missing:
        raise await _not_found(request, missing) from None
    context: dict[str, Any] = {
        "text": shown,
        "body": checked.body if checked else shown.body,
        "preview": checked.preview if checked else shown.preview,
        "refused": refused,
        "menu": render("menu", locale),
    }
    return await page(request, "console/admin_template.html", context, status=status)


async def _said(request: web.Request, reasons: tuple[Reason, ...]) -> list[str]:
    """Each reason in the console's language."""
    t = await texts(request)
    return [t(reason.key, **reason.values) for reason in reasons]


async def _not_found(request: web.Request, missing: TemplateError) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=" ".join(await _said(request, missing.reasons)))


@routes.get(TEXT)
async def template_form(request: web.Request) -> web.Response:
    """The form; with `?body=`, the preview of that text (the Preview button without script)."""
    if "body" not in request.query:
        return await _form(request, None, [])
    checked = await _check(request, request.query["body"])
    return await _form(request, checked, await _said(request, checked.reasons))


async def _check(request: web.Request, body: str) -> Checked:
    locale, key = _asked(request)
    try:
        return await request.app[SERVICES].court_texts.check(_actor(request), locale, key, body)
    except TemplateError as missing:
        raise await _not_found(request, missing) from None


@routes.get(TEXT + "/preview")
async def template_preview(request: web.Request) -> web.Response:
    """What the form's script shows as the admin types: the filled text, its segments and
    alphabet, and every reason it would be refused."""
    checked = await _check(request, request.query.get("body", ""))
    t = await texts(request)
    shown = checked.preview
    return web.json_response(
        {
            "refused": await _said(request, checked.reasons),
            "text": shown.text if shown else "",
            "count": t(
                "admin.templates.segments",
                count=shown.segments,
                alphabet=shown.alphabet,
                characters=shown.characters,
            )
            if shown
            else "",
        }
    )


@routes.post(TEXT)
async def template_save(request: web.Request) -> web.Response:
    locale, key = _asked(request)
    form = await request.post()
    body = form.get("body")
    body = body if isinstance(body, str) else ""
    try:
        saved = await request.app[SERVICES].court_texts.save(_actor(request), locale, key, body)
    except TemplateError as refused:
        if refused.missing:
            raise await _not_found(request, refused) from None
        checked = Checked(body, refused.reasons, refused.preview)
        return await _form(request, checked, await _said(request, refused.reasons), status=422)
    t = await texts(request)
    kept = saved.source == "court"
    said = t("admin.templates.saved") if kept else t("admin.templates.same_as_shipped")
    return await done(request, said, _here(locale, key))


@routes.post(TEXT + "/reset")
async def template_reset(request: web.Request) -> web.Response:
    locale, key = _asked(request)
    try:
        await request.app[SERVICES].court_texts.reset(_actor(request), locale, key)
    except TemplateError as missing:
        raise await _not_found(request, missing) from None
    t = await texts(request)
    return await done(request, t("admin.templates.reset_done"), _here(locale, key))
