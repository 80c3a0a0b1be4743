"""Times in and out of both databases: any aware time is stored as UTC and read back aware
and equal; a naive time is refused. On SQLite the stored text is exactly what SQLAlchemy's
DATETIME writes, so that times bound either way compare as times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, literal, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from storage import tables as t
from storage.db import make_engine

TIMES = [
    datetime(2026, 12, 1, 9, 30, 0, 0, tzinfo=UTC),  # no microseconds
    datetime(2026, 12, 1, 17, 30, 5, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
    datetime(2027, 1, 1, 0, 0, 0, 999999, tzinfo=timezone(timedelta(hours=-5))),  # a new year
    datetime(999, 3, 4, 5, 6, 7, 8, tzinfo=UTC),  # a year of three digits
]


async def test_times_come_back_aware_and_equal(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            for when in TIMES:
                back = await conn.scalar(select(literal(when, t.UTCDateTime())))
                assert back == when
                assert back.tzinfo == UTC
    finally:
        await engine.dispose()


async def test_a_naive_time_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(StatementError, match="naive datetime"):
                await conn.scalar(select(literal(datetime(2026, 12, 1), t.UTCDateTime())))
    finally:
        await engine.dispose()


async def test_sqlite_stores_the_text_sqlalchemy_writes(sqlite_url: str) -> None:
    dialect = sqlite.dialect()
    theirs = sqlite.DATETIME().bind_processor(dialect)
    engine = make_engine(sqlite_url)
    try:
        async with engine.begin() as conn:
            for n, when in enumerate(TIMES):
                row = {"channel": "sms", "address": str(n), "data": {}, "updated_at": when}
                await conn.execute(insert(t.Conversation), row)
            stored = await conn.scalars(
                text("SELECT CAST(updated_at AS TEXT) FROM conversations ORDER BY address")
            )
            assert list(stored) == [theirs(w.astimezone(UTC).replace(tzinfo=None)) for w in TIMES]
    finally:
        await engine.dispose()
