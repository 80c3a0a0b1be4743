"""The SQLite engine's adapter (storage/sqlite_driver.py), which runs each statement in one
call to aiosqlite's thread: what SQLAlchemy reads from a cursor comes back as before (rows,
row counts, the last row id, errors), and a statement takes one call, not four. Writes held
for later go with the next call, in order, and a failure among them fails the transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import sqlite_driver
from storage.db import make_engine


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


def test_the_adapter_is_in_use() -> None:
    assert sqlite_driver.AVAILABLE, "aiosqlite.Connection._execute is gone: see the module"
    assert isinstance(make_engine("sqlite+aiosqlite://").dialect.dbapi, sqlite_driver._DBAPI)


async def test_rows_counts_and_ids_come_back_as_sqlalchemy_expects(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        assert many.rowcount == 2
        returned = await conn.execute(text("INSERT INTO t (v) VALUES ('d') RETURNING id, v"))
        assert returned.all() == [(4, "d")]
        updated = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 2"))
        assert updated.rowcount == 2
        rows = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
        assert list(rows.keys()) == ["id", "v"]
        assert rows.all() == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
        assert (await conn.execute(text("SELECT v FROM t WHERE id = 99"))).first() is None
        streamed = await conn.stream(text("SELECT v FROM t ORDER BY id"))
        assert [v async for (v,) in streamed] == ["a", "b", "c!", "d!"]


async def test_errors_are_sqlalchemys_and_leave_the_connection_usable(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await conn.rollback()
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM nowhere"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_a_statement_is_one_call_to_sqlites_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection is open before counting
        calls = _count_calls(monkeypatch)
        await conn.execute(text("SELECT v FROM t"))
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
        await conn.execute(text("INSERT INTO t (v) VALUES ('c') RETURNING id"))
    assert calls[:3] == ["_execute", "_executemany", "_execute"]


async def _counting(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls to SQLite's thread from now on, the pool's connection open before."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return _count_calls(monkeypatch)


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    run = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn, *args, **kwargs):
        calls.append(fn.__name__)
        return await run(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


def _locked_for_others(sqlite_url: str) -> bool:
    """Whether another connection is kept from writing (someone holds BEGIN IMMEDIATE)."""
    other = sqlite3.connect(sqlite_url.split("///", 1)[1], timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


async def test_a_transaction_begins_in_its_first_statements_call(
    engine: AsyncEngine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = await _counting(engine, monkeypatch)
    async with engine.begin() as conn:
        await conn.execute(text("SELECT v FROM t"))
        assert _locked_for_others(sqlite_url)  # a read, yet the write lock is held
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    # BEGIN went with the SELECT; the pool's reset of the returned connection made no call
    assert calls == ["_execute", "_execute", "commit"]
    assert not _locked_for_others(sqlite_url)


async def test_a_transaction_that_runs_nothing_makes_no_call(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.commit()
        calls = _count_calls(monkeypatch)
        await conn.begin()
        await conn.commit()
        await conn.begin()
        await conn.rollback()
    assert calls == []


async def test_a_stream_first_in_a_transaction_runs_inside_it(
    engine: AsyncEngine, sqlite_url: str
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    async with engine.begin() as conn:
        streamed = await conn.stream(text("SELECT v FROM t"))
        assert _locked_for_others(sqlite_url)
        assert [v async for (v,) in streamed] == ["a"]


async def test_a_failed_statement_rolls_back_what_its_transaction_did(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def _stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars())


async def _hold(conn: AsyncConnection, value: str) -> None:
    """An INSERT held by the adapter, as `BulkInsert.later` does it."""
    await conn.get_raw_connection()  # the transaction has begun (its BEGIN is pending)
    assert sqlite_driver.write_later(
        conn.sync_connection, "INSERT INTO t (v) VALUES (?)", [(value,)]
    )


async def test_held_writes_go_first_in_the_next_statements_call(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = await _counting(engine, monkeypatch)
    async with engine.begin() as conn:
        await _hold(conn, "a")
        await _hold(conn, "b")
        assert calls == []
        rows = await conn.execute(text("SELECT v FROM t ORDER BY id"))
        assert rows.scalars().all() == ["a", "b"]
    assert calls == ["_execute", "commit"]


async def test_held_writes_go_with_the_commit(
    engine: AsyncEngine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = await _counting(engine, monkeypatch)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await _hold(conn, "b")
    assert calls == ["_execute", "_commit"]
    assert not _locked_for_others(sqlite_url)
    assert await _stored(engine) == ["a", "b"]


async def test_a_rollback_drops_held_writes(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.commit()
        calls = _count_calls(monkeypatch)
        await conn.begin()
        await _hold(conn, "a")
        await conn.rollback()
        assert calls == []  # nothing had reached SQLite
        await conn.begin()
        await conn.commit()
        assert calls == []  # nor does the dropped write later
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_a_held_write_that_fails_fails_the_commit_and_keeps_nothing(
    engine: AsyncEngine, sqlite_url: str
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
            await _hold(conn, "a")  # taken
    assert not _locked_for_others(sqlite_url)
    async with engine.begin() as conn:  # the connection is usable
        await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
    assert await _stored(engine) == ["a", "c"]


async def test_a_held_write_that_fails_fails_the_next_statement_and_then_the_commit(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        await _hold(conn, "a")  # taken
        await _hold(conn, "c")
        with pytest.raises(IntegrityError) as failed:
            await conn.execute(text("SELECT count(*) FROM t"))
        assert "held" in "\n".join(getattr(failed.value.orig, "__notes__", []))
        # 'c' never ran: what remains may not be committed as if whole
        with pytest.raises(OperationalError, match="held write failed"):
            await conn.commit()
        await conn.rollback()
        await conn.begin()  # the connection is usable again
        await conn.execute(text("INSERT INTO t (v) VALUES ('d')"))
        await conn.commit()
    assert await _stored(engine) == ["a", "d"]


async def test_held_writes_alone_begin_and_commit_in_one_call(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = await _counting(engine, monkeypatch)
    async with engine.begin() as conn:
        await _hold(conn, "a")
    assert calls == ["_commit"]
    assert await _stored(engine) == ["a"]


async def test_held_writes_go_before_a_stream(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await _hold(conn, "a")
        streamed = await conn.stream(text("SELECT v FROM t"))
        assert [v async for (v,) in streamed] == ["a"]
