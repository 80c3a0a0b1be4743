"""How often a debtor may be reminded: a cap on reminders in any seven days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.plan import CHAT_LINK

WINDOW = timedelta(days=7)
UNCAPPED_STEPS = frozenset({CHAT_LINK.key})
"""Steps outside the cap: a chat invitation neither waits for it nor counts against it."""


def within_cap(sent: Iterable[datetime], now: datetime, cap: int) -> datetime:
    """The earliest time another reminder may go, given when the earlier ones went.

    With `cap` reminders already in the last seven days, the next waits until the oldest of
    them is seven days old; `cap` 0 means no cap.
    """
    if cap <= 0:
        return now
    recent = sorted(at for at in sent if at > now - WINDOW)
    if len(recent) < cap:
        return now
    return recent[len(recent) - cap] + WINDOW
