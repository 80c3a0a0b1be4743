"""A dispatch tick with a large outbox: the cost of finding due rows among many pending ones,
and a worker's memory, at 10k / 100k / 1M pending future reminders.

A fresh database (a temp SQLite file; with --postgres a throwaway database on the server of
DUCU_TEST_POSTGRES_URL) gets 1,000 debtors with one reminder due now each
(bench/population.py); then future reminders are bulk-inserted (spread over those debtors,
due in the coming weeks) up to each size. At each size, median of --repeat:

- `claim`: the tick's database part as the dispatcher runs it (rows given up, then 1,000 due
  rows leased, committed) through the real unit of work; the rows go back to pending after;
- `idle tick`: the same when nothing is due (the tick every second of a quiet day);
- baseline: `SELECT id FROM reminders LIMIT 1000` on the same table.

Before timing, the objects built so far are frozen out of the garbage collector's full
passes, as `ducu serve` and `ducu worker` do once started: otherwise a full pass (~45 ms
here) lands in one of the calls timed and, with three runs, sometimes in the median.

Then a real `ducu worker` (sandbox sender, quiet hours off) runs against the table for a few
seconds, sending the 1,000 due rows: its peak resident memory (VmHWM).

    python bench/tick.py                    # SQLite, 10k, 100k, 1M
    python bench/tick.py --sizes 10000 100000
    python bench/tick.py --postgres
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benches beside this one
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claim import postgres_database  # bench/claim.py
from population import CHUNK, analyze, populate

from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import uow_factory

DUE = 1_000
DUCU = Path(sys.executable).parent / "ducu"


async def median_ms(call: Callable[[], Awaitable[object]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def grow(engine, have: int, size: int, now: datetime) -> None:
    """Future reminders from `have` up to `size`, over the DUE debtors."""
    for start in range(have, size, CHUNK):
        rows = [
            {
                "case_id": 1 + i % DUE,
                "obligor_id": 1 + i % DUE,
                "step_key": f"f{i}",
                "template": "reminder.middle",
                "due_at": now + timedelta(days=1, seconds=i % 3_000_000),
                "status": "pending",
                "attempts": 0,
            }
            for i in range(start, min(start + CHUNK, size))
        ]
        async with engine.begin() as conn:
            await conn.execute(insert(t.Reminder), rows)
    await analyze(engine)


def worker_memory(url: str, seconds: float) -> float:
    """Peak RSS (MiB) of a `ducu worker` run against the table for `seconds`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_"))}
    env |= {
        "DUCU_DATABASE_URL": url,
        "DUCU_SANDBOX": "1",
        "DUCU_QUIET_HOURS": "",
        "DUCU_SMS_RATE": "100000",
        "DUCU_WEEKLY_CAP": "0",
        "DUCU_DISPATCH_BATCH": str(DUE),
        "DUCU_LEASE_SECONDS": "60",
    }
    process = subprocess.Popen([str(DUCU), "worker"], env=env, stdout=subprocess.DEVNULL)
    time.sleep(seconds)
    status = Path(f"/proc/{process.pid}/status").read_text()
    process.terminate()
    process.wait(30)
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(peak.split()[1]) / 1024


async def measure(url: str, sizes: list[int], repeat: int) -> list[tuple[int, dict[str, float]]]:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    uow = uow_factory(make_sessionmaker(engine))
    out = []
    try:
        await populate(engine, DUE, lambda i: now - timedelta(minutes=1))
        have = DUE
        for size in sizes:
            await grow(engine, have, size, now)
            have = size

            async def claim(limit: int = DUE) -> int:
                async with uow() as work:
                    await work.reminders.fail_stuck(now=now, max_attempts=8, error="x")
                    ids = await work.reminders.claim_due(
                        now=now,
                        limit=limit,
                        lease_until=now + timedelta(seconds=60),
                        worker="bench",
                        claim=uuid.uuid4().hex,
                    )
                    await work.commit()
                return len(ids)

            async def reset() -> None:
                async with engine.begin() as conn:
                    await conn.execute(
                        update(t.Reminder)
                        .where(t.Reminder.status == "claimed")
                        .values(status="pending", lease_until=None, claim_token=None, attempts=0)
                    )

            async def baseline() -> None:
                async with engine.connect() as conn:
                    await conn.execute(text(f"SELECT id FROM reminders LIMIT {DUE}"))

            # As `ducu serve` and `ducu worker` do once started (ducu/commands.py).
            gc.collect()
            gc.freeze()
            figures = {"baseline SELECT 1000 ms": await median_ms(baseline, repeat)}
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                assert await claim() == DUE
                times.append((time.perf_counter() - started) * 1000)
                await reset()
            figures["claim 1000 due ms"] = statistics.median(times)
            async with engine.begin() as conn:  # nothing due: the quiet tick
                await conn.execute(
                    update(t.Reminder)
                    .where(t.Reminder.step_key == "day0")
                    .values(due_at=now + timedelta(days=60))
                )
            figures["idle tick ms"] = await median_ms(claim, repeat)
            async with engine.begin() as conn:
                await conn.execute(
                    update(t.Reminder)
                    .where(t.Reminder.step_key == "day0")
                    .values(due_at=now - timedelta(minutes=1))
                )
            out.append((size, figures))
    finally:
        await engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--worker-seconds", type=float, default=8.0)
    args = parser.parse_args()
    db = "postgresql" if args.postgres else "sqlite"

    def run(url: str) -> None:
        for size, figures in asyncio.run(measure(url, args.sizes, args.repeat)):
            for key, value in figures.items():
                print(f"{db} {size} pending, {key}: {value:.1f}")
        memory = worker_memory(url, args.worker_seconds)
        print(f"{db} {args.sizes[-1]} pending, ducu worker peak RSS MiB: {memory:.0f}")

    if args.postgres:
        server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
        if not server:
            raise SystemExit("--postgres needs DUCU_TEST_POSTGRES_URL")
        with postgres_database(server) as url:
            run(url)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite+aiosqlite:///{Path(tmp) / 'tick.db'}")


if __name__ == "__main__":
    main()
