"""Engines and sessions: SQLite in WAL with `BEGIN IMMEDIATE`, or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage import sqlite_driver

SQLITE_BUSY_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # An error's SQL parameters would carry message texts and names into the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            module=sqlite_driver.dbapi(),
            connect_args={"timeout": SQLITE_BUSY_MS / 1000},
            **kwargs,
        )
        _sqlite_writer_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_writer_transactions(engine: AsyncEngine) -> None:
    """WAL for concurrent readers; every transaction takes the write lock up front.

    SQLite ignores `FOR UPDATE`; `BEGIN IMMEDIATE` serialises writers instead, so two
    dispatchers can never claim the same row, and busy_timeout makes them wait, not fail.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={SQLITE_BUSY_MS}",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
