"""The bot and its dispatcher, built for one process, and how they start and stop.

Webhook mode (the default) serves `POST /telegram/webhook` on the service's own aiohttp app
and registers that URL with Telegram at start when `DUCU_PUBLIC_URL` is set. Polling mode
(`DUCU_TELEGRAM_MODE=polling`) long-polls instead: for local use, with no public URL.
aiogram keeps no state (the flows keep theirs in our database); it only handles one chat's
updates one at a time: across processes through Redis with `DUCU_REDIS_URL`, else in memory.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ChatType
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.types import BotCommand

from bot.app import Services
from bot.config import Settings
from bot.domain.locales import DEFAULT_LOCALE, LOCALES, language, resolve
from bot.domain.texts import render
from bot.services.pacing import BucketStore
from handlers.telegram import debtors, staff
from handlers.telegram.isolation import ChatLocks, NoState
from handlers.telegram.keyboards import CallbackSigner
from handlers.telegram.limiter import RateLimit
from handlers.telegram.middlewares import HandleOnce, Identify

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
COMMANDS = ("cases", "case", "silent")  # described in the catalogs as `tg.command.<name>`


def command_menus() -> list[tuple[str | None, list[BotCommand]]]:
    """The command menu for each language Telegram may report (None: any other language), in
    the locale that language reads."""
    languages = dict.fromkeys(language(locale) for locale in LOCALES)
    readers: dict[str | None, str] = {None: DEFAULT_LOCALE}
    readers |= {code: resolve(code) for code in languages if resolve(code) != DEFAULT_LOCALE}
    return [(code, _commands(locale)) for code, locale in readers.items()]


def _commands(locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=render(f"tg.command.{name}", locale))
        for name in COMMANDS
    ]


def make_bot(settings: Settings, buckets: BucketStore | None = None) -> Bot:
    """The bot, within Telegram's limits: kept in `buckets` when every process shares them."""
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_base.rstrip("/")),
        timeout=settings.send_timeout,
    )
    session.middleware(RateLimit(settings.telegram_rate, settings.telegram_chat_rate, buckets))
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session)


def _isolation(settings: Settings) -> BaseEventIsolation:
    """Per-chat order across processes (in Redis) or in this one."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation

        return RedisEventIsolation.from_url(settings.redis_url)
    return ChatLocks()


def make_dispatcher(services: Services, settings: Settings) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=NoState(),
        events_isolation=_isolation(settings),
        services=services,
        signer=CallbackSigner(settings.telegram_bot_token),
    )
    dispatcher.update.outer_middleware(HandleOnce())
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(Identify())
    dispatcher.message.filter(F.chat.type == ChatType.PRIVATE)  # no groups: case data is private
    dispatcher.include_routers(*staff.routers(), debtors.router())
    return dispatcher


@dataclass
class TelegramChannel:
    bot: Bot
    dispatcher: Dispatcher
    settings: Settings
    _polling: asyncio.Task | None = field(default=None, init=False)

    @property
    def webhook_secret(self) -> str:
        return self.settings.telegram_webhook_secret.get_secret_value()

    async def start(self) -> None:
        """Polling: start long-polling. Webhook: tell Telegram where to post, if we know."""
        try:
            for code, commands in command_menus():
                await self.bot.set_my_commands(commands, language_code=code)
            if self.settings.telegram_mode == "polling":
                await self.bot.delete_webhook()
                self._polling = asyncio.create_task(
                    self.dispatcher.start_polling(
                        self.bot, handle_signals=False, close_bot_session=False
                    )
                )
            elif self.settings.public_url:
                await self.bot.set_webhook(
                    self.settings.public_url.rstrip("/") + WEBHOOK_PATH,
                    secret_token=self.webhook_secret,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                )
        except Exception as exc:  # the service still runs: SMS, the API, the outbox
            log.error("Telegram could not be set up (%s); chat is unavailable", exc)

    async def stop(self) -> None:
        if self._polling is not None:
            await self.dispatcher.stop_polling()
            await self._polling
            self._polling = None

    async def close(self) -> None:
        await self.dispatcher.fsm.events_isolation.close()
