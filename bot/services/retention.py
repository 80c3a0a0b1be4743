"""Retention: a closed case's personal data is erased once it is old enough."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


class RetentionService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, days: int) -> None:
        self._uow, self._clock, self._days = uow, clock, days

    async def purge(self) -> int:
        """Erases the personal data of cases closed more than `days` ago; 0 days: keep all."""
        if self._days <= 0:
            return 0
        now = self._clock.now()
        async with self._uow() as uow:
            count = await uow.cases.purge_closed_before(now - timedelta(days=self._days), now)
            await uow.commit()
        if count:
            log.info("erased the personal data of %s closed case(s)", count)
        return count
