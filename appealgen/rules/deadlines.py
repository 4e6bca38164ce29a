"""Filing deadlines: window from the opening notice plus presumed receipt; months clamp to
the month's end (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from appealgen.models import AppealStep, Claim
from appealgen.payers import Level, PayerProfile


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    date: date
    reason: str


def filing_deadline(claim: Claim, profile: PayerProfile, level: Level) -> Deadline:
    return window_deadline(claim.denial.date, claim.appeal.history, profile, level)


def window_deadline(denial_date: date, history: Sequence[AppealStep], profile: PayerProfile, level: Level) -> Deadline:
    """The deadline of `level` for a denial dated `denial_date` with these earlier decisions
    (the tracking log calls this without a claim file)."""
    start, label = denial_date, "denial date"
    if level.counts_from == "previous_decision" and history:
        start, label = history[-1].date, "previous decision"
    receipt = profile.presumed_receipt_days
    opened = start + timedelta(days=receipt)
    parts = [f"{label} {start.isoformat()}"]
    if receipt:
        parts.append(f"{receipt} days presumed receipt")
    if level.window_months is not None:
        parts.append(f"{level.window_months} months")
        return Deadline(add_months(opened, level.window_months), " + ".join(parts))
    assert level.window_days is not None  # the model requires one window
    parts.append(f"{level.window_days} days")
    return Deadline(opened + timedelta(days=level.window_days), " + ".join(parts))


def amount_in_controversy(claim: Claim) -> Decimal:
    """Billed less paid on the claim's lines (a simplification of Medicare's AIC rules)."""
    return sum((line.billed - line.paid for line in claim.service_lines), Decimal(0))


def aic_minimum(level: Level, today: date) -> Decimal | None:
    """The minimum for `today`'s year; the latest known year when the table is older."""
    if not level.amount_in_controversy:
        return None
    known = [y for y in level.amount_in_controversy if y <= today.year]
    year = max(known) if known else min(level.amount_in_controversy)
    return level.amount_in_controversy[year]
