"""The outcome figures for admins: a selection checked, then counted by storage."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.figures import Figures, SelectionError, selection
from bot.ports import Clock, UnitOfWorkFactory


class FigureService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo) -> None:
        self._uow, self._clock, self._zone = uow, clock, zone

    async def figures(
        self,
        court_code: str | None = None,
        area: str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
    ) -> Figures:
        """The figures of a court, an area (code prefix) and a period of effective dates
        (both days included, on the court's calendar), as of today; `SelectionError` for a
        value that selects nothing sensible or a court nobody registered."""
        chosen = selection(court_code, area, since, until)
        today = self._clock.now().astimezone(self._zone).date()
        async with self._uow() as uow:
            found = await uow.figures.figures(chosen, *chosen.window(self._zone), today)
        if found is None:
            raise SelectionError(f"court: no court has the code {chosen.court!r}")
        return found
