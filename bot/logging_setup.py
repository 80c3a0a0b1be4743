"""Logging with personal data masked: no log line carries a phone number or an ID number."""

from __future__ import annotations

import logging
import re
from typing import TextIO

from bot.domain.phones import mask_phones_in

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def mask_personal_data(text: str) -> str:
    """Resident ID numbers vanish; phone numbers keep only enough to tell them apart."""
    return mask_phones_in(_ID_NUMBER.sub("[id]", text))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


def make_handler(stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskingFilter())
    return handler


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    root.handlers[:] = [make_handler()]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "twilio", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # APScheduler warns at every tick that finds the previous dispatch still running.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
