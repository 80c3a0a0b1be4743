"""What every repository shares: the session, flushing, inserts that ignore duplicates, and
row → record mappers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Dialect, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import records
from bot.domain.status import CaseStatus
from bot.ports import Conflict
from storage import sqlite_driver
from storage import tables as t


async def flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(str(exc.orig)) from exc


def insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return stmt.on_conflict_do_nothing()


def one_of(session: AsyncSession, column: Any, values: Collection) -> ColumnElement[bool]:
    """`column IN values`, for a long list. PostgreSQL gets the list as one array: with a
    parameter for each value it settles, after a few runs, on a plan that scans the table and
    compares each row with each value (during a bulk import: a chunk's query 2 ms, then 0.2 s
    and growing with the table)."""
    if session.bind.dialect.name != "postgresql":
        return column.in_(values)
    return column.in_(select(func.unnest(bindparam(None, list(values), ARRAY(column.type)))))


async def next_ids(session: AsyncSession, table: Any, n: int) -> list[int]:
    """`n` ids for new rows of `table`, to insert many at once and know which is which.
    PostgreSQL hands them out from the table's sequence; SQLite's transactions take the write
    lock at BEGIN (storage/db.py), so the ids after the largest are this transaction's alone."""
    if n == 0:
        return []
    name = table.__tablename__
    if session.bind.dialect.name == "postgresql":
        rows = await session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:name, 'id')) FROM generate_series(1, :n)"),
            {"name": name, "n": n},
        )
        return list(rows)
    last = await session.scalar(select(func.coalesce(func.max(table.id), 0)))
    return list(range(last + 1, last + 1 + n))


SQLITE_MAX_VALUES = 32766  # bound values in one statement (SQLite 3.32 and later)


class BulkInsert:
    """An INSERT of many rows that skips SQLAlchemy's per-row work.

    SQLAlchemy's executemany builds a dict of parameters and runs each bound value through its
    type, row by row: about half of a bulk import's database time. Here the statement is built
    once per dialect and each column's conversion (a UTC time as SQLite stores it, JSON) runs
    once per distinct value. SQLite gets the rows as tuples (`executemany`); PostgreSQL gets
    one array per column in a single `INSERT … SELECT FROM unnest(…)` instead of a statement
    per row. Columns left out get their table default."""

    def __init__(
        self,
        table: Any,
        columns: Sequence[str],
        *,
        ignore_duplicates: bool = False,
        update_on: Sequence[str] = (),
    ):
        """`update_on`: the columns of a unique key; a row whose key is taken updates the
        stored row's other given columns instead (an upsert; one row per key in a call)."""
        if update_on and (ignore_duplicates or set(columns) <= set(update_on)):
            raise ValueError("an upsert updates a column besides its key, and ignores nothing")
        self._table = table
        self._columns = tuple(columns)
        self._ignore_duplicates = ignore_duplicates
        self._update_on = tuple(update_on)
        self._built: dict[str, tuple[str, list[Callable[[Sequence], list]]]] = {}

    async def __call__(self, session: AsyncSession, rows: Sequence[tuple]) -> None:
        """Inserts `rows`, each a tuple of values in the order of `columns`."""
        if rows:
            await self._run(session, *self._statement(session.bind.dialect, rows))

    async def later(self, session: AsyncSession, rows: Sequence[tuple]) -> None:
        """Inserts `rows` as a call does, but on SQLite they go with the transaction's next
        statement or its commit (`sqlite_driver.write_later`): for rows nothing reads before
        then, whose failure may show there."""
        if not rows:
            return
        sql, parameters = self._statement(session.bind.dialect, rows)
        connection = (await session.connection()).sync_connection
        if not sqlite_driver.write_later(connection, sql, parameters):  # not SQLite's adapter
            await self._run(session, sql, parameters)

    def _statement(self, dialect: Dialect, rows: Sequence[tuple]) -> tuple[str, Any]:
        sql, columns = self._prepare(dialect, rows)
        if dialect.name == "postgresql":
            return sql, tuple(columns)
        return sql, list(zip(*columns, strict=True))

    async def returning_ids(self, session: AsyncSession, rows: Sequence[tuple]) -> list[int]:
        """Inserts `rows` as a call does and returns their new ids, in the rows' order. Both
        databases number the rows of one INSERT in the order it lists them, so the ids sorted
        are the rows' (neither promises an order for RETURNING). SQLite gets one VALUES row
        per row (`executemany` returns nothing), up to its limit of bound values at a time."""
        if not rows:
            return []
        dialect = session.bind.dialect
        sql, columns = self._prepare(dialect, rows)
        if dialect.name == "postgresql":
            return sorted(await self._run(session, f"{sql} RETURNING id", tuple(columns)))
        head, _, row = sql.partition(" VALUES ")
        per_statement = SQLITE_MAX_VALUES // len(columns)
        ids: list[int] = []
        values = list(zip(*columns, strict=True))
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            many = f"{head} VALUES {', '.join([row] * len(chunk))} RETURNING id"
            ids += sorted(await self._run(session, many, tuple(v for r in chunk for v in r)))
        return ids

    def _prepare(self, dialect: Dialect, rows: Sequence[tuple]) -> tuple[str, list[list]]:
        """The statement for one row (SQLite) or all (PostgreSQL), and each column's values
        as bound."""
        if dialect.name not in self._built:
            self._built[dialect.name] = self._build(dialect)
        sql, makers = self._built[dialect.name]
        by_column = list(zip(*rows, strict=True))
        return sql, [make(by_column) for make in makers]

    @staticmethod
    async def _run(session: AsyncSession, sql: str, parameters: Any) -> list[int]:
        connection = await session.connection()
        try:
            result = await connection.exec_driver_sql(sql, parameters)
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        return list(result.scalars()) if result.returns_rows else []

    def _build(self, dialect: Dialect) -> tuple[str, list[Callable[[Sequence], list]]]:
        """The SQL, and for each of its parameters in order how to make it from the rows'
        values (by column)."""
        postgres = dialect.name == "postgresql"
        names = [c.key for c in self._table.c if c.key in self._columns or c.default is not None]
        makers = []
        for name in names:  # in the table's order
            column = self._table.c[name]
            if name in self._columns:
                makers.append(_converter(self._columns.index(name), column.type, dialect))
            elif column.default.is_scalar:
                makers.append(_constant(column.default.arg, column.type, dialect))
            else:
                raise ValueError(f"{self._table.name}.{name} needs a value")
        quote = dialect.identifier_preparer
        on_conflict = ""
        if self._update_on:
            key = ", ".join(map(quote.quote, self._update_on))
            changed = [quote.quote(n) for n in self._columns if n not in self._update_on]
            updates = ", ".join(f"{name} = excluded.{name}" for name in changed)
            on_conflict = f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        elif self._ignore_duplicates:
            on_conflict = " ON CONFLICT DO NOTHING"
        if not postgres:
            compiled = sqlite_insert(self._table).compile(dialect=dialect, column_keys=names)
            assert compiled.positiontup == names
            return compiled.string + on_conflict, makers
        arrays = ", ".join(
            f"${n}::{self._table.c[name].type.compile(dialect=dialect)}[]"
            for n, name in enumerate(names, 1)
        )
        table, into = quote.format_table(self._table), ", ".join(map(quote.quote, names))
        # Names from the table, quoted by the dialect; every value is bound.
        sql = f"INSERT INTO {table} ({into}) SELECT * FROM unnest({arrays})"  # noqa: S608
        return sql + on_conflict, makers


def _converter(index: int, type_: Any, dialect: Dialect) -> Callable[[Sequence], list]:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda values: values[index]

    def convert(values: Sequence) -> list:
        done: dict = {}  # value → as bound: most values repeat (times, dates)
        out = []
        for value in values[index]:
            try:
                out.append(done[value])
            except KeyError:
                out.append(done.setdefault(value, process(value)))
            except TypeError:  # unhashable (JSON)
                out.append(process(value))
        return out

    return convert


def _constant(value: Any, type_: Any, dialect: Dialect) -> Callable[[Sequence], list]:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    bound = process(value) if process else value
    return lambda values: [bound] * len(values[0])


def obligor_record(row: t.Obligor) -> records.Obligor:
    return records.Obligor(row.id, row.name, row.area_code, row.locale, row.timezone)


def contact_record(row: t.Contact) -> records.Contact:
    return records.Contact(row.id, row.obligor_id, row.channel, row.address, row.status)


def staff_record(row: t.User) -> records.StaffMember:
    return records.StaffMember(
        row.id,
        row.role,
        row.name,
        row.phone,
        row.telegram_chat_id,
        row.court_id,
        row.area_code,
        row.active,
    )


def case_record(row: t.Case) -> records.CaseSummary:
    return records.CaseSummary(
        row.id,
        row.case_number,
        row.court_id,
        CaseStatus(row.status),
        row.amount_due_fen,
        row.performance_due,
        row.schedule_id,
        row.paid_fen,
    )


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
