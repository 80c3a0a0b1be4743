"""filings and staff notices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:17:42.800990
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('obligor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['obligor_id'], ['obligors.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.create_index('ix_filings_case', ['case_id', 'created_at'], unique=False)

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_reminders_user_id', 'users', ['user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reminders_user_id', type_='foreignkey')
        batch_op.drop_column('body')
        batch_op.drop_column('user_id')

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_case')

    op.drop_table('filings')

