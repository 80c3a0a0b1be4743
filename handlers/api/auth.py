"""Bearer-token guard for `/api/v1` (the spec stays public)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.keys import SERVICES

PUBLIC = {"/api/v1/openapi.json"}


@web.middleware
async def require_token(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path.startswith("/api/") and request.path not in PUBLIC:
        token = request.app[SERVICES].settings.api_token.get_secret_value()
        scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
        given = given.strip()
        if (
            not token
            or scheme.lower() != "bearer"  # the scheme name is case-insensitive (RFC 7235)
            or not hmac.compare_digest(token.encode(), given.encode())
        ):
            raise web.HTTPUnauthorized(
                text='{"error": "a valid bearer token is required"}',
                content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="ducu"'},
            )
    return await handler(request)
