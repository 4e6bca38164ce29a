"""Everything a report counts, read from the log once: first remittances and submitted claims
(aggregated in the database), and each denial's facts replayed by the rule book."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from appealgen.collector import gc_paused
from appealgen.log.store import Filters, load_states
from appealgen.log.tables import denials, remits
from appealgen.payer_names import payer_label
from appealgen.reports import metrics
from appealgen.reports.causes import CauseTable
from appealgen.reports.history import Decided, Missed, Open, Resolved, Sent, Subject, WrittenOff, collect
from appealgen.reports.period import Period, add_months, month_of
from appealgen.reports.remits import RemitDay, SubmittedDay, first_remittances, submitted
from appealgen.reports.slices import Dated
from appealgen.reports.values import Rate, unavailable


@dataclass(frozen=True)
class Inputs:
    end: date
    remits: Dated[RemitDay]
    submitted: Dated[SubmittedDay]
    opened: Dated[Subject]
    sent: Dated[Sent]
    decided: Dated[Decided]  # on appeals
    resubmitted: Dated[Decided]  # on corrected and new claims, reopenings, retroactive authorizations
    written_off: Dated[WrittenOff]
    billed_patient: Dated[WrittenOff]
    missed: Dated[Missed]
    resolved: Dated[Resolved]
    still_open: Sequence[Open]
    open_before: Sequence[Open]  # open at the previous period's end
    since: date | None = None  # the log's first remittance or denial: no figure exists before it

    def initial_denial_rate(self, period: Period, dollars: bool) -> Rate:
        """HFMA's rate over the whole calendar months of `period`: each month's denials over that
        month's denominator, summed. Never by payer: a submitted claim names its payer profile,
        a remittance the payer itself."""
        months = period.months()
        if not months:
            return unavailable("HFMA defines it per calendar month; the period holds no whole month", dollars)
        numerator, denominator = Decimal(0), Decimal(0)
        for month in months:
            before = [month_of(add_months(month.start, -n)) for n in (3, 2, 1)]
            one = metrics.initial_denial_rate(self.remits.within(month),
                                              [(m.label(), self.submitted.within(m)) for m in before], dollars)
            if one.value is None:
                return unavailable(f"{month.label()}: {one.reason}", dollars)
            numerator += Decimal(one.numerator)
            denominator += Decimal(one.denominator)
        return Rate(numerator if dollars else int(numerator), denominator, dollars=dollars)


def labels_of(conn: Connection, practice: str | None) -> dict[int, tuple[str, str]]:
    """Each denial's reason code ("CO-50") and payer as its remittance named it: the queue's
    states leave both out."""
    query = select(denials.c.id, denials.c.reason, denials.c.payer_name)
    if practice is not None:
        query = query.where(denials.c.practice == practice)
    return {denial_id: (reason, payer_label(payer)) for denial_id, reason, payer in conn.execute(query)}


def read_inputs(conn: Connection, causes: CauseTable, window: Period, end: date, practice: str | None,
                previous_end: date | None = None, own: Mapping[str, str] | None = None) -> Inputs:
    """`window`: the earliest date any figure needs (the trend, the previous period, and the three
    months of submissions before the first month) to `end`; `previous_end`: the previous period's
    last day, whose backlog the period's is compared with."""
    remitted = first_remittances(conn, window, practice)
    claims = submitted(conn, Period(add_months(window.start, -3), end), practice)
    with gc_paused():  # a state per denial: 100,000s of small objects, no cycles
        states = load_states(conn, Filters(practice=practice), full=False)
        facts = collect(states, labels_of(conn, practice), causes, end, previous_end, own)
    return Inputs(
        end, Dated(remitted, [r.on for r in remitted]), Dated(claims, [s.on for s in claims]),
        Dated(facts.opened, [s.denied_on for s in facts.opened]),
        Dated(facts.sent, [f.on for f in facts.sent]), Dated(facts.decided, [f.on for f in facts.decided]),
        Dated(facts.resubmitted, [f.on for f in facts.resubmitted]),
        Dated(facts.written_off, [f.on for f in facts.written_off]),
        Dated(facts.billed_patient, [f.on for f in facts.billed_patient]),
        Dated(facts.missed, [f.on for f in facts.missed]),
        Dated(facts.resolved, [f.on for f in facts.resolved]), facts.open_at_end, facts.open_before,
        _since(conn, practice, facts.opened),
    )


def _since(conn: Connection, practice: str | None, opened: Sequence[Subject]) -> date | None:
    """The day the log's data begin: its first remittance, or its first denial (a claim file's)."""
    query = select(func.min(remits.c.remit_date))
    if practice is not None:
        query = query.where(remits.c.practice == practice)
    found = [d for d in (conn.execute(query).scalar_one(), min((s.denied_on for s in opened), default=None))
             if d is not None]
    return min(found, default=None)
