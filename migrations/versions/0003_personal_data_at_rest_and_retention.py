"""personal data at rest and retention

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:28:57.685716
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('obligors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_obligors_id_number_hash'), ['id_number_hash'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('obligors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligors_id_number_hash'))
        batch_op.drop_column('purged_at')
        batch_op.drop_column('id_number_hash')
        batch_op.drop_column('id_number_encrypted')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('closed_at')


