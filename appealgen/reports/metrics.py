"""One function per metric, each over facts already cut to a period (and, for a breakdown, to
one payer, category, ...). The definitions and bases printed beside each figure live in
`appealgen.reports.definitions`; a test keeps every metric here described there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from appealgen.reports.history import Decided, Missed, Open, Resolved, Sent, Subject, WrittenOff
from appealgen.reports.remits import RemitDay, SubmittedDay
from appealgen.reports.values import ZERO, Days, Rate, total, unavailable

WON = ("overturned", "partially_overturned")
BUCKETS = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, 120, "91-120"), (121, None, "over 120"))
LAST_WEEK = 7  # an appeal sent 0 to 6 days before its deadline was sent in the last week of its window


def remittance_denial_rate(days: Sequence[RemitDay], dollars: bool = False) -> Rate:
    """Zero-pay denials at their first remittance / claims first remitted (or their gross charges).
    A claim paid in part with a line denied is not a denied remit (DOMAIN.md); its denial is among
    the denials opened, at its denied amount."""
    if dollars:
        return Rate(total([d.zero_pay_billed for d in days]), total([d.billed for d in days]), dollars=True)
    return Rate(sum(d.zero_pay for d in days), sum(d.claims for d in days))


def initial_denial_rate(denied: Sequence[RemitDay], months: Sequence[tuple[str, Sequence[SubmittedDay]]],
                        dollars: bool = False) -> Rate:
    """HFMA: claims initially denied in a month / the average monthly claims submitted in the three
    months before it. `months` holds those three months (a label, their submissions); a month
    without any means the submitted claims were not imported for it, and there is then no rate."""
    empty = [label for label, month in months if not month]
    if empty:
        return unavailable(f"submitted claims were imported for {len(months) - len(empty)} of the 3 months "
                           f"before the month, not for {' and '.join(empty)} (log import --submitted)", dollars)
    before = [month for _, month in months]
    if dollars:
        average = total([total([s.charges for s in m]) for m in before]) / len(before)
        return Rate(total([d.denied_billed for d in denied]), average, dollars=True)
    return Rate(sum(d.denied for d in denied), Decimal(sum(s.claims for m in before for s in m)) / len(before))


def denied_count(opened: Sequence[Subject]) -> int:
    return len(opened)


def denied_dollars(opened: Sequence[Subject]) -> Decimal:
    """What the denials opened put at stake: the denied money of the plan's lines (what their
    denial adjustments took, billed less paid where the remittance gives no amounts)."""
    return total([s.at_stake for s in opened])


def avoidable_share(opened: Sequence[Subject], dollars: bool = False) -> Rate:
    """Denials whose root cause the practice controls / all denials opened (root-cause table)."""
    if dollars:
        return Rate(total([s.at_stake for s in opened if s.avoidable]), denied_dollars(opened), dollars=True)
    return Rate(sum(1 for s in opened if s.avoidable), len(opened))


def overturn_rate(decided: Sequence[Decided], dollars: bool = False) -> Rate:
    """Decisions overturning the denial in full or in part / decisions on the merits (a dismissal
    decides nothing about the denial: DOMAIN.md, Medicare appeal levels); by dollars, the denied
    dollars overturned / the denied dollars in dispute when decided (not the amount paid: a payer
    pays its allowed amount on a denial overturned in full)."""
    merits = [d for d in decided if d.outcome != "dismissed"]
    if dollars:
        return Rate(total([d.overturned for d in merits]), total([d.in_dispute for d in merits]), dollars=True)
    return Rate(sum(1 for d in merits if d.outcome in WON), len(merits))


def dismissal_rate(decided: Sequence[Decided]) -> Rate:
    """Appeals dismissed / appeals decided, dismissals included: the requests lost before anyone
    read them (late, unsigned, incomplete), which the overturn rate leaves out."""
    return Rate(sum(1 for d in decided if d.outcome == "dismissed"), len(decided))


def recovered(decided: Sequence[Decided]) -> Decimal:
    return total([d.recovered for d in decided])


def resubmissions_paid(resubmitted: Sequence[Decided]) -> Rate:
    """Resubmissions paid in full or in part / resubmissions the payer decided (dismissed ones too:
    a resubmission is a claim, not a review on the merits)."""
    return Rate(sum(1 for d in resubmitted if d.outcome in WON), len(resubmitted))


def days_to_appeal(sent: Sequence[Sent]) -> Days:
    """From the denial (the payer's date) to the first request sent about it."""
    return Days(tuple((s.on - s.subject.denied_on).days for s in sent if s.first), "no first appeal sent")


def days_to_resolution(resolved: Sequence[Resolved]) -> Days:
    """From the denial to the date it closed: paid on overturn, written off, or billed to the patient."""
    return Days(tuple((r.on - r.subject.denied_on).days for r in resolved), "no denial resolved")


def open_dollars(still_open: Sequence[Open]) -> Decimal:
    return total([o.amount for o in still_open])


def aged_backlog(still_open: Sequence[Open], end: date) -> list[tuple[str, int, Decimal]]:
    """Open denials by days since the denial at `end`: (bucket, count, dollars still at stake)."""
    counts = {label: 0 for _, _, label in BUCKETS}
    amounts = {label: ZERO for _, _, label in BUCKETS}
    for found in still_open:
        age = (end - found.subject.denied_on).days
        label = next(lb for low, high, lb in BUCKETS if age >= low and (high is None or age <= high))
        counts[label] += 1
        amounts[label] += found.amount
    return [(label, counts[label], amounts[label]) for _, _, label in BUCKETS]


def deadlines_missed(missed: Sequence[Missed]) -> tuple[int, Decimal]:
    """Filing deadlines that passed with nothing sent (count, dollars at stake then)."""
    return len(missed), total([m.amount for m in missed])


def last_week_appeals(sent: Sequence[Sent]) -> Rate:
    """Requests sent in the last 7 days before their filing deadline / requests sent by their
    deadline (one sent late is a deadline missed, counted there)."""
    left = [(s.deadline - s.on).days for s in sent if s.deadline is not None and s.on <= s.deadline]
    return Rate(sum(1 for days in left if days < LAST_WEEK), len(left))


def write_offs(written_off: Sequence[WrittenOff]) -> Decimal:
    """Amounts adjusted (written off) after a denial."""
    return total([w.amount for w in written_off])


def billed_to_patients(billed: Sequence[WrittenOff]) -> Decimal:
    """Amounts moved to the patient's bill after a denial (the payer made the patient liable)."""
    return total([b.amount for b in billed])


def write_off_share(written_off: Sequence[WrittenOff], npsr: Decimal | None) -> Rate:
    """MAP Key AR-6 style: denial write-offs / net patient service revenue for the period."""
    if npsr is None:
        return unavailable("give the period's net patient service revenue with --npsr", dollars=True)
    return Rate(write_offs(written_off), npsr, dollars=True)
