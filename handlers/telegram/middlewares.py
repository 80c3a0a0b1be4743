"""Outer middlewares: each update handled once (the inbox), and who is behind the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import TelegramObject, Update

from bot.app import Services
from bot.domain.status import InboxClaim
from bot.services.linking import Linked

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateInProgress(Exception):
    """This update is being handled by another delivery right now: Telegram should send it
    again later (the webhook answers 503)."""


class HandleOnce(BaseMiddleware):
    """Claims the update in the inbox before any handler runs and marks it handled after. An
    update handled already is acknowledged and dropped; one being handled now raises
    `UpdateInProgress`; a handler that fails gives the claim back before the error goes on."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        services: Services = data["services"]
        claim = await services.inbox.claim(event.update_id)
        if claim is InboxClaim.DONE:
            return None
        if claim is InboxClaim.BUSY:
            raise UpdateInProgress(event.update_id)
        try:
            result = await handler(event, data)
        except Exception:
            await services.inbox.release(event.update_id)
            raise
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
