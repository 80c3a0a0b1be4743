"""The weekly cap on reminders to one debtor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.politeness import WINDOW, within_cap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


@pytest.mark.parametrize(
    ("sent", "cap", "expected"),
    [
        ([], 3, NOW),
        (days_ago(1, 2), 3, NOW),  # two in the window: a third may go
        (days_ago(1, 2, 6), 3, NOW - timedelta(days=6) + WINDOW),  # waits for the oldest to age
        (days_ago(1, 2, 8), 3, NOW),  # the one 8 days ago no longer counts
        (days_ago(0.5, 1, 2, 3), 3, NOW - timedelta(days=2) + WINDOW),
        (days_ago(1, 2, 3), 0, NOW),  # 0: no cap
        (days_ago(1), 1, NOW - timedelta(days=1) + WINDOW),
    ],
)
def test_within_cap(sent: list[datetime], cap: int, expected: datetime) -> None:
    assert within_cap(sent, NOW, cap) == expected
