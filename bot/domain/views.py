"""Read models: what the core shows of a case, its lines and timeline, to every channel.

Storage builds them, services return them, and each channel renders them: the API with
`model_dump(mode="json")` (its OpenAPI schema is generated from `CaseView`), chat with
attribute access.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from bot.domain.money import plain_yuan
from bot.domain.status import (
    CaseStatus,
    ContactStatus,
    Direction,
    FilingStatus,
    InstalmentStatus,
    ReminderStatus,
)

# In JSON, an instant keeps its offset as `isoformat` writes it (`+00:00`, not pydantic's `Z`).
Instant = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
Yuan = Annotated[Decimal, PlainSerializer(plain_yuan, return_type=str, when_used="json")]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class CourtRef(_View):
    code: str
    name: str


class JudgeRef(_View):
    id: int
    name: str


class StaffRef(_View):
    id: int
    name: str


class PartyRef(_View):
    name: str
    phone: str | None


class ContactView(_View):
    channel: str
    address: str
    status: ContactStatus


class ObligorView(_View):
    id: int
    name: str
    area_code: str
    locale: str
    contacts: list[ContactView] = []


class ReminderView(_View):
    step: str
    due_at: Instant
    status: ReminderStatus
    attempts: int
    obligor_id: int
    error: str | None


class PaymentView(_View):
    """A payment of a plan agreed: `plan` is the settlement's filing id, `seq` 0 the down
    payment; `paid` what has been confirmed toward it."""

    plan: int
    seq: int
    due_on: date
    amount: Yuan
    paid: Yuan
    status: InstalmentStatus


class DecisionView(_View):
    """A decision on a filing: the task it ended, who (None: the debtor answering an offer),
    what, when, why."""

    task_id: int
    task: str  # the task's kind: decide, consent, verify, offer…
    user_id: int | None
    by: str | None
    outcome: str
    at: Instant
    reason: str | None


class FilingView(_View):
    id: int
    kind: str
    status: FilingStatus
    payload: dict[str, Any]
    created_at: Instant
    decisions: list[DecisionView] = []


class EventEntry(_View):
    type: Literal["event"] = "event"
    kind: str
    at: Instant
    detail: dict[str, Any]


class MessageEntry(_View):
    type: Literal["message"] = "message"
    direction: Direction
    channel: str
    address: str
    text: str
    status: str | None
    provider_id: str | None
    at: Instant


TimelineEntry = Annotated[EventEntry | MessageEntry, Field(discriminator="type")]


class CaseView(_View):
    """A case with its parties, plan, filings and timeline (events and messages, by time)."""

    id: int
    case_number: str
    status: CaseStatus
    court: CourtRef
    judge: JudgeRef
    creditor: PartyRef | None = None
    amount_due: Yuan  # as the judgment says
    paid: Yuan  # confirmed by the judge so far
    currency: str
    obligations: str
    effective_at: Instant
    performance_due: date
    obligors: list[ObligorView]
    reminders: list[ReminderView]
    payments: list[PaymentView] = []  # of the plans agreed, in order
    filings: list[FilingView]
    timeline: list[TimelineEntry]
    staff: list[StaffRef] = []  # the staff members the timeline's events name by id


class TaskLine(_View):
    """An open task as its assignee's lists show it: the case, the debtor, what to do, by
    when, what was filed, and the numbered options (`Outcome` values) a form offers."""

    id: int
    case_id: int
    case_number: str
    court_id: int
    kind: str
    reason: str
    filing_id: int | None
    obligor_id: int | None
    assignee_id: int | None
    assignee: str | None
    obligor: str | None
    obligor_phone: str | None
    area_code: str | None
    due_at: Instant | None
    created_at: Instant
    options: list[str]
    detail: dict[str, Any]
    owed_fen: int  # what the case still owes, to tell a settlement below it
    filing: FilingView | None = None  # what the task is about, as filed


class CaseLine(_View):
    """One debtor of a case, as a staff member's list shows it (`answered`: the debtor has
    written to us)."""

    case_id: int
    case_number: str
    status: CaseStatus
    amount_due: Yuan
    performance_due: date
    obligor: str
    area_code: str
    answered: bool


class CaseSearch(_View):
    """Which cases a list shows: those whose number, debtor's or creditor's name, or debtor's
    phone contains `text` (all when empty), in `status` (None: the live states)."""

    text: str = ""
    phone: str | None = None  # `text` as a phone number in E.164, when it is one
    status: CaseStatus | None = None


class ThreadMessage(_View):
    """One message to or from an address, as a conversation shows it."""

    id: int
    direction: Direction
    text: str
    status: str | None
    at: datetime


class ThreadPage(_View):
    """A run of one address's messages, oldest first; `older`: earlier ones exist."""

    messages: tuple[ThreadMessage, ...]
    older: bool


class AddressRow(_View):
    """An address we wrote to or heard from (or a staff member's phone), with who it is where
    we know: `role` is a staff role or `debtor`."""

    address: str
    last_at: datetime | None
    name: str | None = None
    role: str | None = None


class UserRow(_View):
    id: int
    role: str
    name: str
    phone: str | None
    area_code: str | None
    court_id: int | None
    active: bool = True
