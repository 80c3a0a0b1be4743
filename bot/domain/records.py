"""Plain records the services read and write through the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


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
    status: str
    amount_due_fen: int
    performance_due: date


@dataclass(frozen=True)
class StaffMember:
    id: int
    role: str
    name: str
    phone: str | None
    telegram_chat_id: int | None
    court_id: int | None = None
    area_code: str | None = None


@dataclass(frozen=True)
class ReminderJob:
    """Everything one due outbox row needs to be decided on and sent: a reminder to the
    obligor, or (`staff` and `body` set) a notice to a staff member about that obligor."""

    reminder_id: int
    step_key: str
    template: str
    attempts: int
    case: CaseSummary
    court_signature: str
    obligor: Obligor
    contacts: tuple[Contact, ...]  # all of the obligor's, newest first
    channel_order: tuple[str, ...]  # the court's order of channels for debtors
    staff: StaffMember | None = None
    body: str | None = None
    recent_reminders: tuple[datetime, ...] = ()  # the latest reminders sent to this obligor


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
class Sender:
    """Who wrote to us: an obligor's contact, or nobody we know."""

    obligor: Obligor | None
    contact: Contact | None
    open_cases: tuple[CaseSummary, ...] = ()
    phone: str = ""  # the obligor's SMS number, whichever channel they wrote on


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


@dataclass(frozen=True)
class ThreadMessage:
    """One message to or from an address, as a conversation shows it."""

    id: int
    direction: str
    text: str
    status: str | None
    at: datetime


@dataclass(frozen=True)
class ThreadPage:
    """A run of one address's messages, oldest first; `older`: earlier ones exist."""

    messages: tuple[ThreadMessage, ...]
    older: bool


@dataclass(frozen=True)
class Correspondent:
    """An address we wrote to or heard from (or a staff member's phone), with who it is where
    we know: `role` is a staff role or `debtor`."""

    address: str
    last_at: datetime | None
    name: str | None = None
    role: str | None = None
