"""The audit log: rows are added and read, never changed (no method here does, and the
database's triggers refuse it)."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from bot.domain.audit import PAGE, AuditFilter, AuditRow, NewAudit
from storage import tables as t
from storage.repositories._base import Repo, flush


class AuditRepository(Repo):
    async def add(self, entry: NewAudit) -> None:
        self.session.add(
            t.Audit(
                at=entry.at,
                actor=entry.actor.label,
                actor_id=entry.actor.user_id,
                court_id=entry.court_id,
                action=entry.action,
                object_kind=entry.object_kind,
                object_id=entry.object_id,
                before=entry.before,
                after=entry.after,
            )
        )
        await flush(self.session)

    async def find(self, wanted: AuditFilter) -> tuple[list[AuditRow], int]:
        """One page of the rows wanted, newest first, and how many there are in all."""
        query = _where(select(t.Audit), wanted)
        total = await self.session.scalar(_where(select(func.count(t.Audit.id)), wanted))
        rows = await self.session.scalars(
            query.order_by(t.Audit.at.desc(), t.Audit.id.desc())
            .limit(PAGE)
            .offset((max(wanted.page, 1) - 1) * PAGE)
        )
        return [AuditRow.model_validate(row) for row in rows], total or 0


def _where(query: Select, wanted: AuditFilter) -> Select:
    if wanted.court_id is not None:
        query = query.where(or_(t.Audit.court_id == wanted.court_id, t.Audit.court_id.is_(None)))
    if wanted.actor.isdigit():
        query = query.where(t.Audit.actor_id == int(wanted.actor))
    elif wanted.actor:
        query = query.where(t.Audit.actor == wanted.actor)
    if wanted.action:
        query = query.where(t.Audit.action == wanted.action)
    if wanted.object_kind:
        query = query.where(t.Audit.object_kind == wanted.object_kind)
    if wanted.object_id:
        query = query.where(t.Audit.object_id == wanted.object_id)
    if wanted.since is not None:
        query = query.where(t.Audit.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(t.Audit.at < wanted.until)
    return query
