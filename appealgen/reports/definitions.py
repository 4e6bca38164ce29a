"""What each figure means and what it was computed on, printed beside it in every format.

The definitions follow the HFMA Claim Integrity Task Force's standard denial metrics and the
MAP Keys where those define the figure; where no standard body defines one ("avoidable"), the
definition says whose table it used. Rates computed from 835 remittances alone are labelled
as such and never called the initial denial rate."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    title: str
    definition: str
    basis: str


FIRST_REMITTANCE = ("835 remittances alone: each claim once, at its first remittance dated in the period (the payer's "
                    "date); reversals (CLP02 22), predeterminations (25), replacement or void claims (CLP09 7, 8) and "
                    "claims denied as duplicates (CARC 18) excluded. Not the initial denial rate")
OPENED = "denials opened in the period (denial date = the payer's remittance date, or the claim file's denial date)"
MISSABLE = ("steps with a deadline to meet (a request to the payer, a review's window, the rebill after an "
            "eligibility check), deadlines dated in the period")
DECIDED = ("payer decisions dated in the period on appeals recorded as sent (appeals, reconsiderations, claim "
           "disputes), at every level (live events: corrections applied); a claim paid with no request sent is not "
           "an appeal decision, nor is a resubmission's (corrected or new claim, reopening, retroactive authorization)")
RESUBMITTED = ("payer decisions dated in the period on resubmissions recorded as sent: corrected and new claims, "
               "reopenings, retroactive authorization requests (live events: corrections applied)")

DEFINITIONS: dict[str, Definition] = {
    "remittance_denial_rate": Definition(
        "Remittance denial rate (count)", "zero-pay denials at their first remittance (denied, nothing paid; a "
        "claim paid in part with a line denied is not a denied remit: its denial is under Denials opened) / claims "
        "first remitted", FIRST_REMITTANCE),
    "remittance_denial_rate_dollars": Definition(
        "Remittance denial rate (dollars)",
        "gross charges of zero-pay denials at their first remittance / gross charges of claims first remitted; the "
        "denied amounts, line denials included, are under Denied dollars", FIRST_REMITTANCE),
    "initial_denial_rate": Definition(
        "Initial denial rate, HFMA (count)",
        "claims initially denied in a month (in full or on a line) / average monthly claims submitted in the three "
        "months before it; for a longer period, the months' numerators over the months' denominators (not the "
        "same claims above and below the line: a month with more claims than the average before it may pass 100%)",
        "submitted claims (log import --submitted) and 835 remittances, whole calendar months of the period"),
    "initial_denial_rate_dollars": Definition(
        "Initial denial rate, HFMA (gross charges)",
        "gross charges of claims initially denied in a month / average monthly charges submitted in the three "
        "months before it",
        "submitted claims (log import --submitted) and 835 remittances, whole calendar months of the period"),
    "denials_opened": Definition("Denials opened", "denials opened (a claim denied twice counts twice)", OPENED),
    "denied_dollars": Definition("Denied dollars", "amount at stake of the denials opened (what the denial "
                                 "adjustments took on the denied lines, or billed less paid where the remittance "
                                 "gives no amounts; a contractual write-off is not at stake)", OPENED),
    "avoidable_share": Definition(
        "Avoidable denials (count)", "denials whose root cause the practice controls / denials opened",
        OPENED + "; root causes from the table named under Sources"),
    "avoidable_share_dollars": Definition(
        "Avoidable denials (dollars)", "amount at stake of avoidable denials / amount at stake of denials opened",
        OPENED + "; root causes from the table named under Sources"),
    "overturn_rate": Definition(
        "Overturn rate (count)", "decisions overturning the denial in full or in part / decisions on the merits "
        "(dismissals are not: they decide nothing about the denial)", DECIDED),
    "overturn_rate_dollars": Definition(
        "Overturn rate (dollars)", "denied dollars overturned (in full: all at stake, not the allowed amount "
        "paid) / denied dollars at stake when decided on the merits",
        DECIDED),
    "dismissal_rate": Definition(
        "Dismissal rate", "appeals dismissed (not decided on the merits: late, unsigned, incomplete) / appeals "
        "decided, dismissals included", DECIDED),
    "recovered": Definition("Amount recovered", "amounts paid on overturned and partially overturned decisions",
                            DECIDED),
    "resubmissions_paid": Definition(
        "Resubmissions paid", "resubmissions paid in full or in part / resubmissions decided; not in the overturn "
        "rate", RESUBMITTED),
    "recovered_on_resubmission": Definition(
        "Amount recovered on resubmission", "amounts paid on resubmissions; not in the amount recovered on appeal",
        RESUBMITTED),
    "days_to_appeal": Definition(
        "Days from denial to appeal", "days from the denial date to the first appeal sent about it (median, "
        "90th percentile by nearest rank)", "first appeals sent in the period (not resubmissions)"),
    "days_to_resolution": Definition(
        "Days from denial to resolution", "days from the denial date to one fixed endpoint: the date the denial "
        "closed, paid on an overturn, written off, or billed to the patient (median, 90th percentile by nearest "
        "rank)", "denials closed in the period"),
    "open_denials": Definition("Open denials", "denials not closed at the end of the period (the previous "
                               "period's: at its end)", "every denial opened by the end of the period"),
    "open_denial_dollars": Definition(
        "Open denial dollars", "amount still at stake on denials open at the end of the period (at stake less "
        "recovered, written off and billed to the patient)", "every denial opened by the end of the period"),
    "deadlines_missed": Definition(
        "Deadlines missed (count)", "filing deadlines in the period that passed with the request unsent",
        MISSABLE),
    "deadlines_missed_dollars": Definition(
        "Deadlines missed (dollars)", "amount at stake when those deadlines passed",
        MISSABLE),
    "last_week_appeals": Definition(
        "Appeals sent in the last week of their window", "requests sent 0 to 6 days before their filing deadline / "
        "requests sent by their filing deadline (a late one is among the deadlines missed)",
        "requests sent in the period"),
    "write_offs": Definition("Denial write-offs", "amounts adjusted (written off) after a denial",
                             "adjusted events dated in the period"),
    "billed_to_patients": Definition(
        "Billed to patients", "amounts moved to the patient's bill after a denial (the payer made the patient "
        "liable); not written off, not recovered from the payer", "billed_patient events dated in the period"),
    "write_off_share": Definition(
        "Denial write-offs as a share of net patient service revenue (MAP Key AR-6)",
        "denial write-offs / net patient service revenue", "write-offs dated in the period; revenue as given with "
        "--npsr"),
}
