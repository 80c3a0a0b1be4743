"""Alembic migrations: on an empty SQLite file and a fresh PostgreSQL database they build every
table of the models, a second run is harmless, and autogenerate finds nothing left to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import Base
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
