"""what has been paid toward each payment of a plan (a sum short of one counts toward it), and
each plan's name in its reminders' steps, so that a second plan of a case has reminders too

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `instalment-3…` becomes `instalment-<plan>-3…`. Until now a case's second plan got no
# reminders (its steps were taken), so every such row is of the case's first plan.
_FIRST_PLAN = "(SELECT MIN(i.filing_id) FROM instalments i WHERE i.case_id = reminders.case_id)"


def upgrade() -> None:
    op.add_column(
        "instalments", sa.Column("paid_fen", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE reminders SET step_key = 'instalment-' || CAST("
        + _FIRST_PLAN
        + " AS VARCHAR) || '-' || SUBSTR(step_key, 12) "
        "WHERE step_key LIKE 'instalment-%' AND user_id IS NULL AND " + _FIRST_PLAN + " IS NOT NULL"
    )


def downgrade() -> None:
    first = "'instalment-' || CAST(" + _FIRST_PLAN + " AS VARCHAR) || '-'"
    # A later plan's rows have no name without their plan: they are cancelled.
    op.execute(
        "UPDATE reminders SET status = 'cancelled', last_error = 'superseded' "
        "WHERE step_key LIKE 'instalment-%' AND user_id IS NULL AND status = 'pending' "
        "AND SUBSTR(step_key, 1, LENGTH(" + first + ")) <> " + first
    )
    op.execute(
        "UPDATE reminders SET step_key = 'instalment-' || SUBSTR(step_key, LENGTH("
        + first
        + ") + 1) WHERE step_key LIKE 'instalment-%' AND user_id IS NULL "
        "AND SUBSTR(step_key, 1, LENGTH(" + first + ")) = " + first
    )
    with op.batch_alter_table("instalments") as batch:
        batch.drop_column("paid_fen")
