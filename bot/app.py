"""The services one running process offers its adapters (built by `bot.bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.conversation.engine import ConversationEngine
from bot.metrics import Metrics
from bot.ports import Clock, MessageSender
from bot.services.cases import CaseQueries
from bot.services.delivery import DeliveryService
from bot.services.dispatch import Dispatcher
from bot.services.judgments import JudgmentService
from bot.services.retention import RetentionService
from bot.services.staff import StaffService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    metrics: Metrics
    sender: MessageSender
    engine: ConversationEngine
    judgments: JudgmentService
    dispatcher: Dispatcher
    delivery: DeliveryService
    staff: StaffService
    cases: CaseQueries
    retention: RetentionService
