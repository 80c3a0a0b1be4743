"""SQLAlchemy's aiosqlite adapter with one hop to SQLite's thread per statement.

aiosqlite runs each call on its connection's own thread, and SQLAlchemy's adapter makes four
such calls per statement (open a cursor, execute, fetch, close), each a wake-up of that thread
and then of the event loop. Here the four run as one call: in process, the inbound path at
concurrency 20 handles about a quarter more messages a second (docs/performance.md). A
transaction's `BEGIN IMMEDIATE` goes in the call of its first statement, and a commit or
rollback with no transaction open (the pool's reset of a returned connection) makes no call.
Inserts whose outcome nobody reads can be held (`write_later`) and go first in the next call,
a statement's or the commit's; if one fails, the transaction may only roll back. (Not for
savepoints: a held write would cross them.)

It relies on `aiosqlite.Connection._execute` (run a function on the connection's thread),
which SQLAlchemy's own adapter relies on too; without it the stock adapter is used.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

AVAILABLE = hasattr(aiosqlite.Connection, "_execute")
BEGIN = "BEGIN IMMEDIATE"


def begin_immediate(connection: Connection) -> None:
    """Opens the connection's transaction with `BEGIN IMMEDIATE`: with its first statement
    where the adapter is this module's, else at once."""
    adapted = connection.connection.dbapi_connection
    if isinstance(adapted, _Connection):
        adapted.begin_with_next_statement()
    else:
        connection.exec_driver_sql(BEGIN)


def write_later(connection: Connection, operation: str, rows: Sequence[Sequence[Any]]) -> bool:
    """Holds `executemany(operation, rows)` until the connection's next call to SQLite's
    thread (its next statement, or the commit), which runs it first: a call fewer. An error in
    it is raised by that call; a rollback drops it. False where the adapter is not this
    module's: the caller runs it itself."""
    adapted = connection.connection.dbapi_connection
    if not isinstance(adapted, _Connection):
        return False
    adapted.hold(operation, rows)
    return True


Held = Sequence[tuple[str, Sequence[Sequence[Any]]]]
_HELD = "ducu_held_write"  # set on an error raised by a held write


def _prelude(conn: sqlite3.Connection, begin: bool, held: Held) -> None:
    """On SQLite's thread, before a call's own work: BEGIN, then the held writes. A held
    write's error says so (`_HELD`): the transaction has lost writes and may not commit."""
    if begin:
        conn.execute(BEGIN)
    for operation, rows in held:
        try:
            conn.executemany(operation, rows)
        except sqlite3.Error as error:
            error.add_note(f"in a write held for this call: {operation}")
            setattr(error, _HELD, True)
            raise


def _execute(
    conn: sqlite3.Connection, operation: str, parameters: Any, begin: bool, held: Held
) -> tuple[Any, list[Any] | None, int | None, int]:
    """On SQLite's thread: the statement's description, rows, last row id and row count."""
    _prelude(conn, begin, held)
    cursor = conn.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(
    conn: sqlite3.Connection, operation: str, rows: Any, begin: bool, held: Held
) -> tuple[int | None, int]:
    _prelude(conn, begin, held)
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, rows)
        return cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _commit(conn: sqlite3.Connection, begin: bool, held: Held) -> None:
    _prelude(conn, begin, held)
    conn.commit()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        begin, held = self._adapt_connection.take_pending()
        try:
            description, rows, lastrowid, rowcount = self.await_(
                self._connection._execute(
                    _execute, self._connection._conn, operation, parameters, begin, held
                )
            )
        except Exception as error:
            self._adapt_connection.failed(error)
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows)
        else:
            self.description = None
            self.lastrowid, self.rowcount = lastrowid, rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        begin, held = self._adapt_connection.take_pending()
        try:
            self.lastrowid, self.rowcount = self.await_(
                self._connection._execute(
                    _executemany, self._connection._conn, operation, seq_of_parameters, begin, held
                )
            )
        except Exception as error:
            self._adapt_connection.failed(error)
        self.description = None


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_begin", "_held", "_lost")

    def __init__(self, dbapi: Any, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self._begin = False  # BEGIN IMMEDIATE is to go with the next call
        self._held: list[tuple[str, Sequence[Sequence[Any]]]] = []  # to go with the next call
        self._lost = False  # a held write failed: this transaction may only roll back

    def begin_with_next_statement(self) -> None:
        self._begin = True

    def hold(self, operation: str, rows: Sequence[Sequence[Any]]) -> None:
        self._held.append((operation, rows))

    def take_pending(self) -> tuple[bool, Held]:
        """What the next call to SQLite's thread is to do first: BEGIN, the held writes."""
        begin, held = self._begin, self._held
        self._begin = False
        if not held:
            return begin, ()
        self._held = []
        return begin, held

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if not server_side:
            return _Cursor(self)
        begin, held = self.take_pending()
        if begin or held:  # the stock cursor knows nothing of them: first, in a call
            self._call(_prelude, begin, held)
        return super().cursor(server_side)

    def commit(self) -> None:
        begin, held = self.take_pending()
        if not (held or self._lost):
            if self._connection.in_transaction:
                super().commit()
            return
        try:
            if self._lost:
                raise sqlite3.OperationalError("a held write failed: the transaction rolls back")
            self.await_(self._connection._execute(_commit, self._connection._conn, begin, held))
        except Exception as error:
            if self._lost or getattr(error, _HELD, False):
                self.rollback()  # what is left of it is not to be committed later either
            self._handle_exception(error)

    def rollback(self) -> None:
        self.take_pending()
        self._lost = False
        if self._connection.in_transaction:
            super().rollback()

    def failed(self, error: Exception) -> None:
        """Raises `error` as SQLAlchemy expects it, and after a held write's, keeps the
        transaction from committing what remains of it."""
        self._lost = self._lost or getattr(error, _HELD, False)
        self._handle_exception(error)

    def _call(self, fn: Any, *args: Any) -> None:
        try:
            self.await_(self._connection._execute(fn, self._connection._conn, *args))
        except Exception as error:
            self.failed(error)


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
