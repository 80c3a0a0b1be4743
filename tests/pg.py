"""Scratch PostgreSQL databases for tests, on the server DUCU_TEST_POSTGRES_URL names."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
NO_POSTGRES = "DUCU_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)"


@asynccontextmanager
async def scratch_database(prefix: str = "ducu_test") -> AsyncIterator[str]:
    """An empty database of its own (its SQLAlchemy URL), dropped on exit."""
    import asyncpg

    base = make_url(POSTGRES_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
