"""The log published for BI tools (Metabase, Superset, Excel): read-only views `denials`,
`appeals` and `events`, and an index for the reports.

The views take the plain names, so the tables they read are renamed `log_denials` and
`log_events` (SQLite and PostgreSQL carry their triggers, indexes and foreign keys along).
Each view joins two tables, so neither backend lets it be written through (PostgreSQL makes
only single-table views updatable; SQLite never does without INSTEAD OF triggers).

Money appears in dollars and, exact, in cents (`*_cents`); notes and details are left out (free
text may name a patient). A voided event stays in `events` with `voided_by` and `live = 0`;
`denials` and `appeals` count live events only.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEWS = ("appeals", "denials", "events")  # dropped in this order (appeals and denials read events)

EVENTS = """
CREATE VIEW events AS
SELECT e.id AS event_id, e.denial_id, e.practice, e.claim_id, d.payer, d.category, e.kind, e.on_date, e.who,
       e.ref, e.amount / 100.0 AS amount, e.amount AS amount_cents, e.level, e.outcome, e.method, e.owner,
       e.next_date, e.voids, c.id AS voided_by,
       CASE WHEN e.kind = 'correction' OR c.id IS NOT NULL THEN 0 ELSE 1 END AS live, e.recorded_at
FROM log_events e
JOIN log_denials d ON d.id = e.denial_id
LEFT JOIN log_events c ON c.voids = e.id AND c.kind = 'correction'
"""

# One row per denial: its opening, and sums of its live events. Closed: the latest live event
# that closes (overturned, adjusted, billed_patient) or reopens it closes it; the queue's rule
# book says the same (a test compares the two).
DENIALS = """
CREATE VIEW denials AS
SELECT d.id AS denial_id, d.practice, d.claim_id, d.payer, d.payer_name, d.category, d.reason, d.source,
       d.denied_on, d.first_dos, d.level AS first_level, d.action AS first_action, d.deadline AS first_deadline,
       d.billed / 100.0 AS billed, d.paid / 100.0 AS paid, d.at_stake / 100.0 AS at_stake, d.at_stake AS at_stake_cents,
       COALESCE(s.recovered, 0) / 100.0 AS recovered, COALESCE(s.written_off, 0) / 100.0 AS written_off,
       COALESCE(s.billed_patient, 0) / 100.0 AS billed_to_patient,
       CASE WHEN z.kind IS NULL OR z.kind = 'reopened' THEN 'open' ELSE 'closed' END AS status,
       CASE WHEN z.kind IS NULL OR z.kind = 'reopened' THEN NULL ELSE z.on_date END AS closed_on,
       CASE WHEN z.kind IS NULL OR z.kind = 'reopened' THEN NULL
            WHEN z.kind = 'decision' THEN 'overturned' ELSE z.kind END AS closed_by,
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
LEFT JOIN events z ON z.event_id = (
    SELECT MAX(y.event_id) FROM events y
    WHERE y.denial_id = d.id AND y.live = 1
      AND (y.kind IN ('adjusted', 'billed_patient', 'reopened') OR (y.kind = 'decision' AND y.outcome = 'overturned'))
)
"""

# One row per request sent to a payer (a live `sent` event), with the first live decision
# recorded after it on the same denial (none yet: NULL).
APPEALS = """
CREATE VIEW appeals AS
SELECT s.event_id AS appeal_id, s.denial_id, s.practice, s.claim_id, s.payer, s.category, s.level,
       s.on_date AS sent_on, s.method, s.ref AS sent_ref, r.event_id AS decision_id, r.on_date AS decided_on,
       r.outcome, COALESCE(r.amount_cents, 0) / 100.0 AS recovered, COALESCE(r.amount_cents, 0) AS recovered_cents
FROM events s
LEFT JOIN events r ON r.event_id = (
    SELECT MIN(x.event_id) FROM events x
    WHERE x.denial_id = s.denial_id AND x.kind = 'decision' AND x.live = 1 AND x.event_id > s.event_id
)
WHERE s.kind = 'sent' AND s.live = 1
"""


def upgrade() -> None:
    op.rename_table("denials", "log_denials")
    op.rename_table("events", "log_events")
    op.create_index("remits_report", "remits", ["practice", "claim_id", "remit_date", "status_code", "frequency",
                                                "denied", "billed", "payer", "category"])
    for statement in (EVENTS, DENIALS, APPEALS):
        op.execute(statement)


def downgrade() -> None:
    for view in VIEWS:
        op.execute(f"DROP VIEW {view}")
    op.drop_index("remits_report", "remits")
    op.rename_table("log_events", "events")
    op.rename_table("log_denials", "denials")
