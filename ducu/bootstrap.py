"""The composition root: builds the core's services on their adapters. Nothing is built at import.

The Telegram channel (aiogram, heavy to import) is imported only when a bot token is set, and
the small verbs of the command line open the database alone (`store`), not the whole runtime.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Services
from bot.clock import SystemClock
from bot.config import Settings
from bot.conversation.engine import ConversationEngine
from bot.domain.schedules import Schedule
from bot.domain.status import Channel
from bot.metrics import Metrics
from bot.pii import PersonalDataKey
from bot.ports import Clock, MessageSender, UnitOfWorkFactory
from bot.services.accounts import AccountService, LoginThrottle
from bot.services.cases import CaseQueries
from bot.services.court_texts import CourtTexts, CourtTextService
from bot.services.decisions import DecisionService
from bot.services.delivery import DeliveryService
from bot.services.dispatch import Dispatcher, DispatchPolicy
from bot.services.figures import FigureService
from bot.services.followups import FollowUps
from bot.services.inbox import UpdateInbox
from bot.services.judgments import JudgmentService
from bot.services.linking import LinkService
from bot.services.pacing import BucketStore, LocalPacer, Pacer, SharedPacer
from bot.services.retention import RetentionService
from bot.services.schedules import ScheduleService
from bot.services.staff import StaffService
from ducu.web import create_app
from handlers.sandbox.sender import SandboxSender
from handlers.sms.twilio_sender import TwilioSender
from scheduler.jobs import build_scheduler, stop_scheduler
from storage.buckets import RedisBuckets
from storage.db import checkpointer, make_engine, make_sessionmaker
from storage.migrate import pending, upgrade
from storage.uow import uow_factory

if TYPE_CHECKING:
    from handlers.telegram.channel import TelegramChannel


@dataclass
class Runtime:
    services: Services
    telegram: TelegramChannel | None = None
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def web_app(self) -> web.Application:
        return create_app(self.services, self.telegram)

    async def start_chat(self) -> None:
        """Registers the webhook or starts polling (`ducu serve` only: one process polls)."""
        if self.telegram is not None:
            await self.telegram.start()

    async def stop_chat(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()

    def scheduler(self) -> AsyncIOScheduler:
        return build_scheduler(self.services)

    async def stop_scheduler(self, scheduler: AsyncIOScheduler) -> None:
        await stop_scheduler(scheduler, self.services)

    async def close(self) -> None:
        for close in reversed(self._closers):
            await close()


def migrate(settings: Settings) -> None:
    """Brings the schema up to date (sync: call before the event loop starts)."""
    upgrade(settings.database_url)


def pending_migrations(settings: Settings) -> list[str]:
    return pending(settings.database_url)


def make_sender(settings: Settings) -> MessageSender | None:
    """The SMS channel: Twilio, the sandbox, or none (a court may reach its debtors by chat)."""
    if settings.sandbox:
        return SandboxSender()
    if not settings.twilio_configured:
        return None
    callback = f"{settings.public_url.rstrip('/')}/twilio/status" if settings.public_url else None
    return TwilioSender(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        from_number=settings.twilio_from_number,
        api_base=settings.twilio_api_base,
        status_callback=callback,
        timeout=settings.send_timeout,
    )


@asynccontextmanager
async def store(settings: Settings) -> AsyncIterator[UnitOfWorkFactory]:
    """The database alone, for a verb that needs no channel and no dispatcher."""
    engine = make_engine(settings.database_url)
    try:
        yield uow_factory(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def schedule_service(settings: Settings, uow: UnitOfWorkFactory, clock: Clock) -> ScheduleService:
    """Courts' schedules; a court without one runs the shipped plan with the settings' quiet
    hours and weekly cap."""
    default = Schedule.built_in(settings.quiet, settings.weekly_cap)
    return ScheduleService(uow, clock, zone=settings.zone, default=default)


def judgment_service(
    settings: Settings,
    uow: UnitOfWorkFactory,
    clock: Clock,
    metrics: Metrics,
    schedules: ScheduleService | None = None,
    on_new: Callable[[], None] = lambda: None,
) -> JudgmentService:
    """`on_new`: called when new cases were planned (the dispatcher of this process looks)."""
    secret = settings.data_key.get_secret_value()
    return JudgmentService(
        uow,
        clock,
        zone=settings.zone,
        schedules=schedules or schedule_service(settings, uow, clock),
        metrics=metrics,
        data_key=PersonalDataKey(secret) if secret else None,
        chat_links=bool(settings.chat_link_base),
        on_new=on_new,
    )


def sms_pacer(settings: Settings, buckets: BucketStore | None) -> Pacer:
    """`DUCU_SMS_RATE` for the deployment when the processes share buckets, else for this one."""
    if buckets is None:
        return LocalPacer(settings.sms_rate)
    return SharedPacer(buckets, "sms", settings.sms_rate)


async def build(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock()
    wal = checkpointer(settings.database_url)
    engine = make_engine(settings.database_url, background_checkpoints=wal is not None)
    uow = uow_factory(make_sessionmaker(engine))
    metrics = Metrics()
    buckets = RedisBuckets(settings.redis_url) if settings.redis_url else None
    sender = make_sender(settings)
    senders: dict[str, MessageSender] = {sender.channel: sender} if sender else {}
    bot = None
    if settings.telegram_configured:  # aiogram is imported only when a bot token is set
        from handlers.telegram import channel as chat
        from handlers.telegram.keyboards import CallbackSigner
        from handlers.telegram.sender import TelegramSender

        bot = chat.make_bot(settings, buckets)
        senders[Channel.TELEGRAM] = TelegramSender(bot, CallbackSigner(settings.telegram_bot_token))
    policy = DispatchPolicy(
        batch=settings.dispatch_batch,
        lease=timedelta(seconds=settings.lease_seconds),
        send_timeout=settings.send_timeout,
        max_attempts=settings.max_attempts,
        quiet=settings.quiet,
        chat_link_base=settings.chat_link_base,
        console_base=settings.public_url.rstrip("/"),
    )
    schedules = schedule_service(settings, uow, clock)
    texts = CourtTexts(uow)  # one per process: a save here is sent at once (its module says)
    dispatcher = Dispatcher(
        uow,
        clock,
        senders,
        sms_pacer(settings, buckets),
        policy,
        metrics,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        schedules=schedules,
        texts=texts,
    )
    services = Services(
        settings=settings,
        clock=clock,
        metrics=metrics,
        senders=senders,
        engine=ConversationEngine(uow, clock, metrics, settings.inbound_per_minute),
        judgments=judgment_service(
            settings, uow, clock, metrics, schedules, on_new=dispatcher.nudge
        ),
        dispatcher=dispatcher,
        schedules=schedules,
        delivery=DeliveryService(uow, clock, settings.max_attempts),
        staff=StaffService(uow, clock),
        cases=CaseQueries(uow),
        retention=RetentionService(uow, clock, settings.retention_days),
        links=LinkService(uow, clock),
        inbox=UpdateInbox(uow, clock),
        followups=FollowUps(uow, clock, settings.zone),
        decisions=DecisionService(uow, clock),
        accounts=AccountService(uow, clock, LoginThrottle()),
        figures=FigureService(uow, clock, settings.zone),
        court_texts=CourtTextService(uow, clock, texts),
    )
    telegram = (
        chat.TelegramChannel(bot, chat.make_dispatcher(services, settings), settings)
        if bot is not None
        else None
    )
    runtime = Runtime(services, telegram)
    runtime._closers += [engine.dispose, *(s.close for s in senders.values())]
    if wal is not None:
        wal.start()
        runtime._closers.append(wal.stop)
    if buckets is not None:
        runtime._closers.append(buckets.close)
    if telegram is not None:
        runtime._closers.append(telegram.close)
    return runtime
