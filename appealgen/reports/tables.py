"""The tables behind the headline figures: denials by payer, category and reason code, appeal
results by payer, category and level, the aged backlog, missed deadlines, write-offs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from appealgen.reports import metrics as m
from appealgen.reports.history import Decided, Missed, Open, Subject, WrittenOff
from appealgen.reports.model import DECIDED, Cell, Column, Table, count_of, money_of
from appealgen.reports.prevention import prevention_section
from appealgen.reports.slices import grouped
from appealgen.reports.trend import by_section, trend_section
from appealgen.reports.values import Rate

__all__ = ["aging", "appeals_by", "by_section", "denied_by", "denied_by_reason", "missed_table", "prevention_section",
           "trend_section", "write_offs_by_category"]

LABELS = {"payer": "Payer", "category": "Category", "reason": "Reason code", "month": "Month", "owner": "Owner",
          "level": "Appeal level", "practice": "Practice"}


def _opened_on(s: Subject) -> date:
    return s.denied_on


def denied_by(opened: Sequence[Subject], dimension: str, table_id: str, title: str, chart: str | None = None) -> Table:
    """Denials opened by one dimension, the largest dollars first, with each group's share."""
    everything = m.denied_dollars(opened)
    groups = sorted(((m.denied_dollars(g), name, m.denied_count(g)) for name, g in
                     grouped(dimension, opened, _opened_on).items()), key=lambda g: (-g[0], g[1]))
    rows: list[list[Cell]] = [[name, count, dollars, Rate(dollars, everything, dollars=True)]
                              for dollars, name, count in groups]
    return Table(table_id, title, [Column(dimension, LABELS[dimension]), Column("denials", "Denials"),
                                   Column("denied_dollars", "Denied $"), Column("share", "Share of denied $")],
                 rows, "denials opened in the period", chart)


def denied_by_reason(opened: Sequence[Subject], top: int) -> Table:
    """Group + reason code, the top `top` by dollars, the rest in one row."""
    table = denied_by(opened, "reason", "denied_by_reason", f"Denied by reason code (top {top})")
    if len(table.rows) > top:
        rest = table.rows[top:]
        count = sum(count_of(r[1]) for r in rest)
        dollars = sum((money_of(r[2]) for r in rest), Decimal(0))
        everything = m.denied_dollars(opened)
        table.rows = [*table.rows[:top], [f"all other ({len(rest)} codes)", count, dollars,
                                           Rate(dollars, everything, dollars=True)]]
    return table


def _decided_on(d: Decided) -> date:
    return d.on


def appeals_by(decided: Sequence[Decided], dimension: str) -> Table:
    rows: list[list[Cell]] = []
    for name, group in sorted(grouped(dimension, decided, _decided_on).items()):
        outcomes = [sum(1 for d in group if d.outcome == o) for o in
                    ("overturned", "partially_overturned", "upheld", "dismissed")]
        rows.append([name, len(group), *outcomes, m.overturn_rate(group), m.overturn_rate(group, True),
                     m.recovered(group)])
    columns = [Column(dimension, LABELS[dimension]), DECIDED, Column("overturned", "Overturned"),
               Column("partially_overturned", "Partly overturned"), Column("upheld", "Upheld"),
               Column("dismissed", "Dismissed"), Column("overturn_rate", "Overturn rate"),
               Column("overturn_rate_dollars", "Overturn rate ($)"), Column("recovered", "Recovered")]
    return Table(f"appeals_by_{dimension}", f"Appeal results by {LABELS[dimension].lower()}", columns,
                 rows, "decisions dated in the period")


def aging(still_open: Sequence[Open], end: date) -> Table:
    rows: list[list[Cell]] = [[label, count, dollars] for label, count, dollars in m.aged_backlog(still_open, end)]
    return Table("aging", f"Aged backlog on {end}", [Column("days_since_denial", "Days since denial"),
                                                     Column("open_denials", "Open denials"),
                                                     Column("open_dollars", "Still at stake")],
                 rows, "open denials by days from the denial date to the end of the period", "aging")


def missed_table(missed: Sequence[Missed]) -> Table:
    rows: list[list[Cell]] = [[f.subject.claim_id, f.subject.payer, f.level, f.on, f.amount, f.sent_on or "not sent"]
            for f in sorted(missed, key=lambda f: (-f.amount, f.on, f.subject.claim_id))]
    return Table("deadlines_missed", "Deadlines missed in the period", [
        Column("claim_id", "Claim"), Column("payer", "Payer"), Column("level", "Level"), Column("deadline", "Deadline"),
        Column("at_stake", "At stake then"), Column("sent_on", "Sent")], rows,
        "filing deadlines dated in the period that passed with the request unsent, the largest amounts first")


def write_offs_by_category(written_off: Sequence[WrittenOff]) -> Table:
    groups = sorted(((m.write_offs(g), name, len(g)) for name, g in grouped("category", written_off,
                                                                             lambda w: w.on).items()),
                    key=lambda g: (-g[0], g[1]))
    rows: list[list[Cell]] = [[name, count, amount] for amount, name, count in groups]
    return Table("write_offs_by_category", "Write-offs by category", [
        Column("category", "Category"), Column("write_offs", "Write-offs"), Column("amount", "Amount")],
        rows, "adjusted events dated in the period")
