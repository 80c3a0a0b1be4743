"""The conversation engine: `replies = await engine.handle(InboundMessage(...))`.

Every inbound message is stored, deduplicated on the provider's id, answered and recorded in
one transaction, so a provider's retry gets the same answer and causes no second effect.
"""

from __future__ import annotations

import logging

from bot.conversation import keywords
from bot.conversation.types import InboundMessage, Reply
from bot.domain.records import Sender
from bot.domain.status import ContactStatus
from bot.domain.texts import render
from bot.metrics import Metrics
from bot.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class ConversationEngine:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, metrics: Metrics) -> None:
        self._uow, self._clock, self._metrics = uow, clock, metrics

    async def handle(self, message: InboundMessage) -> list[Reply]:
        try:
            return await self._handle_once(message)
        except Conflict:  # the same provider id is being handled concurrently; it won
            return await self._handle_once(message)

    async def _handle_once(self, message: InboundMessage) -> list[Reply]:
        now = self._clock.now()
        async with self._uow() as uow:
            if message.provider_id:
                earlier = await uow.messages.inbound_replies(message.channel, message.provider_id)
                if earlier is not None:
                    self._metrics.inbound.labels(message.channel, "yes").inc()
                    return [Reply(text) for text in earlier]
            self._metrics.inbound.labels(message.channel, "no").inc()
            sender = await uow.obligors.sender(message.channel, message.address)
            only_case = sender.open_cases[0].id if len(sender.open_cases) == 1 else None
            obligor_id = sender.obligor.id if sender.obligor else None
            inbound_id = await uow.messages.add(
                direction="in",
                channel=message.channel,
                address=message.address,
                text=message.text,
                at=now,
                case_id=only_case,
                obligor_id=obligor_id,
                provider=message.channel,
                provider_id=message.provider_id,
                status="received",
            )
            state = await uow.conversations.load(message.channel, message.address)
            replies = await self._respond(uow, sender, message)
            state.data["last_text_at"] = now.isoformat()
            await uow.conversations.save(state, now)
            for reply in replies:
                await uow.messages.add(
                    direction="out",
                    channel=message.channel,
                    address=message.address,
                    text=reply.plain(),
                    at=now,
                    case_id=only_case,
                    obligor_id=obligor_id,
                    status="reply",
                    reply_to=inbound_id,
                )
            await uow.commit()
        return replies

    async def _respond(
        self, uow: UnitOfWork, sender: Sender, message: InboundMessage
    ) -> list[Reply]:
        if sender.obligor is None or sender.contact is None:
            return [Reply(render("unknown_sender"))]
        locale = sender.obligor.locale
        intent = keywords.intent_of(message.choice or message.text)
        now = self._clock.now()
        for case in sender.open_cases:
            await uow.events.add(
                case.id,
                "debtor_replied",
                now,
                channel=message.channel,
                intent=intent or "free_text",
                obligor_id=sender.obligor.id,
            )
        if intent == keywords.OPT_OUT:
            await uow.obligors.set_contact_status(sender.contact.id, ContactStatus.OPTED_OUT)
            return [Reply(render("opted_out", locale))]
        if intent == keywords.OPT_IN:
            await uow.obligors.set_contact_status(sender.contact.id, ContactStatus.ACTIVE)
            return [Reply(render("opted_in", locale))]
        if intent == keywords.HELP:
            return [Reply(render("help", locale))]
        if intent in keywords.MENU:
            return [Reply(render(f"intent.{intent}", locale))]
        return [Reply(render("menu", locale))]
