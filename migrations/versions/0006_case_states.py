"""case states: `paused` becomes `awaiting_decision`, and the status column holds it

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

cases = sa.table('cases', sa.column('status', sa.String))


def _rename(old: str, new: str) -> None:
    op.execute(cases.update().where(cases.c.status == old).values(status=new))


def _status_length(old: int, new: int) -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column(
            'status',
            existing_type=sa.String(length=old),
            type_=sa.String(length=new),
            existing_nullable=False,
        )


def upgrade() -> None:
    _status_length(16, 32)  # `awaiting_decision` has 17 characters
    _rename('paused', 'awaiting_decision')


def downgrade() -> None:
    # grace, plan, exited and referred fit the old column and are left as they are
    _rename('awaiting_decision', 'paused')
    _status_length(32, 16)
