"""Delivery receipts from providers: move a message's status forward, never back, and reopen
the reminder whose message could not be delivered."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.domain.records import SentReminder
from bot.domain.retry import backoff_seconds
from bot.domain.status import ContactStatus, EventKind, MessageStatus
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory

NOT_DELIVERED = {MessageStatus.UNDELIVERED, MessageStatus.FAILED}


class DeliveryService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        max_attempts: int,
        rng: random.Random | None = None,
    ) -> None:
        self._uow, self._clock, self._max_attempts = uow, clock, max_attempts
        self._rng = rng or random.Random()

    async def status(
        self,
        *,
        provider: str,
        provider_id: str,
        status: str,
        error_code: str | None = None,
        contact_status: ContactStatus | None = None,
    ) -> bool:
        """Records a status callback; False: unknown id. A message not delivered reopens its
        reminder if that is still `sent` with it (a report on an earlier message of a reminder
        that went again changes nothing else)."""
        async with self._uow() as uow:
            case_id, channel, address = await uow.messages.update_status(
                provider, provider_id, status, error_code
            )
            if case_id is None and channel is None:
                return False
            if status in NOT_DELIVERED:
                sent = await uow.reminders.sent_with_message(provider, provider_id)
                if sent is not None:
                    reason = error_code or status
                    if contact_status is None:
                        await self._retry(uow, sent, reason)
                    else:
                        await self._unreachable(uow, sent, reason, contact_status, channel, address)
            await uow.commit()
            return True

    async def _retry(self, uow: UnitOfWork, sent: SentReminder, reason: str) -> None:
        """A bad moment (30003: handset off): sent again after a backoff, up to max attempts."""
        now = self._clock.now()
        if sent.attempts < self._max_attempts:
            delay = backoff_seconds(sent.attempts, self._rng)
            await uow.reminders.reopen(
                sent.reminder_id, due_at=now + timedelta(seconds=delay), error=reason
            )
            return
        await self._fail(uow, sent, reason, EventKind.DELIVERY_FAILED)

    async def _unreachable(
        self,
        uow: UnitOfWork,
        sent: SentReminder,
        reason: str,
        contact_status: ContactStatus,
        channel: str | None,
        address: str | None,
    ) -> None:
        """A bad address: a staff notice is not tried again (the court fixes the number); for
        a debtor the contact is marked and the row goes back to the dispatcher at once, which
        takes the next channel, or fails it and hands the debtor to the official."""
        if sent.staff:
            await self._fail(uow, sent, reason, EventKind.STAFF_UNREACHABLE)
            return
        found = await uow.obligors.at_address(channel, address) if channel and address else None
        if found is not None:
            await uow.obligors.set_contact_status(found[1].id, contact_status)
        await uow.reminders.reopen(sent.reminder_id, due_at=self._clock.now(), error=reason)

    async def _fail(
        self, uow: UnitOfWork, sent: SentReminder, reason: str, event: EventKind
    ) -> None:
        now = self._clock.now()
        await uow.reminders.fail_sent(sent.reminder_id, at=now, error=reason)
        await uow.events.add(
            sent.case_id, event, now, step=sent.step_key, obligor_id=sent.obligor_id, reason=reason
        )
