"""schedules and templates per court: a court's reminder schedule is versioned (a case keeps
the version it was planned with); a court may override a shipped text per locale

`courts.reminder_plan` goes: a court whose plan differs from the plan every court was given
until now becomes version 1 of its schedule, with the quiet hours and weekly cap of the
environment (DUCU_QUIET_HOURS, DUCU_WEEKLY_CAP; else their defaults); the others run the
built-in default, as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:30:00.000000
"""
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The plan courts.ensure wrote into every new court until this revision (frozen here).
SHIPPED_PLAN = [
    {"key": "day0", "anchor": "effective", "days": 0, "at": None,
     "template": "reminder.day0", "follow_up": True},
    {"key": "middle", "anchor": "effective", "days": 3, "at": "10:00",
     "template": "reminder.middle", "follow_up": False},
    {"key": "warning", "anchor": "due", "days": -2, "at": "10:00",
     "template": "reminder.warning", "follow_up": False},
    {"key": "deadline", "anchor": "due", "days": 0, "at": "09:00",
     "template": "reminder.deadline", "follow_up": False},
]
courts = sa.table(
    'courts', sa.column('id', sa.Integer()), sa.column('reminder_plan', sa.JSON())
)
schedules = sa.table(
    'schedules',
    sa.column('court_id', sa.Integer()),
    sa.column('version', sa.Integer()),
    sa.column('body', sa.JSON()),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def _own_plans() -> list[dict]:
    """A schedule version 1 for each court whose stored plan is not the shipped one."""
    now = datetime.now(UTC)
    quiet = os.environ.get('DUCU_QUIET_HOURS', '21:00-08:00').strip()
    cap = int(os.environ.get('DUCU_WEEKLY_CAP', '3'))
    rows = op.get_bind().execute(sa.select(courts.c.id, courts.c.reminder_plan)).all()
    return [
        {'court_id': court_id, 'version': 1, 'created_at': now,
         'body': {'steps': plan, 'quiet_hours': quiet, 'weekly_cap': cap}}
        for court_id, plan in rows
        if plan and json.loads(json.dumps(plan)) != SHIPPED_PLAN
    ]


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
    moved = _own_plans()
    if moved:
        op.bulk_insert(schedules, moved)
    with op.batch_alter_table('courts') as batch:
        batch.drop_column('reminder_plan')


def downgrade() -> None:
    """A court's plan comes back as the shipped one; its schedule versions are dropped."""
    with op.batch_alter_table('courts') as batch:
        batch.add_column(sa.Column('reminder_plan', sa.JSON(), nullable=True))
    op.execute(courts.update().values(reminder_plan=SHIPPED_PLAN))
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('schedule_id')
    op.drop_table('templates')
    op.drop_table('schedules')
