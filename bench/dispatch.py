"""Dispatch throughput: how many reminders one process sends a second, and how closely a lane
keeps its configured pace.

Each run migrates a fresh database (a temp SQLite file; with --postgres a throwaway database
on the server of DUCU_TEST_POSTGRES_URL), bulk-inserts N debtors with one reminder due now
(bench/population.py) and starts the fake Twilio in a process of its own
(bench/twilio_server.py, it answers at once). Then, median of --repeat runs:

- `sender alone` (the baseline): the same Twilio sender posting N messages, `batch` at a time;
- `dispatch`: the real dispatcher (ducu.bootstrap.build, DUCU_SMS_RATE far above what it can
  do) draining the N rows: claim, decide, send, record;
- `lane`: the dispatcher with DUCU_SMS_RATE = R for --lane-seconds: achieved rate over R.

    python bench/dispatch.py                      # SQLite, 5,000 reminders
    python bench/dispatch.py --postgres           # PostgreSQL (DUCU_TEST_POSTGRES_URL)
    python bench/dispatch.py --lane-rate 200 --lane-seconds 60
    python bench/dispatch.py --reminders 0        # end to end only

Prints `figure: value` lines, then a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benches beside this one
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, from a checkout

import twilio_server  # bench/twilio_server.py
from claim import postgres_database  # bench/claim.py
from day0_latency import TOKEN, judgment  # bench/day0_latency.py
from population import phone, populate

from bot.config import Settings
from ducu.bootstrap import build, make_sender
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import twilio_settings

FAR = 1_000_000.0  # a lane rate the dispatcher never reaches
TWILIO = ""  # the fake Twilio's base URL, once started
TWICE: list[int] = []  # per run: numbers that got the same text twice


@contextmanager
def database(postgres: bool) -> Iterator[str]:
    if postgres:
        server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
        if not server:
            raise SystemExit("--postgres needs DUCU_TEST_POSTGRES_URL")
        with postgres_database(server) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"


def settings(url: str, twilio: str, rate: float, batch: int) -> Settings:
    return Settings(
        _env_file=None,
        DUCU_DATABASE_URL=url,
        DUCU_PUBLIC_URL="https://ducu.court.test",
        DUCU_API_TOKEN=TOKEN,
        DUCU_QUIET_HOURS="",
        DUCU_WEEKLY_CAP=0,
        DUCU_SMS_RATE=rate,
        DUCU_DISPATCH_BATCH=batch,
        DUCU_LEASE_SECONDS=max(30, int(2 * 10 + batch / rate) + 1),
        **twilio_settings(twilio),
    )


async def stats(twilio: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as http, http.get(f"{twilio}/stats") as response:
        return await response.json()


async def reset(twilio: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{twilio}/reset") as response:
        response.raise_for_status()


async def fill(url: str, n: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC) - timedelta(minutes=1)
    try:
        await populate(engine, n, lambda i: now)
    finally:
        await engine.dispose()


async def sender_alone(s: Settings, n: int, batch: int) -> float:
    """Messages a second through the Twilio sender alone, `batch` at a time."""
    sender = make_sender(s)
    assert sender is not None
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            await sender.send(phone(10_000_000 + i), "【长兴县人民法院】基准")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(batch)))
    elapsed = time.perf_counter() - started
    await sender.close()
    return n / elapsed


async def drain(s: Settings, until: Callable[[int, float], bool]) -> tuple[int, float]:
    """Runs the real dispatcher's ticks back to back until `until(sent, seconds)`."""
    runtime = await build(s)
    dispatcher = runtime.services.dispatcher
    sent = 0
    started = time.perf_counter()
    try:
        while not until(sent, time.perf_counter() - started):
            claimed = await dispatcher.run_once()
            sent += claimed
            if not claimed:
                await asyncio.sleep(0.01)
    finally:
        await dispatcher.stop()
        elapsed = time.perf_counter() - started
        await runtime.close()
    return sent, elapsed


async def one_run(args: argparse.Namespace, url: str, twilio: str) -> dict[str, float]:
    await fill(url, args.reminders)
    s = settings(url, twilio, FAR, args.batch)
    before = (await stats(twilio))["messages"]
    baseline = await sender_alone(s, args.reminders, args.batch)
    base_sent = (await stats(twilio))["messages"]
    sent, elapsed = await drain(s, lambda sent, _: sent >= args.reminders)
    after = await stats(twilio)
    assert after["messages"] - base_sent == args.reminders, (after, base_sent, before)
    return {"sender alone msg/s": baseline, "dispatch msg/s": sent / elapsed}


async def lane_run(args: argparse.Namespace, url: str, twilio: str) -> dict[str, float]:
    """The rate achieved, from the first message to the last at the fake, over the rate
    configured: `lane_rate × lane_seconds` rows due at once, at `DUCU_SMS_RATE = lane_rate`."""
    n = int(args.lane_rate * args.lane_seconds)
    await fill(url, n)
    s = settings(url, twilio, args.lane_rate, args.batch)
    await drain(s, lambda sent, _: sent >= n)
    seen = await stats(twilio)
    return {"lane achieved/configured": (seen["messages"] - 1) / seen["span"] / args.lane_rate}


async def post_all(base: str, n: int, posters: int, run: str) -> float:
    """Posts `n` judgments effective now, `posters` at a time; seconds taken."""
    queue = iter(range(n))
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def poster(http: aiohttp.ClientSession) -> None:
        for i in queue:
            async with http.post("/api/v1/judgments", json=judgment(i, run), headers=headers) as r:
                if r.status != 201:
                    raise SystemExit(f"POST answered {r.status}: {await r.text()}")

    started = time.perf_counter()
    async with aiohttp.ClientSession(base) as http:
        await asyncio.gather(*(poster(http) for _ in range(posters)))
    return time.perf_counter() - started


async def end_to_end(args: argparse.Namespace, url: str, twilio: str, dispatch: bool) -> float:
    """Judgments a second from the first POST to the last day-0 SMS accepted (with
    `dispatch`), or to the last POST answered (without: the baseline)."""
    upgrade(url)
    s = settings(url, twilio, FAR, args.batch)
    runtime = await build(s)
    runner = web.AppRunner(runtime.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    scheduler = runtime.scheduler()
    if dispatch:
        scheduler.start()
    before = (await stats(twilio))["messages"]
    try:
        started = time.perf_counter()
        await post_all(f"http://{host}:{port}", args.judgments, args.posters, "1")
        # The fake Twilio is another process: ask it until every day-0 SMS is in.
        while dispatch and (await stats(twilio))["messages"] - before < args.judgments:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        if dispatch:
            await runtime.stop_scheduler(scheduler)
        await runner.cleanup()
        await runtime.close()
    return args.judgments / elapsed


def median_of(runs: int, postgres: bool, measure: Callable[[str], Awaitable[dict[str, float]]]):
    """`measure(url)` on a fresh database each run: each figure's values."""
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        asyncio.run(reset(TWILIO))
        with database(postgres) as url:
            for key, value in asyncio.run(measure(url)).items():
                out.setdefault(key, []).append(value)
        TWICE.append(asyncio.run(stats(TWILIO))["twice"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=5_000, help="0: skip")
    parser.add_argument("--batch", type=int, default=50, help="DUCU_DISPATCH_BATCH")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--judgments", type=int, default=500, help="end to end (0: skip)")
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--lane-rate", type=float, default=200.0)
    parser.add_argument("--lane-seconds", type=float, default=0, help="0: no lane run")
    args = parser.parse_args()
    global TWILIO
    process, twilio = twilio_server.start()
    TWILIO = twilio
    results: dict[str, list[float]] = {}
    try:
        if args.reminders:
            results |= median_of(args.repeat, args.postgres, lambda url: one_run(args, url, twilio))
        if args.judgments:

            async def posts(url: str) -> dict[str, float]:
                return {"POSTs alone judgments/s": await end_to_end(args, url, twilio, False)}

            async def e2e(url: str) -> dict[str, float]:
                return {"POST -> SMS judgments/s": await end_to_end(args, url, twilio, True)}

            results |= median_of(args.repeat, args.postgres, posts)
            results |= median_of(args.repeat, args.postgres, e2e)
        if args.lane_seconds:
            results |= median_of(
                args.repeat, args.postgres, lambda url: lane_run(args, url, twilio)
            )
    finally:
        twilio_server.stop(process)
    db = "postgresql" if args.postgres else "sqlite"
    for key, values in results.items():
        runs = ", ".join(f"{v:.3f}" for v in values)
        print(f"{db} {key}: {statistics.median(values):.3f}  (runs: {runs})")
    print(f"{db} reminders sent twice, all runs: {sum(TWICE)}")


if __name__ == "__main__":
    main()
