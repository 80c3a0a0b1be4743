"""The periodic jobs. Reminders are rows in our table, never one APScheduler job each."""

from __future__ import annotations

import asyncio

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Services


def build_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        services.dispatcher.run_once,
        "interval",
        seconds=services.settings.dispatch_interval,
        id="dispatch_reminders",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    if services.settings.retention_days > 0:
        scheduler.add_job(
            services.retention.purge,
            "interval",
            hours=1,
            id="purge_personal_data",
            max_instances=1,
            coalesce=True,
        )
    if services.settings.telegram_configured:
        scheduler.add_job(
            services.inbox.forget_old,
            "interval",
            hours=6,
            id="forget_old_updates",
            max_instances=1,
            coalesce=True,
        )
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, services: Services) -> None:
    """No new runs, then wait for the dispatcher to record what it has in flight.

    Pause first and shut down last: AsyncIOScheduler.shutdown cancels the job tasks still
    running, which would abandon a batch between Twilio's accept and our commit.
    """
    scheduler.pause()
    await services.dispatcher.stop()
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # AsyncIOScheduler.shutdown only queues itself on the loop: let it run
