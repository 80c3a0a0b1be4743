"""A court's own texts (`templates`): one row per court, locale and key; none, the shipped text."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.domain.court_texts import CourtText
from storage import tables as t
from storage.repositories._base import Repo, flush


def _text(row: t.Template) -> CourtText:
    return CourtText(row.locale, row.key, row.body, row.updated_at)


class TemplateRepository(Repo):
    async def of_court(self, court_id: int) -> list[CourtText]:
        rows = await self.session.scalars(select(t.Template).where(t.Template.court_id == court_id))
        return [_text(row) for row in rows]

    async def get(self, court_id: int, locale: str, key: str) -> CourtText | None:
        row = await self._row(court_id, locale, key)
        return _text(row) if row else None

    async def put(self, court_id: int, text: CourtText) -> None:
        """Saves the court's text, replacing the one it had (a race: `Conflict` on flush)."""
        row = await self._row(court_id, text.locale, text.key)
        if row is None:
            row = t.Template(court_id=court_id, locale=text.locale, key=text.key)
            self.session.add(row)
        row.body, row.updated_at = text.body, text.updated_at
        await flush(self.session)

    async def remove(self, court_id: int, locale: str, key: str) -> None:
        await self.session.execute(
            delete(t.Template).where(
                t.Template.court_id == court_id,
                t.Template.locale == locale,
                t.Template.key == key,
            )
        )

    async def _row(self, court_id: int, locale: str, key: str) -> t.Template | None:
        return await self.session.scalar(
            select(t.Template).where(
                t.Template.court_id == court_id,
                t.Template.locale == locale,
                t.Template.key == key,
            )
        )
