"""The ports: what the core needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol

from bot.domain.access import CaseScope
from bot.domain.audit import AuditFilter, AuditRow, NewAudit
from bot.domain.figures import Figures, Selection
from bot.domain.messages import Choice
from bot.domain.records import (
    CaseSummary,
    Contact,
    ConversationState,
    Correspondent,
    Done,
    Filing,
    Finished,
    Handed,
    Instalment,
    NewCase,
    NewInstalment,
    NewLink,
    NewMessage,
    NewObligor,
    NewReminder,
    NewTask,
    NewUser,
    Obligor,
    ReminderJob,
    Retry,
    SentReminder,
    StaffMember,
    StuckReminder,
    Task,
)
from bot.domain.status import (
    CaseStatus,
    ContactStatus,
    EventKind,
    InboxClaim,
    MessageStatus,
)
from bot.domain.views import (
    AddressRow,
    CaseLine,
    CaseSearch,
    CaseView,
    TaskLine,
    ThreadMessage,
    UserRow,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class Conflict(Exception):
    """A write ran into a unique key another transaction wrote first."""


class ClaimLost(Exception):
    """A reminder is no longer held under the claim a write came with (its lease ran out and
    another worker took it, or finished it): the write changed nothing."""

    def __init__(self, reminder_id: int, at: str) -> None:
        super().__init__(f"reminder {reminder_id}: claim lost at {at}")
        self.reminder_id, self.at = reminder_id, at


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str = MessageStatus.QUEUED  # as the provider says; it may say more than we name


class SendError(Exception):
    """A provider refused a message.

    `permanent`: never retry by this channel; `contact_status` then says what the address has
    become (opted out, invalid, blocked), or is None when the provider refused this message,
    not the address (Telegram: too long, bad markup). `retry_after`: the provider's own wait,
    in seconds.
    `unknown`: the answer was lost (a timeout, a dropped connection), so the provider may
    have taken the message after all.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        contact_status: ContactStatus | None = None,
        unknown: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after
        self.contact_status = contact_status
        self.unknown = unknown


class MessageSender(Protocol):
    channel: str
    provider: str

    async def send(self, address: str, text: str, buttons: tuple[Choice, ...] = ()) -> SendResult:
        """Hands one message to the provider; raises SendError. `buttons`: for a channel that
        has them (the text already says the same, for one that has not)."""
        ...

    async def find(self, address: str, text: str, since: datetime) -> SendResult | None:
        """The message with this text the provider took for `address` since `since`, if any:
        asked before sending again after an unknown outcome. None where the provider offers
        no such lookup (the row is then sent again); raises SendError."""
        ...

    async def close(self) -> None: ...


# --- repositories (they never commit) --------------------------------------------------------


class CourtRepository(Protocol):
    async def ensure(self, code: str, name: str, default_plan: list[dict]) -> int: ...
    async def plan(self, court_id: int) -> list[dict] | None: ...
    async def by_code(self, code: str) -> tuple[int, list[str] | None] | None: ...
    async def set_channel_order(self, code: str, order: list[str]) -> None: ...
    async def name(self, court_id: int) -> str: ...


class UserRepository(Protocol):
    async def ensure(self, user: NewUser) -> int: ...
    async def ensure_many(self, new: Sequence[NewUser]) -> list[int]: ...
    async def list(self, role: str | None = None, court_id: int | None = None) -> list[UserRow]: ...
    async def id_of(self, role: str, phone: str) -> int | None: ...
    async def edit(self, user_id: int, name: str, area_code: str | None) -> None: ...
    async def deactivate(self, user_id: int) -> None: ...
    async def set_telegram_chat(self, user_id: int, chat_id: int | None) -> None: ...
    async def get(self, user_id: int) -> StaffMember | None: ...
    async def judge_of(self, case_id: int) -> StaffMember | None: ...
    async def officials_for(self, area_code: str) -> list[StaffMember]:
        """The officials registered for the longest prefix of `area_code` that has any."""
        ...

    async def admins_of(self, court_id: int) -> list[StaffMember]: ...
    async def officials_at(self, area_code: str) -> list[StaffMember]: ...
    async def creditor_of(self, case_id: int) -> StaffMember | None: ...
    async def by_address(self, channel: str, address: str) -> StaffMember | None: ...
    async def login(self, phone: str) -> tuple[StaffMember, str] | None:
        """A staff member who may sign in with this phone, and their password hash."""
        ...

    async def set_password_hash(self, user_id: int, password_hash: str) -> None: ...


class AreaRepository(Protocol):
    async def ensure(self, code: str, name: str) -> None: ...
    async def name(self, code: str) -> str | None: ...
    async def list(self) -> list[tuple[str, str]]: ...


class AuditRepository(Protocol):
    """Adds and reads; nothing changes or removes a row."""

    async def add(self, entry: NewAudit) -> None: ...
    async def find(self, wanted: AuditFilter) -> tuple[list[AuditRow], int]: ...


class CaseRepository(Protocol):
    async def id_by_number(self, case_number: str) -> int | None: ...
    async def add(self, case: NewCase) -> int: ...
    async def ids_by_numbers(self, case_numbers: Collection[str]) -> dict[str, int]: ...
    async def add_many(self, cases: Sequence[NewCase]) -> dict[str, int]: ...
    async def link_obligors(self, links: Sequence[tuple[int, int]]) -> None: ...
    async def link_obligor(self, case_id: int, obligor_id: int) -> None: ...
    async def set_status(
        self, case_id: int, current: CaseStatus, target: CaseStatus, at: datetime
    ) -> None: ...
    async def purge_closed_before(self, before: datetime, at: datetime) -> int: ...
    async def visible_id(self, scope: CaseScope, case_number: str) -> int | None: ...
    async def summary(self, case_id: int) -> CaseSummary | None: ...
    async def set_grace(self, case_id: int, until: date | None) -> None: ...
    async def grace_ending(self, day: date, limit: int) -> list[CaseSummary]: ...


class ObligorRepository(Protocol):
    async def ensure(self, obligor: NewObligor) -> int: ...
    async def ensure_many(self, new: Sequence[NewObligor]) -> list[int]: ...
    async def by_id_number_hash(self, id_number_hash: str) -> Obligor | None: ...
    async def id_number_encrypted(self, obligor_id: int) -> str | None: ...
    async def get(self, obligor_id: int) -> Obligor | None: ...
    async def phone_of(self, obligor_id: int) -> str: ...
    async def of_case(self, case_id: int) -> list[Obligor]: ...
    async def correspondent(self, channel: str, address: str) -> Correspondent: ...
    async def at_address(self, channel: str, address: str) -> tuple[Obligor, Contact] | None: ...
    async def set_contact_status(self, contact_id: int, status: ContactStatus) -> None: ...
    async def by_phone(self, phone: str) -> int | None: ...
    async def link_chat(self, obligor_id: int, chat_id: int) -> None: ...


class ReminderRepository(Protocol):
    async def add_many(self, reminders: list[NewReminder]) -> None: ...
    async def claim_due(
        self, *, now: datetime, limit: int, lease_until: datetime, worker: str, claim: str
    ) -> list[int]: ...
    async def renew(
        self, claim: str, ids: Collection[int], *, lease_until: datetime
    ) -> set[int]: ...
    async def fail_stuck(
        self, *, now: datetime, max_attempts: int, error: str
    ) -> list[StuckReminder]: ...
    async def jobs(
        self, claims: Mapping[int, str], *, uncapped: Collection[str] = ()
    ) -> dict[int, ReminderJob]: ...
    async def record_sent(self, handed: Sequence[Handed], at: datetime) -> set[int]: ...
    async def finish(self, reminder_id: int, *, claim: str, outcome: Finished) -> None: ...
    async def retry_at(self, reminder_id: int, *, claim: str, retry: Retry) -> None: ...
    async def sent_with_message(self, provider: str, provider_id: str) -> SentReminder | None: ...
    async def reopen(self, reminder_id: int, *, due_at: datetime, error: str) -> None: ...
    async def fail_sent(self, reminder_id: int, *, at: datetime, error: str) -> None: ...
    async def count_by_status(self) -> dict[str, int]: ...
    async def cancel_pending(
        self,
        case_id: int,
        at: datetime,
        *,
        before: datetime | None = None,
        everything: bool = False,
    ) -> int: ...
    async def cancel_steps(self, case_id: int, prefix: str, at: datetime) -> int: ...


class MessageRepository(Protocol):
    async def inbound_count_since(self, channel: str, address: str, since: datetime) -> int: ...
    async def inbound_replies(self, channel: str, provider_id: str) -> list[str] | None: ...
    async def add(self, message: NewMessage) -> int: ...
    async def update_status(
        self, provider: str, provider_id: str, status: str, error_code: str | None
    ) -> tuple[int | None, str | None, str | None]: ...


class FilingRepository(Protocol):
    async def add(
        self, *, case_id: int, obligor_id: int, kind: str, payload: dict[str, Any], at: datetime
    ) -> int: ...
    async def get(self, filing_id: int) -> Filing | None: ...
    async def set_status(self, filing_id: int, status: str) -> None: ...
    async def waiting(self, case_id: int, kinds: frozenset[str], but: int) -> bool: ...


class TaskRepository(Protocol):
    async def add(self, task: NewTask) -> int: ...
    async def get(self, task_id: int) -> Task | None: ...
    async def open_for(self, user_id: int) -> list[Task]: ...
    async def open_offers(self, obligor_id: int) -> list[Task]: ...
    async def of_case(self, case_id: int) -> list[Task]: ...
    async def overdue(self, now: datetime, kinds: frozenset[str], limit: int) -> list[Task]: ...
    async def finish(self, task_id: int, done: Done) -> bool: ...
    async def cancel_open(
        self, case_id: int, at: datetime, *, filing_id: int | None = None
    ) -> int: ...
    async def exists(
        self, case_id: int, obligor_id: int, reason: str, *, open_only: bool = False
    ) -> bool: ...
    async def silent_debtors(self, before: datetime, limit: int) -> list[tuple[int, int]]: ...


class InstalmentRepository(Protocol):
    async def add_many(self, instalments: list[NewInstalment]) -> None: ...
    async def of_case(self, case_id: int) -> list[Instalment]: ...
    async def set_status(
        self, instalment_id: int, current: str, target: str, at: datetime | None = None
    ) -> bool: ...
    async def missed_by(self, day: date, limit: int) -> list[Instalment]: ...


class EventRepository(Protocol):
    async def add(self, case_id: int, kind: EventKind, at: datetime, **detail: Any) -> None: ...
    async def add_many(self, events: Sequence[tuple[int, EventKind, datetime, dict]]) -> None: ...


class ConversationRepository(Protocol):
    async def lock(self, channel: str, address: str) -> None: ...
    async def load(self, channel: str, address: str) -> ConversationState: ...
    async def save(self, state: ConversationState, at: datetime) -> None: ...


class LinkRepository(Protocol):
    async def add(self, link: NewLink) -> None: ...
    async def redeem(
        self, code_hash: str, at: datetime
    ) -> tuple[int | None, int | None] | None: ...


class TelegramInboxRepository(Protocol):
    async def claim(self, update_id: int, *, now: datetime, until: datetime) -> InboxClaim: ...
    async def release(self, update_id: int) -> None: ...
    async def handled(self, update_id: int, at: datetime) -> None: ...
    async def forget_before(self, before: datetime) -> int: ...


class ViewQueries(Protocol):
    """The read models, built by storage in one place."""

    async def case(self, case_id: int) -> CaseView | None: ...
    async def open_tasks(
        self, *, assignee_id: int | None = None, case_id: int | None = None, limit: int = 200
    ) -> list[TaskLine]: ...
    async def change_stamp(self) -> str: ...
    async def case_for(self, scope: CaseScope, case_id: int) -> CaseView | None: ...
    async def case_lines(
        self,
        scope: CaseScope,
        *,
        silent_only: bool = False,
        search: CaseSearch | None = None,
        limit: int = 30,
    ) -> list[CaseLine]: ...
    async def thread(
        self, address: str, *, limit: int, before: int | None = None, after: int | None = None
    ) -> list[ThreadMessage]: ...
    async def addresses(self, limit: int) -> list[AddressRow]: ...


class FigureQueries(Protocol):
    """The outcome figures, from SQL aggregates."""

    async def figures(
        self, chosen: Selection, start: datetime | None, end: datetime | None, as_of: date
    ) -> Figures | None: ...


class UnitOfWork(Protocol):
    courts: CourtRepository
    users: UserRepository
    areas: AreaRepository
    audit: AuditRepository
    cases: CaseRepository
    obligors: ObligorRepository
    reminders: ReminderRepository
    messages: MessageRepository
    events: EventRepository
    filings: FilingRepository
    tasks: TaskRepository
    instalments: InstalmentRepository
    conversations: ConversationRepository
    links: LinkRepository
    telegram_inbox: TelegramInboxRepository
    views: ViewQueries
    figures: FigureQueries

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
