"""Claim throughput of ReminderRepository.claim_due on SQLite (file) and PostgreSQL.

Fills the reminders table with N due rows (bulk), then claims them in batches through the real
repository and unit of work until none are left or the time budget of a run is spent. Each run
starts from the same table (every row pending again). The baseline, measured in the same run on
the same table, is a plain `SELECT id FROM reminders LIMIT n`: what reading n ids costs at all.

    python bench/claim.py                 # SQLite; PostgreSQL too when
                                                         # DUCU_TEST_POSTGRES_URL is set
    python bench/claim.py --rows 20000 --budget 5

Two modes. `record` (the default runs): after each claim the worker marks its rows sent in a
transaction of its own, as the dispatcher does, so only the rows in flight are leased.
`keep`: rows stay `claimed` under a live lease, so every claim steps over all the rows taken
before it -- the worst case, shown once per database for batch 200.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork, uow_factory

console = Console(width=None if sys.stdout.isatty() else 150)
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=120)
INSERT_CHUNK = 10_000


@dataclass
class Result:
    database: str
    what: str
    workers: int
    batch: int
    rows: int
    wall: float  # seconds for the whole run
    calls: list[float]  # seconds of each claim (or SELECT) call, commit included

    @property
    def wall_rate(self) -> float:
        return self.rows / self.wall if self.wall else 0.0

    @property
    def per_worker_rate(self) -> float:
        """Rows per second of time spent inside the call, for one worker."""
        return self.rows / sum(self.calls) if self.calls else 0.0


# --- data -------------------------------------------------------------------------------------


async def fill(engine: AsyncEngine, rows: int, progress: Progress) -> None:
    """One court, judge, case and obligor; `rows` due reminders (distinct step keys)."""
    async with engine.begin() as conn:
        court = await conn.scalar(
            insert(t.Court).values(code="浙0522", name="长兴县人民法院").returning(t.Court.id)
        )
        judge = await conn.scalar(
            insert(t.User)
            .values(role="judge", name="李法官", phone="+8613900000001", court_id=court)
            .returning(t.User.id)
        )
        case = await conn.scalar(
            insert(t.Case)
            .values(
                case_number="（2024）浙0522民初1234号",
                court_id=court,
                judge_id=judge,
                amount_due_fen=13_000_000,
                currency="CNY",
                obligations="支付借款本金130000元及利息",
                effective_at=NOW,
                performance_due=date(2026, 12, 6),
                status="open",
                created_at=NOW,
            )
            .returning(t.Case.id)
        )
        obligor = await conn.scalar(
            insert(t.Obligor)
            .values(name="林某", area_code="330522102201", locale="zh-CN", timezone="Asia/Shanghai")
            .returning(t.Obligor.id)
        )
    task = progress.add_task("insert rows", total=rows)
    for start in range(0, rows, INSERT_CHUNK):
        chunk = [
            {
                "case_id": case,
                "obligor_id": obligor,
                "step_key": f"b{i}",
                "template": "reminder.day0",
                "due_at": NOW - timedelta(seconds=rows - i),
                "status": "pending",
                "attempts": 0,
            }
            for i in range(start, min(start + INSERT_CHUNK, rows))
        ]
        async with engine.begin() as conn:
            await conn.execute(insert(t.Reminder), chunk)
        progress.advance(task, len(chunk))
    progress.remove_task(task)
    await analyze(engine)


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics (and, on PostgreSQL, no dead rows from the run before)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE reminders"))
    else:
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE reminders SET status = 'pending', lease_until = NULL, "
                "claimed_by = NULL, attempts = 0"
            )
        )
    await analyze(engine)


# --- measurements -----------------------------------------------------------------------------


async def baseline(engine: AsyncEngine, name: str, batch: int, budget: float) -> Result:
    """A plain `SELECT id … LIMIT n` in its own transaction, repeated for a few seconds."""
    calls: list[float] = []
    query = text("SELECT id FROM reminders LIMIT :n")
    started = time.perf_counter()
    while time.perf_counter() - started < min(budget, 3.0):
        t0 = time.perf_counter()
        async with engine.connect() as conn:
            ids = (await conn.execute(query, {"n": batch})).scalars().all()
            await conn.commit()
        calls.append(time.perf_counter() - t0)
        assert len(ids) == batch
    wall = time.perf_counter() - started
    return Result(name, "SELECT id LIMIT n", 1, batch, batch * len(calls), wall, calls)


async def claim_run(
    engine: AsyncEngine,
    name: str,
    workers: int,
    batch: int,
    *,
    record: bool,
    rows: int,
    budget: float,
    progress: Progress,
) -> Result:
    """`workers` concurrent sessions claim until nothing is left or the budget is spent."""
    uow: Callable[[], SqlUnitOfWork] = uow_factory(make_sessionmaker(engine))
    mode = "record" if record else "keep"
    task = progress.add_task(f"{name} claim ×{workers} batch {batch} ({mode})", total=rows)
    calls: list[float] = []
    claimed_ids: list[int] = []
    deadline = time.perf_counter() + budget

    async def worker(n: int) -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            async with uow() as work:
                ids = await work.reminders.claim_due(
                    now=NOW,
                    limit=batch,
                    lease_until=NOW + LEASE,
                    worker=f"bench-{n}",
                    claim=f"bench-{n}",
                )
                await work.commit()
            calls.append(time.perf_counter() - t0)
            if not ids:
                return
            claimed_ids.extend(ids)
            if record:  # what the dispatcher does once the provider has accepted them
                async with engine.begin() as conn:
                    await conn.execute(
                        update(t.Reminder)
                        .where(t.Reminder.id.in_(ids))
                        .values(status="sent", lease_until=None, finished_at=NOW)
                    )
            progress.advance(task, len(ids))

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(workers)))
    wall = time.perf_counter() - started
    progress.remove_task(task)
    if len(claimed_ids) != len(set(claimed_ids)):
        raise SystemExit(f"{name}: a row was claimed twice")
    what = "claim_due" + ("" if record else " (keep leased)")
    return Result(name, what, workers, batch, len(claimed_ids), wall, calls)


async def bench_database(
    name: str, url: str, worker_counts: list[int], args: argparse.Namespace, progress: Progress
) -> list[Result]:
    upgrade(url)
    engine = make_engine(url, pool_size=2 * max(worker_counts) + 1)
    results: list[Result] = []
    runs = [(batch, workers, True) for batch in args.batches for workers in worker_counts]
    runs.append((args.batches[0], 1, False))
    try:
        t0 = time.perf_counter()
        await fill(engine, args.rows, progress)
        console.print(f"{name}: inserted {args.rows:,} rows in {time.perf_counter() - t0:.1f} s")
        for batch in args.batches:
            results.append(await baseline(engine, name, batch, args.budget))
        for batch, workers, record in runs:
            await reset(engine)
            results.append(
                await claim_run(
                    engine,
                    name,
                    workers,
                    batch,
                    record=record,
                    rows=args.rows,
                    budget=args.budget,
                    progress=progress,
                )
            )
    finally:
        await engine.dispose()
    return results


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A throwaway database on the server of DUCU_TEST_POSTGRES_URL."""
    import asyncpg

    base = make_url(base_url)
    name = f"ducu_bench_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def report(results: list[Result]) -> None:
    table = Table(title="claim throughput (higher is better)")
    for column in ("database", "what", "workers", "batch", "rows", "seconds"):
        table.add_column(column, justify="left" if column in ("database", "what") else "right")
    table.add_column("rows/s (wall)", justify="right")
    table.add_column("rows/s per worker in call", justify="right")
    table.add_column("ms per call median / p95", justify="right")
    for r in results:
        calls = sorted(c * 1000 for c in r.calls)
        p95 = calls[min(len(calls) - 1, int(len(calls) * 0.95))] if calls else 0.0
        median = statistics.median(calls) if calls else 0.0
        table.add_row(
            r.database,
            r.what,
            str(r.workers),
            str(r.batch),
            f"{r.rows:,}",
            f"{r.wall:.2f}",
            f"{r.wall_rate:,.0f}",
            f"{r.per_worker_rate:,.0f}",
            f"{median:.2f} / {p95:.2f}",
        )
    console.print(table)
    console.print(
        "rows/s (wall): rows claimed over the run's wall time (in `record` runs that includes "
        "marking each batch sent); per worker in call: rows over the time spent inside claim "
        "calls (commit included)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="due rows (default 100000)")
    parser.add_argument(
        "--batches", type=int, nargs="+", default=[200, 1000], help="claim sizes (200 1000)"
    )
    parser.add_argument(
        "--budget", type=float, default=8.0, help="seconds at most per claim run (8)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    postgres = "" if args.no_postgres else os.environ.get("DUCU_TEST_POSTGRES_URL", "")

    console.print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.rows:,} rows, "
        f"batches {args.batches}, budget {args.budget:.0f} s per run"
    )
    results: list[Result] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with tempfile.TemporaryDirectory() as tmp, progress:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        results += asyncio.run(bench_database("sqlite", url, [1], args, progress))
        if postgres:
            with postgres_database(postgres) as pg_url:
                results += asyncio.run(bench_database("postgresql", pg_url, [1, 4], args, progress))
    if not postgres:
        console.print("PostgreSQL skipped: DUCU_TEST_POSTGRES_URL is not set")
    report(results)


if __name__ == "__main__":
    main()
