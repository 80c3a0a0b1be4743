"""Answer time in chat: a debtor's Telegram message in, the bot's answer out.

The real app is served over HTTP on 127.0.0.1; Telegram and Twilio are the tests' fake
servers on 127.0.0.1 (tests/fakes/). Each Telegram update is POSTed to `/telegram/webhook`
and the POST returns once the answer has been sent to the fake Bot API: the inbox claim, the
engine's transaction, `sendMessage` and the inbox mark are all inside the measured time. The
baseline, in the same run, is the same message through the signed Twilio webhook, whose
answer rides back in the response (TwiML) with no outbound call.

    python bench/chat_answer.py              # SQLite in a temp dir
    python bench/chat_answer.py --postgres   # a throwaway database on DUCU_TEST_POSTGRES_URL

Telegram's own limits are set far above the load (DUCU_TELEGRAM_RATE): this measures ducu,
not Telegram's 30 messages a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, from a checkout

from claim import postgres_database  # bench/claim.py, beside this script

from ducu.bootstrap import build
from storage.migrate import upgrade
from tests.conftest import TELEGRAM_SECRET, make_settings, telegram_settings
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.helpers import AUTH, inbound_form, numbered_judgment, twilio_signature

console = Console(width=None if sys.stdout.isatty() else 120)
CHAT0 = 800_000


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


def summary(name: str, seconds: list[float], wall: float) -> tuple[str, ...]:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return (
        name,
        str(len(ms)),
        f"{statistics.median(ms):.1f}",
        f"{p95:.1f}",
        f"{max(ms):.1f}",
        f"{len(ms) / wall:.0f}",
    )


async def timed(calls: list[Callable[[], Awaitable[None]]], concurrency: int):
    """Runs the calls `concurrency` at a time; each call's own time, and the wall time."""
    times: list[float] = []
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            await call()
            times.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times, time.perf_counter() - started


async def run(url: str, debtors: int, rounds: int, concurrency: int) -> list[tuple[str, ...]]:
    if url.startswith("sqlite"):
        upgrade(url)
    twilio, telegram = FakeTwilio(), FakeTelegram()
    runners = []
    for fake in (twilio, telegram):
        runner, fake.url = await serve(fake.app())
        runners.append(runner)
    settings = make_settings(
        url,
        twilio,
        DUCU_INBOUND_PER_MINUTE=0,
        **telegram_settings(telegram, DUCU_TELEGRAM_RATE=100_000, DUCU_TELEGRAM_CHAT_RATE=100_000),
    )
    runtime = await build(settings)
    app_runner, base = await serve(runtime.web_app())
    rows = []
    try:
        async with aiohttp.ClientSession(base) as http:
            phones = []
            for i in range(debtors):
                body = numbered_judgment(i, runtime.services.clock.now())
                async with http.post("/api/v1/judgments", json=body, headers=AUTH) as r:
                    assert r.status == 201, await r.text()
                phones.append(body["obligors"][0]["phone"])
            secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}

            async def post_update(update: dict) -> None:
                async with http.post("/telegram/webhook", json=update, headers=secret) as r:
                    assert r.status == 200, await r.text()

            for i, phone in enumerate(phones):  # every debtor links their chat first
                chat = CHAT0 + i
                await post_update(telegram.contact_update(chat, phone, contact_user_id=chat))

            sids = iter(range(10**9))

            def sms(phone: str) -> Callable[[], Awaitable[None]]:
                async def call() -> None:
                    form = inbound_form("0", f"SM{next(sids):032x}", sender=phone)
                    headers = {"X-Twilio-Signature": twilio_signature("/twilio/sms", form)}
                    async with http.post("/twilio/sms", data=form, headers=headers) as r:
                        assert r.status == 200 and "<Message>" in await r.text()

                return call

            def chat(i: int) -> Callable[[], Awaitable[None]]:
                async def call() -> None:
                    await post_update(telegram.text_update(CHAT0 + i, "0"))

                return call

            for name, make in (("SMS webhook (baseline)", sms), ("Telegram webhook", chat)):
                targets = phones if make is sms else list(range(debtors))
                for c in (1, concurrency):
                    calls = [make(t) for _ in range(rounds) for t in targets]
                    before = len(telegram.of("sendMessage"))
                    times, wall = await timed(calls, c)
                    if make is chat:
                        assert len(telegram.of("sendMessage")) - before == len(calls)
                    rows.append(summary(f"{name}, {c} at a time", times, wall))
    finally:
        await app_runner.cleanup()
        await runtime.close()
        for runner in runners:
            await runner.cleanup()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--debtors", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="messages per debtor")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also a throwaway database on DUCU_TEST_POSTGRES_URL",
    )
    args = parser.parse_args()
    bench = (args.debtors, args.rounds, args.concurrency)
    table = Table(
        "database", "path", "messages", "median ms", "p95 ms", "max ms", "messages/s",
        title="A debtor's message in, the answer out",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for row in asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", *bench)):
            table.add_row("SQLite", *row)
    if args.postgres:
        server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
        if not server:
            raise SystemExit("--postgres needs DUCU_TEST_POSTGRES_URL")
        with postgres_database(server) as url:
            upgrade(url)
            for row in asyncio.run(run(url, *bench)):
                table.add_row("PostgreSQL", *row)
    console.print(table)


if __name__ == "__main__":
    main()
