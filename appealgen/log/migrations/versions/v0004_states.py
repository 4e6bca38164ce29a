"""The derived state of each denial kept beside its history: `log_states`, one row per denial
that has events, rewritten from the events whenever some are recorded. Its rows for the events
already in the log are made by `appealgen.log.migrate` after the upgrade.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_states",
        sa.Column("denial_id", sa.Integer, sa.ForeignKey("log_denials.id"), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("level_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("deadline_reason", sa.String(200), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("follow_up", sa.Date, nullable=True),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("recovered", sa.BigInteger, nullable=False),
        sa.Column("written_off", sa.BigInteger, nullable=False),
        sa.Column("patient_billed", sa.BigInteger, nullable=False),
        sa.Column("remaining", sa.BigInteger, nullable=False),
        sa.Column("closed_by", sa.String(16), nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("last_event", sa.Integer, nullable=False),
    )
    # Its rows are made by `migrate` once the log is at the head revision (REBUILD_STATES): with
    # the code of that revision, not with whatever a later appealgen's tables look like.


def downgrade() -> None:
    op.drop_table("log_states")
