"""Server-rendered pages: one Jinja2 environment for every edge that has pages, autoescaped.

`handlers/templates/` holds what pages share (`base.html`); a package with pages of its own
keeps them in its `templates/` folder, named by the package (`sandbox/page.html`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, StrictUndefined

PACKAGES = ("sandbox", "console")


def setup_templates(app: web.Application, zone: ZoneInfo) -> None:
    """`local` shows an instant in the court's zone, as every page does."""

    def local(at: datetime) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    own = {name: PackageLoader("handlers", f"{name}/templates") for name in PACKAGES}
    loader = ChoiceLoader([PackageLoader("handlers"), PrefixLoader(own)])
    env = aiohttp_jinja2.setup(
        app, loader=loader, autoescape=True, undefined=StrictUndefined, filters={"local": local}
    )
    env.globals["zone"] = zone.key
