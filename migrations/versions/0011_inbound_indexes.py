"""indexes for every query an inbound message runs: a sender's recent messages (the
per-minute limit), the replies to a message (a provider's retry), a debtor's cases, a staff
member's number

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_address", "messages", ["channel", "address", "at"])
    op.create_index("ix_messages_reply_to", "messages", ["reply_to"])
    op.create_index("ix_case_obligors_obligor", "case_obligors", ["obligor_id"])
    op.create_index("ix_users_phone", "users", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_users_phone", "users")
    op.drop_index("ix_case_obligors_obligor", "case_obligors")
    op.drop_index("ix_messages_reply_to", "messages")
    op.drop_index("ix_messages_address", "messages")
