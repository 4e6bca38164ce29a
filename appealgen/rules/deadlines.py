"""Filing deadlines: window from the opening notice plus presumed receipt; months clamp to
the month's end (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year). Every deadline is the
day the request must *arrive* (Medicare counts a request as filed when it is received,
42 CFR 405.942(a)(2), 405.962(a)(2), 405.1002(a)(4)); the send-by date allows for transit."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from appealgen.disputes import DisputedLine
from appealgen.models import Adjustment, AppealStep, Claim, Decision, RemittanceAdjustment
from appealgen.payers import Delivery, FilingLimit, Level, PayerProfile

# Patient cost sharing the amount in controversy leaves out (42 CFR 405.1006(d)(1): the amount
# charged, less payments, less deductible and coinsurance): PR deductible (1, blood 66,
# professional-in-institutional 247) and coinsurance (2, 248).
COST_SHARING = {"1", "2", "66", "247", "248"}


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    date: date
    reason: str
    start: dt.date  # the day the window counts from (the notice's date, or the date of service)
    counts_from: str  # "denial_date", "previous_decision" or "date_of_service"
    window: str  # "120 days", "12 months"
    receipt_days: int = 0  # days of presumed receipt added to `start`


def _window(start: date, days: int | None, months: int | None, parts: list[str]) -> date:
    if months is not None:
        parts.append(f"{months} months")
        return add_months(start, months)
    if days is None:  # the models refuse a level without a window; a caller building one by hand may not
        raise ValueError("a window needs days or months")
    parts.append(f"{days} days")
    return start + timedelta(days=days)


def filing_deadline(claim: Claim, profile: PayerProfile, level: Level) -> Deadline:
    return window_deadline(claim.denial.date, claim.appeal.history, profile, level)


def window_deadline(denial_date: date, history: Sequence[AppealStep], profile: PayerProfile, level: Level) -> Deadline:
    """The deadline of `level` for a denial dated `denial_date` with these earlier decisions
    (the tracking log calls this without a claim file). A request filed again at the level that
    dismissed the last one keeps that level's own window: a dismissal opens no new one."""
    history = refiled_history(history, level)
    start, label, counts = denial_date, "denial date", "denial_date"
    if level.counts_from == "previous_decision" and history:  # a dismissal is no decision: it is named as one
        last = history[-1]
        start, counts = last.date, "previous_decision"
        label = "dismissal notice" if last.outcome is Decision.dismissed else "previous decision"
    receipt = profile.presumed_receipt_days if level.presumed_receipt else 0
    parts = [f"{label} {start.isoformat()}"]
    if receipt:
        parts.append(f"{receipt} days presumed receipt")
    end = _window(start + timedelta(days=receipt), level.window_days, level.window_months, parts)
    return Deadline(end, " + ".join(parts), start, counts, parts[-1], receipt)


def refiled_history(history: Sequence[AppealStep], level: Level) -> Sequence[AppealStep]:
    """The decisions a request at `level` counts from: without the dismissals of earlier requests
    at that same level (a new, complete request there is filed as the first one was)."""
    end = len(history)
    while end and history[end - 1].level == level.id and history[end - 1].outcome is Decision.dismissed:
        end -= 1
    return history[:end]


def late_limit_passed(denial_date: date, history: Sequence[AppealStep], profile: PayerProfile, level: Level,
                      today: date) -> date | None:
    """The last day `level` takes even a late request with good cause, when that day has passed."""
    if level.late_months is None:
        return None
    last = add_months(window_deadline(denial_date, history, profile, level).start, level.late_months)
    return last if last < today else None


def claim_filing_deadline(first_dos: date, limit: FilingLimit) -> Deadline:
    """A new claim's own filing limit, from the date of service (Medicare: 12 months after it,
    42 CFR 424.44(a)(1)). Months clamp, so Feb 29 + 12 months is Feb 28."""
    parts = [f"claim filing limit: date of service {first_dos.isoformat()}"]
    end = _window(first_dos, limit.window_days, limit.window_months, parts)
    reason = " + ".join(parts)
    return Deadline(end, f"{reason} ({limit.source})" if limit.source else reason, first_dos, "date_of_service",
                    parts[-1])


def vacate_deadline(notice: date, months: int) -> date:
    """A request to vacate a dismissal: months from the dismissal notice's own date."""
    return add_months(notice, months)


@dataclass(frozen=True)
class SendBy:
    date: date
    delivery: Delivery
    reason: str


def send_by(deadline: date, delivery: Delivery, profile: PayerProfile) -> SendBy:
    """The day to send so that the request arrives by the deadline."""
    days = profile.transit_days.get(delivery, 0)
    unit = "day" if days == 1 else "days"
    return SendBy(deadline - timedelta(days=days), delivery,
                  f"{delivery}: allow {days} {unit} to arrive by the deadline {deadline.isoformat()}")


def cost_sharing(claim: Claim, lines: set[int]) -> Decimal:
    """Deductible and coinsurance the remittance assigns to the patient (PR group) on the lines
    numbered in `lines`: each line's from the claim's 835 record when its lines are the claim's,
    else from the claim's own line. The claim-level amounts cannot be put on a line: they count
    only when every line is disputed (else a paid line's cost sharing would lower the amount)."""
    record = claim.remittance
    matched = record is not None and len(record.lines) == len(claim.service_lines)
    adjustments: list[Adjustment | RemittanceAdjustment] = []
    for i in sorted(lines):
        adjustments += record.lines[i].adjustments if record is not None and matched \
            else claim.service_lines[i].adjustments
    if lines >= set(range(len(claim.service_lines))):
        adjustments += record.adjustments if record is not None else claim.denial.adjustments
    return sum((a.amount for a in adjustments if a.group == "PR" and a.carc in COST_SHARING and a.amount is not None),
               Decimal(0))


def amount_in_controversy(claim: Claim, disputed: list[DisputedLine]) -> Decimal:
    """42 CFR 405.1006(d)(1): the charge for the items in question (the disputed lines), less
    what was paid for them, less their deductible and coinsurance; never below zero. A line
    paid with a contractual write-off is not in question, and neither is its write-off."""
    billed_less_paid = sum((line.billed - line.paid for line in disputed), Decimal(0))
    return max(billed_less_paid - cost_sharing(claim, {line.index for line in disputed}), Decimal(0))


def aic_minimum(level: Level, today: date) -> Decimal | None:
    """The minimum for `today`'s year; the latest known year when the table is older."""
    year = minimum_year(level, today)
    return None if year is None else level.amount_in_controversy[year]


def minimum_year(level: Level, today: date) -> int | None:
    """The year whose minimum applies on `today` (the latest the profile gives, when it has none
    for this year yet)."""
    if not level.amount_in_controversy:
        return None
    known = [y for y in level.amount_in_controversy if y <= today.year]
    return max(known) if known else min(level.amount_in_controversy)
