"""The aiohttp application keys every handler reads its dependencies from."""

from __future__ import annotations

from aiohttp import web

from bot.app import Services

SERVICES = web.AppKey("services", Services)
