"""The reports group by the payer as the remittance names it (its N1*PR name), not by payer
profile: a billing company's commercial plans share one profile but are different payers. The
covering index holds `payer_name` in place of the profile id, so each claim's first remittance is
still read from the index alone.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BEFORE = ["practice", "claim_id", "remit_date", "status_code", "frequency", "denied", "billed", "payer", "category",
          "paid"]
AFTER = [("payer_name" if column == "payer" else column) for column in BEFORE]


def upgrade() -> None:
    op.drop_index("remits_report", "remits")
    op.create_index("remits_report", "remits", AFTER)


def downgrade() -> None:
    op.drop_index("remits_report", "remits")
    op.create_index("remits_report", "remits", BEFORE)
