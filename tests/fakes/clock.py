"""A clock the test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass
class FakeClock:
    current: datetime = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self.current = when.astimezone(UTC)
