"""Keeps the bot under Telegram's limits: about 30 messages a second in all and about one a
second per chat (a short burst allowed), for reminders and replies alike. When Telegram still
answers 429, nothing more goes to it until its `retry_after` has passed. The buckets are the
core's (bot/services/pacing.py), in this process or, given a `BucketStore`, shared by every
process of the deployment (the limits are the bot's, not a process's); only the flood wait is
Telegram's."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from redis.exceptions import RedisError

from bot.services.pacing import Bucket, BucketStore, Turn

log = logging.getLogger(__name__)
LANE = "telegram"  # the bot's overall lane; a chat's is "telegram:<chat id>"


class RateLimit(BaseRequestMiddleware):
    CHAT_BURST = 3
    MAX_CHATS = 10_000  # idle chats beyond this are forgotten

    def __init__(
        self, per_second: float = 30.0, per_chat: float = 1.0, store: BucketStore | None = None
    ) -> None:
        now = time.monotonic()
        self._all = Bucket(per_second, per_second, now)
        self._per_chat = per_chat
        self._chats: dict[Any, Bucket] = {}
        self._store = store

    def turn(self, chat_id: Any) -> Turn:
        """The next turn to send into a chat: within the chat's rate and the overall one."""
        now = time.monotonic()
        if len(self._chats) > self.MAX_CHATS:
            self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
        chat = self._chats.setdefault(chat_id, Bucket(self._per_chat, self.CHAT_BURST, now))
        return Turn(chat, self._all)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None:  # a message into a chat: the limits apply
            if self._store is None:
                await self.turn(chat_id).wait()
            else:
                try:
                    await self._shared_turn(chat_id)
                except (OSError, RedisError):  # Redis away: this process keeps the limits alone
                    log.warning("Telegram's shared limits are unreachable: limiting alone")
                    await self.turn(chat_id).wait()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:  # a flood wait holds every chat, not just this one
            now = time.monotonic()
            self._all.hold(now + exc.retry_after, now)
            if self._store is not None:
                try:
                    await self._store.hold(LANE, self._all.rate, self._all.burst, exc.retry_after)
                except (OSError, RedisError):
                    log.warning("Telegram's flood wait could not be shared: held here alone")
            raise

    async def _shared_turn(self, chat_id: Any) -> None:
        """The turn in the deployment's buckets: the later of the overall one and the chat's."""
        assert self._store is not None
        delay = max(
            await self._store.reserve(LANE, self._all.rate, self._all.burst),
            await self._store.reserve(f"{LANE}:{chat_id}", self._per_chat, self.CHAT_BURST),
        )
        if delay > 0:
            await asyncio.sleep(delay)
