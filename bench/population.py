"""Bulk-inserted debtors for the dispatch benches: one court and judge; per debtor a case, an
obligor, an SMS contact and one reminder (`day0`), due when the caller says.

Rows are inserted with executemany in chunks and ids of our own, like bench/figures.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import tables as t

CHUNK = 5_000


def phone(i: int) -> str:
    return f"+86138{i:08d}"


async def populate(
    engine: AsyncEngine,
    debtors: int,
    due: Callable[[int], datetime],
    *,
    first: int = 1,
    on_chunk: Callable[[int], None] = lambda n: None,
) -> None:
    """`debtors` debtors numbered from `first`, the i-th one's reminder due at `due(i)`."""
    async with engine.begin() as conn:
        if first == 1:
            await conn.execute(insert(t.Court).values(id=1, code="浙0522", name="长兴县人民法院"))
            await conn.execute(
                insert(t.User).values(
                    id=1, role="judge", name="李法官", phone="+8613900000001", court_id=1
                )
            )
    for start in range(first, first + debtors, CHUNK):
        ids = range(start, min(start + CHUNK, first + debtors))
        rows = {
            t.Case: [
                {
                    "id": i,
                    "case_number": f"（2026）浙0522民初{i}号",
                    "court_id": 1,
                    "judge_id": 1,
                    "amount_due_fen": 13_000_000,
                    "currency": "CNY",
                    "obligations": "支付借款本金130000元及利息",
                    "effective_at": due(i),
                    "performance_due": date(2026, 12, 6),
                    "status": "open",
                    "created_at": due(i),
                }
                for i in ids
            ],
            t.Obligor: [
                {
                    "id": i,
                    "name": f"林某{i}",
                    "area_code": "330522102201",
                    "locale": "zh-CN",
                    "timezone": "Asia/Shanghai",
                }
                for i in ids
            ],
            t.CaseObligor: [{"case_id": i, "obligor_id": i} for i in ids],
            t.Contact: [
                {
                    "id": i,
                    "obligor_id": i,
                    "channel": "sms",
                    "address": phone(i),
                    "status": "active",
                }
                for i in ids
            ],
            t.Reminder: [
                {
                    "id": i,
                    "case_id": i,
                    "obligor_id": i,
                    "step_key": "day0",
                    "template": "reminder.day0",
                    "due_at": due(i),
                    "status": "pending",
                    "attempts": 0,
                }
                for i in ids
            ],
        }
        async with engine.begin() as conn:
            for table, values in rows.items():
                await conn.execute(insert(table), values)
        on_chunk(len(ids))
    if engine.dialect.name == "postgresql":  # the ids were ours: move the sequences past them
        async with engine.begin() as conn:
            for table in (t.Case, t.Obligor, t.Contact, t.Reminder):
                name = table.__tablename__
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) "
                        f"FROM {name}"
                    )
                )
    await analyze(engine)


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum would keep them (SQLite gets
    none: the service never runs ANALYZE)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
