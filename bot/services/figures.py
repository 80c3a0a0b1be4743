"""The outcome figures for admins: a selection checked, then counted by storage."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.figures import (
    Dashboard,
    Figures,
    SelectionError,
    month_windows,
    months_charted,
    selection,
)
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
        return (await self._count(court_code, area, since, until, charted=False)).figures

    async def dashboard(
        self,
        court_code: str | None = None,
        area: str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
    ) -> Dashboard:
        """The figures as `figures` counts them, with the voluntary performance rate of
        each month of effect the dashboard charts (bot/domain/figures.py)."""
        return await self._count(court_code, area, since, until, charted=True)

    async def court_dashboard(
        self,
        court_id: int,
        area: str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
    ) -> Dashboard:
        """The dashboard of one court, known by its id (an admin's own: the console asks
        for no court by code)."""
        async with self._uow() as uow:
            code = await uow.figures.court_code(court_id)
        if code is None:
            raise SelectionError(f"court: there is no court {court_id}")
        return await self.dashboard(code, area, since, until)

    async def _count(
        self,
        court_code: str | None,
        area: str | None,
        since: date | str | None,
        until: date | str | None,
        *,
        charted: bool,
    ) -> Dashboard:
        chosen = selection(court_code, area, since, until)
        today = self._clock.now().astimezone(self._zone).date()
        months = month_windows(months_charted(chosen, today), self._zone) if charted else []
        async with self._uow() as uow:
            found = await uow.figures.dashboard(chosen, *chosen.window(self._zone), today, months)
        if found is None:
            raise SelectionError(f"court: no court has the code {chosen.court!r}")
        return found
