"""Schema migrations (Alembic), callable from the CLI without an alembic.ini."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from storage.db import make_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Brings the database at `url` to `revision`.

    Alembic's environment runs its own event loop; inside a running loop that is done in a
    worker thread, so this is safe to call from anywhere (it blocks until done).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


def pending(url: str) -> list[str]:
    """The revisions `upgrade` would apply to the database at `url` (empty: up to date)."""

    async def current() -> str | None:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        revision = pool.submit(asyncio.run, current()).result()
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in script.iterate_revisions("heads", revision)]


def make_revision(url: str, message: str) -> None:
    """Developer aid: autogenerate a migration from the difference between tables.py and `url`."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
