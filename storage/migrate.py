"""Schema migrations (Alembic), callable from the CLI without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Brings the database at `url` to `revision`. Runs its own event loop: call it from sync
    code or a thread, never from inside a running loop."""
    command.upgrade(alembic_config(url), revision)


def make_revision(url: str, message: str) -> None:
    """Developer aid: autogenerate a migration from the difference between tables.py and `url`."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
