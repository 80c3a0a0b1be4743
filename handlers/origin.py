"""Forms are posted without CSRF tokens: a POST is taken only from a page of this same origin.

Browsers send `Origin` with every cross-origin POST (and `Referer` unless told not to); when
one is present it must name this host. A client that sends neither (curl, a test) is no
browser another site could drive.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web


def require_same_origin(request: web.Request) -> None:
    own = f"{request.scheme}://{request.host}"
    origin = request.headers.get("Origin")
    if origin is None and (referer := request.headers.get("Referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is not None and origin != own:
        raise web.HTTPForbidden(text="a form of another site cannot post here")
