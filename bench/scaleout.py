"""Scale-out on one PostgreSQL database: 2 `ducu serve` processes take judgments, 1, 2 or 4
`ducu worker` processes dispatch besides them; reminders a second, none twice, none lost.

For each worker count, on a fresh throwaway database on the server of DUCU_TEST_POSTGRES_URL:
the fake Twilio in a process of its own (bench/twilio_server.py), 2 `ducu serve` on ports of
their own and the workers (all real processes, an SMS rate out of reach, quiet hours off),
then --judgments judgments posted by 20 clients spread over both web processes. Timed
from the first POST to the last day-0 SMS at the fake; then every day-0 row must be `sent`,
each debtor must have had one SMS (none twice), and none may be missing (none lost).
Baseline, in the same run: the same with no worker (the two web processes dispatch alone).

    python bench/scaleout.py                  # 0 (baseline), 1, 2, 4 workers; 2,000 judgments
    python bench/scaleout.py --workers 0 2 --judgments 500
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benches beside this one
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import twilio_server  # bench/twilio_server.py
from claim import postgres_database  # bench/claim.py
from day0_latency import TOKEN, judgment  # bench/day0_latency.py
from dispatch import reset, stats  # bench/dispatch.py

from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import twilio_settings

DUCU = Path(sys.executable).parent / "ducu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DUCU), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def ready(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{base} did not come up")


async def post_all(bases: list[str], n: int, posters: int) -> None:
    queue = iter(range(n))
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def poster(k: int, http: aiohttp.ClientSession) -> None:
        for i in queue:
            url = f"{bases[(k + i) % len(bases)]}/api/v1/judgments"
            async with http.post(url, json=judgment(i, "1"), headers=headers) as response:
                if response.status != 201:
                    raise SystemExit(f"POST answered {response.status}: {await response.text()}")

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(poster(k, http) for k in range(posters)))


async def day0_states(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT status, count(*) FROM reminders WHERE step_key = 'day0' GROUP BY 1")
            )
            return dict(rows.tuples().all())
    finally:
        await engine.dispose()


def one(url: str, twilio: str, workers: int, n: int) -> tuple[float, int, int]:
    """Messages a second, sent twice, lost."""
    upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_"))}
    env |= {
        "DUCU_DATABASE_URL": url,
        "DUCU_API_TOKEN": TOKEN,
        "DUCU_PUBLIC_URL": "https://ducu.court.test",
        "DUCU_QUIET_HOURS": "",
        "DUCU_WEEKLY_CAP": "0",
        "DUCU_SMS_RATE": "100000",
        "DUCU_DATA_KEY": "",
        **twilio_settings(twilio),
    }
    ports = [free_port(), free_port()]
    processes = [start(["serve"], env | {"DUCU_PORT": str(p)}) for p in ports]
    processes += [start(["worker"], env) for _ in range(workers)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        asyncio.run(reset(twilio))
        for base in bases:
            asyncio.run(ready(base))
        time.sleep(1.0 if workers else 0)  # the workers' start-up (they print nothing we read)
        started = time.perf_counter()
        asyncio.run(post_all(bases, n, 20))

        async def all_in() -> None:
            while (await stats(twilio))["numbers"] < n:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.02)

        asyncio.run(asyncio.wait_for(all_in(), 120))
        elapsed = time.perf_counter() - started
        time.sleep(1.0)  # anything sent twice would arrive now
        final = asyncio.run(stats(twilio))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    states = asyncio.run(day0_states(url))
    lost = n - states.get("sent", 0)
    return n / elapsed, final["messages"] - final["numbers"], lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2, 4])
    parser.add_argument("--judgments", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
    if not server:
        raise SystemExit("the scale-out runs on PostgreSQL: set DUCU_TEST_POSTGRES_URL")
    process, twilio = twilio_server.start()
    try:
        for workers in args.workers:
            rates, twice, lost = [], 0, 0
            for _ in range(args.repeat):
                with postgres_database(server) as url:
                    rate, twice_run, lost_run = one(url, twilio, workers, args.judgments)
                rates.append(rate)
                twice, lost = twice + twice_run, lost + lost_run
            runs = ", ".join(f"{r:.0f}" for r in rates)
            what = f"2 serve + {workers} worker(s)" + (" (baseline)" if workers == 0 else "")
            print(
                f"postgresql {what}, POST -> SMS judgments/s: {statistics.median(rates):.0f}"
                f"  (runs: {runs})"
            )
            print(f"postgresql {what}, sent twice: {twice}, lost: {lost}")
    finally:
        twilio_server.stop(process)


if __name__ == "__main__":
    main()
