"""Delivery receipts from providers: move a message's status forward, never back."""

from __future__ import annotations

from bot.domain.status import ContactStatus, EventKind
from bot.ports import Clock, UnitOfWorkFactory


class DeliveryService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def status(
        self,
        *,
        provider: str,
        provider_id: str,
        status: str,
        error_code: str | None = None,
        contact_status: ContactStatus | None = None,
    ) -> bool:
        """Records a status callback; a permanent error marks the address. False: unknown id."""
        async with self._uow() as uow:
            case_id, channel, address = await uow.messages.update_status(
                provider, provider_id, status, error_code
            )
            if case_id is None and channel is None:
                return False
            if contact_status and channel and address:
                found = await uow.obligors.at_address(channel, address)
                if found is not None:
                    await uow.obligors.set_contact_status(found[1].id, contact_status)
                if case_id is not None:
                    await uow.events.add(
                        case_id,
                        EventKind.UNREACHABLE,
                        self._clock.now(),
                        reason=error_code,
                        channel=channel,
                    )
            await uow.commit()
            return True
