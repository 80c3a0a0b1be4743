"""The inbox of a provider's updates (Telegram's `update_id`): each is handled once.

An update is claimed before it is handled and marked handled after; Telegram redelivers an
update it got no answer for, and a redelivery then has no effect. A handler that fails gives
its claim back, so the redelivery is handled; a redelivery that arrives while the first
delivery is still being handled is told to come again (BUSY). A claim runs out after `lease`,
so an update whose process died midway is handled again by its redelivery.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.status import InboxClaim
from bot.ports import Clock, UnitOfWorkFactory

KEEP = timedelta(days=2)  # Telegram gives up redelivering long before this


class UpdateInbox:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, lease: timedelta = timedelta(seconds=60)
    ) -> None:
        self._uow, self._clock, self._lease = uow, clock, lease

    async def claim(self, update_id: int) -> InboxClaim:
        now = self._clock.now()
        async with self._uow() as uow:
            found = await uow.telegram_inbox.claim(update_id, now=now, until=now + self._lease)
            await uow.commit()
        return found

    async def release(self, update_id: int) -> None:
        async with self._uow() as uow:
            await uow.telegram_inbox.release(update_id)
            await uow.commit()

    async def handled(self, update_id: int) -> None:
        async with self._uow() as uow:
            await uow.telegram_inbox.handled(update_id, self._clock.now())
            await uow.commit()

    async def forget_old(self) -> int:
        async with self._uow() as uow:
            count = await uow.telegram_inbox.forget_before(self._clock.now() - KEEP)
            await uow.commit()
        return count
