"""Rules of the code base that a reviewer would otherwise have to remember."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from importlinter.cli import lint_imports

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_no_adapter_and_domain_is_pure() -> None:
    """The import-linter contracts in pyproject.toml hold."""
    # import-linter configures logging with disable_existing_loggers: keep the service's
    # loggers as they were, or later tests (and the suite's log scan) would hear nothing.
    loggers = [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    disabled = {lg.name: lg.disabled for lg in loggers}
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0
    finally:
        for lg in loggers:
            lg.disabled = disabled[lg.name]


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    read = {field.alias for field in Settings.model_fields.values()}
    assert read - documented == set(), "settings missing from .env.example"
    assert documented - read == set(), ".env.example lists settings nobody reads"
