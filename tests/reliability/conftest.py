"""Real `ducu worker` processes against a real database, with the fake Twilio served from the
test's own event loop, so a test can kill, stop and restart workers while it counts what
reached Twilio and reads what the database recorded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.domain.plan import DEFAULT_PLAN
from bot.domain.status import Channel
from ducu.bootstrap import build
from storage import tables as t
from tests.conftest import _PERSONAL as PERSONAL_DATA
from tests.conftest import PUBLIC_URL, make_settings, twilio_settings
from tests.fakes.twilio import FakeTwilio
from tests.helpers import numbered_judgment, register

FIRST_STEP = DEFAULT_PLAN[0].key  # due the moment the judgment is effective
EXIT_WAIT_S = 10.0  # a killed or stopped worker is gone well within this


@dataclass
class CountingTwilio(FakeTwilio):
    """The fake Twilio that also knows which requests it is still answering and when it
    accepted each message (loop time)."""

    active: int = 0
    accepted_at: list[float] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.active += 1
        try:
            response = await super().handle(request)
            if response.status == 201:
                self.accepted_at.append(asyncio.get_running_loop().time())
            return response
        finally:
            self.active -= 1

    def per_number(self) -> Counter[str]:
        """How many messages each number received."""
        return Counter(m["To"] for m in self.messages)

    async def settled(self) -> None:
        """Waits until no request is being answered (a dead worker's last ones included)."""
        await wait_until(lambda: self.active == 0, EXIT_WAIT_S, "the fake Twilio to settle")


@pytest.fixture
async def twilio(aiohttp_server: Any) -> CountingTwilio:
    fake = CountingTwilio()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


async def wait_until(condition: Callable[[], bool], within: float, what: str) -> float:
    """Polls `condition` every 10 ms for at most `within` s; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"gave up after {within} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def worker_env(database_url: str, twilio: FakeTwilio, **overrides: str) -> dict[str, str]:
    """The process environment without any stray DUCU_/TWILIO_/TELEGRAM_ setting, plus ours.

    Quiet hours and the weekly cap are off so the outcome does not depend on the hour."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_", "TELEGRAM_"))
    }
    env.update(
        PYTHONUNBUFFERED="1",
        DUCU_DATABASE_URL=database_url,
        DUCU_PUBLIC_URL=PUBLIC_URL,
        DUCU_QUIET_HOURS="",
        DUCU_WEEKLY_CAP="0",
        DUCU_SMS_RATE="50",
        DUCU_DISPATCH_INTERVAL="0.2",
        DUCU_DISPATCH_BATCH="50",
        DUCU_LEASE_SECONDS="6",
        DUCU_SEND_TIMEOUT="2",
        **twilio_settings(twilio.url),
    )
    env.update(overrides)
    return env


@dataclass
class Workers:
    """Starts `ducu worker` processes (each logging to a file of its own) and kills every one
    still running when the test ends."""

    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        log: IO[bytes] = (self.cwd / f"worker-{len(self.processes)}.log").open("wb")
        with log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [sys.executable, "-m", "ducu", "worker"],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        path = self.cwd / f"worker-{self.processes.index(process)}.log"
        return path.read_text(errors="replace")

    async def stop(
        self, process: subprocess.Popen[bytes], sig: int, within: float = EXIT_WAIT_S
    ) -> tuple[int, float]:
        """Sends `sig` and waits for the exit; returns the exit code and the seconds it took."""
        process.send_signal(sig)
        took = await wait_until(lambda: process.poll() is not None, within, f"exit on {sig}")
        assert process.returncode is not None
        return process.returncode, took

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(EXIT_WAIT_S)

    def leaks(self) -> list[str]:
        """Log lines of any worker that carry a phone or ID number in full."""
        return [
            line
            for process in self.processes
            for line in self.log(process).splitlines()
            if PERSONAL_DATA.search(line)
        ]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    cwd = tmp_path / "work"  # an empty directory: no stray .env
    cwd.mkdir()
    pool = Workers(cwd)
    try:
        yield pool
    finally:
        pool.kill_all()
    leaks = pool.leaks()  # the worker's own log, database errors and tracebacks included
    assert not leaks, f"{len(leaks)} worker log line(s) with personal data, e.g. {leaks[:3]}"


async def register_judgments(database_url: str, count: int) -> None:
    """`count` judgments effective now, each with its own case number and debtor phone,
    registered through the service the API calls (quiet hours off, as in the workers)."""
    runtime = await build(make_settings(database_url, None, DUCU_QUIET_HOURS=""))
    try:
        now = datetime.now(UTC)
        for i in range(count):
            await register(runtime, numbered_judgment(i, now))
    finally:
        await runtime.close()


async def first_reminders(database_url: str) -> dict[str, str]:
    """The status of each debtor's first reminder, by the debtor's phone (read only)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(t.Contact.address, t.Reminder.status)
                .join(t.Contact, t.Contact.obligor_id == t.Reminder.obligor_id)
                .where(t.Contact.channel == Channel.SMS, t.Reminder.step_key == FIRST_STEP)
            )
            return {address: status for address, status in rows.all()}
    finally:
        await engine.dispose()


async def delivered(database_url: str, expected: int, within: float) -> dict[str, str]:
    """Waits (bounded) until `expected` first reminders are `sent`; returns every status."""
    started = time.monotonic()
    while True:
        states = await first_reminders(database_url)
        if sum(status == "sent" for status in states.values()) >= expected:
            return states
        if time.monotonic() - started > within:
            raise AssertionError(f"after {within} s: {Counter(states.values())}")
        await asyncio.sleep(0.2)


def duplicates(per_number: Counter[str]) -> int:
    return sum(count - 1 for count in per_number.values())
