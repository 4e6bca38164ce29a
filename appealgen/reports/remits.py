"""What the report reads from the two big tables, aggregated in the database (a log holds
millions of remitted claims): claims at their first remittance, and claims as submitted.

A claim counts once, at its first remittance: the payer's initial adjudication. Its later
remittances (reprocessing after an appeal, a resubmission) are outcomes, not new claims.
Reversals (CLP02 22), predeterminations (25) and replacement or void claims (CLP09 7, 8) are
never a claim's first remittance: they are left out before the first one is chosen. A claim
denied as a duplicate (CARC 18) is a second submission of a claim already counted, not a
claim of its own: it is left out too (DOMAIN.md: duplicates and reversals excluded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, case, cast, func, literal_column, not_, or_, select, type_coerce
from sqlalchemy.engine import Connection

from appealgen.log.store import as_date
from appealgen.log.tables import remits, submissions
from appealgen.payer_names import payer_label
from appealgen.reports.period import Period

NOT_A_FIRST_REMITTANCE = ("22", "25")  # a reversal, a predetermination (pricing only)
REPLACEMENTS = ("7", "8")  # CLP09: a replacement of an earlier claim, a void
DUPLICATE = "duplicate"  # the category of a claim denied as a duplicate (CARC 18)


@dataclass(frozen=True, slots=True, order=True)
class RemitDay:
    """Claims first remitted on one day, for one practice, payer and category."""

    on: date
    practice: str
    payer: str  # as the remittance names it (N1*PR): the payer profile may stand for several
    category: str  # the category the remittance's codes gave ("contractual" and the like when paid)
    claims: int
    denied: int  # with a denial, in full or on a line (HFMA's initial denials)
    billed: Decimal  # gross charges of those claims
    denied_billed: Decimal  # gross charges of the denied ones
    zero_pay: int  # denied and paid nothing (the remittance denial rate's: DOMAIN.md)
    zero_pay_billed: Decimal


@dataclass(frozen=True, slots=True, order=True)
class SubmittedDay:
    on: date
    practice: str
    claims: int
    charges: Decimal


def _cents(value: object) -> Decimal:
    return Decimal(int(value or 0)).scaleb(-2)  # type: ignore[call-overload]


def first_remittances(conn: Connection, window: Period, practice: str | None) -> list[RemitDay]:
    """Claims whose first remittance falls in `window`, by day, practice, payer and category.

    A remittance is a claim's first when no countable remittance of the same claim comes before
    it (earlier date, or the same date and recorded earlier). The test runs on the index of
    practice and claim, so each remittance costs one index probe."""
    counted = and_(remits.c.status_code.not_in(NOT_A_FIRST_REMITTANCE), remits.c.frequency.not_in(REPLACEMENTS),
                   remits.c.category != DUPLICATE)
    earlier: Any = remits.alias("earlier")
    before: Any = (select(literal_column("1")).select_from(earlier)
              .where(earlier.c.practice == remits.c.practice, earlier.c.claim_id == remits.c.claim_id,
                     earlier.c.status_code.not_in(NOT_A_FIRST_REMITTANCE),
                     earlier.c.frequency.not_in(REPLACEMENTS), earlier.c.category != DUPLICATE,
                     or_(earlier.c.remit_date < remits.c.remit_date,
                         and_(earlier.c.remit_date == remits.c.remit_date, earlier.c.id < remits.c.id))))
    denied = cast(remits.c.denied, Integer)
    billed = type_coerce(remits.c.billed, BigInteger)  # the stored cents: summed in the database, exact
    zero_pay = and_(remits.c.denied, type_coerce(remits.c.paid, BigInteger) <= 0)
    query = (select(remits.c.remit_date, remits.c.practice, remits.c.payer_name, remits.c.category, func.count(),
                    func.sum(denied), func.sum(billed), func.sum(case((remits.c.denied, billed), else_=0)),
                    func.sum(case((zero_pay, 1), else_=0)), func.sum(case((zero_pay, billed), else_=0)))
             .where(counted, remits.c.remit_date.between(window.start, window.end), not_(before.exists()))
             .group_by(remits.c.remit_date, remits.c.practice, remits.c.payer_name, remits.c.category))
    if practice is not None:
        query = query.where(remits.c.practice == practice)
    return sorted(RemitDay(as_date(on), p, payer_label(payer), category, int(n), int(d or 0), _cents(b), _cents(db),
                           int(z or 0),
                           _cents(zb))
                  for on, p, payer, category, n, d, b, db, z, zb in conn.execute(query))


def submitted(conn: Connection, window: Period, practice: str | None) -> list[SubmittedDay]:
    """Claims as submitted (log import --submitted), by day and practice (a submitted claim names
    only its payer profile, so nothing is counted by payer)."""
    charge = type_coerce(submissions.c.charge, BigInteger)
    query = (select(submissions.c.submitted_on, submissions.c.practice, func.count(),
                    func.sum(charge))
             .where(submissions.c.submitted_on.between(window.start, window.end))
             .group_by(submissions.c.submitted_on, submissions.c.practice))
    if practice is not None:
        query = query.where(submissions.c.practice == practice)
    return sorted(SubmittedDay(as_date(on), p, int(n), _cents(c)) for on, p, n, c in conn.execute(query))
