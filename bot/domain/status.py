"""The states things go through, in one place."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    JUDGE = "judge"
    OFFICIAL = "official"
    CREDITOR = "creditor"


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


class CaseStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # a payment was reported; reminders wait for the judge to confirm it
    PERFORMED = "performed"
    CLOSED = "closed"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ContactStatus(StrEnum):
    ACTIVE = "active"
    OPTED_OUT = "opted_out"
    INVALID = "invalid"
    BLOCKED = "blocked"
    PURGED = "purged"  # the obligor's personal data was erased (bot/domain/retention.py)


# Provider delivery statuses, ranked so a late callback never moves a message backwards.
DELIVERY_RANK = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


def later_status(current: str | None, incoming: str) -> str:
    """The status to keep when `incoming` arrives after `current` (callbacks come out of order)."""
    if current is None:
        return incoming
    return (
        incoming if DELIVERY_RANK.get(incoming, -1) >= DELIVERY_RANK.get(current, -1) else current
    )
