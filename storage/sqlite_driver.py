"""SQLAlchemy's aiosqlite adapter with one hop to SQLite's thread per statement.

aiosqlite runs each call on its connection's own thread, and SQLAlchemy's adapter makes four
such calls per statement (open a cursor, execute, fetch, close), each a wake-up of that thread
and then of the event loop. Here the four run as one call: in process, the inbound path at
concurrency 20 handles about a quarter more messages a second (docs/performance.md).

It relies on `aiosqlite.Connection._execute` (run a function on the connection's thread),
which SQLAlchemy's own adapter relies on too; without it the stock adapter is used.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

AVAILABLE = hasattr(aiosqlite.Connection, "_execute")


def _execute(
    conn: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[Any, list[Any] | None, int | None, int]:
    """On SQLite's thread: the statement's description, rows, last row id and row count."""
    cursor = conn.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(conn: sqlite3.Connection, operation: str, rows: Any) -> tuple[int | None, int]:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, rows)
        return cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        try:
            description, rows, lastrowid, rowcount = self.await_(
                self._connection._execute(_execute, self._connection._conn, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows)
        else:
            self.description = None
            self.lastrowid, self.rowcount = lastrowid, rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        try:
            self.lastrowid, self.rowcount = self.await_(
                self._connection._execute(
                    _executemany, self._connection._conn, operation, seq_of_parameters
                )
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = None


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else _Cursor(self)


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        stock = super().connect(*arg, **kw)
        if type(stock) is not AsyncAdapt_aiosqlite_connection:  # the sync fallback: as it is
            return stock
        return _Connection(self, stock._connection)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The module to hand `create_async_engine(..., module=...)` for an SQLite URL."""
    adapter = _DBAPI if AVAILABLE else AsyncAdapt_aiosqlite_dbapi
    return adapter(aiosqlite, sqlite3)
