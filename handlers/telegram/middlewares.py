"""Outer middlewares: each update handled once (the inbox), and who is behind the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import TelegramObject, Update

from bot.app import Services
from bot.services.linking import Linked

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class HandleOnce(BaseMiddleware):
    """Claims the update in the inbox before any handler runs and marks it handled after; an
    update already claimed or handled is acknowledged and dropped."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        services: Services = data["services"]
        if not await services.inbox.claim(event.update_id):
            return None
        result = await handler(event, data)
        await services.inbox.handled(event.update_id)
        return result


class Identify(BaseMiddleware):
    """Puts `linked` (who is behind this chat) in the handlers' data."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        services: Services = data["services"]
        data["linked"] = await services.links.who(chat.id) if chat else Linked()
        return await handler(event, data)


class HasRole(Filter):
    """A staff member of this role is behind the chat."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, linked: Linked) -> bool:
        return linked.staff is not None and linked.staff.role == self.role


class IsDebtor(Filter):
    async def __call__(self, event: TelegramObject, linked: Linked) -> bool:
        return linked.staff is None and linked.obligor is not None
