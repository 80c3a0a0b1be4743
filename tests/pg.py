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
async def scratch_database(
    prefix: str = "ducu_test", template: str = "", server: str = ""
) -> AsyncIterator[str]:
    """A database of its own (its SQLAlchemy URL) on `server` (the test server by default),
    dropped on exit: empty, or a copy of the database `template` (copying a migrated database
    takes a fraction of migrating one)."""
    import asyncpg

    base = make_url(server or POSTGRES_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
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
