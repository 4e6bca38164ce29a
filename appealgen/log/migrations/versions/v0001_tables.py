"""The tracking log's tables: imports, remits, submissions, denials, events.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.BigInteger  # whole cents


def upgrade() -> None:
    op.create_table(
        "imports", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("practice", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("who", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "remits", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("practice", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("payer", sa.String(64), nullable=False),
        sa.Column("payer_name", sa.String(120), nullable=False),
        sa.Column("payer_claim_number", sa.String(50), nullable=False),
        sa.Column("status_code", sa.String(4), nullable=False),
        sa.Column("frequency", sa.String(2), nullable=False),
        sa.Column("remit_date", sa.Date, nullable=False),
        sa.Column("check_number", sa.String(50), nullable=False),
        sa.Column("billed", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("patient_responsibility", MONEY, nullable=False),
        sa.Column("denied", sa.Boolean, nullable=False),
        sa.Column("reversal", sa.Boolean, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("codes", sa.JSON, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("segment", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("remits_claim", "remits", ["practice", "claim_id"])
    op.create_table(
        "submissions", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("practice", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("payer", sa.String(64), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("charge", MONEY, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("submissions_claim", "submissions", ["practice", "claim_id"])
    op.create_table(
        "denials", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("practice", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("remit_id", sa.Integer, sa.ForeignKey("remits.id"), nullable=True),
        sa.Column("payer", sa.String(64), nullable=False),
        sa.Column("payer_name", sa.String(120), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("codes", sa.JSON, nullable=False),
        sa.Column("carcs", sa.JSON, nullable=False),
        sa.Column("rarcs", sa.JSON, nullable=False),
        sa.Column("patient_liable", sa.Boolean, nullable=False),
        sa.Column("denied_on", sa.Date, nullable=False),
        sa.Column("first_dos", sa.Date, nullable=False),
        sa.Column("billed", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("at_stake", MONEY, nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("level_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("deadline_reason", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("denials_claim", "denials", ["practice", "claim_id"])
    op.create_table(
        "events", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("denial_id", sa.Integer, sa.ForeignKey("denials.id"), nullable=False),
        sa.Column("practice", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("who", sa.String(80), nullable=False),
        sa.Column("ref", sa.String(80), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("level", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("next_date", sa.Date, nullable=True),
        sa.Column("voids", sa.Integer, sa.ForeignKey("events.id"), nullable=True),
        sa.Column("dedupe_key", sa.String(120), nullable=True, unique=True),
        sa.Column("details", sa.JSON, nullable=True),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("events_denial", "events", ["denial_id"])


def downgrade() -> None:
    for table in ("events", "denials", "submissions", "remits", "imports"):
        op.drop_table(table)
