"""The reports' covering index holds `paid` too: the remittance denial rate counts zero-pay denials
(denied, nothing paid), and reads each claim's first remittance from this index alone.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BEFORE = ["practice", "claim_id", "remit_date", "status_code", "frequency", "denied", "billed", "payer", "category"]
AFTER = [*BEFORE, "paid"]


def upgrade() -> None:
    op.drop_index("remits_report", "remits")
    op.create_index("remits_report", "remits", AFTER)


def downgrade() -> None:
    op.drop_index("remits_report", "remits")
    op.create_index("remits_report", "remits", BEFORE)
