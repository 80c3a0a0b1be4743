"""Plain records the services read and write through the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.domain.money import still_owed
from bot.domain.status import CaseStatus, Direction, EventKind, ReminderStatus


@dataclass(frozen=True)
class Contact:
    id: int
    obligor_id: int
    channel: str
    address: str
    status: str


@dataclass(frozen=True)
class Obligor:
    id: int
    name: str
    area_code: str
    locale: str
    timezone: str


@dataclass(frozen=True)
class CaseSummary:
    id: int
    case_number: str
    court_id: int
    status: CaseStatus
    amount_due_fen: int  # as the judgment says
    performance_due: date
    schedule_id: int | None = None  # the court schedule version it runs; None: the built-in
    paid_fen: int = 0  # confirmed paid so far
    # In a plan, what its next payment still lacks: read with a correspondent's cases only,
    # for the debtor's payment read-back.
    plan_due_fen: int | None = None

    @property
    def owed_fen(self) -> int:
        """What is still owed: what reminders and the debtor's read-backs state."""
        return still_owed(self.amount_due_fen, self.paid_fen)


@dataclass(frozen=True)
class StaffMember:
    id: int
    role: str
    name: str
    phone: str | None
    telegram_chat_id: int | None
    court_id: int | None = None
    area_code: str | None = None
    active: bool = True


@dataclass(frozen=True)
class ReminderJob:
    """Everything one due outbox row needs to be decided on and sent: a reminder to the
    obligor, or (`staff` and `body` set) a notice to a staff member about that obligor."""

    reminder_id: int
    step_key: str
    template: str
    attempts: int
    case: CaseSummary
    court_name: str
    obligor: Obligor
    contacts: tuple[Contact, ...]  # all of the obligor's, newest first
    channel_order: tuple[str, ...]  # the court's order of channels for debtors
    claim: str  # the claim this row is held under; every write after it is fenced by it
    staff: StaffMember | None = None
    body: str | None = None
    recent_reminders: tuple[datetime, ...] = ()  # the latest capped reminders sent to this obligor
    # Set when an earlier send of this row ended with its outcome unknown: from when to ask the
    # provider whether it took that message, before sending again.
    unsure_since: datetime | None = None


@dataclass(frozen=True)
class SentReminder:
    """An outbox row recorded as sent, as a delivery report about its message needs it."""

    reminder_id: int
    attempts: int
    case_id: int
    obligor_id: int
    step_key: str
    staff: bool  # a notice to a staff member


@dataclass(frozen=True)
class NewUser:
    """A staff member or creditor to register, or to update if their phone is known."""

    role: str
    name: str
    phone: str | None
    court_id: int | None
    area_code: str | None = None
    telegram_chat_id: int | None = None


@dataclass(frozen=True)
class NewCase:
    case_number: str
    court_id: int
    judge_id: int
    creditor_id: int | None
    amount_due_fen: int
    obligations: str
    effective_at: datetime
    performance_due: date
    created_at: datetime


@dataclass(frozen=True)
class NewObligor:
    """An obligor to register, or to update if their SMS number is known."""

    name: str
    phone: str
    area_code: str
    locale: str
    timezone: str
    telegram_chat_id: int | None
    id_number_encrypted: str | None = None
    id_number_hash: str | None = None


@dataclass(frozen=True)
class NewLink:
    """A one-time code (its hash) that links a chat to an obligor or a staff member."""

    code_hash: str
    created_at: datetime
    expires_at: datetime
    obligor_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class StuckReminder:
    """A row claimed again and again without ever reaching an outcome."""

    reminder_id: int
    case_id: int
    obligor_id: int
    step_key: str
    attempts: int


@dataclass(frozen=True)
class Finished:
    """How a claimed reminder ended: its final status, when, and the error or the message sent."""

    status: ReminderStatus
    at: datetime
    error: str | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class Retry:
    """A claimed reminder back to pending at `due_at`. `refund_attempt`: a deferral gives the
    attempt back; `unsure_since`: when a send whose outcome is unknown began, so that later
    attempts ask the provider from there."""

    due_at: datetime
    error: str | None
    refund_attempt: bool = False
    unsure_since: datetime | None = None


@dataclass(frozen=True)
class NewReminder:
    case_id: int
    obligor_id: int
    step_key: str
    template: str
    due_at: datetime
    user_id: int | None = None
    body: str | None = None


@dataclass(frozen=True)
class NewMessage:
    """A message to record, in or out (`reply_to`: the inbound message an answer is to)."""

    direction: Direction
    channel: str
    address: str
    text: str
    at: datetime
    case_id: int | None = None
    obligor_id: int | None = None
    provider: str | None = None
    provider_id: str | None = None
    status: str | None = None
    reply_to: int | None = None


@dataclass(frozen=True)
class Handed:
    """A reminder the provider accepted, to record as sent: the message it went as, and the
    event on its case's timeline."""

    reminder_id: int
    claim: str
    message: NewMessage
    event: EventKind
    detail: dict[str, Any]


@dataclass(frozen=True)
class Correspondent:
    """Who wrote to us: an obligor's contact, a staff member or creditor, or nobody we know."""

    obligor: Obligor | None
    contact: Contact | None
    open_cases: tuple[CaseSummary, ...] = ()
    phone: str = ""  # the obligor's SMS number, whichever channel they wrote on
    staff: StaffMember | None = None


@dataclass(frozen=True)
class NewTask:
    case_id: int
    kind: str
    reason: str
    created_at: datetime
    obligor_id: int | None = None
    filing_id: int | None = None
    assignee_id: int | None = None
    area_code: str | None = None
    due_at: datetime | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """A task as its assignee acts on it (`#<id>`), and how it ended if it has."""

    id: int
    case_id: int
    obligor_id: int | None
    filing_id: int | None
    kind: str
    reason: str
    assignee_id: int | None
    area_code: str | None
    status: str
    due_at: datetime | None
    created_at: datetime
    done_at: datetime | None
    done_by: int | None
    outcome: str | None
    note: str | None
    detail: dict


@dataclass(frozen=True)
class Done:
    """How a task ends: the outcome, who (None: the system, or the debtor), when, a note."""

    outcome: str
    at: datetime
    by: int | None = None
    note: str | None = None
    status: str = "done"


@dataclass(frozen=True)
class Filing:
    id: int
    case_id: int
    obligor_id: int
    kind: str
    status: str
    payload: dict
    created_at: datetime


@dataclass(frozen=True)
class NewInstalment:
    case_id: int
    filing_id: int
    seq: int
    due_on: date
    amount_fen: int


@dataclass(frozen=True)
class Instalment:
    id: int
    case_id: int
    filing_id: int  # the settlement whose plan it is
    seq: int
    due_on: date
    amount_fen: int
    status: str
    paid_fen: int = 0  # confirmed toward it so far (a payment short of it counts)

    @property
    def lacking_fen(self) -> int:
        """What it still lacks."""
        return still_owed(self.amount_fen, self.paid_fen)


@dataclass
class ConversationState:
    """Where a conversation stands: the flow and step under way (empty: none) and its data."""

    channel: str
    address: str
    flow: str = ""
    step: str = ""
    data: dict = field(default_factory=dict)
    updated_at: datetime | None = None

    def clear(self) -> None:
        self.flow, self.step, self.data = "", "", {}
