"""schedules and templates per court: a court's reminder schedule is versioned (a case keeps
the version it was planned with); a court may override a shipped text per locale

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'schedules',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('court_id', sa.Integer(), sa.ForeignKey('courts.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('court_id', 'version', name='uq_schedules_version'),
    )
    op.create_table(
        'templates',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('court_id', sa.Integer(), sa.ForeignKey('courts.id'), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('court_id', 'locale', 'key', name='uq_templates_text'),
    )
    with op.batch_alter_table('cases') as batch:
        batch.add_column(
            sa.Column(
                'schedule_id',
                sa.Integer(),
                sa.ForeignKey('schedules.id', name='fk_cases_schedule_id'),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('schedule_id')
    op.drop_table('templates')
    op.drop_table('schedules')
