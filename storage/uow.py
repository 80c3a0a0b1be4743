"""The unit of work: one session, one transaction; only `commit` makes it last."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ports import Conflict
from storage import repositories as r
from storage.figures import FigureQueries
from storage.views import ViewQueries


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = session = self._sessions()
        self.courts = r.CourtRepository(session)
        self.users = r.UserRepository(session)
        self.areas = r.AreaRepository(session)
        self.audit = r.AuditRepository(session)
        self.cases = r.CaseRepository(session)
        self.obligors = r.ObligorRepository(session)
        self.reminders = r.ReminderRepository(session)
        self.schedules = r.ScheduleRepository(session)
        self.messages = r.MessageRepository(session)
        self.events = r.EventRepository(session)
        self.filings = r.FilingRepository(session)
        self.tasks = r.TaskRepository(session)
        self.instalments = r.InstalmentRepository(session)
        self.conversations = r.ConversationRepository(session)
        self.links = r.LinkRepository(session)
        self.telegram_inbox = r.TelegramInboxRepository(session)
        self.templates = r.TemplateRepository(session)
        self.views = ViewQueries(session)
        self.figures = FigureQueries(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc


def uow_factory(sessions: async_sessionmaker[AsyncSession]):
    """A zero-argument callable that makes a fresh unit of work, as the services expect."""
    return lambda: SqlUnitOfWork(sessions)
