"""The periodic jobs. Reminders are rows in our table, never one APScheduler job each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Services


def _every(
    scheduler: AsyncIOScheduler, job: Callable[[], Awaitable[object]], job_id: str, **when: Any
) -> None:
    """An interval job that never overlaps itself; runs missed meanwhile fold into one."""
    scheduler.add_job(job, "interval", id=job_id, max_instances=1, coalesce=True, **when)


def _run_now(scheduler: AsyncIOScheduler, job_id: str) -> None:
    """The job's next run is now (the interval goes on from there); nothing once stopped."""
    if scheduler.running and (job := scheduler.get_job(job_id)) is not None:
        job.modify(next_run_time=datetime.now(UTC))


def build_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    settings = services.settings
    _every(
        scheduler,
        services.dispatcher.run_once,
        "dispatch_reminders",
        seconds=settings.dispatch_interval,
        misfire_grace_time=None,
    )
    services.dispatcher.wake_with(lambda: _run_now(scheduler, "dispatch_reminders"))
    _every(scheduler, services.followups.run_once, "follow_ups", minutes=1)
    if settings.retention_days > 0:
        _every(scheduler, services.retention.purge, "purge_personal_data", hours=1)
    if settings.telegram_configured:
        _every(scheduler, services.inbox.forget_old, "forget_old_updates", hours=6)
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
