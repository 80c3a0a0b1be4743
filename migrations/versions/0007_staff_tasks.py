"""staff tasks, instalments and grace periods

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('obligor_id', sa.Integer(), nullable=True),
        sa.Column('filing_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('area_code', sa.String(length=12), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['done_by'], ['users.id']),
        sa.ForeignKeyConstraint(['filing_id'], ['filings.id']),
        sa.ForeignKeyConstraint(['obligor_id'], ['obligors.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_tasks_assignee', 'tasks', ['assignee_id', 'status'])
    op.create_index('ix_tasks_case', 'tasks', ['case_id'])
    op.create_index('ix_tasks_due', 'tasks', ['status', 'due_at'])
    op.create_table(
        'instalments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('filing_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['filing_id'], ['filings.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('filing_id', 'seq', name='uq_instalments_seq'),
    )
    op.create_index('ix_instalments_case_id', 'instalments', ['case_id'])
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grace_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('grace_until')
    op.drop_index('ix_instalments_case_id', table_name='instalments')
    op.drop_table('instalments')
    op.drop_index('ix_tasks_due', table_name='tasks')
    op.drop_index('ix_tasks_case', table_name='tasks')
    op.drop_index('ix_tasks_assignee', table_name='tasks')
    op.drop_table('tasks')
