"""reminders: an index for each status the dispatcher looks up (pending rows by due time,
claimed rows by due time, sent rows by debtor) instead of indexes over every row

A claim moves a row from `pending` to `claimed`: a new row version, entered in every index
whose predicate it meets. With partial indexes it enters the primary key, the step's unique
index and the small index of claimed rows, no longer the debtor index of every row nor the
(status, due_at) index of the whole history (bench/tick.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _where(status: str) -> dict[str, sa.TextClause]:
    where = sa.text(f"status = '{status}'")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    op.create_index("ix_reminders_pending", "reminders", ["due_at"], **_where("pending"))
    op.create_index("ix_reminders_claimed", "reminders", ["due_at"], **_where("claimed"))
    op.create_index(
        "ix_reminders_sent", "reminders", ["obligor_id", "finished_at"], **_where("sent")
    )
    op.drop_index("ix_reminders_due", "reminders")
    op.drop_index("ix_reminders_obligor", "reminders")


def downgrade() -> None:
    op.create_index("ix_reminders_obligor", "reminders", ["obligor_id", "finished_at"])
    op.create_index("ix_reminders_due", "reminders", ["status", "due_at"])
    op.drop_index("ix_reminders_sent", "reminders")
    op.drop_index("ix_reminders_claimed", "reminders")
    op.drop_index("ix_reminders_pending", "reminders")
