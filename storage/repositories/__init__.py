"""Repositories, one module per aggregate: queries and writes behind the ports. They flush,
never commit."""

from storage.repositories.areas import AreaRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.cases import CaseRepository
from storage.repositories.conversations import ConversationRepository
from storage.repositories.courts import CourtRepository
from storage.repositories.events import EventRepository
from storage.repositories.filings import FilingRepository
from storage.repositories.links import LinkRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.obligors import ObligorRepository
from storage.repositories.reminders import ReminderRepository
from storage.repositories.schedules import ScheduleRepository
from storage.repositories.tasks import InstalmentRepository, TaskRepository
from storage.repositories.telegram_inbox import TelegramInboxRepository
from storage.repositories.templates import TemplateRepository
from storage.repositories.users import UserRepository

__all__ = [
    "AreaRepository",
    "AuditRepository",
    "CaseRepository",
    "ConversationRepository",
    "CourtRepository",
    "EventRepository",
    "FilingRepository",
    "InstalmentRepository",
    "LinkRepository",
    "MessageRepository",
    "ObligorRepository",
    "ReminderRepository",
    "ScheduleRepository",
    "TaskRepository",
    "TelegramInboxRepository",
    "TemplateRepository",
    "UserRepository",
]
