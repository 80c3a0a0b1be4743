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

# `instalment-3…` becomes `instalment-<plan>-3…`. Until now planning kept a step already
# there, so the row of payment 3 is of the first plan of its case that had a payment 3.
_FIRST_WITH_SEQ = (
    "i.filing_id = (SELECT MIN(j.filing_id) FROM instalments j "
    "WHERE j.case_id = i.case_id AND j.seq = i.seq)"
)
_PLAN, _SEQ = "CAST(i.filing_id AS VARCHAR)", "CAST(i.seq AS VARCHAR)"
_OLD = f"'instalment-' || {_SEQ}"
_NEW = f"'instalment-' || {_PLAN} || '-' || {_SEQ}"


def _rename(before: str, after: str) -> None:
    """Renames each debtor row named `before` || [`-before`] (an expression over the
    instalment `i` whose row it is) to `after` || the same ending."""
    of_row = (
        "FROM instalments i WHERE i.case_id = reminders.case_id "
        f"AND reminders.step_key IN ({before}, {before} || '-before') AND {_FIRST_WITH_SEQ}"
    )
    ending = "CASE WHEN reminders.step_key LIKE '%-before' THEN '-before' ELSE '' END"
    op.execute(
        f"UPDATE reminders SET step_key = (SELECT {after} || {ending} {of_row}) "
        f"WHERE step_key LIKE 'instalment-%' AND user_id IS NULL AND EXISTS (SELECT 1 {of_row})"
    )


def upgrade() -> None:
    op.add_column(
        "instalments", sa.Column("paid_fen", sa.BigInteger(), nullable=False, server_default="0")
    )
    _rename(_OLD, _NEW)


def downgrade() -> None:
    # A later plan's payment has no name without its plan when an earlier plan had one of
    # that number: its pending rows are cancelled, and the others keep their names.
    op.execute(
        "UPDATE reminders SET status = 'cancelled', last_error = 'superseded' "
        "WHERE step_key LIKE 'instalment-%' AND user_id IS NULL AND status = 'pending' "
        "AND NOT EXISTS (SELECT 1 FROM instalments i WHERE i.case_id = reminders.case_id "
        f"AND reminders.step_key IN ({_NEW}, {_NEW} || '-before') AND {_FIRST_WITH_SEQ})"
    )
    _rename(_NEW, _OLD)
    with op.batch_alter_table("instalments") as batch:
        batch.drop_column("paid_fen")
