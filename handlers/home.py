"""`/`: what this server offers, linked (each only where it is served)."""

from __future__ import annotations

from typing import NamedTuple

import aiohttp_jinja2
from aiohttp import web

routes = web.RouteTableDef()


class Link(NamedTuple):
    path: str
    title: str
    what: str


LINKS = (
    Link("/sandbox", "Sandbox", "the demo's messages; answer as a debtor, judge or official"),
    Link("/api/v1/openapi.json", "API", "the OpenAPI document of /api/v1, for a court's system"),
    Link("/login", "Console", "sign in as a judge, official or admin"),
)


def routed(app: web.Application, path: str) -> bool:
    return any(resource.canonical == path for resource in app.router.resources())


@routes.get("/")
@aiohttp_jinja2.template("home.html")
async def home(request: web.Request) -> dict:
    return {"links": [link for link in LINKS if routed(request.app, link.path)]}
