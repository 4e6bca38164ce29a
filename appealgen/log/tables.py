"""The tracking log's tables (SQLAlchemy Core, the same on SQLite and PostgreSQL).

The history is append-only: the database refuses UPDATE and DELETE on each of its tables
(triggers made by migration 0002). Facts arrive as rows (a remittance, a submitted claim, the
opening of a denial); what people and the tool do about a denial arrives as events; the current
state of a denial is derived from its events (`appealgen.log.state`). That derivation is kept in
`log_states`, rewritten from the events in the transaction that records them (the queue reads
it rather than replaying 100,000 histories); it is a copy, never a source: the one table that
is updated, and it can always be made again from the events.

Money is stored as whole cents (an integer) so sums are exact on both backends; dates are the
payer's or the person's dates (`on_date`), `recorded_at` is when the row was written (UTC).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """A Decimal amount stored as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = Decimal(value).quantize(CENT) * 100
        if cents != Decimal(value) * 100:
            raise ValueError("an amount has more than two decimal places")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value)).scaleb(-2)


metadata = MetaData()

# One row per imported file that recorded something new (who imported what, when).
imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("practice", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # "835" or "submitted"
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),  # new rows it recorded
    Column("who", String(80), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

# Every claim of every imported remittance, paid or denied (the denominator of denial rates).
remits = Table(
    "remits", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", ForeignKey("imports.id"), nullable=False),
    Column("practice", String(64), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("dedupe_key", String(64), nullable=False, unique=True),  # the same claim payment is recorded once
    Column("payer", String(64), nullable=False),  # payer profile id
    Column("payer_name", String(120), nullable=False),
    Column("payer_claim_number", String(50), nullable=False),
    Column("status_code", String(4), nullable=False),  # CLP02: 1/2/3 processed, 4 denied, 22 reversal
    Column("frequency", String(2), nullable=False),  # CLP09: 7 replacement, 8 void
    Column("remit_date", Date, nullable=False),  # the payer's date (BPR16, else DTM*405)
    Column("check_number", String(50), nullable=False),
    Column("billed", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("patient_responsibility", Money, nullable=False),
    Column("denied", Boolean, nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("category", String(32), nullable=False),
    Column("codes", JSON, nullable=False),  # ["CO-50", "N115"]
    Column("file_name", String(255), nullable=False),
    Column("segment", Integer, nullable=False),  # the CLP segment's number in its file
    Column("recorded_at", DateTime, nullable=False),
)
Index("remits_claim", remits.c.practice, remits.c.claim_id)
# The reports find each claim's first remittance and sum it from this index alone (no table row read).
Index("remits_report", remits.c.practice, remits.c.claim_id, remits.c.remit_date, remits.c.status_code,
      remits.c.frequency, remits.c.denied, remits.c.billed, remits.c.payer_name, remits.c.category, remits.c.paid)

# Claims as submitted (CSV of claim id, payer, date, charge): the HFMA initial denial rate's denominator.
submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", ForeignKey("imports.id"), nullable=False),
    Column("practice", String(64), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("payer", String(64), nullable=False),
    Column("submitted_on", Date, nullable=False),
    Column("charge", Money, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
Index("submissions_claim", submissions.c.practice, submissions.c.claim_id)

# The opening of a denial with the plan made for it then: what is at stake, the first step.
denials = Table(
    "log_denials", metadata,
    Column("id", Integer, primary_key=True),
    Column("practice", String(64), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("source", String(16), nullable=False),  # "835" or "claim file"
    Column("remit_id", ForeignKey("remits.id"), nullable=True),  # the remittance that denied it
    Column("payer", String(64), nullable=False),
    Column("payer_name", String(120), nullable=False),
    Column("category", String(32), nullable=False),
    Column("reason", String(16), nullable=False),  # the code that chose the category: "CO-50"
    Column("codes", JSON, nullable=False),  # every reason and remark code: ["CO-50", "N115"]
    Column("carcs", JSON, nullable=False),  # [[group, carc], ...] as the rules read them
    Column("rarcs", JSON, nullable=False),
    Column("patient_liable", Boolean, nullable=False),
    Column("denied_on", Date, nullable=False),
    Column("first_dos", Date, nullable=False),
    Column("billed", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("at_stake", Money, nullable=False),  # the denied money of the plan's lines (its amount requested)
    Column("level", String(32), nullable=False),
    Column("level_name", String(80), nullable=False),
    Column("action", String(32), nullable=False),
    Column("deadline", Date, nullable=True),  # None when the action sends nothing
    Column("deadline_reason", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
Index("denials_claim", denials.c.practice, denials.c.claim_id)

# What happened to a denial. A correction voids an earlier event (`voids`); nothing is erased.
events = Table(
    "log_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("denial_id", ForeignKey("log_denials.id"), nullable=False),
    Column("practice", String(64), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("on_date", Date, nullable=False),  # the date it happened (sent, decided, ...)
    Column("who", String(80), nullable=False),
    Column("ref", String(80), nullable=True),  # the payer's reference or confirmation number
    Column("amount", Money, nullable=True),
    Column("note", Text, nullable=True),
    Column("level", String(32), nullable=True),  # the appeal level it concerns
    Column("outcome", String(24), nullable=True),  # decision: overturned, partially_overturned, upheld, dismissed
    Column("method", String(16), nullable=True),  # sent: fax, portal, mail, electronic
    Column("owner", String(80), nullable=True),  # assigned
    Column("next_date", Date, nullable=True),  # sent, follow_up: when to follow up next
    Column("voids", ForeignKey("log_events.id"), nullable=True),  # correction: the event it voids
    Column("dedupe_key", String(120), nullable=True, unique=True),  # events made by the tool are made once
    Column("details", JSON, nullable=True),  # packet facts, the remittance matched, the next step
    Column("recorded_at", DateTime, nullable=False),
)
Index("events_denial", events.c.denial_id)

# The derived state of each denial that has events (a denial without events is at its first
# step, open): written only by `store.refresh_states`, from the events, under the write lock.
states = Table(
    "log_states", metadata,
    Column("denial_id", ForeignKey("log_denials.id"), primary_key=True),
    Column("status", String(8), nullable=False),  # open, sent, closed
    Column("level", String(32), nullable=False),  # the step it is at: as log_denials' first step
    Column("level_name", String(80), nullable=False),
    Column("action", String(32), nullable=False),
    Column("deadline", Date, nullable=True),
    Column("deadline_reason", String(200), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("sent_on", Date, nullable=True),
    Column("method", String(16), nullable=True),
    Column("follow_up", Date, nullable=True),
    Column("owner", String(80), nullable=True),
    Column("recovered", Money, nullable=False),
    Column("written_off", Money, nullable=False),
    Column("patient_billed", Money, nullable=False),
    Column("remaining", Money, nullable=False),  # still at stake (State.remaining): what the queue ranks by
    Column("closed_by", String(16), nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("last_event", Integer, nullable=False),  # the newest event it was derived with
)

APPEND_ONLY = ("imports", "remits", "submissions", "log_denials", "log_events")
# Read-only views for BI tools (migration 0003): the log as people query it.
VIEWS = ("denials", "appeals", "events")
