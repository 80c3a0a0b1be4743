"""Keeps the bot under Telegram's limits: about 30 messages a second in all and about one a
second per chat (a short burst allowed), for reminders and replies alike. When Telegram still
answers 429, nothing more goes to it until its `retry_after` has passed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod


class Bucket:
    """A token bucket: `rate` per second on average, up to `burst` at once. `reserve` says how
    long to wait for one token; reservations are first come, first served."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._at = burst, now

    def reserve(self, now: float) -> float:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def hold(self, until: float, now: float) -> None:
        """Nothing goes before `until` (Telegram asked us to wait)."""
        self.reserve(now)
        self._tokens = min(self._tokens + 1, 1 - (until - now) * self.rate)

    def idle(self, now: float) -> bool:
        return self._tokens + (now - self._at) * self.rate >= self.burst


class RateLimit(BaseRequestMiddleware):
    CHAT_BURST = 3
    MAX_CHATS = 10_000  # idle chats beyond this are forgotten

    def __init__(self, per_second: float = 30.0, per_chat: float = 1.0) -> None:
        now = time.monotonic()
        self._all = Bucket(per_second, per_second, now)
        self._per_chat = per_chat
        self._chats: dict[Any, Bucket] = {}

    def delay(self, chat_id: Any) -> float:
        now = time.monotonic()
        if len(self._chats) > self.MAX_CHATS:
            self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
        chat = self._chats.setdefault(chat_id, Bucket(self._per_chat, self.CHAT_BURST, now))
        return max(chat.reserve(now), self._all.reserve(now))

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None:  # a message into a chat: the limits apply
            wait = self.delay(chat_id)
            if wait > 0:
                await asyncio.sleep(wait)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:  # a flood wait holds every chat, not just this one
            now = time.monotonic()
            self._all.hold(now + exc.retry_after, now)
            raise
