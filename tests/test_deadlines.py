"""Deadlines (the day a request must arrive), send-by dates, claim filing limits, the
reopening window, dismissal windows and the amount in controversy. Each case names its rule
(42 CFR part 405 subpart I unless said otherwise, and the payer pages cited in payers/*.yaml).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from appealgen.disputes import disputed_lines
from appealgen.models import Action, Adjustment, Claim
from appealgen.plan import deadline_findings, make_plan
from appealgen.rules.classify import classify
from appealgen.rules.deadlines import add_months, amount_in_controversy, filing_deadline
from tests.conftest import CODES, TODAY, claim_dict
from tests.rulecases import build_claim, chain, plan_for, profile

A = Action
DME_LEVELS = ["redetermination", "reconsideration", "alj_hearing", "appeals_council", "judicial_review"]
AGGREGATE = ("claims may be aggregated to reach the minimum: several claims with common issues, appealed together "
             "within the 60-day window (42 CFR 405.1006(e))")
EXHAUSTED = "bill the patient only where the patient is liable (PR group); otherwise adjust the balance"


# --------------------------------------------------------------------------- 1. appeal windows


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # README, Denial rules: "months clamp to the month's end" (project choice for month windows).
        pytest.param(date(2026, 1, 31), 12, date(2027, 1, 31), id="jan31+12"),
        pytest.param(date(2027, 1, 31), 1, date(2027, 2, 28), id="jan31+1-clamps-to-feb28"),
        pytest.param(date(2027, 12, 31), 2, date(2028, 2, 29), id="dec31+2-leap-day"),
        pytest.param(date(2028, 2, 29), 12, date(2029, 2, 28), id="leap-day+12-clamps"),
        pytest.param(date(2026, 3, 31), 1, date(2026, 4, 30), id="mar31+1-apr30"),
        pytest.param(date(2026, 11, 15), 2, date(2027, 1, 15), id="crosses-year"),
        pytest.param(date(2026, 5, 20), 0, date(2026, 5, 20), id="zero-months"),
        pytest.param(date(2026, 5, 20), 24, date(2028, 5, 20), id="24-months"),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("payer", "denial_date", "history", "deadline", "reason"),
    [
        # 42 CFR 405.942(a): 120 days after receipt; presumed receipt 5 days: 405.942(a)(1).
        pytest.param("medicare-dme", "2026-10-14", [], date(2027, 2, 16),
                     "denial date 2026-10-14 + 5 days presumed receipt + 120 days",
                     id="medicare-redetermination-5+120"),
        pytest.param("medicare-part-b", "2026-10-14", [], date(2027, 2, 16),
                     "denial date 2026-10-14 + 5 days presumed receipt + 120 days",
                     id="medicare-part-b-redetermination-5+120"),
        # 405.962(a): 180 days after receipt of the redetermination; presumed receipt: 405.962(a)(1).
        pytest.param("medicare-dme", "2026-08-01", [("redetermination", "2026-11-02", "upheld")],
                     date(2027, 5, 6),
                     "previous decision 2026-11-02 + 5 days presumed receipt + 180 days",
                     id="medicare-reconsideration-previous-decision-5+180"),
        # 405.1002(a)(1): 60 days after receipt of the reconsideration; presumed receipt: 405.1002(a)(3).
        pytest.param("medicare-dme", "2026-03-01",
                     [("redetermination", "2026-06-01", "upheld"),
                      ("reconsideration", "2026-11-10", "upheld")],
                     date(2027, 1, 14),
                     "previous decision 2026-11-10 + 5 days presumed receipt + 60 days",
                     id="medicare-alj-previous-decision-5+60"),
        # UHC Administrative Guide (commercial.yaml): 12 months from the EOB/PRA for both steps together.
        pytest.param("commercial", "2026-01-31", [], date(2027, 1, 31), "denial date 2026-01-31 + 12 months",
                     id="commercial-12-months-month-end"),
        pytest.param("commercial", "2026-02-28", [("reconsideration", "2026-06-30", "upheld")],
                     date(2027, 2, 28), "denial date 2026-02-28 + 12 months",
                     id="commercial-appeal-counts-from-denial"),
        # CareSource IN Provider Disputes or Appeals: a claim dispute within 60 days of the determination.
        pytest.param("medicaid-caresource", "2026-10-14", [], date(2026, 12, 13),
                     "denial date 2026-10-14 + 60 days", id="medicaid-claim-dispute-60-days"),
        # medicaid-caresource.yaml: the provider appeal window could NOT be confirmed; 60 days is the conservative
        # figure (CareSource IN member appeals and its IN D-SNP provider page).
        pytest.param("medicaid-caresource", "2026-09-01", [("claim_dispute", "2026-11-10", "upheld")],
                     date(2027, 1, 9), "previous decision 2026-11-10 + 60 days",
                     id="medicaid-appeal-60-days-from-dispute-decision"),
    ],
)
def test_filing_deadline(
    payer: str, denial_date: str, history: list[tuple[str, str, str]], deadline: date, reason: str
) -> None:
    claim = build_claim(["CO-50"], payer=payer, denial_date=denial_date, history=history)
    plan = plan_for(claim)
    assert (plan.deadline, plan.deadline_reason) == (deadline, reason)
    assert plan.days_left == (deadline - TODAY).days


def test_filing_deadline_direct_call_matches_the_plan() -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme")
    medicare = profile("medicare-dme")
    assert filing_deadline(claim, medicare, medicare.levels[0]).date == date(2027, 2, 16)


@pytest.mark.parametrize(
    ("today", "days_left", "problems", "warnings"),
    [
        # README, Denial rules: within 14 days a warning; passed, a problem unless `appeal.good_cause` is given
        # (project choice). Deadline: commercial.yaml, 12 months (UHC Administrative Guide).
        pytest.param(date(2027, 1, 31), 0, [], ["filing deadline 2027-01-31 is 0 days away"],
                     id="deadline-day-is-not-passed"),
        pytest.param(date(2027, 2, 1), -1,
                     ["filing deadline 2027-01-31 has passed; "
                      "state good cause (appeal.good_cause) to file late"],
                     [], id="one-day-late-is-a-problem"),
        pytest.param(date(2027, 1, 21), 10, [], ["filing deadline 2027-01-31 is 10 days away"],
                     id="10-days-left-warns"),
        pytest.param(date(2027, 1, 17), 14, [], ["filing deadline 2027-01-31 is 14 days away"],
                     id="14-days-left-warns"),
        pytest.param(date(2027, 1, 16), 15, [], [], id="15-days-left-is-quiet"),
    ],
)
def test_deadline_problems_and_warnings(
    today: date, days_left: int, problems: list[str], warnings: list[str]
) -> None:
    plan = plan_for(build_claim(["CO-50"], denial_date="2026-01-31"), today=today)
    assert (plan.days_left, plan.problems, plan.warnings) == (days_left, problems, warnings)


def test_good_cause_turns_a_passed_deadline_into_a_warning() -> None:
    claim = build_claim(["CO-50"], denial_date="2025-10-01", good_cause="The office was closed by a flood.")
    plan = plan_for(claim)
    assert plan.problems == []
    assert plan.warnings == ["filing deadline 2026-10-01 has passed; good cause is stated in the letter"]


def test_deadline_findings_direct() -> None:
    def found(good_cause: bool, days_left: int) -> list[tuple[str, str, str]]:
        return [(f.code, f.severity, f.message) for f in deadline_findings(good_cause, date(2026, 1, 2), days_left)]

    assert found(False, -3) == [("deadline.passed", "problem",
                                 "filing deadline 2026-01-02 has passed; state good cause (appeal.good_cause) to "
                                 "file late")]
    assert found(True, -3) == [("deadline.passed_good_cause", "warning",
                                "filing deadline 2026-01-02 has passed; good cause is stated in the letter")]
    assert found(False, 0) == [("deadline.soon", "warning", "filing deadline 2026-01-02 is 0 days away")]
    assert found(False, 30) == []


@pytest.mark.parametrize(
    ("payer", "codes", "rarcs", "attachments", "history", "level", "deadline", "reason"),
    [
        # 405.980(b)(1), (c)(1): a reopening within 1 year of the initial determination.
        pytest.param("medicare-part-b", ["CO-4"], [], ["corrected_claim"], [], "reopening", date(2027, 10, 14),
                     "denial date 2026-10-14 + 12 months", id="reopening-one-year-405.980"),
        # 424.44(a)(1): an unprocessable claim (MA130) goes in again as a new claim within 12
        # months of the date of service, not within an appeal window.
        pytest.param("medicare-part-b", ["CO-16"], ["MA130"], [], [], "redetermination", date(2027, 9, 2),
                     "claim filing limit: date of service 2026-09-02 + 12 months (42 CFR 424.44(a)(1))",
                     id="MA130-claim-filing-limit-424.44"),
        # medicaid-caresource.yaml `filing_limit`: CareSource IHCP billing seminar 2017 (old, not confirmed).
        pytest.param("medicaid-caresource", ["CO-16"], ["MA130"], [], [], "claim_dispute", date(2026, 12, 1),
                     "claim filing limit: date of service 2026-09-02 + 90 days (CareSource IHCP billing seminar 2017; "
                     "check the provider agreement)", id="MA130-medicaid-90-days"),
        # CareSource IN: medical-necessity denials skip the dispute; the appeal counts from the denial.
        # (CareSource IN Provider Disputes or Appeals; the 60 days: medicaid-caresource.yaml, not confirmed.)
        pytest.param("medicaid-caresource", ["CO-50"], [], [], [], "appeal", date(2026, 12, 13),
                     "denial date 2026-10-14 + 60 days", id="medicaid-clinical-appeal-60-days-from-denial"),
    ],
)
def test_windows_of_the_other_steps(
    payer: str, codes: list[str], rarcs: list[str], attachments: list[str], history: list[tuple[str, str]],
    level: str, deadline: date, reason: str,
) -> None:
    claim = build_claim(codes, rarcs, payer=payer, attachments=["remittance_advice", *attachments],
                        history=chain(*history), billed="5000.00")
    plan = plan_for(claim)
    assert (plan.level, plan.deadline, plan.deadline_reason) == (level, deadline, reason)


# Dismissals that came after the dismissed level's own window closed (else the plan files a new
# request there): a redetermination denied 2026-06-20 (window closed 2026-10-23), a
# reconsideration asked of a redetermination decided 2026-04-24 (window closed 2026-10-26).
REDETERMINATION_DISMISSED = (chain(("redetermination", "dismissed")), "2026-06-20")
RECONSIDERATION_DISMISSED = ([("redetermination", "2026-04-24", "upheld"),
                              ("reconsideration", "2026-11-10", "dismissed")], "2026-03-02")


def dismissed(history: tuple[list[tuple[str, str, str]], str], billed: str = "5000.00") -> Claim:
    steps, denied = history
    return build_claim(["CO-50"], payer="medicare-dme", history=steps, denial_date=denied, dos="2026-02-02",
                       billed=billed)


@pytest.mark.parametrize(
    ("history", "level", "deadline", "reason"),
    [
        # 405.974(b)(1): 60 days after receipt of the dismissal notice, counted from the notice
        # date itself (the earlier, safe date): no presumed-receipt days.
        pytest.param(REDETERMINATION_DISMISSED, "dismissal_review", date(2027, 1, 9),
                     "dismissal notice 2026-11-10 + 60 days", id="qic-review-of-dismissal-60-days"),
        # 405.1004(a): 60 days after receipt of the QIC's dismissal (+5 days presumed receipt).
        pytest.param(RECONSIDERATION_DISMISSED, "qic_dismissal_review", date(2027, 1, 14),
                     "dismissal notice 2026-11-10 + 5 days presumed receipt + 60 days",
                     id="alj-review-of-qic-dismissal"),
    ],
)
def test_windows_of_the_dismissal_reviews(history: tuple[list[tuple[str, str, str]], str], level: str,
                                          deadline: date, reason: str) -> None:
    plan = plan_for(dismissed(history))
    assert (plan.level, plan.deadline, plan.deadline_reason) == (level, deadline, reason)


# Every Medicare step: (window, presumed receipt, counts from), each from its regulation.
MEDICARE_WINDOWS = {
    "reopening": ("12 months", False, "denial_date"),  # 405.980(b)(1), (c)(1)
    "redetermination": ("120 days", True, "denial_date"),  # 405.942(a)
    "reconsideration": ("180 days", True, "previous_decision"),  # 405.962(a)
    "alj_hearing": ("60 days", True, "previous_decision"),  # 405.1002(a)(1)
    "appeals_council": ("60 days", True, "previous_decision"),  # 405.1102(a)(1)
    "judicial_review": ("60 days", True, "previous_decision"),  # 405.1136
    "dismissal_review": ("60 days", False, "previous_decision"),  # 405.974(b)(1), from the notice date
    "qic_dismissal_review": ("60 days", True, "previous_decision"),  # 405.1004(a)
}


@pytest.mark.parametrize("payer", ["medicare-dme", "medicare-part-b"])
def test_every_medicare_step_has_the_window_its_regulation_gives(payer: str) -> None:
    steps = {step.id: step for step in profile(payer).steps()}
    found = {
        step_id: (f"{step.window_days} days" if step.window_days else f"{step.window_months} months",
                  step.presumed_receipt, step.counts_from)
        for step_id, step in steps.items()
    }
    assert found == MEDICARE_WINDOWS
    assert profile(payer).presumed_receipt_days == 5  # 405.942(a)(1), 405.962(a)(1), 405.1002(a)(3)


def test_the_vacate_request_is_dated_in_the_notes() -> None:
    """405.952(d): the MAC may vacate its dismissal within 6 months of the notice."""
    plan = plan_for(dismissed(REDETERMINATION_DISMISSED))
    assert plan.notes[0] == ("or ask DME MAC to vacate its dismissal, showing good and sufficient cause, within 6 "
                             "months of the notice (42 CFR 405.952(d)): by 2027-05-10")


def test_a_new_claim_without_a_filing_limit_in_the_profile_warns() -> None:
    medicare = profile("medicare-part-b").model_copy(update={"filing_limit": None})
    plan = make_plan(build_claim(["CO-16"], ["MA130"], payer="medicare-part-b"), medicare, CODES, TODAY)
    assert plan.deadline_reason == "denial date 2026-10-14 + 5 days presumed receipt + 120 days"
    assert [f.message for f in plan.findings if f.code == "payer.filing_limit_missing"] == [
        "medicare-part-b gives no claim filing limit (filing_limit); the deadline shown is Redetermination's window: "
        "check the payer's limit for a new claim"]


# --------------------------------------------------------------------------- 2. send by


@pytest.mark.parametrize(
    ("payer", "history", "delivery", "deadline", "send_by", "reason"),
    [
        # transit_days in the payer profile (house defaults: mail 7, fax 1, portal 1)
        # project choice: payers/*.yaml "house defaults, not a rule"; README, Denial rules: send-by date. Deadlines:
        # 405.942(a) (fax, redetermination), 405.1136 (court by mail: medicare-dme.yaml, "A court takes no fax").
        pytest.param("medicare-dme", [], "fax", date(2027, 2, 16), date(2027, 2, 15),
                     "fax: allow 1 day to arrive by the deadline 2027-02-16", id="fax-1-day"),
        pytest.param("medicare-dme", [(lv, "upheld") for lv in DME_LEVELS[:4]], "mail", date(2027, 1, 14),
                     date(2027, 1, 7), "mail: allow 7 days to arrive by the deadline 2027-01-14",
                     id="court-by-mail-7-days"),
    ],
)
def test_send_by_allows_for_the_delivery_method(
    payer: str, history: list[tuple[str, str]], delivery: str, deadline: date, send_by: date, reason: str
) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=chain(*history), billed="5000.00"))
    assert (plan.delivery, plan.deadline, plan.send_by, plan.send_by_reason) == (delivery, deadline, send_by, reason)


def test_send_by_follows_the_profile_transit_days() -> None:
    portal = profile("commercial").model_copy(update={"delivery": "portal", "transit_days": {"portal": 2}})
    plan = make_plan(build_claim(["CO-50"]), portal, CODES, TODAY)
    assert (plan.delivery, plan.send_by, plan.send_by_reason) == (
        "portal", date(2027, 10, 12), "portal: allow 2 days to arrive by the deadline 2027-10-14")


# --------------------------------------------------------------------------- 3. amount in controversy

ALJ_HISTORY = chain(("redetermination", "upheld"), ("reconsideration", "upheld"))
JUDICIAL_HISTORY = chain(*[(lv, "upheld") for lv in DME_LEVELS[:4]])


@pytest.mark.parametrize(
    ("history", "billed", "paid", "today", "minimum", "short"),
    [
        # 405.1006(b), (c): ALJ and judicial review minimums by year (90 FR 55869 for 2026).
        # Amount: billed less payments (405.1006(d)(1)). A year after the table: project choice, the latest known
        # minimum (appealgen/rules/deadlines.py). Redetermination: no minimum (DOMAIN.md: Medicare appeal levels).
        pytest.param(ALJ_HISTORY, "150.00", "0.00", TODAY, Decimal(200), True, id="alj-2026-150-below-200"),
        pytest.param(ALJ_HISTORY, "400.00", "250.00", TODAY, Decimal(200), True, id="alj-billed-less-paid"),
        pytest.param(ALJ_HISTORY, "199.99", "0.00", TODAY, Decimal(200), True, id="alj-a-cent-short"),
        pytest.param(ALJ_HISTORY, "200.00", "0.00", TODAY, Decimal(200), False, id="alj-exactly-200-ok"),
        pytest.param(ALJ_HISTORY, "250.00", "0.00", TODAY, Decimal(200), False, id="alj-250-ok"),
        pytest.param(ALJ_HISTORY, "150.00", "0.00", date(2027, 1, 2), Decimal(200), True,
                     id="alj-later-year-uses-latest-known-minimum"),
        pytest.param(JUDICIAL_HISTORY, "1900.00", "0.00", TODAY, Decimal(1960), True,
                     id="judicial-2026-1900-below-1960"),
        pytest.param(JUDICIAL_HISTORY, "1960.00", "0.00", TODAY, Decimal(1960), False, id="judicial-exactly-1960-ok"),
        pytest.param([], "150.00", "0.00", TODAY, None, False, id="redetermination-has-no-minimum"),
    ],
)
def test_amount_in_controversy_below_the_minimum_asks_the_client(
    history: list[tuple[str, str, str]], billed: str, paid: str, today: date, minimum: Decimal | None, short: bool,
) -> None:
    """Below the next level's minimum the action is not an appeal: ask the client (nothing is
    sent), say why, and mention aggregation (405.1006(e))."""
    claim = build_claim(["CO-50"], payer="medicare-dme", history=history, billed=billed, paid=paid)
    plan = plan_for(claim, today=today)
    aic = Decimal(billed) - Decimal(paid)
    assert (plan.aic_minimum, plan.amount_in_controversy) == (minimum, aic)
    if not short:
        assert plan.action == (A.review if plan.level == "judicial_review" else A.appeal)  # counsel files it
        assert not [f for f in plan.findings if f.code == "aic.below_minimum"]
        return
    assert minimum is not None
    assert plan.action == A.ask_client
    assert plan.action_reason == (f"amount in controversy ${aic:,.2f} is below the ${minimum:,.2f} minimum for "
                                  f"{plan.level_name}; the patient is not liable")
    # the date claims aggregated to reach the minimum are due stays in sight while the client decides
    window = f"{plan.level_name} by {plan.deadline.isoformat()}"
    assert plan.notes == [AGGREGATE, EXHAUSTED, f"aggregated with other claims to reach the minimum: {window} "
                                                f"({plan.deadline_reason})"]
    # a year the payer profile gives no minimum for yet is named as the year whose minimum was used
    year = "2026 (the latest year the payer profile gives; check 2027's)" if today.year == 2027 else today.year
    assert [f.message for f in plan.findings if f.code == "aic.below_minimum"] == [
        f"amount in controversy ${aic:,.2f} is below the ${minimum:,.2f} minimum for {plan.level_name} in {year}"]


def test_alj_minimum_2025_is_190() -> None:
    history = [("redetermination", "2025-06-02", "upheld"), ("reconsideration", "2025-11-03", "upheld")]
    claim = build_claim(["CO-50"], payer="medicare-dme", history=history, denial_date="2025-03-03",
                        dos="2025-02-03", billed="189.99")
    plan = plan_for(claim, today=date(2025, 11, 20))
    assert (plan.aic_minimum, plan.action) == (Decimal(190), A.ask_client)


def test_the_minimum_applies_to_the_alj_review_of_a_qic_dismissal() -> None:
    """405.1004(a)(2): the ALJ's review of a QIC dismissal has the ALJ minimum."""
    plan = plan_for(dismissed(RECONSIDERATION_DISMISSED, billed="150.00"))
    assert (plan.level, plan.action, plan.aic_minimum) == ("qic_dismissal_review", A.ask_client, Decimal(200))


@pytest.mark.parametrize(
    ("codes", "aic"),
    [
        # 405.1006(d)(1): billed, less payments, less deductible and coinsurance (PR-1, PR-2, PR-66,
        # PR-247, PR-248) where the remittance gives them. A copay (PR-3) is neither.
        # Meanings: CARC 1, 2, 3, 66 (X12 code list 139). CO-1: the CO group is not the patient's (DOMAIN.md: the words,
        # row 'group code'). Never below zero: project choice (appealgen/rules/deadlines.py).
        pytest.param(["CO-50=200.00"], Decimal("245.00"), id="no-cost-sharing"),
        pytest.param(["PR-1=30.00"], Decimal("215.00"), id="less-deductible"),
        pytest.param(["PR-2=49.00"], Decimal("196.00"), id="less-coinsurance"),
        pytest.param(["PR-66=10.00"], Decimal("235.00"), id="less-blood-deductible"),
        pytest.param(["PR-3=20.00"], Decimal("245.00"), id="copay-is-not-subtracted"),
        pytest.param(["CO-1=30.00"], Decimal("245.00"), id="CO-group-is-not-the-patient's"),
        pytest.param(["PR-1=300.00"], Decimal("0"), id="never-below-zero"),
    ],
)
def test_amount_in_controversy_leaves_out_deductible_and_coinsurance(codes: list[str], aic: Decimal) -> None:
    assert in_controversy(build_claim(codes, billed="245.00")) == aic


def in_controversy(claim: Claim) -> Decimal:
    """The amount in controversy of the lines the plan disputes."""
    return amount_in_controversy(claim, disputed_lines(claim, classify(claim, CODES).denial_codes))


def test_a_line_paid_with_a_contractual_write_off_is_not_in_controversy() -> None:
    """405.1006(d)(1) counts the items in question: a line paid at the allowed amount (its
    CO-45 write-off is no one's to recover) is not, so neither its charge nor its write-off
    counts; deductible and coinsurance count only on the disputed line (and the claim's own)."""
    data = claim_dict(payer="medicare-dme", service_lines=[
        {"dos": "2026-09-02", "code": "E0601", "billed": "245.00", "paid": "150.00",
         "adjustments": [{"group": "CO", "carc": "45", "amount": "60.00"},
                         {"group": "PR", "carc": "2", "amount": "35.00"}]},
        {"dos": "2026-09-02", "code": "A7034", "billed": "150.00", "paid": "0",
         "adjustments": [{"group": "CO", "carc": "50", "amount": "130.00"},
                         {"group": "PR", "carc": "1", "amount": "20.00"}]},
    ])
    plan = plan_for(Claim.model_validate(data))
    assert [line.label for line in plan.disputed] == ["A7034"]
    assert plan.amount_in_controversy == Decimal("130.00")  # 150.00 billed, nothing paid, 20.00 deductible


def test_with_claim_level_codes_a_line_the_remittance_accounts_for_is_not_disputed() -> None:
    """Denial codes on the claim only: a line whose shortfall the remittance explains in full by
    adjustments that are not denials (CO-45 and coinsurance) was settled, so it is not in question.
    A line short by more than its listed adjustments still is."""
    settled: dict[str, object] = {"dos": "2026-09-02", "code": "E0601", "billed": "245.00", "paid": "150.00",
                                  "adjustments": [{"group": "CO", "carc": "45", "amount": "60.00"},
                                                  {"group": "PR", "carc": "2", "amount": "35.00"}]}
    lines = [settled, {"dos": "2026-09-02", "code": "A7034", "billed": "250.00", "paid": "0"}]
    data = claim_dict(payer="medicare-dme", service_lines=lines,
                      denial={"date": "2026-10-14", "carc": ["50"], "group": "CO"})
    plan = plan_for(Claim.model_validate(data))
    assert [(line.label, line.codes) for line in plan.disputed] == [("A7034", ["CO-50"])]
    assert plan.amount_in_controversy == Decimal("250.00")
    settled["adjustments"] = [{"group": "CO", "carc": "45", "amount": "60.00"}]  # 35.00 unexplained
    plan = plan_for(Claim.model_validate(data))
    assert [line.label for line in plan.disputed] == ["E0601", "A7034"]


def test_when_every_short_line_is_settled_a_fully_paid_line_is_still_not_disputed() -> None:
    """Codes on the claim only, the one short line settled by its deductible: the request is
    about that line, never about the line paid in full."""
    lines = [{"dos": "2026-09-02", "code": "E0601", "billed": "100.00", "paid": "100.00"},
             {"dos": "2026-09-02", "code": "A7034", "billed": "200.00", "paid": "0",
              "adjustments": [{"group": "PR", "carc": "1", "amount": "200.00"}]}]
    data = claim_dict(payer="medicare-dme", service_lines=lines,
                      denial={"date": "2026-10-14", "carc": ["50"], "group": "CO"})
    plan = plan_for(Claim.model_validate(data))
    assert [line.label for line in plan.disputed] == ["A7034"]


def test_a_line_paid_in_full_is_not_disputed_though_its_denial_code_was_typed_on_it() -> None:
    """A claim file that puts CO-50 on both lines, one of them paid in full: the request is about
    the line the code took money from (asking for review of a paid line invites a recoupment)."""
    denied = {"dos": "2026-09-02", "carc": ["50"], "group": "CO"}
    lines = [{**denied, "code": "E0601", "billed": "245.00", "paid": "245.00"},
             {**denied, "code": "A7030", "billed": "150.00", "paid": "0"}]
    plan = plan_for(Claim.model_validate(claim_dict(payer="medicare-dme", service_lines=lines)))
    assert [line.label for line in plan.disputed] == ["A7030"]
    assert plan.amount_requested == Decimal("150.00")


def test_claim_level_cost_sharing_counts_only_when_every_line_is_disputed() -> None:
    """A claim-level deductible cannot be put on a line: with a paid line beside the denied one,
    it may be the paid line's, and subtracting it could drop a request below the ALJ minimum."""
    lines = [{"dos": "2026-09-02", "code": "E0601", "billed": "245.00", "paid": "245.00"},
             {"dos": "2026-09-02", "code": "A7034", "billed": "250.00", "paid": "0",
              "adjustments": [{"group": "CO", "carc": "50", "amount": "250.00"}]}]
    data = claim_dict(payer="medicare-dme", service_lines=lines,
                      denial={"date": "2026-10-14", "carc": [], "adjustments": [{"group": "PR", "carc": "1",
                                                                                  "amount": "240.00"}]})
    assert in_controversy(Claim.model_validate(data)) == Decimal("250.00")
    data["service_lines"] = lines[1:]  # the denied line alone: the deductible is its own
    assert in_controversy(Claim.model_validate(data)) == Decimal("10.00")


def test_amount_in_controversy_from_the_claims_835_record() -> None:
    """A claim made from an 835 carries its remittance record: cost sharing comes from there."""
    data = claim_dict(remittance={
        "source": "remit.835", "payer_name": "EXAMPLE DME MAC", "status_code": "1", "status": "processed as primary",
        "billed": "245.00", "paid": "0", "adjustments": [{"group": "PR", "carc": "1", "amount": "40.00"}],
        "lines": [{"code": "E0601", "billed": "245.00", "paid": "0",
                   "adjustments": [{"group": "CO", "carc": "50", "amount": "150.00"},
                                   {"group": "PR", "carc": "2", "amount": "55.00"}]}]})
    assert in_controversy(Claim.model_validate(data)) == Decimal("150.00")


def test_the_packet_reaching_the_alj_with_enough_in_controversy_is_an_appeal() -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=ALJ_HISTORY, billed="110.00")
    line = claim.service_lines[0]
    coinsurance = line.model_copy(update={"adjustments": [Adjustment(group="PR", carc="2", amount=Decimal(20))]})
    plan = plan_for(claim.model_copy(update={"service_lines": [line, coinsurance]}))
    # two denied lines of 110.00 billed, nothing paid, 20.00 coinsurance on one: 200.00 in controversy
    assert (plan.amount_in_controversy, plan.action) == (Decimal("200.00"), A.appeal)
