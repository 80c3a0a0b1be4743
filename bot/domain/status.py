"""The states things go through, in one place."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    JUDGE = "judge"
    OFFICIAL = "official"
    CREDITOR = "creditor"


STAFF_ROLES = (Role.JUDGE, Role.OFFICIAL, Role.ADMIN)  # who works cases (a creditor does not)


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


class CaseStatus(StrEnum):
    """Where a case stands."""

    # Which may follow which, and what each does to reminders: bot/domain/case_states.py.
    OPEN = "open"  # reminders running
    AWAITING_DECISION = "awaiting_decision"  # a grace request, settlement or payment report waits
    GRACE = "grace"  # a grace period runs until a date
    PLAN = "plan"  # an accepted instalment plan runs
    PERFORMED = "performed"
    EXITED = "exited"  # left the procedure after verified hardship (old age, disability)
    REFERRED = "referred"  # handed to compulsory enforcement
    CLOSED = "closed"


class FilingStatus(StrEnum):
    """Where a debtor's filing stands with the staff who decide on it."""

    FILED = "filed"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COUNTERED = "countered"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    ESCALATED = "escalated"  # overdue: a new task one level up replaced it
    CANCELLED = "cancelled"  # nothing left to act on (the case ended, the filing was withdrawn)


class InstalmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"  # confirmed by the judge
    MISSED = "missed"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboxClaim(StrEnum):
    """What claiming a provider's update found."""

    MINE = "mine"  # new, or an earlier claim ran out unhandled: handle it now
    DONE = "done"  # handled already: acknowledge, do nothing
    BUSY = "busy"  # being handled elsewhere now: ask the provider to send it again later


class ContactStatus(StrEnum):
    ACTIVE = "active"
    OPTED_OUT = "opted_out"
    INVALID = "invalid"
    BLOCKED = "blocked"
    PURGED = "purged"  # the obligor's personal data was erased (bot/domain/retention.py)


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class MessageStatus(StrEnum):
    """How we took an inbound message, or where an outbound one stands with its provider (a
    provider may report statuses beyond these; they are kept as it wrote them)."""

    RECEIVED = "received"
    THROTTLED = "throttled"  # kept for the record; the address wrote too often for a flow to move
    REPLY = "reply"  # our answer to an inbound message, given in the webhook's response
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"


class EventKind(StrEnum):
    """What a case's timeline records."""

    JUDGMENT_RECEIVED = "judgment_received"
    REMINDER_SENT = "reminder_sent"
    STAFF_NOTIFIED = "staff_notified"
    CHANNEL_FALLBACK = "channel_fallback"
    DELIVERY_FAILED = "delivery_failed"
    UNREACHABLE = "unreachable"
    STAFF_UNREACHABLE = "staff_unreachable"
    DEBTOR_REPLIED = "debtor_replied"
    FILED_ASSETS = "filed_assets"
    FILED_HARDSHIP = "filed_hardship"
    FILED_SETTLE = "filed_settle"
    FILED_GRACE = "filed_grace"
    FILED_PAID = "filed_paid"
    FILED_AGENT = "filed_agent"
    TASK_OPENED = "task_opened"
    TASK_ESCALATED = "task_escalated"
    TASK_HANDED_OVER = "task_handed_over"  # its assignee was deactivated: whoever acts now has it
    NO_OFFICIAL = "no_official"  # nobody registered for the debtor's area: the judge acts
    DECIDED = "decided"  # a task ended with its outcome: who, when, why
    GRACE_ENDED = "grace_ended"
    INSTALMENT_MISSED = "instalment_missed"

    @classmethod
    def filed(cls, filing_kind: str) -> EventKind:
        """The event of a filing of that kind (`assets` → `filed_assets`)."""
        return cls(f"filed_{filing_kind}")


# Provider delivery statuses, ranked so a late callback never moves a message backwards.
DELIVERY_RANK = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.READ: 5,
}


def later_status(current: str | None, incoming: str) -> str:
    """The status to keep when `incoming` arrives after `current` (callbacks come out of order)."""
    if current is None:
        return incoming
    return (
        incoming if DELIVERY_RANK.get(incoming, -1) >= DELIVERY_RANK.get(current, -1) else current
    )
