"""indexes for the outcome figures: a debtor's inbound messages, events by kind

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 13:30:00.000000

Measured with bench/figures.py at 100,000 cases (docs/performance.md, "Outcome figures"):
without them, the response rate reads every message and the unreachable count walks every
event of every case.
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_messages_obligor', 'messages', ['obligor_id', 'direction', 'at'])
    op.create_index('ix_events_kind', 'events', ['kind', 'case_id'])


def downgrade() -> None:
    op.drop_index('ix_events_kind', table_name='events')
    op.drop_index('ix_messages_obligor', table_name='messages')
