"""The tables. Times are stored in UTC; money in fen (integers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.locales import DEFAULT_LOCALE
from bot.domain.status import (
    CaseStatus,
    ContactStatus,
    FilingStatus,
    InstalmentStatus,
    TaskStatus,
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, the text SQLAlchemy's DATETIME stores (`2026-12-01 09:30:00.000000`),
        written at once: its own processor formats a dict of the parts for every value, the
        largest single cost of storing a group of inbound messages."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            value = self.process_bind_param(value, dialect)
            return None if value is None else value.isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Court(Base):
    __tablename__ = "courts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The channels to try for a debtor's reminders, in order; None: chat first, then SMS.
    channel_order: Mapped[list[Any] | None] = mapped_column(JSON)


class Schedule(Base):
    """One version of a court's reminder schedule; rows are only added, never changed."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("court_id", "version", name="uq_schedules_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class Template(Base):
    """A court's own wording of a shipped text in one locale; absent: the catalog's."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("court_id", "locale", "key", name="uq_templates_text"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    locale: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Area(Base):
    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    """Staff and creditors: anyone who is not an obligor."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("role", "phone", name="uq_users_role_phone"),
        Index("ix_users_phone", "phone"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"))
    area_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # An argon2 hash (bot/services/accounts.py); None: this user cannot sign in to the console.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # False: deactivated by an admin; cannot sign in and is never given a new task.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Obligor(Base):
    __tablename__ = "obligors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    locale: Mapped[str] = mapped_column(String(8), default=DEFAULT_LOCALE)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    # The resident ID number: encrypted at rest, found by a keyed hash, never in clear here.
    id_number_encrypted: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    purged_at: Mapped[datetime | None]


class Contact(Base):
    """One way to reach an obligor: an SMS phone or a Telegram chat, with its health."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contacts_channel_address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    obligor_id: Mapped[int] = mapped_column(ForeignKey("obligors.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ContactStatus.ACTIVE)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(64), unique=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amount_due_fen: Mapped[int] = mapped_column(BigInteger)
    # What the judge has confirmed paid so far; what is owed is the difference.
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    obligations: Mapped[str] = mapped_column(Text)
    effective_at: Mapped[datetime]
    performance_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), default=CaseStatus.OPEN, index=True)
    grace_until: Mapped[date | None] = mapped_column(Date)  # the last day of a granted grace
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # when it left the live states (performed, closed…)
    purged_at: Mapped[datetime | None]  # when its personal data was erased (retention)
    # The court schedule version it was planned with; None: the built-in default schedule.
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", name="fk_cases_schedule_id")
    )


class CaseObligor(Base):
    __tablename__ = "case_obligors"
    __table_args__ = (Index("ix_case_obligors_obligor", "obligor_id"),)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    obligor_id: Mapped[int] = mapped_column(ForeignKey("obligors.id"), primary_key=True)


def _status_is(status: str) -> dict[str, Any]:
    """A partial index's predicate; a query uses the index when it names the status as a
    literal (storage/repositories/reminders.py), not as a bound parameter."""
    where = text(f"status = '{status}'")
    return {"postgresql_where": where, "sqlite_where": where}


class Reminder(Base):
    """The outbox: a planned reminder to an obligor, or a notice to a staff member about one
    (`user_id` and its pre-rendered `body` set). The dispatcher claims, sends and closes it."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("case_id", "obligor_id", "step_key", name="uq_reminders_step"),
        # One partial index per status looked up (migration 0012): a claim's new row
        # version enters only the small index of claimed rows, besides the key and the step.
        Index("ix_reminders_pending", "due_at", **_status_is("pending")),
        Index("ix_reminders_claimed", "due_at", **_status_is("claimed")),
        Index("ix_reminders_sent", "obligor_id", "finished_at", **_status_is("sent")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    obligor_id: Mapped[int] = mapped_column(ForeignKey("obligors.id"))
    step_key: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(32))  # fences every write after a claim
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # When the row was finished; on an unfinished row, when a send whose outcome is unknown
    # began (ReminderRepository.retry_unsure).
    finished_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_reminders_user_id"))
    body: Mapped[str | None] = mapped_column(Text)


class Filing(Base):
    """What a debtor filed through a conversation: assets, hardship, a proposal, a payment."""

    __tablename__ = "filings"
    __table_args__ = (Index("ix_filings_case", "case_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    obligor_id: Mapped[int] = mapped_column(ForeignKey("obligors.id"))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=FilingStatus.FILED)
    created_at: Mapped[datetime]


class Task(Base):
    """Something one person must act on, shown to them as `#<id>`: a judge's decision on a
    filing, a creditor's consent, an official's verification or follow-up, or (no assignee)
    the debtor's answer to a counter-proposal. Done once: its outcome, by whom, when."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee", "assignee_id", "status"),
        Index("ix_tasks_due", "status", "due_at"),
        Index("ix_tasks_case", "case_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    obligor_id: Mapped[int | None] = mapped_column(ForeignKey("obligors.id"))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(24))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    area_code: Mapped[str | None] = mapped_column(String(12))  # an official's: the level it is at
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Instalment(Base):
    """One payment of an accepted plan (`seq` 0: the down payment)."""

    __tablename__ = "instalments"
    __table_args__ = (UniqueConstraint("filing_id", "seq", name="uq_instalments_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"))
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=InstalmentStatus.DUE)
    paid_at: Mapped[datetime | None]
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Message(Base):
    """Every message in and out, with the provider's id and delivery status."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id", name="uq_messages_provider_id"),
        Index("ix_messages_case", "case_id", "at"),
        Index("ix_messages_address", "channel", "address", "at"),  # a sender's recent ones
        Index("ix_messages_reply_to", "reply_to"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    obligor_id: Mapped[int | None] = mapped_column(ForeignKey("obligors.id"))
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[datetime]


class Audit(Base):
    """Who changed people, areas, passwords or a court's channels, when, and from what to
    what. Rows are only ever added: triggers (migration 0009) refuse an UPDATE or DELETE."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(16))  # console, cli or api
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the console's user
    # The court the changed object belongs to; None: shared by every court (areas).
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Event(Base):
    """The case timeline."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case", "case_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


class Conversation(Base):
    """Where a conversation with one address stands, so any process can continue it."""

    __tablename__ = "conversations"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32), default="")
    step: Mapped[str] = mapped_column(String(32), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that links a Telegram chat: to an obligor (sent by SMS) or to a staff
    member (an invite an admin made). Only its hash is kept."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    obligor_id: Mapped[int | None] = mapped_column(ForeignKey("obligors.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TelegramUpdate(Base):
    """The inbox of Telegram updates: one row per `update_id`, so a redelivered update is
    handled once. A claim runs out after a while, so an update whose handling crashed is
    handled again when Telegram sends it again."""

    __tablename__ = "telegram_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_until: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
