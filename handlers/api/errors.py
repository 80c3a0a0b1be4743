"""Every error under `/api/` in JSON, as the OpenAPI document says: also those aiohttp makes
itself (a path no route matches: 404; a method its route lacks: 405)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

KEPT_HEADERS = ("Allow", "WWW-Authenticate")


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        if exc.content_type == "application/json":
            raise
        headers = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
        return web.json_response({"error": exc.reason.lower()}, status=exc.status, headers=headers)
