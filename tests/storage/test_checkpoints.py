"""The WAL's checkpoint thread (storage/checkpoints.py): an engine made for it leaves the WAL
to the thread, whose passive checkpoints copy the pages back into the database file; an
engine without it checkpoints on commit as SQLite does by default; `ducu serve` and `ducu
worker` run one for an SQLite file and stop it when they close."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from ducu.bootstrap import build
from storage.db import checkpointer, make_engine
from tests.conftest import make_settings

PAGE = 4096
ROWS = 1500  # each row fills a page of its own: more than the 1,000 pages SQLite's default allows


def _sizes(sqlite_url: str) -> tuple[int, int]:
    """The database file's size and its WAL's, in bytes."""
    path = Path(sqlite_url.split("///", 1)[1])
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


@asynccontextmanager
async def _pages_written(url: str, background_checkpoints: bool) -> AsyncIterator[None]:
    """`ROWS` pages written in 30 commits; the engine stays open (its last connection to
    close would checkpoint) until the block ends."""
    engine = make_engine(url, background_checkpoints=background_checkpoints)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE pages (b BLOB)"))
        for _ in range(0, ROWS, 50):
            async with engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO pages (b) VALUES (randomblob(3500))"), [{}] * 50
                )
        yield
    finally:
        await engine.dispose()


async def _until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_by_default_a_commit_checkpoints_the_wal(sqlite_url: str) -> None:
    before, _ = _sizes(sqlite_url)
    async with _pages_written(sqlite_url, background_checkpoints=False):
        assert _sizes(sqlite_url)[0] - before > 900 * PAGE


async def test_with_the_thread_the_pages_reach_the_file_through_it_alone(sqlite_url: str) -> None:
    before, _ = _sizes(sqlite_url)
    async with _pages_written(sqlite_url, background_checkpoints=True):
        size, wal_size = _sizes(sqlite_url)
        assert size - before < 100 * PAGE and wal_size > ROWS * PAGE  # no commit copied any

        wal = checkpointer(sqlite_url)
        assert wal is not None
        wal.start()
        try:
            assert await _until(lambda: _sizes(sqlite_url)[0] - before > ROWS * PAGE)
        finally:
            await wal.stop()


def test_only_an_sqlite_file_has_one() -> None:
    assert checkpointer("sqlite+aiosqlite://") is None
    assert checkpointer("sqlite+aiosqlite:///:memory:") is None
    assert checkpointer("postgresql+asyncpg://ducu@127.0.0.1/ducu") is None
    assert checkpointer("sqlite+aiosqlite:////var/lib/ducu/ducu.db") is not None


async def test_the_runtime_starts_and_stops_its_thread(sqlite_url: str) -> None:
    def running() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "wal-checkpoint" and t.is_alive()]

    already = len(running())
    runtime = await build(make_settings(sqlite_url, None))
    assert len(running()) == already + 1
    await runtime.close()
    assert len(running()) == already
