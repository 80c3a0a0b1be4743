"""One SMS pace for the deployment: three `ducu worker` processes on one PostgreSQL database
take their turns from one bucket in Redis, so together they start `DUCU_SMS_RATE` messages a
second, not three times that, also when every row falls due at the same instant (as at the
end of quiet hours)."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import SystemClock
from bot.config import Settings
from bot.metrics import Metrics
from ducu.bootstrap import judgment_service, store
from storage.db import make_engine
from tests.conftest import PUBLIC_URL, twilio_settings
from tests.fakes.twilio import FakeTwilio
from tests.helpers import numbered_judgment
from tests.pg import POSTGRES_URL
from tests.scheduler.test_dispatch import until

DUCU = Path(sys.executable).parent / "ducu"
REDIS_URL = os.environ.get("DUCU_TEST_REDIS_URL", "")
RATE = 15  # messages a second for the whole deployment
ROWS = 45  # three seconds at RATE; one second if each worker kept a pace of its own

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="DUCU_TEST_REDIS_URL is not set (CI starts Redis)"),
    pytest.mark.skipif(not POSTGRES_URL, reason="DUCU_TEST_POSTGRES_URL is not set"),
]


def debtors(fake: FakeTwilio) -> list[dict[str, str]]:
    return [m for m in fake.messages if m["To"].startswith("+86138")]


async def _start_worker(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        str(DUCU), "worker", cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        while b"is dispatching" not in await process.stdout.readline():
            assert process.returncode is None
    return process


async def test_three_workers_start_the_deployment_rate_together(
    postgres_url: str, aiohttp_server, tmp_path: Path
) -> None:
    fake = FakeTwilio()  # stamps each message with the wall clock
    fake.url = str((await aiohttp_server(fake.app())).make_url("")).rstrip("/")
    settings = {
        "DUCU_DATABASE_URL": postgres_url,
        "DUCU_REDIS_URL": REDIS_URL,
        "DUCU_PUBLIC_URL": PUBLIC_URL,
        "DUCU_SMS_RATE": str(RATE),
        "DUCU_DISPATCH_BATCH": "5",  # small batches: every worker gets rows
        "DUCU_DISPATCH_INTERVAL": "0.2",
        "DUCU_QUIET_HOURS": "",
        "DUCU_WEEKLY_CAP": "0",
        **twilio_settings(fake.url),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_"))}
    workers = [await _start_worker({**env, **settings}, tmp_path) for _ in range(3)]
    try:
        # Every day-0 reminder falls due at one instant, a few seconds from now.
        release = datetime.now(UTC) + timedelta(seconds=3)
        config = Settings(_env_file=None, **{**settings, "DUCU_QUIET_HOURS": ""})
        async with store(config) as uow:
            judgments = judgment_service(config, uow, SystemClock(), Metrics())
            for i in range(ROWS):
                await judgments.register(judgments.parse(numbered_judgment(i, release)))
        await until(lambda: len(debtors(fake)) == ROWS, "every day-0 SMS", within=30)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [await worker.wait() for worker in workers]
    assert codes == [0, 0, 0]
    times = sorted(fake.sent_at[m["Sid"]] for m in debtors(fake))
    # The pace is the slope of send times against their order: one send late on a busy
    # machine (the first, say) moves the span from first to last, not the slope.
    seconds = [(at - times[0]).total_seconds() for at in times]
    rate = 1 / statistics.linear_regression(range(len(seconds)), seconds).slope
    assert RATE * 0.8 < rate < RATE * 1.1, f"{rate:.1f} messages a second, not {RATE}"
    assert len({m["To"] for m in debtors(fake)}) == ROWS  # each debtor once
    engine = make_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            senders = await conn.scalar(
                text("SELECT count(DISTINCT claimed_by) FROM reminders WHERE status = 'sent'")
            )
    finally:
        await engine.dispose()
    assert senders >= 2, "the rows were shared out among the workers"
