"""How fast the outcome figures answer at 100,000 cases, on SQLite (file) and PostgreSQL.

Bulk-inserts N cases with their debtors, contacts, reminders, messages, events, filings and
tasks in the proportions below into a freshly migrated database (a temp SQLite file; a
throwaway database on the server of DUCU_TEST_POSTGRES_URL, dropped at the end), then times
`FigureService.figures` through the real unit of work, for the whole court system and for
narrower selections: median of `--repeat` (default 3) runs each. The baseline, measured in the
same run on the same tables, is `SELECT count(*) FROM cases`.

Then the dashboard PAGE over HTTP: the real app on 127.0.0.1 (`ducu serve`'s), an admin of
浙0522 signed in through the login form, `GET /admin/dashboard` timed from request to the last
byte for the court, one township and one year (an admin sees their own court alone); its
baseline is another signed-in console page, `GET /admin/areas` (session, guard, template, one
small query).

    python bench/figures.py                       # SQLite; PostgreSQL too when
                                                  # DUCU_TEST_POSTGRES_URL is set
    python bench/figures.py --cases 20000 --no-postgres
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
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.audit import CLI
from bot.services.figures import FigureService
from ducu.bootstrap import build
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import uow_factory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, from a checkout
from tests.fakes.clock import FakeClock
from tests.pg import POSTGRES_URL, scratch_database

console = Console(width=None if sys.stdout.isatty() else 150)
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CHUNK = 5_000
COURTS = ("浙0522", "浙0523", "浙0502")
# The case states, in proportions like the seed's reports (voluntary performance first).
STATES = {
    "performed": 45,
    "open": 18,
    "awaiting_decision": 4,
    "grace": 3,
    "plan": 8,
    "referred": 12,
    "exited": 1,
    "closed": 9,
}
JUDGES = 30
# Parent tables first (foreign keys).
TABLES = (
    "courts areas users cases obligors case_obligors contacts messages reminders events filings "
    "tasks"
).split()
# What debtors file: the share of debtors who do, and the share accepted.
FILINGS = (("settle", 0.25, 0.7), ("grace", 0.08, 0.8), ("hardship", 0.04, 0.5), ("paid", 0.5, 0.9))
PAGES = {
    "baseline: GET /admin/areas": "/admin/areas",
    "page: the court": "/admin/dashboard",
    "page: one township": "/admin/dashboard?area=330522102",
    "page: one year": "/admin/dashboard?from=2026-01-01&to=2026-12-31",
}
ADMIN_PHONE, PASSWORD = "+8613600000001", "bench password 1"
CSRF = 'name="csrf" value="'
SELECTIONS = {
    "everything": {},
    "one court": {"court_code": "浙0522"},
    "one township": {"area": "330522102"},
    "one court, one year": {"court_code": "浙0522", "since": "2026-01-01", "until": "2026-12-31"},
}


class Generator:
    """The rows of every table, built case by case with ids of our own (no RETURNING)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.out: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.ids: Counter[str] = Counter()
        self.villages = [
            f"330522{town:03d}{v:03d}" for town in range(100, 120) for v in range(200, 210)
        ]
        self.out["courts"] = [
            {"id": i + 1, "code": c, "name": f"法院{c}"} for i, c in enumerate(COURTS)
        ]
        self.out["areas"] = [{"code": v, "name": f"村{v}"} for v in self.villages]
        self.out["users"] = [
            {
                "id": i + 1,
                "role": "judge",
                "name": f"法官{i}",
                "phone": f"+86139{i:08d}",
                "court_id": 1,
                "area_code": None,
            }
            for i in range(JUDGES)
        ]
        self.official = {v: JUDGES + k + 1 for k, v in enumerate(self.villages)}  # one a village
        self.out["users"] += [
            {
                "id": uid,
                "role": "official",
                "name": f"书记{v}",
                "phone": f"+86137{uid:08d}",
                "court_id": 1,
                "area_code": v,
            }
            for v, uid in self.official.items()
        ]

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def event(self, case_id: int, kind: str, at: datetime, **detail: object) -> None:
        self.out["events"].append({"case_id": case_id, "kind": kind, "at": at, "detail": detail})

    def task(
        self,
        case_id: int,
        obligor_id: int,
        area: str,
        kind: str,
        reason: str,
        at: datetime,
        outcome: str | None,
        filing_id: int | None = None,
    ) -> None:
        task_id, done = self.next_id("tasks"), outcome is not None
        official = self.official[area]
        self.out["tasks"].append(
            {
                "id": task_id,
                "case_id": case_id,
                "obligor_id": obligor_id,
                "filing_id": filing_id,
                "kind": kind,
                "reason": reason,
                "assignee_id": official,
                "area_code": area,
                "status": "done" if done else "cancelled",
                "due_at": at + timedelta(days=3),
                "created_at": at,
                "done_at": at + timedelta(hours=self.rng.uniform(0.2, 60)) if done else None,
                "done_by": official if done else None,
                "outcome": outcome,
                "detail": {},
            }
        )
        self.event(case_id, "task_opened", at, task_id=task_id, task=kind, reason=reason)

    def case(self, state: str) -> None:
        rng = self.rng
        case_id = self.next_id("cases")
        effective = NOW - timedelta(days=rng.uniform(0, 700))
        final = state in ("performed", "referred", "exited", "closed")
        self.out["cases"].append(
            {
                "id": case_id,
                "case_number": f"（2025）浙0522民初{case_id}号",
                "court_id": rng.randint(1, len(COURTS)),
                "judge_id": rng.randint(1, JUDGES),
                "amount_due_fen": rng.randint(1_000, 500_000) * 100,
                "currency": "CNY",
                "obligations": "支付借款本金及利息",
                "effective_at": effective,
                "performance_due": (effective.astimezone(ZONE) + timedelta(days=10)).date(),
                "status": state,
                "created_at": effective,
                "closed_at": effective + timedelta(days=rng.uniform(1, 60)) if final else None,
            }
        )
        self.event(case_id, "judgment_received", effective)
        for _ in range(2 if rng.random() < 0.1 else 1):
            self.debtor(case_id, effective, final)

    def debtor(self, case_id: int, effective: datetime, final: bool) -> None:
        rng = self.rng
        obligor_id, area = self.next_id("obligors"), rng.choice(self.villages)
        phone = f"+86138{obligor_id:08d}"
        self.out["obligors"].append(
            {
                "id": obligor_id,
                "name": f"林某{obligor_id}",
                "area_code": area,
                "locale": "zh-CN",
                "timezone": "Asia/Shanghai",
            }
        )
        self.out["case_obligors"].append({"case_id": case_id, "obligor_id": obligor_id})
        dead = rng.random() < 0.04
        self.out["contacts"].append(
            {
                "obligor_id": obligor_id,
                "channel": "sms",
                "address": phone,
                "status": rng.choice(("invalid", "opted_out", "blocked")) if dead else "active",
            }
        )
        for step, days in (("day0", 0), ("middle", 3), ("warning", 8), ("deadline", 10)):
            at = effective + timedelta(days=days)
            sent = at < NOW and (step == "day0" or not final) and not dead
            message_id = self.message(case_id, obligor_id, phone, "out", at) if sent else None
            self.out["reminders"].append(
                {
                    "id": self.next_id("reminders"),
                    "case_id": case_id,
                    "obligor_id": obligor_id,
                    "step_key": step,
                    "template": f"reminder.{step}",
                    "due_at": at,
                    "status": "failed" if dead else "sent" if sent else "cancelled",
                    "attempts": 1,
                    "finished_at": at,
                    "message_id": message_id,
                }
            )
            if sent:
                self.event(case_id, "reminder_sent", at, step=step, obligor_id=obligor_id)
        if dead:
            self.event(case_id, "unreachable", effective, obligor_id=obligor_id, reason="21211")
        elif rng.random() < 0.45:  # the debtor writes in
            for k in range(rng.randint(1, 3)):
                at = effective + timedelta(hours=rng.uniform(1, 200) + k)
                self.message(None, obligor_id, phone, "in", at)
                self.event(case_id, "debtor_replied", at, obligor_id=obligor_id)
        first_call = "reached" if rng.random() < 0.8 else None
        self.task(case_id, obligor_id, area, "follow_up", "first_call", effective, first_call)
        if rng.random() < 0.2:
            silent_at, outcome = (
                effective + timedelta(days=7),
                rng.choice(("reached", "not_found", None)),
            )
            self.task(case_id, obligor_id, area, "follow_up", "silent", silent_at, outcome)
        for kind, share, accepted in FILINGS:
            if rng.random() < share:
                self.filing(case_id, obligor_id, area, kind, effective, rng.random() < accepted)

    def message(
        self, case_id: int | None, obligor_id: int, phone: str, direction: str, at: datetime
    ) -> int:
        message_id = self.next_id("messages")
        self.out["messages"].append(
            {
                "id": message_id,
                "direction": direction,
                "channel": "sms",
                "address": phone,
                "text": "【法院】提醒" if direction == "out" else "3",
                "case_id": case_id,
                "obligor_id": obligor_id,
                "provider": "twilio",
                "provider_id": f"SM{message_id}",
                "status": "delivered" if direction == "out" else "received",
                "at": at,
            }
        )
        return message_id

    def filing(
        self,
        case_id: int,
        obligor_id: int,
        area: str,
        kind: str,
        effective: datetime,
        accepted: bool,
    ) -> None:
        filing_id = self.next_id("filings")
        at = effective + timedelta(days=self.rng.uniform(0, 9))
        self.out["filings"].append(
            {
                "id": filing_id,
                "case_id": case_id,
                "obligor_id": obligor_id,
                "kind": kind,
                "payload": {},
                "status": "accepted" if accepted else "rejected",
                "created_at": at,
            }
        )
        self.event(case_id, f"filed_{kind}", at, filing_id=filing_id, obligor_id=obligor_id)
        if kind != "hardship":
            outcome = "accept" if accepted else "reject"
            self.task(case_id, obligor_id, area, "decide", kind, at, outcome, filing_id)
            return
        self.task(
            case_id,
            obligor_id,
            area,
            "verify",
            "hardship",
            at,
            "true" if accepted else "false",
            filing_id,
        )
        if accepted:
            decision = self.rng.choice(("grace", "exit"))
            self.task(case_id, obligor_id, area, "decide", "hardship", at, decision, filing_id)


def rows(n_cases: int, seed: int = 7) -> dict[str, list[dict]]:
    """The tables' rows: two debtors in one case of ten; ~22 rows per case in all."""
    generator = Generator(seed)
    for state in generator.rng.choices(list(STATES), weights=list(STATES.values()), k=n_cases):
        generator.case(state)
    return generator.out


async def fill(engine: AsyncEngine, data: dict[str, list[dict]]) -> None:
    for name, table_rows in data.items():
        table = t.Base.metadata.tables[name]
        for start in range(0, len(table_rows), CHUNK):
            async with engine.begin() as conn:
                await conn.execute(insert(table), table_rows[start : start + CHUNK])
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))
        await conn.commit()


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def measure(name: str, url: str, data: dict[str, list[dict]], repeat: int) -> list[tuple]:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        await fill(engine, data)
        console.print(
            f"{name}: {sum(map(len, data.values())):,} rows inserted in "
            f"{time.perf_counter() - started:.1f} s"
        )
        service = FigureService(uow_factory(make_sessionmaker(engine)), FakeClock(NOW), ZONE)

        async def baseline() -> int:
            async with engine.connect() as conn:
                return await conn.scalar(select(func.count()).select_from(t.Case))

        results = [(name, "baseline: SELECT count(*) FROM cases", *await timed(baseline, repeat))]
        for label, chosen in SELECTIONS.items():
            seconds, figures = await timed(lambda c=chosen: service.figures(**c), repeat)
            results.append((name, f"figures: {label}", seconds, figures))
        if engine.dialect.name == "postgresql":  # the rows came with ids of our own
            async with engine.begin() as conn:
                await conn.execute(
                    text("SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users")
                )
        return results + await pages(name, url, repeat)
    finally:
        await engine.dispose()


async def pages(name: str, url: str, repeat: int) -> list[tuple]:
    """The dashboard page over HTTP, signed in as an admin of 浙0522 (module docstring)."""
    settings = Settings(
        _env_file=None, DUCU_DATABASE_URL=url, DUCU_SANDBOX=True, DUCU_PUBLIC_URL=""
    )
    runtime = await build(settings, clock=FakeClock(NOW))
    staff = runtime.services.staff
    admin = await staff.add_user(
        actor=CLI, role="admin", name="管理员", phone=ADMIN_PHONE, court_code=COURTS[0]
    )
    await runtime.services.accounts.set_password(CLI, admin, PASSWORD)
    server = TestServer(runtime.web_app(), host="127.0.0.1")
    await server.start_server()
    try:
        jar = CookieJar(unsafe=True)  # cookies for 127.0.0.1, an address
        async with ClientSession(base_url=str(server.make_url("")), cookie_jar=jar) as http:
            login = await (await http.get("/login")).text()
            token = login.split(CSRF, 1)[1].split('"', 1)[0]
            form = {"csrf": token, "phone": ADMIN_PHONE, "password": PASSWORD}
            async with http.post("/login", data=form, allow_redirects=False) as signed:
                assert signed.status == 302, signed.status

            async def get(path: str) -> int:
                async with http.get(path, allow_redirects=False) as response:
                    assert response.status == 200, (path, response.status)
                    return len(await response.read())

            found = []
            for label, path in PAGES.items():
                found.append((name, label, *await timed(lambda p=path: get(p), repeat)))
            return found
    finally:
        await server.close()
        await runtime.close()


async def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--cases", type=int, default=100_000)
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--no-postgres", action="store_true")
    opts = args.parse_args()
    started = time.perf_counter()
    data = rows(opts.cases)
    console.print(f"{opts.cases:,} cases generated in {time.perf_counter() - started:.1f} s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "figures.db"
        results += await measure("SQLite", f"sqlite+aiosqlite:///{db}", data, opts.repeat)
    if POSTGRES_URL and not opts.no_postgres:
        async with scratch_database("ducu_bench") as url:
            results += await measure("PostgreSQL", url, data, opts.repeat)
    table = Table(
        "database",
        "query",
        "ms (median)",
        "cases (page: bytes)",
        "performance rate",
        "response rate",
    )
    for name, what, seconds, found in results:
        figures = (
            []
            if isinstance(found, int)
            else [
                f"{found.cases:,}",
                f"{found.voluntary_performance_rate}",
                f"{found.response_rate}",
            ]
        )
        table.add_row(name, what, f"{seconds * 1000:.0f}", *(figures or [f"{found:,}", "", ""]))
    console.print(table)
    console.print(f"(--cases {opts.cases}, median of {opts.repeat}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    asyncio.run(main())
