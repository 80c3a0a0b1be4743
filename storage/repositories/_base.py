"""What every repository shares: the session, flushing, inserts that ignore duplicates, and
row → record mappers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import records
from bot.domain.status import CaseStatus
from bot.ports import Conflict
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
    )


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
