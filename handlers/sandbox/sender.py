"""The sandbox channel: messages are accepted at once and shown on `/sandbox`, nothing leaves."""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.domain.messages import Choice
from bot.domain.status import Channel, MessageStatus
from bot.ports import SendResult


class SandboxSender:
    channel = Channel.SMS
    provider = "sandbox"

    async def send(
        self, address: str, text: str, buttons: tuple[Choice, ...] = (), place: str | None = None
    ) -> SendResult:
        return SendResult(provider_id=f"SB{uuid.uuid4().hex}", status=MessageStatus.DELIVERED)

    async def find(self, address: str, text: str, since: datetime) -> SendResult | None:
        return None  # a sandbox send never times out

    async def close(self) -> None:
        return None
