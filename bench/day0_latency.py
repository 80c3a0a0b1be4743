"""Day-0 latency: from `POST /api/v1/judgments` to the SMS arriving at Twilio.

The real app is served over HTTP on 127.0.0.1 with the real scheduler at the default dispatch
interval (DUCU_DISPATCH_INTERVAL, 1 s) and the system clock; Twilio is the tests' fake Twilio
server (tests/fakes/twilio.py) on 127.0.0.1. K judgments effective now are posted one after
another; each waits for its SMS, then a random pause, so the posts fall at every phase of the
dispatch interval. The baseline, in the same run, is the time of the POST alone.

    python bench/day0_latency.py            # K = 20, SQLite in a temp dir
    python bench/day0_latency.py --postgres  # a throwaway database on the
                                                            # server of DUCU_TEST_POSTGRES_URL

Quiet hours are off (DUCU_QUIET_HOURS=""), so the figure does not depend on the hour it runs at.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, from a checkout

from claim import postgres_database  # bench/claim.py, beside this script

from bot.config import Settings
from ducu.bootstrap import build
from storage.migrate import upgrade
from tests.conftest import twilio_settings
from tests.fakes.twilio import FakeTwilio

console = Console(width=None if sys.stdout.isatty() else 120)
TOKEN = "bench-token"
PROMISE_S = 5.0
SHANGHAI_OFFSET = timedelta(hours=8)


@dataclass
class TimedTwilio(FakeTwilio):
    """The fake Twilio, noting when each recipient's first message was accepted."""

    received: dict[str, float] = field(default_factory=dict)
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)

    def arrival(self, number: str) -> asyncio.Event:
        return self.arrived.setdefault(number, asyncio.Event())

    async def handle(self, request: web.Request) -> web.Response:
        response = await super().handle(request)
        if response.status == 201 and self.messages:
            to = self.messages[-1]["To"]
            self.received.setdefault(to, time.perf_counter())
            self.arrival(to).set()
        return response


def judgment(i: int, run: str) -> dict[str, Any]:
    effective = datetime.now(UTC)
    local_day = (datetime.now(UTC) + SHANGHAI_OFFSET).date()
    return {
        "case_number": f"（2026）浙0522民初{run}{i:03d}号",
        "court": {"code": "浙0522", "name": "长兴县人民法院"},
        "judge": {"name": "李法官", "phone": "+8613900000001"},
        "obligors": [{"name": f"林某{i}", "phone": f"+86138{i:08d}", "area_code": "330522102201"}],
        "amount_due": "130000.00",
        "currency": "CNY",
        "obligations": "支付借款本金130000元及利息",
        "effective_at": effective.isoformat(),
        "performance_due": (local_day + timedelta(days=10)).isoformat(),
    }


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


async def bench(args: argparse.Namespace, database_url: str) -> tuple[list[float], list[float]]:
    fake = TimedTwilio()
    twilio_runner, fake.url = await serve(fake.app())
    settings = Settings(
        _env_file=None,
        DUCU_DATABASE_URL=database_url,
        DUCU_API_TOKEN=TOKEN,
        DUCU_PUBLIC_URL="https://ducu.court.test",
        DUCU_QUIET_HOURS="",
        **twilio_settings(fake.url),
    )
    upgrade(database_url)
    runtime = await build(settings)
    app_runner, base = await serve(runtime.web_app())
    scheduler = runtime.scheduler()
    scheduler.start()
    console.print(
        f"app {base}, fake Twilio {fake.url}, dispatch interval "
        f"{settings.dispatch_interval:g} s, {settings.database_url.split(':')[0]}"
    )
    posts: list[float] = []
    latencies: list[float] = []
    rng = random.Random(7)
    run = f"{int(time.time()) % 1000:03d}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with aiohttp.ClientSession(base) as http:
            with Progress(
                TextColumn("judgments"), BarColumn(), MofNCompleteColumn(), console=console
            ) as progress:
                task = progress.add_task("post", total=args.k)
                for i in range(args.k):
                    body = judgment(i, run)
                    phone = body["obligors"][0]["phone"]
                    arrived = fake.arrival(phone)
                    started = time.perf_counter()
                    async with http.post("/api/v1/judgments", json=body, headers=headers) as r:
                        await r.read()
                        if r.status != 201:
                            raise SystemExit(f"POST answered {r.status}: {await r.text()}")
                    posts.append(time.perf_counter() - started)
                    try:
                        await asyncio.wait_for(arrived.wait(), args.timeout)
                    except TimeoutError:
                        message = f"judgment {i}: no SMS within {args.timeout:g} s"
                        raise SystemExit(message) from None
                    latencies.append(fake.received[phone] - started)
                    progress.advance(task)
                    await asyncio.sleep(rng.uniform(0.05, settings.dispatch_interval))
    finally:
        await runtime.stop_scheduler(scheduler)
        await app_runner.cleanup()
        await runtime.close()
        await twilio_runner.cleanup()
    return posts, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", type=int, default=20, help="judgments to post (default 20)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway database on DUCU_TEST_POSTGRES_URL"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on one SMS after")
    args = parser.parse_args()
    if args.postgres:
        server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
        if not server:
            raise SystemExit("--postgres needs DUCU_TEST_POSTGRES_URL")
        with postgres_database(server) as url:
            posts, latencies = asyncio.run(bench(args, url))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            posts, latencies = asyncio.run(bench(args, url))

    table = Table(title=f"day-0 latency over {args.k} judgments (ms)")
    for column in ("what", "median", "p95", "max"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for what, values in (
        ("POST /api/v1/judgments alone (baseline)", posts),
        ("POST → SMS accepted by Twilio", latencies),
    ):
        table.add_row(what, *(f"{v * 1000:.0f}" for v in summary(values)))
    console.print(table)
    worst = max(latencies)
    verdict = "within" if worst < PROMISE_S else "OVER"
    console.print(f"slowest day-0 SMS {worst:.2f} s: {verdict} the {PROMISE_S:g} s promise")


if __name__ == "__main__":
    main()
