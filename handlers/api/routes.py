"""The court system's API: judgments in, cases out."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import ValidationError

from bot.domain.figures import Figures, SelectionError
from bot.domain.judgment import field_errors
from handlers.api.export import download
from handlers.api.openapi import spec
from handlers.keys import SERVICES

routes = web.RouteTableDef()


def as_json(body: object, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.post("/api/v1/judgments")
async def post_judgment(request: web.Request) -> web.Response:
    try:
        body = await request.json(loads=json.loads)
    # ValueError: not JSON, not UTF-8, or an integer of more than 4300 digits; LookupError: an
    # unknown charset; RecursionError: arrays or objects nested too deep to decode.
    except (ValueError, LookupError, RecursionError):
        return as_json({"errors": [{"field": "body", "message": "the body must be JSON"}]}, 422)
    try:
        judgment = request.app[SERVICES].judgments.parse(body)
    except ValidationError as exc:
        return as_json({"errors": field_errors(exc)}, 422)
    result = await request.app[SERVICES].judgments.register(judgment)
    return as_json(
        {
            "case_id": result.case_id,
            "case_number": judgment.case_number,
            "created": result.created,
            "url": f"/api/v1/cases/{result.case_id}",
        },
        201 if result.created else 200,
    )


@routes.get(r"/api/v1/cases/{case_id:\d{1,18}}")
async def get_case(request: web.Request) -> web.Response:
    case = await request.app[SERVICES].cases.view(int(request.match_info["case_id"]))
    if case is None:
        raise web.HTTPNotFound(text='{"error": "no such case"}', content_type="application/json")
    return as_json(case.model_dump(mode="json"))


FILTERS = {"court", "area", "from", "to"}


async def _figures(request: web.Request) -> Figures:
    """The figures the query asks for (`court`, `area`, `from`, `to`); 400 with the reason
    for a value that makes no sense."""
    query = request.query
    try:
        unknown = sorted(set(query) - FILTERS)
        if unknown:
            raise SelectionError(f"unknown parameter(s): {', '.join(unknown)[:80]}")
        return await request.app[SERVICES].figures.figures(
            court_code=query.get("court"),
            area=query.get("area"),
            since=query.get("from"),
            until=query.get("to"),
        )
    except SelectionError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": str(exc)}, ensure_ascii=False),
            content_type="application/json",
        ) from None


@routes.get("/api/v1/admin/figures")
async def get_figures(request: web.Request) -> web.Response:
    return as_json((await _figures(request)).model_dump(mode="json"))


@routes.get(r"/api/v1/admin/figures.{kind:csv|xlsx}")
async def get_figures_file(request: web.Request) -> web.Response:
    return download(await _figures(request), request.match_info["kind"])


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return as_json(spec())
