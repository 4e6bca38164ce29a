"""A write-off or a bill to the patient of part of what is at stake leaves the denial open for the
rest (it closed it, and the rest went out of every figure); what a partial decision leaves denied is
what is still at stake. The stored states are made again from the events (REBUILD_STATES), and the
`denials` view takes a denial's status from them, so Metabase, Superset or Excel read the rule book
the queue follows instead of a copy of it in SQL.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The view of 0003 with its status, closed_on and closed_by read from the stored state (a denial
# without events has none: open). A sent request is still open.
DENIALS = """
CREATE VIEW denials AS
SELECT d.id AS denial_id, d.practice, d.claim_id, d.payer, d.payer_name, d.category, d.reason, d.source,
       d.denied_on, d.first_dos, d.level AS first_level, d.action AS first_action, d.deadline AS first_deadline,
       d.billed / 100.0 AS billed, d.paid / 100.0 AS paid, d.at_stake / 100.0 AS at_stake, d.at_stake AS at_stake_cents,
       COALESCE(s.recovered, 0) / 100.0 AS recovered, COALESCE(s.written_off, 0) / 100.0 AS written_off,
       COALESCE(s.billed_patient, 0) / 100.0 AS billed_to_patient,
       CASE WHEN t.status = 'closed' THEN 'closed' ELSE 'open' END AS status,
       CASE WHEN t.status = 'closed' THEN t.closed_on END AS closed_on,
       CASE WHEN t.status = 'closed' THEN t.closed_by END AS closed_by,
       (SELECT o.owner FROM events o WHERE o.denial_id = d.id AND o.live = 1 AND o.kind = 'assigned'
        ORDER BY o.event_id DESC LIMIT 1) AS owner,
       s.first_sent_on, COALESCE(s.sent, 0) AS requests_sent, COALESCE(s.decisions, 0) AS decisions
FROM log_denials d
LEFT JOIN (
    SELECT denial_id,
           SUM(CASE WHEN kind = 'decision' AND outcome IN ('overturned', 'partially_overturned')
                    THEN amount_cents ELSE 0 END) AS recovered,
           SUM(CASE WHEN kind = 'adjusted' THEN amount_cents ELSE 0 END) AS written_off,
           SUM(CASE WHEN kind = 'billed_patient' THEN amount_cents ELSE 0 END) AS billed_patient,
           MIN(CASE WHEN kind = 'sent' THEN on_date END) AS first_sent_on,
           SUM(CASE WHEN kind = 'sent' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN kind = 'decision' THEN 1 ELSE 0 END) AS decisions
    FROM events WHERE live = 1 GROUP BY denial_id
) s ON s.denial_id = d.id
LEFT JOIN log_states t ON t.denial_id = d.id
"""


def upgrade() -> None:
    """The states are made again by `appealgen.log.migrate` once the log is at its head."""
    op.execute("DROP VIEW denials")
    op.execute(DENIALS)


def downgrade() -> None:
    op.execute("DROP VIEW denials")
    op.execute(_revision_0003().DENIALS)


def _revision_0003() -> ModuleType:
    """The 0003 script, whose view this one replaced (scripts are files, not a package)."""
    spec = importlib.util.spec_from_file_location("v0003", Path(__file__).with_name("v0003_reporting.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
