"""Alembic migrations: on an empty SQLite file and a fresh PostgreSQL database they build every
table of the models, a second run is harmless, and autogenerate finds nothing left to do; data
a revision rewrites is rewritten both ways."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.domain.plan import DEFAULT_PLAN, plan_to_json
from ducu.bootstrap import build
from storage.db import make_engine
from storage.migrate import alembic_config, upgrade
from storage.tables import Base
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import judgment, move, register
from tests.pg import NO_POSTGRES, POSTGRES_URL, scratch_database


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database with no schema at all, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    async with scratch_database("ducu_migrate") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("empty_postgres_url")


def _schema(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    revision = MigrationContext.configure(connection).get_current_revision()
    return {"tables": tables, "revision": revision}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def _inspect(url: str) -> tuple[dict[str, Any], list[Any]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_schema), await conn.run_sync(_differences)
    finally:
        await engine.dispose()


async def test_upgrade_builds_the_models_schema_and_is_idempotent(empty_db_url: str) -> None:
    before, _ = await _inspect(empty_db_url)
    assert before["tables"] == set() and before["revision"] is None

    upgrade(empty_db_url)
    after, differences = await _inspect(empty_db_url)
    assert set(Base.metadata.tables) <= after["tables"]
    assert after["tables"] - set(Base.metadata.tables) == {"alembic_version"}
    assert after["revision"] is not None
    assert differences == [], "the migrations and storage/tables.py disagree"

    engine = make_engine(empty_db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO areas (code, name) VALUES ('330522', '长兴县')"))
    finally:
        await engine.dispose()

    upgrade(empty_db_url)  # again: nothing to do, nothing lost
    again, differences = await _inspect(empty_db_url)
    assert again == after and differences == []
    engine = make_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            names = (await conn.execute(text("SELECT name FROM areas"))).scalars().all()
    finally:
        await engine.dispose()
    assert names == ["长兴县"]


async def _statuses(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT case_number, status FROM cases"))
            return dict(rows.tuples().all())
    finally:
        await engine.dispose()


async def test_0006_a_paused_case_awaits_a_decision_and_is_paused_again_below_it(
    empty_db_url: str, clock: FakeClock
) -> None:
    upgrade(empty_db_url)
    runtime = await build(make_settings(empty_db_url, None), clock=clock)
    try:
        waiting = await register(runtime, judgment(clock.now()))
        await register(runtime, judgment(clock.now(), case_number="（2024）浙0522民初1235号"))
    finally:
        await runtime.close()
    await move(empty_db_url, waiting, "open", "awaiting_decision", at=clock.now())
    at_head = {"（2024）浙0522民初1234号": "awaiting_decision", "（2024）浙0522民初1235号": "open"}
    assert await _statuses(empty_db_url) == at_head

    await asyncio.to_thread(command.downgrade, alembic_config(empty_db_url), "0005")
    below = {"（2024）浙0522民初1234号": "paused", "（2024）浙0522民初1235号": "open"}
    assert await _statuses(empty_db_url) == below

    upgrade(empty_db_url)
    assert await _statuses(empty_db_url) == at_head


async def test_0010_a_court_plan_of_its_own_becomes_version_1_of_its_schedule(
    empty_db_url: str,
) -> None:
    """The shipped plan (every court's until 0010) leaves no version: the built-in one runs."""
    upgrade(empty_db_url, "0009")
    own = [
        {"key": "day0", "anchor": "effective", "days": 0, "at": None, "template": "reminder.day0"}
    ]
    shipped = plan_to_json(DEFAULT_PLAN)
    engine = make_engine(empty_db_url)
    try:
        async with engine.begin() as conn:
            for code, plan in (("浙0522", shipped), ("浙0523", own)):
                await conn.execute(
                    text("INSERT INTO courts (code, name, reminder_plan) VALUES (:c, :c, :p)"),
                    {"c": code, "p": json.dumps(plan)},
                )
        upgrade(empty_db_url)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT code, version, body FROM schedules JOIN courts ON courts.id = court_id"
                )
            )
            [(code, version, body)] = rows.tuples().all()
    finally:
        await engine.dispose()
    body = body if isinstance(body, dict) else json.loads(body)
    assert (code, version) == ("浙0523", 1)
    assert body == {"steps": own, "quiet_hours": "21:00-08:00", "weekly_cap": 3}


async def _steps(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT step_key, status FROM reminders WHERE step_key LIKE 'instalment%'")
            )
            return dict(rows.tuples().all())
    finally:
        await engine.dispose()


async def _sql(url: str, *statements: str) -> list[Any]:
    """Runs `statements` in one transaction; the first column of the last one's rows."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
            return list(result.scalars()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_0014_a_plan_s_reminders_carry_the_plan_both_ways(
    empty_db_url: str, clock: FakeClock
) -> None:
    """Before 0014 a step already planned was kept: payment 1's rows are of the first plan
    (payments 1-2), and a second plan (a down payment, payments 1-3) had rows only for the
    payments the first lacked (0 and 3). Each row gets its plan's name; going back, the old
    names return, and a later plan's pending row whose old name is taken is cancelled."""
    upgrade(empty_db_url)
    runtime = await build(make_settings(empty_db_url, None), clock=clock)
    try:
        await register(runtime, judgment(clock.now()))
    finally:
        await runtime.close()
    await asyncio.to_thread(command.downgrade, alembic_config(empty_db_url), "0013")
    at = "'2026-12-01 00:00:00.000000'"
    filing = (
        "INSERT INTO filings (case_id, obligor_id, kind, payload, status, created_at) "
        f"SELECT case_id, obligor_id, 'settle', '{{}}', 'accepted', {at} FROM case_obligors"
    )
    first = (await _sql(empty_db_url, filing, "SELECT MAX(id) FROM filings"))[0]
    second = (await _sql(empty_db_url, filing, "SELECT MAX(id) FROM filings"))[0]
    instalment = (
        "INSERT INTO instalments (case_id, filing_id, seq, due_on, amount_fen, status) "
        "SELECT case_id, {}, {}, '2026-12-15', 100, 'due' FROM case_obligors"
    )
    reminder = (
        "INSERT INTO reminders (case_id, obligor_id, step_key, template, due_at, status, attempts)"
        " SELECT case_id, obligor_id, '{}', 'reminder.instalment', " + at + ", '{}', 0"
        " FROM case_obligors"
    )
    old = {
        "instalment-1-before": "sent",
        "instalment-1": "cancelled",
        "instalment-0": "pending",
        "instalment-3-before": "pending",
    }
    await _sql(
        empty_db_url,
        *(instalment.format(first, seq) for seq in (1, 2)),
        *(instalment.format(second, seq) for seq in (0, 1, 2, 3)),
        *(reminder.format(step, status) for step, status in old.items()),
    )
    upgrade(empty_db_url)
    assert await _steps(empty_db_url) == {
        f"instalment-{first}-1-before": "sent",
        f"instalment-{first}-1": "cancelled",
        f"instalment-{second}-0": "pending",
        f"instalment-{second}-3-before": "pending",
    }

    await _sql(empty_db_url, reminder.format(f"instalment-{second}-1", "pending"))
    await asyncio.to_thread(command.downgrade, alembic_config(empty_db_url), "0013")
    assert await _steps(empty_db_url) == {**old, f"instalment-{second}-1": "cancelled"}
