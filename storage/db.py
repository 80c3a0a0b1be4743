"""Engines and sessions: SQLite in WAL with `BEGIN IMMEDIATE`, or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage import sqlite_driver
from storage.checkpoints import FALLBACK_PAGES, WalCheckpointer

SQLITE_BUSY_MS = 30_000
SQLITE_AUTOCHECKPOINT = 1000  # SQLite's own default: a commit past 1,000 WAL pages checkpoints


def make_engine(url: str, *, background_checkpoints: bool = False, **kwargs: Any) -> AsyncEngine:
    """With `background_checkpoints`, an SQLite engine leaves the WAL to `checkpointer(url)`
    (up to `FALLBACK_PAGES`); run one beside it."""
    # An error's SQL parameters would carry message texts and names into the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            module=sqlite_driver.dbapi(),
            connect_args={"timeout": SQLITE_BUSY_MS / 1000},
            **kwargs,
        )
        pages = FALLBACK_PAGES if background_checkpoints else SQLITE_AUTOCHECKPOINT
        _sqlite_writer_transactions(engine, pages)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def checkpointer(url: str) -> WalCheckpointer | None:
    """The WAL's checkpoint thread for an SQLite file; none for PostgreSQL or memory."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        return None
    return WalCheckpointer(database)


def _sqlite_writer_transactions(engine: AsyncEngine, autocheckpoint: int) -> None:
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
            f"PRAGMA wal_autocheckpoint={autocheckpoint}",
        ):
            cursor.execute(pragma)
        cursor.close()

    event.listen(engine.sync_engine, "begin", sqlite_driver.begin_immediate)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
