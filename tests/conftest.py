"""Shared fixtures: a migrated SQLite file per test, PostgreSQL where configured, a fake
Twilio server on 127.0.0.1, a fake clock, and the real aiohttp app wired to all of them."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import shutil
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web_app
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.logging_setup import make_handler
from ducu.bootstrap import Runtime, build
from storage.migrate import upgrade
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import BOT_USERNAME, TOKEN, FakeTelegram
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.pg import NO_POSTGRES, POSTGRES_URL, scratch_database

PUBLIC_URL = "https://ducu.court.test"
API_TOKEN = "test-api-token"


# Phone numbers (mainland mobiles, any E.164) and resident ID numbers, written in full.
_PERSONAL = re.compile(
    r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])|\+[1-9][0-9]{9,14}(?![0-9])"
    r"|(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"
)


@pytest.fixture(scope="session", autouse=True)
def log_output_carries_no_personal_data() -> Iterator[None]:
    """Everything the suite logs goes through the service's own log handler too; at the end
    not one line may carry a phone number or an ID number in full."""
    buffer = io.StringIO()
    handler = make_handler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)  # what the service logs in production
    yield
    root.removeHandler(handler)
    root.setLevel(level)
    leaks = [line for line in buffer.getvalue().splitlines() if _PERSONAL.search(line)]
    assert not leaks, f"{len(leaks)} log line(s) with personal data, e.g. {leaks[:3]}"


@pytest.fixture(autouse=True)
def apps_are_not_kept() -> Iterator[None]:
    """aiohttp caches the middleware chain of up to 1,024 applications, which keeps each
    test's whole runtime alive: by the end of a run a worker held 750 MiB, and one full
    collection of its heap took 1.6 s, long enough to time out a test's sends."""
    yield
    web_app._cached_build_middleware.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated by Alembic per session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "ducu.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "ducu.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """One PostgreSQL database migrated by Alembic per session (its name); each test gets a copy.

    Session fixtures must not share the tests' event loops, so this one runs its own in a thread.
    """
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    entered: asyncio.Queue[str] = asyncio.Queue()
    done = threading.Event()

    async def hold() -> None:
        async with scratch_database("ducu_template") as url:
            upgrade(url)
            entered.put_nowait(url)
            await asyncio.get_running_loop().run_in_executor(None, done.wait)

    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(asyncio.run, hold())
        while entered.empty() and not held.done():
            time.sleep(0.01)
        if held.done():
            held.result()  # raises what went wrong
        yield make_url(entered.get_nowait()).database
        done.set()
        held.result()


@pytest.fixture
async def postgres_url(postgres_template: str) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    async with scratch_database(template=postgres_template) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL (skipped without a server)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _served(fake, aiohttp_server):
    """A fake provider, listening on 127.0.0.1, its `url` set."""
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def fake_twilio(aiohttp_server, clock: FakeClock) -> FakeTwilio:
    return await _served(FakeTwilio(now=clock.now), aiohttp_server)


@pytest.fixture
async def fake_telegram(aiohttp_server) -> FakeTelegram:
    return await _served(FakeTelegram(), aiohttp_server)


TELEGRAM_SECRET = "test-webhook-secret"


def telegram_settings(fake: FakeTelegram, **overrides: object) -> dict[str, object]:
    """The settings that turn the Telegram channel on against the fake Bot API."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "DUCU_TELEGRAM_API_BASE": fake.url,
        "DUCU_TELEGRAM_BOT_USERNAME": BOT_USERNAME,
        "DUCU_TELEGRAM_RATE": 1000,
        "DUCU_TELEGRAM_CHAT_RATE": 1000,
        **overrides,
    }


def twilio_settings(api_base: str) -> dict[str, str]:
    """The settings that send SMS through the fake Twilio at `api_base`."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "DUCU_TWILIO_API_BASE": api_base,
    }


def make_settings(database_url: str, twilio: FakeTwilio | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "DUCU_DATABASE_URL": database_url,
        "DUCU_PUBLIC_URL": PUBLIC_URL,
        "DUCU_API_TOKEN": API_TOKEN,
        "DUCU_SMS_RATE": 1000,
        "DUCU_QUIET_HOURS": "21:00-08:00",
        "DUCU_SEND_TIMEOUT": 2,
    }
    if twilio is None:
        values["DUCU_SANDBOX"] = True  # the local stand-in for SMS
    else:
        values.update(twilio_settings(twilio.url))
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    return make_settings(db_url, fake_twilio)


@pytest.fixture
async def runtime(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(settings, clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def sandbox_runtime(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def client(runtime: Runtime, aiohttp_client):
    return await aiohttp_client(runtime.web_app())
