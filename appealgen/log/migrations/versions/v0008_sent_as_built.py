"""A request sent is the one built for the denial (a reopening or a corrected claim built with
--action in place of the appeal the plan first named): its step is what the decision answers, so
a refused reopening leaves the appeal open from the denial (42 CFR 405.980(a)(5)) instead of
opening the next level. A rule of `state.derive`: the stored states are made again
(REBUILD_STATES); no table changes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The states are made again by `appealgen.log.migrate` once the log is at its head."""


def downgrade() -> None:
    """Nothing to undo: 0007's rules read a sent event's step as they did."""
