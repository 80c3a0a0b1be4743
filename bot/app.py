"""The services one running process offers its adapters (built by `ducu.bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.conversation.engine import ConversationEngine
from bot.metrics import Metrics
from bot.ports import Clock, MessageSender
from bot.services.accounts import AccountService
from bot.services.cases import CaseQueries
from bot.services.court_texts import CourtTextService
from bot.services.decisions import DecisionService
from bot.services.delivery import DeliveryService
from bot.services.dispatch import Dispatcher
from bot.services.figures import FigureService
from bot.services.followups import FollowUps
from bot.services.inbox import UpdateInbox
from bot.services.judgments import JudgmentService
from bot.services.linking import LinkService
from bot.services.retention import RetentionService
from bot.services.schedules import ScheduleService
from bot.services.staff import StaffService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    metrics: Metrics
    senders: dict[str, MessageSender]  # by channel: sms always, telegram when configured
    engine: ConversationEngine
    judgments: JudgmentService
    dispatcher: Dispatcher
    delivery: DeliveryService
    staff: StaffService
    cases: CaseQueries
    retention: RetentionService
    links: LinkService
    inbox: UpdateInbox
    followups: FollowUps
    decisions: DecisionService
    accounts: AccountService
    figures: FigureService
    schedules: ScheduleService
    court_texts: CourtTextService
