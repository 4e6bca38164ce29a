"""The rules, as tables: precedence, category -> action, appeal levels and dismissal paths,
corrections (reopening, replacement or new claim), exhaustion, required documents, letters
and covers, code descriptions. Each case names the rule or code-list entry it comes from.
The reason-code table itself is pinned entry by entry in test_codes.py; deadlines, the amount
in controversy and send-by dates are in test_deadlines.py.

Every expected value is written out here (never read back from codes.yaml or a payer profile),
so a change to a rule makes a test fail.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from appealgen.errors import InputError
from appealgen.log.model import is_dated
from appealgen.models import Action, Adjustment, Appeal, Attachment, AttachmentKind, Category, Claim
from appealgen.payers import PayerProfile
from appealgen.plan import CATEGORY_LETTERS, SIGNED_ABN, Plan, choose_letter, describe, make_plan
from appealgen.render.letter_parts import window
from appealgen.rules.codes import load_descriptions
from tests.conftest import CODES, REPO, TODAY
from tests.rulecases import build_claim, chain, classify, plan_for, profile

C = Category
A = Action
K = AttachmentKind
VERIFY_FIRST = "verify eligibility and authorization before asking for review"
BENEFIT_NOTE = "verify the payment history and whether an authorization exists before the client decides"
NO_APPEAL_RIGHTS = "the remark gives no appeal rights"
NEW_CLAIM = "send a new claim (frequency code 1), not an appeal; it must meet the claim filing limit"
PRIMARY_RECORD = ("if this payer is in fact primary on the date of service, the patient has the "
                  "coordination-of-benefits record corrected first; then {again}")
REPLACEMENT = "frequency code 7 with the payer's original claim number"
CODING_NOTE = ("if a code, modifier or diagnosis was billed wrong, correct it instead: list the corrected claim "
               "(attachments: corrected_claim) and the plan makes it {how}")
REOPENING_NOTE = "a reopening does not extend the appeal window: if it is refused, appeal in time"
# 405.980(a)(5): the redetermination's window runs while the reopening is pending (denied 2026-10-14).
REOPENING_FALLBACK = ("if the reopening is refused: Redetermination by 2027-02-16 (denial date 2026-10-14 + 5 days "
                      "presumed receipt + 120 days)")
EXHAUSTED = "bill the patient only where the patient is liable (PR group); otherwise adjust the balance"
ELIGIBILITY_NOTE = ("the deadline is this payer's claim filing limit from the date of service; another payer's "
                    "own limit applies to a claim billed to it, and may be shorter")
DUPLICATE_MISTAKE = ("if no earlier claim for these services was paid, the duplicate denial is a mistake: ask the "
                     "payer to reprocess the claim, showing how the services differ from the one it matched")
DUPLICATE_REOPENING = ("if no earlier claim for these services was paid, the duplicate denial is a clerical error: "
                       "ask for a reopening (42 CFR 405.980(a)(3)(iii)), not a redetermination")
DME_LEVELS = ["redetermination", "reconsideration", "alj_hearing", "appeals_council", "judicial_review"]


# --------------------------------------------------------------------------- 1. remark codes on the plan


# codes.yaml: only a `refinable` CARC takes a remark's category (RARC N54, code list 411: authorization);
# CARC 50, 4, 97, 204, 119 (X12 code list 139) are not refinable.
@pytest.mark.parametrize(
    ("carc", "category"),
    [("CO-50", C.medical_necessity), ("CO-4", C.coding), ("CO-97", C.bundling), ("CO-204", C.coverage),
     ("CO-119", C.benefit_maximum)],
    ids=lambda value: value if isinstance(value, str) else value.value,
)
def test_remark_does_not_refine_other_carcs(carc: str, category: Category) -> None:
    found = classify(carc, rarcs=["N54"])
    assert (found.category, found.others) == (category, [])


def test_m51_at_medicare_is_a_clerical_error_corrected_by_reopening() -> None:
    """M51 (procedure code wrong) with appeal rights: our billing error; Medicare processes
    clerical errors as reopenings (42 CFR 405.980(a)(3)). Changed in issue 8: this used to
    send a corrected claim, which a MAC rejects as a duplicate."""
    plan = plan_for(build_claim(["CO-16"], ["M51"], payer="medicare-part-b"))
    assert (plan.action, plan.letter, plan.level, plan.level_name) == (
        A.reopening, "reopening.docx", "reopening", "Reopening (clerical error)")
    assert plan.level_reason == "Reopening (clerical error): how medicare-part-b takes corrections"
    assert plan.appeal_rights


def test_n211_with_co29_adjusts_even_with_proof_of_timely_filing() -> None:
    plan = plan_for(build_claim(["CO-29"], ["N211"], payer="medicare-part-b",
                                attachments=["remittance_advice", "proof_of_timely_filing"]))
    assert (plan.category, plan.action, plan.appeal_rights) == (C.timely_filing, A.adjust, False)
    assert "no appeal rights (N211)" in plan.action_reason


def test_n115_sets_cite_lcd_on_the_plan() -> None:
    assert plan_for(build_claim(["CO-50"], ["N115"], payer="medicare-dme")).cite_lcd
    assert not plan_for(build_claim(["CO-50"], payer="medicare-dme")).cite_lcd


# --------------------------------------------------------------------------- 2. precedence

PRECEDENCE = [
    C.eligibility, C.timely_filing, C.duplicate, C.coordination_of_benefits, C.authorization,
    C.missing_information, C.coding, C.bundling, C.medical_necessity, C.coverage, C.benefit_maximum,
    C.other, C.patient_responsibility, C.contractual,
]


def test_precedence_is_the_documented_order() -> None:
    assert CODES.precedence == PRECEDENCE


@pytest.mark.parametrize(
    ("codes", "category", "others", "denied"),
    [
        # codes.yaml `precedence` (project order: upstream problems first); each code's category from its
        # codes.yaml entry (CARC numbers: X12 code list 139).
        pytest.param(["CO-50", "CO-29"], C.timely_filing, [C.medical_necessity], True, id="CO-50+CO-29"),
        # A paid claim with a contract reduction and a coinsurance: the patient's balance is its work (bill them)
        pytest.param(["CO-45", "PR-2"], C.patient_responsibility, [C.contractual], False, id="CO-45+PR-2"),
        pytest.param(["CO-97", "CO-50"], C.bundling, [C.medical_necessity], True, id="CO-97+CO-50"),
        pytest.param(["CO-29", "CO-27"], C.eligibility, [C.timely_filing], True, id="CO-29+CO-27"),
        pytest.param(["CO-22", "CO-18"], C.duplicate, [C.coordination_of_benefits], True, id="CO-22+CO-18"),
        pytest.param(["CO-197", "CO-22"], C.coordination_of_benefits, [C.authorization], True,
                     id="CO-197+CO-22"),
        pytest.param(["CO-16", "CO-197"], C.authorization, [C.missing_information], True, id="CO-16+CO-197"),
        pytest.param(["CO-4", "CO-16"], C.missing_information, [C.coding], True, id="CO-4+CO-16"),
        pytest.param(["CO-97", "CO-4"], C.coding, [C.bundling], True, id="CO-97+CO-4"),
        pytest.param(["CO-96", "CO-50"], C.medical_necessity, [C.coverage], True, id="CO-96+CO-50"),
        pytest.param(["CO-119", "CO-96"], C.coverage, [C.benefit_maximum], True, id="CO-119+CO-96"),
        # README, Denial rules: a CARC the table does not know is category `other`.
        pytest.param(["CO-999", "CO-119"], C.benefit_maximum, [C.other], True, id="CO-999+CO-119"),
        pytest.param(["CO-50", "CO-97", "CO-29"], C.timely_filing, [C.bundling, C.medical_necessity], True,
                     id="three-codes-others-in-precedence-order"),
        # codes.yaml `denial: false` (CARC 45, CARC 2); DOMAIN.md: denial categories, row 'contractual (not a denial)'.
        pytest.param(["CO-50", "CO-45", "PR-2"], C.medical_necessity, [], True,
                     id="non-denials-dropped-when-something-is-denied"),
        # DOMAIN.md: denial categories, row 'medical necessity' (CARCs 50 and 151).
        pytest.param(["CO-50", "CO-151"], C.medical_necessity, [], True, id="same-category-not-repeated"),
    ],
)
def test_precedence_picks_the_primary_category(
    codes: list[str], category: Category, others: list[Category], denied: bool
) -> None:
    found = classify(*codes)
    assert (found.category, found.others, found.denied) == (category, others, denied)


def test_oa23_plan_does_nothing() -> None:
    plan = plan_for(build_claim(["OA-23"]))
    assert (plan.denied, plan.action) == (False, A.none)


# --------------------------------------------------------------------------- 3. category -> action

@pytest.mark.parametrize(
    ("payer", "codes", "rarcs", "attachments", "history", "action", "notes"),
    [
        # DOMAIN.md, "Denial categories and what to do", row by row.
        # DOMAIN.md: denial categories, row 'medical necessity'; commercial.yaml levels (UHC Administrative Guide):
        # a reconsideration first.
        pytest.param("commercial", ["CO-50"], [], [], [], A.reconsideration, [],
                     id="medical-necessity-commercial-reconsideration"),
        # DOMAIN.md: denial categories, row 'medical necessity' (Medicare: redetermination, 42 CFR 405.942(a));
        # RARC N115 (code list 411) only adds the LCD citation.
        pytest.param("medicare-dme", ["CO-50"], ["N115"], [], [], A.appeal, [],
                     id="medical-necessity-medicare-dme-redetermination"),
        # CareSource IN: the claim dispute excludes medical-necessity denials (clinical appeal)
        # (CareSource IN Provider Disputes or Appeals; medicaid-caresource.yaml `skip_for`).
        pytest.param("medicaid-caresource", ["CO-151"], [], [], [], A.appeal, [],
                     id="medical-necessity-medicaid-skips-the-claim-dispute"),
        # CareSource IN Provider Disputes or Appeals: a claim dispute is required before an appeal.
        pytest.param("medicaid-caresource", ["CO-97"], [], [], [], A.reconsideration, [],
                     id="bundling-medicaid-claim-dispute-first"),
        # DOMAIN.md: denial categories, row 'coverage (non-covered)': verify eligibility and authorization, then review.
        pytest.param("commercial", ["CO-204"], [], [], [], A.reconsideration, [VERIFY_FIRST],
                     id="coverage-review-with-note"),
        pytest.param("medicare-part-b", ["CO-96"], [], [], [], A.appeal, [VERIFY_FIRST],
                     id="coverage-medicare-review-with-note"),
        # DOMAIN.md: denial categories, row 'authorization': show the auth on file.
        pytest.param("medicare-part-b", ["CO-197"], [], ["authorization"], [], A.appeal, [],
                     id="authorization-on-file-review"),
        # A retro authorization goes to a plan's utilization management; Medicare takes none.
        # DOMAIN.md: denial categories, row 'authorization'; commercial.yaml `retro_authorization`;
        # medicare-part-b.yaml: "Medicare takes no requests for retroactive authorization".
        # The request does not stop the appeal clock: the date the first level is due if it is refused.
        pytest.param("commercial", ["CO-197"], [], [], [], A.request_authorization,
                     ["if the authorization is refused: Reconsideration by 2027-10-14 (denial date 2026-10-14 + 12 "
                      "months)"], id="authorization-missing-request-retro"),
        pytest.param("medicare-part-b", ["CO-197"], [], [], [], A.review, [],
                     id="authorization-missing-medicare-takes-no-retro-request"),
        # MA130: unprocessable, no appeal rights: a new claim within the filing limit (424.44)
        # RARC MA130 (code list 411); DOMAIN.md: denial categories, row 'missing information / attachment';
        # filing limit 42 CFR 424.44(a)(1) (medicare-part-b.yaml `filing_limit`).
        pytest.param("medicare-part-b", ["CO-16"], ["MA130"], [], [], A.corrected_claim,
                     [NO_APPEAL_RIGHTS, NEW_CLAIM], id="missing-information-MA130-new-claim"),
        pytest.param("commercial", ["CO-16"], ["MA130"], [], [], A.corrected_claim,
                     [NO_APPEAL_RIGHTS, NEW_CLAIM], id="MA130-new-claim-at-any-payer"),
        # A remark naming a missing claim field (the ordering provider's NPI, an NDC): records cannot supply
        # it, only a corrected claim (NGS, CGS job aids: correct and resubmit); DOMAIN.md's reconsideration
        # "with the missing documents" is for remarks that ask for documents.
        pytest.param("commercial", ["CO-16"], ["N265"], [], [], A.corrected_claim, [REPLACEMENT],
                     id="missing-claim-data-corrected-claim"),
        pytest.param("commercial", ["CO-16"], ["M119"], ["progress_notes"], [], A.corrected_claim, [REPLACEMENT],
                     id="missing-ndc-records-do-not-supply-it"),
        # DOMAIN.md: denial categories, row 'missing information / attachment': otherwise reconsideration.
        pytest.param("commercial", ["CO-252"], [], ["medical_records"], [], A.reconsideration, [],
                     id="missing-information-without-MA130-review"),
        # Our own coding error: corrected the way the payer takes corrections (profile field).
        # DOMAIN.md: denial categories, row 'coding'; `corrections:` commercial.yaml (UHC claim correction and
        # resubmission), medicaid-caresource.yaml (CareSource IN), Medicare 405.980(a)(3), 405.928(c).
        pytest.param("commercial", ["CO-4"], [], ["corrected_claim"], [], A.corrected_claim, [REPLACEMENT],
                     id="coding-our-error-commercial-replacement-claim"),
        pytest.param("medicaid-caresource", ["CO-4"], [], ["corrected_claim"], [], A.corrected_claim, [REPLACEMENT],
                     id="coding-our-error-medicaid-replacement-claim"),
        pytest.param("medicare-part-b", ["CO-4"], [], ["corrected_claim"], [], A.reopening,
                     [REOPENING_NOTE, REOPENING_FALLBACK], id="coding-our-error-medicare-reopening-405.980"),
        # RARC N822 (code list 411): modifier missing, a clerical error: 405.980(a)(3) (medicare-dme.yaml).
        pytest.param("medicare-dme", ["CO-4"], ["N822"], [], [], A.reopening, [REOPENING_NOTE, REOPENING_FALLBACK],
                     id="N822-modifier-missing-medicare-reopening"),
        # DOMAIN.md: denial categories, row 'coding': appeal when the code was right. No remittance says
        # which it was: the plan says how to correct a code billed wrong (Medicare: a clerical error, reopened).
        pytest.param("commercial", ["CO-4"], [], [], [], A.reconsideration,
                     [CODING_NOTE.format(how="a corrected claim")], id="coding-code-was-right-review"),
        pytest.param("medicare-part-b", ["CO-4"], [], [], [], A.appeal, [CODING_NOTE.format(
            how="a reopening for a clerical error (42 CFR 405.980(a)(3)), not a redetermination")],
            id="coding-medicare-code-was-right-redetermination"),
        # DOMAIN.md: denial categories, row 'bundling / inclusive'.
        pytest.param("commercial", ["CO-97"], [], [], [], A.reconsideration, [], id="bundling-review"),
        # DOMAIN.md: denial categories, row 'eligibility'.
        # The rebill is a new claim: dated by the filing limit, with the other payer's limit named.
        pytest.param("commercial", ["CO-27"], [], [], [], A.verify_eligibility, [ELIGIBILITY_NOTE], id="eligibility"),
        # DOMAIN.md: denial categories, row 'timely filing'; RARC N211 (code list 411): no appeal rights.
        pytest.param("commercial", ["CO-29"], [], ["proof_of_timely_filing"], [], A.reconsideration, [],
                     id="timely-filing-with-proof-review"),
        pytest.param("commercial", ["CO-29"], [], [], [], A.adjust, [],
                     id="timely-filing-without-proof-adjust"),
        pytest.param("medicare-part-b", ["CO-29"], ["N211"], ["proof_of_timely_filing"], [], A.adjust,
                     [NO_APPEAL_RIGHTS], id="timely-filing-N211-adjust-even-with-proof"),
        # DOMAIN.md: denial categories, row 'duplicate'.
        # A wrong duplicate denial: reprocessing (a reopening at Medicare: 42 CFR 405.980(a)(3)(iii)).
        pytest.param("commercial", ["CO-18"], [], [], [], A.check_status, [DUPLICATE_MISTAKE],
                     id="duplicate-check-status"),
        pytest.param("medicare-part-b", ["CO-18"], [], [], [], A.check_status, [DUPLICATE_REOPENING],
                     id="medicare-duplicate-check-status-or-reopening"),
        # DOMAIN.md: denial categories, row 'coordination of benefits': bill the primary first / attach its EOB.
        pytest.param("commercial", ["CO-22"], [], [], [], A.corrected_claim,
                     ["no primary EOB enclosed", PRIMARY_RECORD.format(again="send the claim again")],
                     id="coordination-of-benefits-without-primary-eob-corrected-claim"),
        pytest.param("commercial", ["CO-22"], [], ["primary_eob"], [], A.reconsideration, [],
                     id="coordination-of-benefits-with-primary-eob-review"),
        # Medicare takes the primary's decision on a claim billed as secondary (an MSP claim), not in a
        # redetermination; a wrong MSP record is corrected, then the claim reopened (NGS, "Correct or Reopen a
        # Claim Due to an MSP-Related Issue"; Palmetto GBA, CARC 22).
        pytest.param("medicare-dme", ["CO-22"], [], ["primary_eob"], [], A.corrected_claim,
                     [PRIMARY_RECORD.format(again="ask for a reopening")],
                     id="coordination-of-benefits-medicare-with-primary-eob-secondary-claim"),
        pytest.param("medicare-part-b", ["CO-22"], [], [], [], A.corrected_claim,
                     ["no primary EOB enclosed", PRIMARY_RECORD.format(again="ask for a reopening")],
                     id="coordination-of-benefits-medicare-without-primary-eob-bill-primary"),
        # DOMAIN.md: denial categories, row 'benefit maximum': verify payment history and authorization; if no
        # auth, ask the client. PR-119: the PR group is the patient's (DOMAIN.md: the words, row 'group code').
        pytest.param("commercial", ["CO-119"], [], ["authorization"], [], A.reconsideration, [],
                     id="benefit-maximum-with-authorization-review"),
        pytest.param("commercial", ["CO-119"], [], [], [], A.ask_client, [BENEFIT_NOTE],
                     id="benefit-maximum-no-authorization-ask-client"),
        pytest.param("commercial", ["PR-119"], [], [], [], A.ask_client, [BENEFIT_NOTE],
                     id="benefit-maximum-no-authorization-PR-ask-client"),
        # DOMAIN.md: denial categories, row 'contractual (not a denial)'; PR deductible and coinsurance on a paid
        # claim: DOMAIN.md, "Not denials" (bill the patient); CO-1: CO is the provider's (row 'group code').
        pytest.param("commercial", ["CO-45"], [], [], [], A.none, [], id="contractual-none"),
        pytest.param("commercial", ["CO-45", "PR-2"], [], [], [], A.bill_patient, [],
                     id="contractual-with-coinsurance-bills-the-patient-share"),
        pytest.param("commercial", ["PR-1"], [], [], [], A.bill_patient, [],
                     id="PR-1-deductible-bill-patient"),
        pytest.param("commercial", ["CO-1"], [], [], [], A.none, [], id="CO-1-not-patient-liable-none"),
        # README, Denial rules: a CARC the table does not know is `other` with the action `review`.
        pytest.param("commercial", ["CO-999"], [], [], [], A.review, [], id="unknown-carc-review"),
        # project choice (appealgen/rules/decide.py): a pending request is followed up; an overturned one is done.
        pytest.param("medicare-dme", ["CO-50"], [], [], [("redetermination", "2026-11-02", "pending")],
                     A.check_status, [], id="history-pending-check-status"),
        pytest.param("medicare-dme", ["CO-50"], [], [], [("redetermination", "2026-11-02", "overturned")],
                     A.none, [], id="history-overturned-none"),
        # Every level used: the practice decides (DOMAIN.md: ask the client; bill only a liable patient).
        pytest.param("commercial", ["CO-50"], [], [],
                     chain(("reconsideration", "upheld"), ("appeal", "upheld")),
                     A.ask_client, [EXHAUSTED], id="history-exhausted-ask-client"),
        # PR-50 without GA: codes.yaml group rule for 50 (42 CFR 411.404, the ABN rules), Medicare's alone: at a
        # commercial plan no note speaks of a notice.
        pytest.param("commercial", ["PR-50"], [], [],
                     chain(("reconsideration", "upheld"), ("appeal", "upheld")),
                     A.ask_client, [EXHAUSTED], id="history-exhausted-PR-50-commercial-ask-client"),
        pytest.param("medicare-dme", ["CO-50", "PR-2"], [], [],
                     chain(*[(lv, "upheld") for lv in DME_LEVELS]),
                     A.ask_client, [EXHAUSTED], id="history-exhausted-CO-denial-with-PR-coinsurance"),
        # DOMAIN.md: denial categories, row 'benefit maximum'; the PR-2 coinsurance does not make the CO denial
        # the patient's (DOMAIN.md: the words, row 'group code').
        pytest.param("commercial", ["CO-119", "PR-2"], [], [], [], A.ask_client, [BENEFIT_NOTE],
                     id="benefit-maximum-CO-with-PR-coinsurance-ask-client"),
    ],
)
def test_category_decides_the_action(
    payer: str, codes: list[str], rarcs: list[str], attachments: list[str],
    history: list[tuple[str, str, str]], action: Action, notes: list[str],
) -> None:
    claim = build_claim(codes, rarcs, payer=payer, attachments=["remittance_advice", *attachments],
                        history=history, billed="5000.00")
    plan = plan_for(claim)
    assert (plan.action, plan.notes) == (action, notes), plan.action_reason


@pytest.mark.parametrize(
    ("codes", "modifiers", "reason"),
    [
        # DOMAIN.md, "When every appeal level is exhausted": bill only a liable patient. At a commercial plan
        # the PR group says so, with or without a modifier: the advance beneficiary notice (GA) is Medicare's
        # rule (42 CFR 411.404; codes.yaml `program: medicare`).
        pytest.param(["PR-50"], ["GA"], "the patient is liable (PR)", id="liable-with-GA"),
        pytest.param(["PR-50"], [], "the patient is liable (PR)", id="liable-without-GA-at-a-commercial-plan"),
        pytest.param(["CO-50"], [], "the patient is not liable", id="CO-not-liable"),
    ],
)
def test_exhausted_says_whether_the_patient_is_liable(codes: list[str], modifiers: list[str], reason: str) -> None:
    history = chain(("reconsideration", "upheld"), ("appeal", "upheld"))
    plan = plan_for(build_claim(codes, history=history, modifiers=modifiers))
    assert plan.action == A.ask_client
    assert plan.action_reason == f"Appeal was upheld on 2026-11-10: every level is used; {reason}"
    assert not plan.submitted


@pytest.mark.parametrize(("code", "modifiers", "action"), [
    # codes.yaml group rule (CMS: modifier GZ, the item is expected to be denied as not reasonable and necessary and no
    # ABN was issued; the supplier, not the beneficiary, is liable, 42 CFR 411.404): adjust, not an appeal.
    pytest.param("CO-50", ["GZ"], A.adjust, id="CO-50-GZ-adjust"),
    pytest.param("CO-151", ["RR", "GZ"], A.adjust, id="CO-151-GZ-adjust"),
    pytest.param("CO-50", [], A.appeal, id="CO-50-without-GZ-appeal"),
])
def test_a_line_billed_with_gz_is_the_suppliers_to_write_off(code: str, modifiers: list[str], action: Action) -> None:
    plan = plan_for(build_claim([code], payer="medicare-dme", modifiers=modifiers))
    assert plan.action == action, plan.action_reason
    if modifiers:
        assert plan.action_reason.startswith(f"group code rule: {code}: modifier GZ: the item was expected to be "
                                             "denied and no advance beneficiary notice was given")


@pytest.mark.parametrize(("codes", "modifiers"), [(["CO-50"], ["GZ"]), (["PR-50"], []), (["PR-50"], ["GA"])],
                         ids=["CO-50-GZ", "PR-50", "PR-50-GA"])
def test_the_advance_beneficiary_notice_rules_are_medicares_alone(codes: list[str], modifiers: list[str]) -> None:
    """GA and GZ say whether a Medicare beneficiary signed an advance notice (42 CFR 411.404): at a
    commercial or Medicaid plan the contract decides who pays, so neither writes a line off nor
    bills the patient, and no note speaks of a notice."""
    for payer in ("commercial", "medicaid-caresource"):
        plan = plan_for(build_claim(codes, payer=payer, modifiers=modifiers))
        assert plan.action in (A.reconsideration, A.appeal), (payer, plan.action_reason)
        assert not [note for note in plan.notes if "advance beneficiary notice" in note], payer
    medicare = plan_for(build_claim(codes, payer="medicare-dme", modifiers=modifiers))
    assert (medicare.action.value, "advance beneficiary notice" in " ".join([medicare.action_reason, *medicare.notes])
            ) == ({"GZ": "adjust", "GA": "bill_patient"}.get(modifiers[0], "appeal") if modifiers else "appeal", True)


def test_gz_on_one_line_does_not_write_off_another_lines_denial() -> None:
    """The rule holds for a code only when every line carrying it has the modifier: the other
    line's CO-50 is still appealed (and so, with it, is the GZ line: a person may take it out)."""
    claim = build_claim(["CO-50"], payer="medicare-dme", modifiers=["RR", "GZ"])
    other = claim.service_lines[0].model_copy(update={"code": "A7030", "modifiers": ["KX"]})
    plan = plan_for(claim.model_copy(update={"service_lines": [*claim.service_lines, other]}))
    assert plan.action == A.appeal, plan.action_reason


# --------------------------------------------------------------------------- 4. levels and dismissals


@pytest.mark.parametrize(
    ("decided", "level", "level_name"),
    [
        # medicare-dme.yaml levels; DOMAIN.md: Medicare appeal levels, rows 1-5.
        # 42 CFR 405.942(a)
        pytest.param(0, "redetermination", "Redetermination", id="no-history-redetermination"),
        # 405.962(a)
        pytest.param(1, "reconsideration", "Reconsideration", id="redetermination-upheld-reconsideration"),
        # 405.1002(a)(1)
        pytest.param(2, "alj_hearing", "ALJ hearing", id="reconsideration-upheld-alj-hearing"),
        # 405.1102(a)(1)
        pytest.param(3, "appeals_council", "Medicare Appeals Council review",
                     id="alj-upheld-appeals-council"),
        # 405.1136
        pytest.param(4, "judicial_review", "Judicial review", id="council-upheld-judicial-review"),
    ],
)
def test_medicare_dme_level_progression(decided: int, level: str, level_name: str) -> None:
    history = chain(*[(lv, "upheld") for lv in DME_LEVELS[:decided]])
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, billed="5000.00"))
    # Judicial review is a lawsuit filed by counsel: nothing is sent (test below).
    assert (plan.level, plan.level_name, plan.action) == (level, level_name,
                                                          A.review if level == "judicial_review" else A.appeal)


@pytest.mark.parametrize("payer", ["medicare-dme", "medicare-part-b"])
def test_judicial_review_is_referred_to_counsel_with_its_deadline_and_no_packet(payer: str) -> None:
    """42 U.S.C. 405(g), 42 CFR 405.1136: a civil action against the Secretary, filed in a district
    court, where a filing is public: a letter and the patient's records to the clerk would be neither
    an action nor private. The plan keeps the deadline and builds nothing."""
    history = chain(*[(lv, "upheld") for lv in DME_LEVELS[:4]])
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=history, billed="5000.00"))
    assert (plan.level, plan.action, plan.packet) == ("judicial_review", A.review, False)
    assert plan.action_reason.endswith("Judicial review is a civil action filed by counsel (42 U.S.C. 405(g); "
                                       "42 CFR 405.1136)")
    assert plan.notes[-1].startswith("refer the claim to counsel before the deadline")
    assert (plan.deadline, plan.deadline_reason) == (date(2027, 1, 14), "previous decision 2026-11-10 + 5 days "
                                                     "presumed receipt + 60 days")


@pytest.mark.parametrize("payer", ["commercial", "medicaid-caresource"])
def test_after_a_refused_retroactive_authorization_the_request_rests_on_the_refusal_and_the_records(
        payer: str) -> None:
    """No authorization exists to enclose once utilization management refused one: requiring it made a
    packet that could never pass its check."""
    history = [("retro_authorization", "2026-11-10", "upheld")]
    plan = plan_for(build_claim(["CO-197"], payer=payer, history=history,
                                attachments=["remittance_advice", "decision_notice", "medical_records"]))
    assert plan.action in (A.reconsideration, A.appeal)
    assert [(r.description, r.present) for r in plan.required] == [
        ("remittance_advice", True), ("the utilization management decision refusing the authorization", True),
        ("records showing the medical need", True)]


def test_a_request_for_retroactive_authorization_names_the_appeal_it_must_not_miss() -> None:
    """At CareSource the claim dispute has the same 60 days as the authorization request: the date
    is in the plan, so a refusal that comes late does not cost the dispute."""
    plan = plan_for(build_claim(["CO-197"], payer="medicaid-caresource", attachments=["remittance_advice"]))
    assert plan.action is A.request_authorization
    assert plan.notes[-1] == "if the authorization is refused: Claim dispute by 2026-12-13 (denial date 2026-10-14 + " \
                             "60 days)"


def test_an_eligibility_denial_is_dated_by_the_claim_filing_limit() -> None:
    """Rebilling the right payer is a new claim: without a date the denial sank to the bottom of the
    queue and out of `deadlines` until the limit had passed (the most common avoidable write-off)."""
    plan = plan_for(build_claim(["CO-27"], payer="commercial", dos="2026-09-20"))
    assert (plan.action, plan.packet, plan.deadline) == (A.verify_eligibility, False, date(2026, 12, 19))
    assert plan.deadline_reason.startswith("claim filing limit: date of service 2026-09-20 + 90 days")
    # Every view shows it (the plan's lines, era's table, the log's step, hence the queue and `deadlines`).
    assert "  deadline: 2026-12-19, 27 days left" in describe(plan)
    assert is_dated(plan.action.value, plan.deadline)


def test_a_commercial_appeal_goes_to_the_appeals_unit_not_the_unit_that_upheld_the_claim() -> None:
    """Sent to the reconsideration unit, an appeal is taken as a second reconsideration (or sits)."""
    plan = plan_for(build_claim(["CO-50"], payer="commercial", history=chain(("reconsideration", "upheld"))))
    commercial = profile("commercial")
    to = commercial.recipient(commercial.level(plan.level))
    assert (plan.level, to.name, to.fax) == ("appeal", "Example Commercial Health Plan, Appeals", "555-0153")
    assert commercial.recipient(commercial.level("reconsideration")).fax == "555-0144"


def test_medicare_dme_every_level_upheld_is_exhausted() -> None:
    history = chain(*[(lv, "upheld") for lv in DME_LEVELS])
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, billed="5000.00"))
    assert (plan.level, plan.action, plan.notes) == ("judicial_review", A.ask_client, [EXHAUSTED])
    assert "every level is used" in plan.action_reason


# README, Denial rules: outcomes (`partial` is the old word, still read); project choice (decide.py): a partial
# overturn leaves the rest denied and moves on, as upheld does.
@pytest.mark.parametrize("outcome", ["upheld", "partially_overturned", "partial"])
def test_an_unfavourable_decision_moves_to_the_next_level(outcome: str) -> None:
    """A partial overturn leaves the rest denied: the next level, as for upheld. `partial` is
    the old word for it, still read."""
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", outcome))))
    assert plan.level == "reconsideration"
    word = "partially overturned" if outcome.startswith("partial") else outcome
    assert plan.level_reason == f"Redetermination was {word} on 2026-11-10: next level, Reconsideration"


def vacate(mac: str, by: str) -> str:
    """405.952(d): the MAC may vacate its own dismissal within 6 months of the notice."""
    return (f"or ask {mac} to vacate its dismissal, showing good and sufficient cause, within 6 months of the "
            f"notice (42 CFR 405.952(d)): by {by}")


VACATE = vacate("DME MAC", "2027-05-10")
CURE = "cure the defect the dismissal notice names before the new request goes out"
UPHELD_AT_REDETERMINATION = ("redetermination", "2026-11-01", "upheld")  # its QIC window closes 2027-05-05


def dismissed_late(argument: str | None = "The request was signed; the signed page is enclosed.") -> Claim:
    """A DME claim whose redetermination request was dismissed on 2026-11-10, after the
    redetermination window had closed (2026-10-23): the QIC's review of the dismissal is what is left."""
    claim = build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", "dismissed")),
                        dos="2026-06-01", denial_date="2026-06-20", billed="5000.00")
    return claim.model_copy(update={"appeal": claim.appeal.model_copy(update={"argument": argument})})


@pytest.mark.parametrize(
    ("payer", "history", "today", "level", "action", "reason", "notes"),
    [
        # The dismissals below came after the dismissing level's own window had closed (a new
        # request there would be late): the dismissal's own path is what is left.
        # 42 CFR 405.974(b): the QIC reviews a redetermination dismissal; 405.952(d): or the MAC vacates it.
        pytest.param("medicare-dme", [("redetermination", "2027-02-20", "dismissed")], date(2027, 3, 1),
                     "dismissal_review", A.appeal, "DME MAC dismissed the Redetermination request on 2027-02-20: "
                     "next, QIC "
                     "review of the redetermination dismissal", [vacate("DME MAC", "2027-08-20")],
                     id="dme-redetermination-dismissed-qic-review-405.974"),
        pytest.param("medicare-part-b", [("redetermination", "2027-02-20", "dismissed")], date(2027, 3, 1),
                     "dismissal_review", A.appeal, "Part B MAC dismissed the Redetermination request on 2027-02-20: "
                     "next, QIC "
                     "review of the redetermination dismissal", [vacate("Part B MAC", "2027-08-20")],
                     id="part-b-redetermination-dismissed"),
        # 405.1004: an ALJ reviews a QIC dismissal.
        pytest.param("medicare-dme", [UPHELD_AT_REDETERMINATION, ("reconsideration", "2027-05-20", "dismissed")],
                     date(2027, 6, 1), "qic_dismissal_review", A.appeal, "QIC dismissed the Reconsideration request on "
                     "2027-05-20: next, ALJ review of the QIC dismissal", [],
                     id="reconsideration-dismissed-alj-review-405.1004"),
        # 405.1102(a): the Council reviews an ALJ dismissal (the ALJ window closed on 2027-02-04).
        pytest.param("medicare-dme", [UPHELD_AT_REDETERMINATION, ("reconsideration", "2026-12-01", "upheld"),
                                      ("alj_hearing", "2027-02-20", "dismissed")], date(2027, 3, 1),
                     "appeals_council", A.appeal, "OMHA dismissed the ALJ hearing request on 2027-02-20: next, "
                     "Medicare Appeals Council review", [], id="alj-dismissed-council-review-405.1102"),
        # 405.1116: a Council dismissal is binding, even while the Council's window is open.
        # judicial review is the last level (405.1136, medicare-dme.yaml); DOMAIN.md: ask the client when exhausted.
        pytest.param("medicare-dme",
                     chain(*[(lv, "upheld") for lv in DME_LEVELS[:3]], ("appeals_council", "dismissed")),
                     TODAY, "appeals_council", A.ask_client, "DAB dismissed the Medicare Appeals Council review "
                     "request on 2026-11-10: the dismissal is binding; the patient is not liable", [EXHAUSTED],
                     id="council-dismissed-binding-405.1116"),
        # A court's dismissal is for counsel to read, never a request the plan files again.
        pytest.param("medicare-dme",
                     chain(*[(lv, "upheld") for lv in DME_LEVELS[:4]], ("judicial_review", "dismissed")),
                     TODAY, "judicial_review", A.ask_client, "Federal district court dismissed the Judicial review "
                     "request on 2026-11-10: nothing follows it; the patient is not liable", [EXHAUSTED],
                     id="court-dismissed-last-level"),
        # 405.974(b): the QIC's review of a dismissal is binding; if it vacates, the MAC decides on the merits.
        # (pending: project choice, decide.py: a pending request is followed up.)
        pytest.param("medicare-dme", chain(("redetermination", "dismissed"), ("dismissal_review", "upheld")), TODAY,
                     "dismissal_review", A.ask_client, "QIC review of the redetermination dismissal was upheld on "
                     "2026-11-10: that decision is binding; the patient is not liable", [EXHAUSTED],
                     id="dismissal-upheld-binding"),
        pytest.param("medicare-dme", chain(("redetermination", "dismissed"), ("dismissal_review", "overturned")), TODAY,
                     "dismissal_review", A.check_status, "QIC review of the redetermination dismissal vacated the "
                     "dismissal on 2026-11-10: the request goes back for a decision on its merits", [],
                     id="dismissal-vacated-wait-for-the-merits"),
        pytest.param("medicare-dme", chain(("redetermination", "dismissed"), ("dismissal_review", "pending")), TODAY,
                     "dismissal_review", A.check_status, "QIC review of the redetermination dismissal filed 2026-11-10 "
                     "is pending", [], id="dismissal-review-pending"),
        # 405.1048(b): the ALJ's decision on a QIC dismissal is binding.
        pytest.param("medicare-dme", chain(("redetermination", "upheld"), ("reconsideration", "dismissed"),
                                           ("qic_dismissal_review", "upheld")), TODAY,
                     "qic_dismissal_review", A.ask_client, "ALJ review of the QIC dismissal was upheld on 2026-11-10: "
                     "that decision is binding; the patient is not liable", [EXHAUSTED],
                     id="alj-review-of-qic-dismissal-binding-405.1048"),
        # No published dismissal path: a person reads the notice; at the last level, exhausted.
        # medicaid-caresource.yaml (CareSource IN Provider Disputes or Appeals): "No dismissal path is known";
        # commercial.yaml (UHC Administrative Guide): "No dismissal path is published"; README: the action is `review`.
        pytest.param("medicaid-caresource", [("claim_dispute", "2026-12-20", "dismissed")], date(2026, 12, 28),
                     "claim_dispute", A.review, "Example Medicaid Plan dismissed the Claim dispute request on "
                     "2026-12-20; medicaid-caresource gives no path after a dismissal at this level: read the "
                     "dismissal notice", [],
                     id="medicaid-dispute-dismissed-review"),
        pytest.param("commercial", [("reconsideration", "2027-10-20", "dismissed")], date(2027, 10, 25),
                     "reconsideration", A.review, "Example Commercial Health Plan dismissed the Reconsideration "
                     "request on 2027-10-20; commercial gives no path after a dismissal at this level: read the "
                     "dismissal notice", [],
                     id="commercial-dismissed-review"),
        pytest.param("commercial", [("reconsideration", "2027-01-04", "upheld"), ("appeal", "2027-10-20", "dismissed")],
                     date(2027, 10, 25), "appeal", A.ask_client, "Example Commercial Health Plan dismissed the Appeal "
                     "request on 2027-10-20: nothing follows it; the patient is not liable", [EXHAUSTED],
                     id="commercial-last-level-dismissed"),
        # 405.980(a)(5): a refused reopening cannot be appealed, but the appeal path stays open.
        pytest.param("medicare-part-b", chain(("reopening", "upheld")), TODAY, "redetermination", A.appeal,
                     "no corrected claim enclosed, so the codes billed are argued as correct: appeal at "
                     "Redetermination", [],
                     id="reopening-refused-redetermination"),
    ],
)
def test_dismissal_paths(
    payer: str, history: list[tuple[str, str, str]], today: date, level: str, action: Action, reason: str,
    notes: list[str],
) -> None:
    codes = ["CO-4"] if payer == "medicare-part-b" and level == "redetermination" else ["CO-50"]
    plan = plan_for(build_claim(codes, payer=payer, history=history, billed="5000.00"), today)
    assert (plan.level, plan.action) == (level, action)
    assert reason in (plan.level_reason, plan.action_reason)
    assert plan.notes == notes


def refile_reason(by: str, level: str, dismissed: str, window: str, until: str) -> str:
    return (f"{by} dismissed the {level} request on {dismissed}, and its own window ({window}) is open until "
            f"{until}: file a new, complete {level} request, which is decided on its merits")


@pytest.mark.parametrize(
    ("payer", "history", "level", "deadline", "reason", "notes"),
    [
        # The contractor's dismissal notice: "you may file your request again with the required
        # information" within the 120 days; a QIC review of the dismissal only sends the old
        # request back (405.974(b)), so it is the way for a dismissal that was wrong.
        pytest.param("medicare-dme", chain(("redetermination", "dismissed")), "redetermination", date(2027, 2, 16),
                     refile_reason("DME MAC", "Redetermination", "2026-11-10", "denial date 2026-10-14 + 5 days "
                                   "presumed receipt + 120 days", "2027-02-16"),
                     [CURE, "or, if the dismissal was wrong, ask for QIC review of the redetermination dismissal by "
                      "2027-01-09 (dismissal notice 2026-11-10 + 60 days; state appeal.level: dismissal_review)",
                      VACATE], id="redetermination-window-open"),
        # The new reconsideration counts from the redetermination, not from the QIC's dismissal.
        pytest.param("medicare-dme", chain(("redetermination", "upheld"), ("reconsideration", "dismissed")),
                     "reconsideration", date(2027, 4, 14),
                     refile_reason("QIC", "Reconsideration", "2026-11-10", "previous decision 2026-10-11 + 5 days "
                                   "presumed receipt + 180 days", "2027-04-14"),
                     [CURE, "or, if the dismissal was wrong, ask for ALJ review of the QIC dismissal by 2027-01-14 "
                      "(dismissal notice 2026-11-10 + 5 days presumed receipt + 60 days; state appeal.level: "
                      "qic_dismissal_review)"], id="reconsideration-window-open"),
        pytest.param("commercial", chain(("reconsideration", "dismissed")), "reconsideration", date(2027, 10, 14),
                     refile_reason("Example Commercial Health Plan", "Reconsideration", "2026-11-10",
                                   "denial date 2026-10-14 + 12 months", "2027-10-14"),
                     [CURE], id="commercial-window-open"),
    ],
)
def test_a_dismissed_request_is_filed_again_while_its_window_is_open(
    payer: str, history: list[tuple[str, str, str]], level: str, deadline: date, reason: str, notes: list[str],
) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=history, billed="5000.00"))
    assert (plan.level, plan.deadline, plan.level_reason, plan.notes) == (level, deadline, reason, notes)
    assert plan.action_reason.endswith("in a new, complete request (the last one was dismissed, not decided on its "
                                       f"merits): {plan.action.value} at {plan.level_name}")
    # The new request answers what the first one answered: the denial, or the decision before it.
    answered = [f.message for f in plan.findings if f.code == "history.reason_missing"]
    assert answered == ([] if len(history) == 1 else [
        f"appeal.history[0].reason is missing; a request to {plan.level_name} must answer the reason the last "
        "decision gave (quote it from the notice)"])


@pytest.mark.parametrize(("history", "today", "reason", "notes"), [
    # The QIC review of the dismissal was due 2027-01-09: no longer offered; the MAC may still vacate.
    (chain(("redetermination", "dismissed")), date(2027, 2, 15),
     refile_reason("DME MAC", "Redetermination", "2026-11-10", "denial date 2026-10-14 + 5 days presumed receipt + "
                   "120 days", "2027-02-16"), [CURE, VACATE]),
    # Both windows closed: the new request, late with good cause (405.942(b)), still reaches the merits.
    (chain(("redetermination", "dismissed")), date(2027, 2, 17),
     "DME MAC dismissed the Redetermination request on 2026-11-10; its own window (denial date 2026-10-14 + 5 days "
     "presumed receipt + 120 days) closed on 2027-02-16, and the review of the dismissal was due by 2027-01-09: file "
     "a new, complete Redetermination request late, stating good cause (appeal.good_cause); it is decided on its "
     "merits", [CURE, VACATE]),
    # And once the 6 months to ask the MAC to vacate have passed, that note goes too.
    ([("redetermination", "2027-02-20", "dismissed")], date(2027, 8, 25),
     "DME MAC dismissed the Redetermination request on 2027-02-20; its own window (denial date 2026-10-14 + 5 days "
     "presumed receipt + 120 days) closed on 2027-02-16, and the review of the dismissal was due by 2027-04-21: file "
     "a new, complete Redetermination request late, stating good cause (appeal.good_cause); it is decided on its "
     "merits", [CURE]),
], ids=["review-passed", "both-closed", "vacate-passed"])
def test_no_step_whose_date_has_passed_is_offered_after_a_dismissal(
    history: list[tuple[str, str, str]], today: date, reason: str, notes: list[str],
) -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, billed="5000.00"), today)
    assert (plan.level, plan.level_reason, plan.notes) == ("redetermination", reason, notes)
    late = plan.days_left < 0
    assert [f.code for f in plan.findings if f.code == "deadline.passed"] == (["deadline.passed"] if late else [])


def test_a_level_stated_in_the_claim_file_reviews_the_dismissal_all_the_same() -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", "dismissed")),
                        level="dismissal_review")
    assert (plan_for(claim).level, plan_for(claim).letter) == ("dismissal_review", "dismissal_review.html")


@pytest.mark.parametrize(
    ("payer", "history", "level"),
    [
        # commercial.yaml levels (UHC Administrative Guide): one reconsideration, then an appeal.
        pytest.param("commercial", [("reconsideration", "upheld")], "appeal", id="commercial"),
        # medicaid-caresource.yaml levels (CareSource IN Provider Disputes or Appeals): a claim dispute, then an appeal.
        pytest.param("medicaid-caresource", [("claim_dispute", "upheld")], "appeal", id="medicaid"),
    ],
)
def test_other_payers_second_level(payer: str, history: list[tuple[str, str]], level: str) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=chain(*history)))
    assert (plan.level, plan.action) == (level, A.appeal)


def test_a_dismissal_review_argues_the_dismissal() -> None:
    plan = plan_for(dismissed_late())
    assert (plan.cover, plan.cover_reason, plan.delivery) == ("fax_cover.html", FAX, "fax")
    assert plan.action_reason == ("the request was dismissed, not decided on its merits: appeal at QIC review of "
                                  "the redetermination dismissal")


def test_medicaid_medical_necessity_starts_at_the_appeal_and_says_why() -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicaid-caresource"))
    assert (plan.level, plan.level_reason) == (
        "appeal", "no appeal history: first level, Appeal (Claim dispute is not used for medical_necessity denials)")


def test_stated_level_is_used() -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", level="alj_hearing", billed="500.00"))
    assert (plan.level, plan.level_reason) == ("alj_hearing", "level stated in the claim file")


@pytest.mark.parametrize(
    ("payer", "level", "history", "answered"),
    [
        # 42 CFR 405.960: only a party to a redetermination may ask the QIC; 405.962: its 180 days run
        # from the redetermination notice, which the history must give.
        pytest.param("medicare-dme", "reconsideration", [], "Redetermination", id="qic-without-redetermination"),
        pytest.param("commercial", "appeal", [], "Reconsideration", id="commercial-second-level"),
        pytest.param("medicare-dme", "reconsideration", chain(("redetermination", "upheld")), None,
                     id="qic-after-its-decision"),
        pytest.param("medicare-dme", "redetermination", [], None, id="first-level-stated"),
        # medicaid-caresource.yaml: a medical-necessity denial skips the claim dispute
        pytest.param("medicaid-caresource", "appeal", [], None, id="first-level-for-its-category"),
    ],
)
def test_a_stated_level_that_answers_a_decision_needs_that_decision(
        payer: str, level: str, history: list[tuple[str, str, str]], answered: str | None) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, level=level, history=history))
    expected = [f"appeal.level is {level}, but appeal.history holds no decision: {plan.level_name} answers the "
                f"decision of {answered}, and its window counts from that decision's notice; add the decision to "
                "appeal.history (its level, date and outcome), or leave appeal.level out"] if answered else []
    # a problem: the reviewer dismisses the request
    assert [(f.severity, f.message) for f in plan.findings if f.code == "appeal.level_without_decision"] == [
        ("problem", message) for message in expected]


# project choice (README, Denial rules: "Levels come from the payer profile"): an unknown level is an input
# error naming the field and the payer's levels.
@pytest.mark.parametrize(
    ("history", "level", "field"),
    [([("second_look", "2026-11-02", "upheld")], None, "appeal.history[0].level"),
     ([], "second_look", "appeal.level")],
    ids=["unknown-level-in-history", "unknown-stated-level"],
)
def test_unknown_level_names_the_claim_field_and_the_levels_of_its_payer(
    history: list[tuple[str, str, str]], level: str | None, field: str
) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=history, level=level)
    with pytest.raises(InputError) as caught:
        plan_for(claim)
    assert str(caught.value) == (
        f"claim: {field}: medicare-dme has no level 'second_look' (levels: redetermination, reconsideration, "
        "alj_hearing, appeals_council, judicial_review, dismissal_review, qic_dismissal_review, reopening)"
    )


# --------------------------------------------------------------------------- 5. required documents



def descriptions(plan: Plan) -> list[str]:
    return [r.description for r in plan.required]


# DOMAIN.md: the words, row 'CMN' (no CMN for dates of service on or after 2023-01-01, cgsmedicare.com CMN/DIF
# elimination); medicare-dme.yaml manifests (`dos_before: 2023-01-01`, and only the items that had a CMN or DIF:
# oxygen CMS-484, enteral and parenteral nutrition DIF 10126, ...; a CPAP never had one); policies.yaml header.
@pytest.mark.parametrize(
    ("dos", "code", "cmn_required"),
    [("2022-12-31", "E1390", True), ("2023-01-01", "E1390", False), ("2026-09-02", "E1390", False),
     ("2022-12-31", "B4035", True), ("2022-12-31", "E0601", False)],
    ids=["oxygen-dos-2022-12-31-cmn", "oxygen-dos-2023-01-01-no-cmn", "oxygen-dos-2026-no-cmn",
         "enteral-nutrition-dif-by-pattern", "cpap-never-had-a-cmn"],
)
def test_medicare_dme_cmn_only_before_2023_and_only_for_the_items_that_had_one(dos: str, code: str,
                                                                               cmn_required: bool) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", dos=dos)
    claim = claim.model_copy(update={"service_lines": [line.model_copy(update={"code": code})
                                                       for line in claim.service_lines]})
    expected = ["remittance_advice", "written order (prescription)", "progress notes or medical records",
                "proof of delivery (delivery ticket)"]
    if cmn_required:
        expected.append("CMN or DIF (dates of service before 2023-01-01)")
    assert descriptions(plan_for(claim)) == expected


# DOMAIN.md: reconsideration (CMS-20033) encloses a copy of the redetermination notice; medicare-dme.yaml manifests.
@pytest.mark.parametrize(
    ("attachments", "present"),
    [(["remittance_advice"], False), (["remittance_advice", "decision_notice"], True)],
    ids=["notice-missing", "notice-enclosed"],
)
def test_reconsideration_requires_the_redetermination_notice(attachments: list[str], present: bool) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", attachments=attachments,
                        history=chain(("redetermination", "upheld")))
    plan = plan_for(claim)
    notice = [r for r in plan.required if r.description == "redetermination notice"]
    assert len(notice) == 1
    assert (notice[0].kinds, notice[0].present) == ([K.decision_notice], present)


def test_redetermination_does_not_require_a_decision_notice() -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme"))
    assert all(K.decision_notice not in r.kinds for r in plan.required)


# RARC M127 (code list 411): medical record missing; codes.yaml `documents: [medical_records]`.
@pytest.mark.parametrize(
    ("attachments", "present"),
    [(["remittance_advice"], False), (["remittance_advice", "medical_records"], True)],
    ids=["records-missing", "records-enclosed"],
)
def test_remark_documents_are_required(attachments: list[str], present: bool) -> None:
    plan = plan_for(build_claim(["CO-16"], ["M127"], attachments=attachments))
    assert descriptions(plan) == ["remittance_advice", "the documents the remark code names",
                                  "medical_records (asked for by a remark code)"]
    assert [r.present for r in plan.required[1:]] == [present, present]


@pytest.mark.parametrize("payer", ["commercial", "medicaid-caresource", "medicare-part-b", "medicare-dme"])
def test_a_request_for_missing_information_must_enclose_some(payer: str) -> None:
    """CO-16 with N706 (documentation missing): a request with only the remittance says the information
    is enclosed and is upheld as it stands (and spends CareSource's one dispute): its check fails."""
    plan = plan_for(build_claim(["CO-16"], ["N706"], payer=payer))
    assert (plan.category, plan.action in (A.reconsideration, A.appeal)) == (C.missing_information, True)
    assert [(r.description, r.present) for r in plan.required if r.description.startswith("the documents")] == [
        ("the documents the remark code names", False)]


def test_remark_documents_are_required_even_when_a_manifest_offers_alternatives() -> None:
    claim = build_claim(["CO-16"], ["M127"], payer="medicare-dme",
                        attachments=["remittance_advice", "delivery_ticket"])
    assert any(K.medical_records in r.kinds for r in plan_for(claim).required if not r.present)


@pytest.mark.parametrize(
    ("payer", "codes", "problem"),
    [
        # medicaid-caresource.yaml `corrected_claims_in_appeals: false`: "should not be submitted as part of an appeal
        # or dispute" (CareSource KY); DOMAIN.md: other payers, CareSource.
        pytest.param("medicaid-caresource", ["CO-50"],
                     "medicaid-caresource does not accept a corrected claim inside an appeal; "
                     "send it separately",
                     id="medicaid-refuses-corrected-claim-in-appeal"),
        # project choice (appealgen/payers.py): `corrected_claims_in_appeals` defaults to true; commercial.yaml
        # sets none.
        pytest.param("commercial", ["CO-50"], None, id="commercial-accepts-it"),
        # medicaid-caresource.yaml `corrections: replacement_claim` (CareSource IN): sent through claim submission.
        pytest.param("medicaid-caresource", ["CO-4"], None, id="medicaid-corrected-claim-sent-as-such"),
    ],
)
def test_corrected_claim_inside_an_appeal(payer: str, codes: list[str], problem: str | None) -> None:
    attachments = ["remittance_advice", "progress_notes", "corrected_claim"]
    claim = build_claim(codes, payer=payer, attachments=attachments)
    claim = claim.model_copy(update={"appeal": claim.appeal.model_copy(update={"correction": "Modifier 59 added."})})
    plan = plan_for(claim)
    assert plan.problems == ([problem] if problem else [])


def test_a_dismissal_review_needs_the_dismissal_notice_not_the_clinical_record() -> None:
    """A dismissal review argues the dismissal, not the merits (category_documents: false)."""
    plan = plan_for(dismissed_late())
    assert [(r.description, r.present) for r in plan.required] == [
        ("remittance_advice", True), ("dismissal notice", False)]


def test_a_reopening_needs_no_clinical_record() -> None:
    claim = build_claim(["CO-4"], payer="medicare-part-b", attachments=["remittance_advice", "corrected_claim"])
    plan = plan_for(claim)
    assert (plan.action, [r.description for r in plan.required]) == (A.reopening, ["remittance_advice"])


# --------------------------------------------------------------------------- 6. letters and covers

SHIPPED_LETTERS: dict[Category, str] = {
    C.medical_necessity: "medical_necessity.docx",
    C.coverage: "non_covered.docx",
    C.authorization: "authorization.docx",
    C.missing_information: "missing_information.docx",
    C.coding: "coding.docx",
    C.bundling: "bundling.docx",
    C.eligibility: "eligibility.docx",
    C.timely_filing: "timely_filing.docx",
    C.coordination_of_benefits: "coordination_of_benefits.docx",
    C.benefit_maximum: "benefit_maximum.docx",
}


def test_category_letters_table() -> None:
    assert CATEGORY_LETTERS == SHIPPED_LETTERS


# project choice: the letters shipped in templates/letters (README, Templates and payer profiles).
@pytest.mark.parametrize(
    "name",
    sorted({*SHIPPED_LETTERS.values(), "corrected_claim.docx", "reopening.docx", "authorization.html",
            "reconsideration.html", "dismissal_review.html"}),
)
def test_shipped_letter_exists(name: str) -> None:
    assert (REPO / "templates" / "letters" / name).is_file()


# project choice (appealgen/plan.py CATEGORY_LETTERS, choose_letter): one letter per category, else the default.
@pytest.mark.parametrize(
    ("category", "letter", "reason"),
    [pytest.param(c, name, f"the letter for {c.value}", id=c.value)
     for c, name in SHIPPED_LETTERS.items()]
    + [pytest.param(c, "reconsideration.html", "the default letter", id=c.value)
       for c in (C.duplicate, C.contractual, C.patient_responsibility, C.other)],
)
def test_letter_for_each_category(category: Category, letter: str, reason: str) -> None:
    claim = build_claim(["CO-50"], payer="medicare-part-b")
    assert choose_letter(claim, profile("medicare-part-b"), category, A.appeal, None) == (letter, reason)


@pytest.mark.parametrize(
    ("payer", "codes", "rarcs", "attachments", "stated", "letter", "reason"),
    [
        # project choice (appealgen/plan.py choose_letter): stated, then the action's letter, the level's, the
        # payer's for the category (commercial.yaml `letters`), the shipped one. Actions: DOMAIN.md rows 'coding' and
        # 'missing information / attachment' (RARC MA130, code list 411); reopening 405.980(a)(3).
        pytest.param("commercial", ["CO-4"], [], ["corrected_claim"], None, "corrected_claim.docx",
                     "action corrected_claim", id="coding-corrected-claim-action"),
        pytest.param("medicare-part-b", ["CO-16"], ["MA130"], [], None, "corrected_claim.docx",
                     "action corrected_claim", id="MA130-corrected-claim-action"),
        pytest.param("medicare-part-b", ["CO-4"], [], ["corrected_claim"], None, "reopening.docx",
                     "action reopening", id="clerical-error-reopening-letter"),
        pytest.param("commercial", ["CO-197"], [], ["authorization"], None, "authorization.html",
                     "the payer's letter for authorization", id="commercial-authorization-override"),
        pytest.param("medicare-part-b", ["CO-197"], [], ["authorization"], None, "authorization.docx",
                     "the letter for authorization", id="medicare-authorization-shipped"),
        pytest.param("medicare-dme", ["CO-50"], [], [], None, "medical_necessity.docx",
                     "the letter for medical_necessity", id="medical-necessity-shipped"),
        pytest.param("commercial", ["CO-4"], [], ["corrected_claim"], "peer_to_peer.docx",
                     "peer_to_peer.docx", "stated in the claim file", id="stated-letter-beats-action-letter"),
        pytest.param("commercial", ["CO-197"], [], [], "builtin:authorization.docx",
                     "builtin:authorization.docx", "stated in the claim file",
                     id="stated-letter-beats-payer-override"),
    ],
)
def test_plan_letter(
    payer: str, codes: list[str], rarcs: list[str], attachments: list[str], stated: str | None,
    letter: str, reason: str,
) -> None:
    claim = build_claim(codes, rarcs, payer=payer, attachments=["remittance_advice", *attachments],
                        letter=stated)
    plan = plan_for(claim)
    assert (plan.letter, plan.letter_reason) == (letter, reason)


def test_level_letter_beats_category_letter_but_not_action_letter() -> None:
    claim = build_claim(["CO-50"])
    commercial = profile("commercial")
    assert choose_letter(claim, commercial, C.authorization, A.appeal, "level.html") == (
        "level.html", "the payer's letter for this level")
    assert choose_letter(claim, commercial, C.coding, A.corrected_claim, "level.html") == (
        "corrected_claim.docx", "action corrected_claim")


FAX = "the fax cover: requests go by fax"
MAIL = "the transmittal cover: requests go by mail"
ALJ_HISTORY = chain(("redetermination", "upheld"), ("reconsideration", "upheld"))


@pytest.mark.parametrize(
    ("payer", "codes", "history", "cover", "reason", "delivery"),
    [
        # payers/*.yaml `cover:` per level (redetermination, reconsideration); README, Denial rules: fax when the
        # recipient has a fax number, else mail; medicare-dme.yaml: "A court takes no fax".
        pytest.param("medicare-dme", ["CO-50"], [], "medicare_redetermination.html", "the cover for Redetermination",
                     "fax", id="dme-redetermination"),
        pytest.param("medicare-part-b", ["CO-50"], [], "medicare_redetermination.html",
                     "the cover for Redetermination", "fax", id="part-b-redetermination"),
        pytest.param("medicare-dme", ["CO-50"], chain(("redetermination", "upheld")), "medicare_reconsideration.html",
                     "the cover for Reconsideration", "fax", id="dme-reconsideration"),
        # 42 CFR 405.1014(a): the ALJ request's own cover, with the fields of form OMHA-100; OMHA takes
        # Part A and B requests by its portal or by mail, never by fax
        pytest.param("medicare-dme", ["CO-50"], ALJ_HISTORY, "medicare_alj_request.html", "the cover for ALJ hearing",
                     "mail", id="dme-alj-omha-100-cover-by-mail"),
        # A court has no fax: its filing goes by mail with the transmittal cover (it used to crash).
        pytest.param("medicare-dme", ["CO-50"], chain(*[(lv, "upheld") for lv in DME_LEVELS[:4]]),
                     "mail_cover.html", MAIL, "mail", id="dme-judicial-review-mail-cover"),
        pytest.param("medicare-part-b", ["CO-4"], [], "fax_cover.html", FAX, "fax", id="part-b-reopening"),
        pytest.param("commercial", ["CO-50"], [], "fax_cover.html", FAX, "fax", id="commercial"),
        pytest.param("medicaid-caresource", ["CO-50"], [], "fax_cover.html", FAX, "fax", id="medicaid"),
    ],
)
def test_plan_cover(payer: str, codes: list[str], history: list[tuple[str, str, str]], cover: str, reason: str,
                    delivery: str) -> None:
    attachments = ["remittance_advice", "corrected_claim"] if codes[0] == "CO-4" else ["remittance_advice"]
    plan = plan_for(build_claim(codes, payer=payer, history=history, billed="5000.00", attachments=attachments))
    assert (plan.cover, plan.cover_reason, plan.delivery) == (cover, reason, delivery)
    assert (REPO / "templates" / "cover_sheets" / cover).is_file()


def test_dismissal_review_letter() -> None:
    plan = plan_for(dismissed_late())
    assert (plan.letter, plan.letter_reason) == ("dismissal_review.html", "the payer's letter for this level")


def test_a_dismissal_review_without_an_argument_against_the_dismissal_fails_its_check() -> None:
    """The reviewer decides only whether the dismissal was right (42 CFR 405.974(b)): a letter that
    argues nothing about it, or only the claim's merits, is affirmed and ends the appeal."""
    bare = dismissed_late(None)
    argued = dismissed_late("The request was signed by the supplier's billing lead; the signed page is enclosed.")
    found = {name: [f.message for f in plan_for(c).findings if f.code == "appeal.dismissal_argument_missing"]
             for name, c in (("bare", bare), ("argued", argued))}
    assert found == {"bare": ["appeal.argument is missing; a request to QIC review of the redetermination dismissal "
                              "argues why the dismissal was wrong (the reviewer decides only that, not the claim's "
                              "merits): answer the reason the dismissal gave"], "argued": []}
    upheld = build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", "upheld")))
    assert "appeal.dismissal_argument_missing" not in [f.code for f in plan_for(upheld.model_copy(update={
        "appeal": upheld.appeal.model_copy(update={"argument": None})})).findings]


@pytest.mark.parametrize(("steps", "label"), [
    ((("redetermination", "dismissed"),), "the redetermination dismissal"),
    ((("redetermination", "upheld"),), "the redetermination decision"),
    ((("redetermination", "upheld"), ("reconsideration", "upheld"), ("alj_hearing", "upheld")),
     "the ALJ hearing decision"),
])
def test_the_letters_window_counts_from_the_notice_it_answers(steps: tuple[tuple[str, str], ...], label: str) -> None:
    """A dismissal decides nothing: the letter said "60 days from the redetermination decision"."""
    claim = dismissed_late() if steps[-1][1] == "dismissed" else \
        build_claim(["CO-50"], payer="medicare-dme", history=chain(*steps), billed="5000.00")
    assert window(plan_for(claim), claim, profile("medicare-dme")).start_label == label


# --------------------------------------------------------------------------- 7. load_descriptions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # README, Denial rules: `--descriptions FILE` (CSV `code,description`); DOMAIN.md: descriptions are X12
        # material under licence, loaded from the user's file.
        pytest.param("code,description\n50,Not necessary\nN115,Decided under an LCD\n",
                     {"50": "Not necessary", "N115": "Decided under an LCD"}, id="header-and-rows"),
        pytest.param("50,Not necessary\n", {"50": "Not necessary"}, id="no-header"),
        pytest.param("\ufeffCode,Description\n n115 , Lower case and spaces \n\n",
                     {"N115": "Lower case and spaces"}, id="bom-case-spaces-blank-line"),
        pytest.param('code,description\n16,"Lacks information, see remarks"\n',
                     {"16": "Lacks information, see remarks"}, id="quoted-comma"),
    ],
)
def test_load_descriptions(tmp_path: Path, text: str, expected: dict[str, str]) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(text, encoding="utf-8")
    assert load_descriptions(path) == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # README, Denial rules: `--descriptions FILE` (CSV `code,description`); project choice: a bad row names
        # its line.
        pytest.param("code,description\n50,Not necessary\n96\n", 3, id="one-column"),
        pytest.param("50,Not necessary\n,no code\n", 2, id="empty-code"),
    ],
)
def test_load_descriptions_bad_row_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_descriptions(path)
    assert str(caught.value) == f"{path}: line {line}: expected two columns: code,description"


def test_load_descriptions_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(InputError) as caught:
        load_descriptions(path)
    assert str(caught.value) == f"{path}: file not found"


# --------------------------------------------------------------------------- corrections refused, late, moved


@pytest.mark.parametrize(
    ("payer", "codes", "rarcs", "history", "action"),
    [
        # 405.980(a)(5): a refused reopening leaves the appeal path, counted from the initial determination; the
        # remark (N822: modifier missing) forced the reopening, and asking for it again gets the same answer.
        pytest.param("medicare-dme", ["CO-4"], ["N822"], chain(("reopening", "upheld")), A.appeal,
                     id="medicare-reopening-refused-appeal"),
        # A replacement claim refused: the plan's reconsideration, not a second replacement claim.
        pytest.param("commercial", ["CO-4"], ["N822"], chain(("corrected_claim", "upheld")), A.reconsideration,
                     id="commercial-replacement-refused-reconsideration"),
        # A retro authorization refused: the reconsideration, not a second request to utilization management.
        pytest.param("commercial", ["CO-197"], [], chain(("retro_authorization", "upheld")), A.reconsideration,
                     id="retro-authorization-refused-reconsideration"),
        # N704: no appeal rights; once its correction is refused nothing is left but the adjustment.
        pytest.param("commercial", ["CO-4"], ["N704"], chain(("corrected_claim", "upheld")), A.adjust,
                     id="refused-without-appeal-rights-adjust"),
    ],
)
def test_a_refused_correction_is_not_asked_for_again(
    payer: str, codes: list[str], rarcs: list[str], history: list[tuple[str, str, str]], action: Action,
) -> None:
    plan = plan_for(build_claim(codes, rarcs, payer=payer, history=history))
    assert plan.action == action, plan.action_reason
    assert "the correction was refused" in plan.action_reason


def test_a_new_claim_past_its_filing_limit_is_written_off() -> None:
    """MA130: the claim was never filed, so it goes in as a new claim, within 12 months of the
    date of service (42 CFR 424.44(a)(1)); after that a new claim would be refused."""
    on_time = plan_for(build_claim(["CO-16"], ["MA130"], payer="medicare-dme", dos="2025-12-01"))
    assert (on_time.action, on_time.new_claim, on_time.deadline.isoformat()) == (A.corrected_claim, True, "2026-12-01")
    late = plan_for(build_claim(["CO-16"], ["MA130"], payer="medicare-dme", dos="2025-11-01"))
    assert late.action == A.adjust
    assert late.action_reason == ("a remark code says the claim must be corrected, but the claim filing limit "
                                  "passed on 2026-11-01: a new claim would be refused; write the balance off")
    assert late.notes[-1].startswith("unless the payer's exceptions to its filing limit apply (Medicare, 42 CFR "
                                     "424.44(b)")


REOPENING_GOOD_CAUSE = (
    "after 1 year the MAC reopens only for good cause as 42 CFR 405.986 defines it (new and material evidence not "
    "available before, or an error obvious on the face of the evidence), and only within 4 years of the initial "
    "determination (405.980(b)(2))")


@pytest.mark.parametrize(("dos", "denial_date"), [("2024-09-10", "2024-10-07"), ("2022-09-10", "2022-10-07")],
                         ids=["after-one-year", "after-four-years"])
def test_a_clerical_error_may_be_reopened_at_any_time(dos: str, denial_date: str) -> None:
    """42 CFR 405.980(c)(3), Medicare Claims Processing Manual ch. 34 10.6.2: a party may ask at any
    time for a reopening that corrects a clerical error on an unfavorable determination. Past 1 year
    the plan asked for good cause, past 4 years it wrote the balance off: money a reopening recovers."""
    plan = plan_for(build_claim(["CO-4"], ["N822"], payer="medicare-dme", dos=dos, denial_date=denial_date))
    assert plan.action == A.reopening
    assert [f.code for f in plan.findings if f.code.startswith("deadline.")] == ["deadline.passed_any_time"]
    assert not [note for note in plan.notes if note.startswith("if the reopening is refused")]  # that date is gone


def _without_any_time(payer: str) -> PayerProfile:
    medicare = profile(payer)
    assert medicare.reopening is not None
    return medicare.model_copy(update={"reopening": medicare.reopening.model_copy(update={"any_time": None})})


def test_without_an_any_time_rule_a_late_reopening_needs_good_cause_and_a_closed_one_is_written_off() -> None:
    """A profile whose reopening step gives no `any_time` rule: within 4 years for good cause
    (405.986), named; past 4 years nothing can be sent, and the balance is written off."""
    strict = _without_any_time("medicare-dme")
    late = make_plan(build_claim(["CO-4"], ["N822"], payer="medicare-dme", dos="2024-09-10",
                                 denial_date="2024-10-07"), strict, CODES, TODAY)
    assert (late.action, late.deadline.isoformat()) == (A.reopening, "2025-10-07")
    assert [f.message for f in late.findings if f.code == "deadline.passed"] == [
        f"filing deadline 2025-10-07 has passed; state good cause (appeal.good_cause) to file late: "
        f"{REOPENING_GOOD_CAUSE}"]
    closed = make_plan(build_claim(["CO-4"], ["N822"], payer="medicare-dme", dos="2022-09-10",
                                   denial_date="2022-10-07"), strict, CODES, TODAY)
    assert closed.action == A.adjust
    assert closed.action_reason == ("a remark code says the claim must be corrected, but medicare-dme reopens a "
                                    "determination, even for good cause, only until 2026-10-07: write the balance "
                                    "off")
    assert closed.notes == [REOPENING_GOOD_CAUSE]


@pytest.mark.parametrize("attachments", [[], ["primary_eob"]], ids=["without-primary-eob", "with-primary-eob"])
def test_a_secondary_claim_past_the_filing_limit_is_written_off(attachments: list[str]) -> None:
    """CO-22 at Medicare: the claim goes in again as secondary, a new claim that must meet the
    12 months from the date of service (42 CFR 424.44(a)(1)), with or without the primary's EOB."""
    on_time = plan_for(build_claim(["CO-22"], [], payer="medicare-dme", dos="2025-12-01", attachments=attachments))
    assert (on_time.action, on_time.new_claim, on_time.deadline.isoformat()) == (A.corrected_claim, True, "2026-12-01")
    assert on_time.instead == ("send a new claim as the secondary payer, with the primary payer's decision on it, by "
                               "2026-11-30; it must arrive by 2026-12-01")
    late = plan_for(build_claim(["CO-22"], [], payer="medicare-dme", dos="2025-11-01", attachments=attachments))
    assert late.action == A.adjust
    assert late.action_reason.startswith("coordination of benefits")
    assert late.action_reason.endswith(", but the claim filing limit passed on 2026-11-01: a new claim would be "
                                       "refused; write the balance off")


@pytest.mark.parametrize(
    ("rarcs", "category", "action"),
    [
        # codes.yaml: PR-96 alone is a non-covered charge the patient owes (bill the patient) ...
        pytest.param([], C.coverage, A.bill_patient, id="PR-96-alone-bill-patient"),
        # ... but a remark that moves it to the provider's side ends the patient's liability rule: M127 (a record
        # missing) is sent with the request; N54 (the claim differs from the authorization) is an authorization
        # question. N425 (excluded by statute) keeps it a coverage denial the patient owes.
        pytest.param(["M127"], C.missing_information, A.appeal, id="PR-96-M127-appeal-with-the-record"),
        pytest.param(["N54"], C.authorization, A.review, id="PR-96-N54-authorization-review"),
        pytest.param(["N425"], C.coverage, A.bill_patient, id="PR-96-N425-statutory-exclusion-bill-patient"),
    ],
)
def test_a_remark_that_moves_a_pr_code_ends_its_patient_liability_rule(
    rarcs: list[str], category: Category, action: Action,
) -> None:
    plan = plan_for(build_claim(["PR-96"], rarcs, payer="medicare-dme"))
    assert (plan.category, plan.action) == (category, action), plan.action_reason


def test_the_first_level_a_category_reaches_needs_no_earlier_decision() -> None:
    """CareSource: a medical-necessity denial skips the claim dispute, so its appeal has no
    dispute decision to enclose; a coding denial's appeal, after the dispute, does."""
    medical = plan_for(build_claim(["CO-50"], payer="medicaid-caresource",
                                   attachments=["remittance_advice", "progress_notes", "medical_records"]))
    assert medical.level == "appeal"
    assert "claim dispute decision" not in [r.description for r in medical.required]
    coding = plan_for(build_claim(["CO-97"], payer="medicaid-caresource", history=chain(("claim_dispute", "upheld"))))
    assert coding.level == "appeal"
    assert "claim dispute decision" in [r.description for r in coding.required]


@pytest.mark.parametrize(("codes", "liability"), [
    (["CO-119"], "the patient is not liable"),
    (["PR-119"], "the patient is liable (PR)"),
    (["CO-119", "PR-2"], "the patient is not liable"),  # the coinsurance does not make the CO denial the patient's
])
def test_a_benefit_maximum_without_authorization_goes_to_the_client(codes: list[str], liability: str) -> None:
    plan = plan_for(build_claim(codes))
    assert plan.action_reason == f"benefit maximum with no authorization; {liability}"


def test_lines_denied_for_other_reasons_are_named_to_be_planned_apart() -> None:
    """Two lines of equal amounts: the table's precedence decides (duplicate ranks first); the
    medical-necessity line has its own appeal window, so the plan names it rather than let it
    pass unseen."""
    claim = build_claim(["CO-18"])
    necessity = claim.service_lines[0].model_copy(update={"code": "A7030", "carc": ["50"], "group": "CO"})
    plan = plan_for(claim.model_copy(update={"service_lines": [*claim.service_lines, necessity]}))
    assert plan.category == C.duplicate
    assert [(f.code, f.message) for f in plan.findings if f.code == "claim.mixed_denials"] == [(
        "claim.mixed_denials", "lines denied for other reasons than duplicate (medical_necessity: A7030 on line 2"
        " (CO-50, its "
        "own plan reconsideration by 2027-10-14)); "
        "this plan follows the lines that carry the most denied money: put the others in a claim file of their own, "
        "so each is planned on its own and meets its own deadline (from an 835, `build`, `batch` and `era --out` "
        "do: <claim id>-L<line number>)")]
    same = claim.service_lines[0].model_copy(update={"code": "A7030"})  # both duplicates: nothing to say
    plan = plan_for(claim.model_copy(update={"service_lines": [*claim.service_lines, same]}))
    assert not [f for f in plan.findings if f.code == "claim.mixed_denials"]


def test_a_dismissal_after_its_window_closed_offers_no_new_request() -> None:
    """Once the dismissed level's own window has closed, only the dismissal's path is left."""
    claim = build_claim(["CO-50"], payer="medicare-dme", history=[("redetermination", "2026-10-20", "dismissed")],
                        denial_date="2026-06-01", dos="2026-05-04")
    plan = plan_for(claim)
    assert plan.level == "dismissal_review"
    assert not [note for note in plan.notes if note.startswith("or file a new, complete")]


@pytest.mark.parametrize(("level", "filed", "escalate"), [
    # 405.970: the QIC decides within 60 days; after that the appellant may ask it to escalate to OMHA.
    pytest.param("reconsideration", "2026-09-20", "no decision by 2026-11-19, 60 days after the request was filed: "
                 "you may ask for the appeal to be escalated to ALJ hearing (42 CFR 405.970), or keep waiting for the "
                 "decision", id="qic-past-60-days"),
    pytest.param("reconsideration", "2026-10-20", None, id="qic-within-60-days"),
    # 405.950: the MAC has 60 days too, but a redetermination cannot be escalated.
    pytest.param("redetermination", "2026-07-20", None, id="redetermination-never-escalates"),
])
def test_a_request_pending_past_its_timeframe_may_be_escalated(level: str, filed: str, escalate: str | None) -> None:
    history = [("redetermination", "2026-08-20", "upheld")] if level == "reconsideration" else []
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=[*history, (level, filed, "pending")],
                                denial_date="2026-06-01", dos="2026-05-04"))
    assert plan.action == A.check_status
    assert [n for n in plan.notes if n.startswith("no decision by")] == ([escalate] if escalate else [])


def test_no_escalation_is_offered_below_the_next_levels_minimum() -> None:
    """405.1006: an ALJ hearing needs $200 in controversy (2026), escalated or not."""
    history = [("redetermination", "2026-08-20", "upheld"), ("reconsideration", "2026-09-20", "pending")]
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, denial_date="2026-06-01",
                                dos="2026-05-04", billed="150.00"))
    assert not [n for n in plan.notes if n.startswith("no decision by")]



def test_a_refused_correction_reopens_the_first_level_this_category_takes() -> None:
    """CareSource: a medical-necessity denial skips the claim dispute, refused correction or not."""
    plan = plan_for(build_claim(["CO-50"], payer="medicaid-caresource",
                                history=chain(("corrected_claim", "upheld"))))
    assert plan.level == "appeal"


def test_an_earlier_decision_in_the_history_is_enclosed_even_at_the_first_level() -> None:
    """A medical-necessity denial taken to the claim dispute all the same: its decision exists
    and the appeal encloses it."""
    plan = plan_for(build_claim(["CO-50"], payer="medicaid-caresource", history=chain(("claim_dispute", "upheld"))))
    assert plan.level == "appeal"
    assert "claim dispute decision" in [r.description for r in plan.required]


def test_a_stated_category_is_not_second_guessed_line_by_line() -> None:
    claim = build_claim(["CO-96"])
    stated = claim.model_copy(update={"denial": claim.denial.model_copy(update={"category": C.medical_necessity})})
    plan = plan_for(stated)
    assert plan.category == C.medical_necessity
    assert not [f for f in plan.findings if f.code == "claim.mixed_denials"]


def test_a_remark_that_moves_a_pr_code_also_ends_the_patients_liability() -> None:
    """PR-96 alone: a non-covered charge the patient owes; with M127 (a missing record) the fault
    is the provider's to fix, and nothing says the patient owes it."""
    assert classify("PR-96").patient_liable
    assert not classify("PR-96", rarcs=["M127"]).patient_liable
    assert classify("PR-96", rarcs=["N425"]).patient_liable  # excluded by statute: still a coverage denial


def test_the_lines_that_carry_the_most_denied_money_decide_not_one_small_lines_code() -> None:
    """A $40 duplicate line must not turn a $1,200 medical-necessity denial into a status check
    with no deadline: the plan appeals the large line and names the small one."""
    claim = build_claim(["CO-50"], billed="1200.00")
    duplicate = claim.service_lines[0].model_copy(update={"code": "A7035", "carc": ["18"], "group": "CO",
                                                          "billed": Decimal("40.00")})
    plan = plan_for(claim.model_copy(update={"service_lines": [*claim.service_lines, duplicate]}))
    assert (plan.category, plan.action, plan.amount_requested) == (C.medical_necessity, A.reconsideration,
                                                                   Decimal("1200.00"))
    assert plan.category_reasons[0] == ("the lines denied as medical_necessity carry the most denied money "
                                        "($1,200.00): this plan follows them; the other lines are planned apart")
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        "lines denied for other reasons than medical_necessity (duplicate: A7035 on line 2"
        " (CO-18, its own plan check_status))"]


def test_a_remark_on_one_line_acts_on_that_line_only() -> None:
    """MA130 (unprocessable: no appeal rights) on a $45 line does not take the appeal rights of a
    $1,200 line denied as not medically necessary, even when an 835's claim file repeats the
    line's remarks and codes on its denial."""
    claim = build_claim(["CO-50"], ["N115", "MA130", "M20"], payer="medicare-dme", billed="1200.00")
    supply = claim.service_lines[0].model_copy(update={
        "code": "A7037", "carc": ["16"], "group": "CO", "rarc": ["MA130", "M20"], "billed": Decimal("45.00")})
    necessity = claim.service_lines[0].model_copy(update={"rarc": ["N115"]})
    denial = claim.denial.model_copy(update={"carc": ["50", "16"], "group": "CO"})
    plan = plan_for(claim.model_copy(update={"service_lines": [necessity, supply], "denial": denial}))
    assert (plan.category, plan.action, plan.level) == (C.medical_necessity, A.appeal, "redetermination")
    assert [line.label for line in plan.disputed] == ["E0601"]
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        "lines denied for other reasons than medical_necessity (missing_information: A7037 on line 2"
        " (CO-16, its own plan "
        "corrected_claim by 2027-09-02))"]


@pytest.mark.parametrize(("payer", "action"), [("medicaid-caresource", A.ask_client), ("commercial", A.bill_patient)])
def test_a_medicaid_member_is_not_billed_for_a_non_covered_service_without_the_client(payer: str,
                                                                                     action: Action) -> None:
    """42 CFR 447.15: Medicaid's payment is payment in full; a member pays for a non-covered
    service only under a written agreement signed beforehand, where the state allows it."""
    plan = plan_for(build_claim(["PR-204"], ["N130"], payer=payer))
    assert plan.action == action
    if payer.startswith("medicaid"):
        assert plan.action_reason.endswith("only with a written agreement signed before the service, where the "
                                           "state allows it (42 CFR 447.15): ask the client")


def test_a_later_medicare_level_asks_for_the_appeal_number_the_evidence_and_copies_to_the_parties() -> None:
    """42 CFR 405.1014: an ALJ hearing request names the QIC's appeal number, and a copy goes to
    the other parties (the beneficiary) before the ALJ's time frame starts."""
    qic = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", "upheld")),
                               billed="5000.00"))
    alj = plan_for(build_claim(["CO-50"], payer="medicare-dme", billed="5000.00",
                               history=chain(("redetermination", "upheld"), ("reconsideration", "upheld"))))
    council = plan_for(build_claim(["CO-50"], payer="medicare-dme", billed="5000.00", history=chain(
        ("redetermination", "upheld"), ("reconsideration", "upheld"), ("alj_hearing", "upheld"))))
    first = plan_for(build_claim(["CO-50"], payer="medicare-dme"))
    later = ("history.case_number_missing", "qic.all_evidence_now", "omha.copy_to_parties", "omha.new_evidence",
             "omha.investigation", "council.copy_to_parties")
    codes = {name: [f.code for f in plan.findings if f.code in later]
             for name, plan in (("first", first), ("qic", qic), ("alj", alj), ("council", council))}
    # 405.966, 405.1018: the QIC is where a provider's evidence must all come in; 405.1106(a): the
    # Council's request is copied to the other parties too.
    assert codes == {"first": [], "qic": ["history.case_number_missing", "qic.all_evidence_now"],
                     "alj": ["history.case_number_missing", "omha.copy_to_parties", "omha.new_evidence",
                             "omha.investigation"],
                     "council": ["history.case_number_missing", "council.copy_to_parties"]}
    numbered = build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", "upheld")),
                           billed="5000.00")
    history = [numbered.appeal.history[0].model_copy(update={"case_number": "1-26299-004417"})]
    plan = plan_for(numbered.model_copy(update={"appeal": numbered.appeal.model_copy(update={"history": history})}))
    assert "history.case_number_missing" not in [f.code for f in plan.findings]


def _two_lines(first: dict[str, Any], second: dict[str, Any], **denial: Any) -> Claim:
    claim = build_claim(["CO-50"], payer="medicare-dme", billed="1200.00")
    line = claim.service_lines[0]
    lines = [line.model_copy(update=first), line.model_copy(update={"code": "A7030", **second})]
    return claim.model_copy(update={"service_lines": lines,
                                    "denial": claim.denial.model_copy(update=denial) if denial else claim.denial})


def test_a_line_of_another_category_is_not_in_the_request_even_when_it_shares_a_code() -> None:
    """CO-16 on both lines; M127 (records) on one, N4 (missing information) on the other."""
    claim = _two_lines({"carc": ["16"], "group": "CO", "rarc": ["M127"]},
                       {"carc": ["16"], "group": "CO", "rarc": ["N4"], "billed": Decimal("45.00")})
    plan = plan_for(claim)
    assert ([d.label for d in plan.disputed], plan.amount_requested) == (["E0601"], Decimal("1200.00"))
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        f"lines denied for other reasons than {plan.category.value} (coordination_of_benefits: A7030 on line 2"
        f" (CO-16, its own "
        "plan corrected_claim by 2027-09-02))"]


def test_a_contractual_write_off_is_not_denied_money() -> None:
    """$2,400 of CO-45 on a partly paid line must not outweigh a $1,200 medical-necessity denial."""
    adjustments = [Adjustment(group="CO", carc="45", amount=Decimal("2400.00")),
                   Adjustment(group="CO", carc="119", amount=Decimal("200.00"))]
    claim = _two_lines({}, {"carc": [], "group": None, "billed": Decimal("3000.00"), "paid": Decimal("400.00"),
                            "adjustments": adjustments})
    assert plan_for(claim).category == C.medical_necessity


def test_claim_level_codes_without_a_group_follow_the_line_that_carries_them() -> None:
    """A CSV export lists the denial's codes on the claim (50, 18) and each line's with its group."""
    claim = _two_lines({}, {"carc": ["18"], "group": "CO", "billed": Decimal("45.00")}, carc=["50", "18"], group=None)
    plan = plan_for(claim)
    assert (plan.category, plan.action) == (C.medical_necessity, A.appeal)
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        "lines denied for other reasons than medical_necessity (duplicate: A7030 on line 2"
        " (CO-18, its own plan check_status))"]


def test_the_claims_own_codes_are_a_part_beside_its_lines() -> None:
    """A claim-level CO-18 stands for the $45 line without codes of its own; the $1,200 E0601 line
    says not medically necessary: the larger part decides, and the claim's own code is named."""
    claim = _two_lines({}, {"carc": [], "group": None, "billed": Decimal("45.00")}, carc=["18"], group="CO")
    plan = plan_for(claim)
    assert (plan.category, [d.label for d in plan.disputed]) == (C.medical_necessity, ["E0601"])
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        "lines denied for other reasons than medical_necessity (duplicate: the claim's own codes (CO-18, its own plan "
        "check_status))"]
    small = _two_lines({"billed": Decimal("40.00")}, {"carc": [], "group": None, "billed": Decimal("445.00")},
                       carc=["18"], group="CO")
    plan = plan_for(small)
    assert plan.category == C.duplicate
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        "lines denied for other reasons than duplicate (medical_necessity: E0601 on line 1"
        " (CO-50, its own plan appeal by "
        "2027-02-16))"]


@pytest.mark.parametrize("modifier", ["GZ", "GA"])
def test_a_line_its_group_rule_decides_for_is_planned_apart_from_a_line_to_appeal(modifier: str) -> None:
    """CO-50 with GZ is the supplier's to write off, PR-50 with GA the beneficiary's to pay: beside a
    larger CO-50 line to appeal, neither decides for it, and neither is asked for in its request."""
    group = "CO" if modifier == "GZ" else "PR"
    claim = _two_lines({}, {"carc": ["50"], "group": group, "modifiers": [modifier], "billed": Decimal("300.00")})
    plan = plan_for(claim)
    assert (plan.action, [d.label for d in plan.disputed]) == (A.appeal, ["E0601"])
    action = "adjust" if modifier == "GZ" else "bill_patient"
    assert [f.message.split(";")[0] for f in plan.findings if f.code == "claim.mixed_denials"] == [
        f"lines denied for other reasons than medical_necessity (medical_necessity, {action}: A7030-{modifier} "
        f"on line 2 ({group}-50, its own plan {action}))"]
    larger = _two_lines({"billed": Decimal("100.00")},
                        {"carc": ["50"], "group": group, "modifiers": [modifier], "billed": Decimal("300.00")})
    planned = plan_for(larger)
    assert (planned.action.value, [d.label for d in planned.disputed]) == (action, [f"A7030-{modifier}"])


def test_a_remark_on_the_claim_itself_decides_for_every_line() -> None:
    """MA130 at claim level (MOA): the whole claim is unprocessable, every line goes in the new claim."""
    claim = _two_lines({"rarc": []}, {"carc": ["16"], "group": "CO", "billed": Decimal("45.00")}, rarc=["MA130"])
    plan = plan_for(claim)
    assert plan.action in (A.corrected_claim, A.reopening)
    assert not [f for f in plan.findings if f.code == "claim.mixed_denials"]


@pytest.mark.parametrize(("modifiers", "group", "warned"), [(["GA"], "CO", True), (["GZ"], "CO", False),
                                                           ([], "CO", False), (["GA"], "PR", False)])
def test_a_co_denial_of_a_line_with_an_advance_notice_on_file_is_contested_for_liability(
        modifiers: list[str], group: str, warned: bool) -> None:
    """The request encloses the signed notice: the plan requires it, and the check fails without it."""
    claim = build_claim([f"{group}-50"], payer="medicare-dme", modifiers=modifiers)
    plan = plan_for(claim)
    assert ("liability.abn_on_file" in [f.code for f in plan.findings]) is warned
    abn = [(r.description, r.present) for r in plan.required if r.kinds == [AttachmentKind.abn]]
    assert abn == ([(SIGNED_ABN, False)] if warned else [])
    enclosed = plan_for(build_claim([f"{group}-50"], payer="medicare-dme", modifiers=modifiers,
                                    attachments=("remittance_advice", "abn")))
    assert [r.present for r in enclosed.required if r.kinds == [AttachmentKind.abn]] == ([True] if warned else [])
    asks = [f.message.split(": ")[-1][:36] for p in (plan, enclosed) for f in p.findings
            if f.code == "liability.abn_on_file"]
    assert asks == (["enclose the signed notice and ask th", "the letter asks that liability be as"] if warned else [])


def test_a_commercial_plan_asks_for_no_advance_beneficiary_notice() -> None:
    plan = plan_for(build_claim(["CO-50"], payer="commercial", modifiers=["GA"]))
    assert [r for r in plan.required if AttachmentKind.abn in r.kinds] == []


def test_an_alj_request_needs_the_beneficiarys_address() -> None:
    """42 CFR 405.1014(a)(1): the request names the beneficiary's name, address and Medicare number;
    the claim file had no place for the address, and the request went without it."""
    steps = chain(("redetermination", "upheld"), ("reconsideration", "upheld"))
    claim = build_claim(["CO-50"], payer="medicare-dme", billed="5000.00", history=steps)
    patient = claim.patient.model_copy(update={"address": "12 Example Lane, Sampletown, EX 00000"})
    addressed = claim.model_copy(update={"patient": patient})
    first = build_claim(["CO-50"], payer="medicare-dme")  # a redetermination does not ask for it
    found = {name: "patient.address_missing" in [f.code for f in plan_for(c).findings if f.severity == "problem"]
             for name, c in (("alj", claim), ("alj with address", addressed), ("redetermination", first))}
    assert found == {"alj": True, "alj with address": False, "redetermination": False}


@pytest.mark.parametrize(("payer", "fix"), [("commercial", "send a corrected claim with it"),
                                            ("medicare-part-b", "ask for a reopening that adds it")])
def test_a_bundled_line_without_a_modifier_that_marks_it_separate_is_named(payer: str, fix: str) -> None:
    claim = build_claim(["CO-97"], payer=payer)
    line = claim.service_lines[0]
    lines = [line.model_copy(update={"code": "97597", "modifiers": ["59"]}),
             line.model_copy(update={"code": "99213", "modifiers": []})]
    plan = plan_for(claim.model_copy(update={"service_lines": lines}))
    assert [f.message for f in plan.findings if f.code == "bundling.no_modifier"] == [
        f"no modifier on 99213 marks a separate service (25 for an E/M service, 59 or XE, XS, XP, XU for a "
        f"procedure): if one applies, {fix}; an appeal without one is usually upheld"]


def test_a_claim_level_code_without_money_of_its_own_is_the_whole_claims_denial() -> None:
    """A claim file's denial.carc (no amount, every line carrying codes of its own) speaks for the
    whole claim: it takes part in every decision, as the table's precedence says, and is no part
    that a line's larger amount could outweigh."""
    claim = build_claim(["CO-50"], billed="1200.00")
    plan = plan_for(claim.model_copy(update={"denial": claim.denial.model_copy(update={"carc": ["197"],
                                                                                      "group": "CO"})}))
    assert plan.category == C.authorization


@pytest.mark.parametrize(("titles", "warned"), [
    (["Redetermination notice, 10/11/2026"], "10/11/2026"),  # the QIC's is missing: the letter says it is enclosed
    (["Redetermination notice, 10/11/2026", "QIC reconsideration notice, 2026-11-10"], None),
    (["QIC reconsideration notice, 11/10/2026"], None),
    (["Decision notice"], None),  # undated: not judged
], ids=["other-decision", "both", "this-decision", "undated"])
def test_the_decision_notice_enclosed_is_the_one_the_request_answers(titles: list[str], warned: str | None) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=ALJ_HISTORY, billed="5000.00")
    notices = [Attachment(kind=AttachmentKind.decision_notice, path=Path(f"docs/n{i}.pdf"), title=title)
               for i, title in enumerate(titles)]
    plan = plan_for(claim.model_copy(update={"attachments": [*claim.attachments, *notices]}))
    assert plan.level == "alj_hearing"
    expected = [] if warned is None else [
        f"the decision notice enclosed is dated {warned}, but the decision this request answers is dated 11/10/2026: "
        "enclose that decision's notice (the letter says it is enclosed)"]
    assert [f.message for f in plan.findings if f.code == "decision_notice.other_decision"] == expected


@pytest.mark.parametrize(("titles", "warned"), [
    (["Redetermination notice"], "a redetermination"),  # the QIC's is missing: the letter says it is enclosed
    (["MAC redetermination letter", "Council remand order"], "a redetermination or a Council"),
    (["Redetermination notice", "QIC reconsideration decision"], None),
    (["Reconsideration decision (upholds the redetermination)"], None),  # names this decision too
    (["Redetermination notice", "Decision notice"], None),  # one notice names no level: not judged
], ids=["other-level", "two-others", "both", "names-both", "one-unnamed"])
def test_a_decision_notice_titled_for_another_level_is_named(titles: list[str], warned: str | None) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=ALJ_HISTORY, billed="5000.00")
    notices = [Attachment(kind=AttachmentKind.decision_notice, path=Path(f"docs/n{i}.pdf"), title=title)
               for i, title in enumerate(titles)]
    plan = plan_for(claim.model_copy(update={"attachments": [*claim.attachments, *notices]}))
    expected = [] if warned is None else [
        f"the decision notice enclosed is titled as {warned} decision, but this request answers a reconsideration "
        "decision: enclose that decision's notice (the letter says it is enclosed)"]
    assert [f.message for f in plan.findings if f.code == "decision_notice.other_level"] == expected


@pytest.mark.parametrize(("level", "why"), [
    ("redetermination", "Medicare dismisses an unsigned request (42 CFR 405.944(b))"),
    ("reconsideration", "Medicare dismisses an unsigned request (42 CFR 405.964(b))"),
    ("alj_hearing", "Medicare asks for the requester's signature at every level"),  # not the two rules above
])
def test_an_unsigned_request_cites_the_rule_of_its_own_level(level: str, why: str) -> None:
    from appealgen.check import unsigned

    assert unsigned(profile("medicare-dme"), level).message.endswith(f"by hand before sending; {why}")


@pytest.mark.parametrize(("paid", "warned"), [("0.00", True), ("100.00", False)], ids=["no-payment", "paid"])
def test_a_partial_decision_with_no_payment_on_the_lines_is_named(paid: str, warned: bool) -> None:
    """The QIC request after a partially favourable redetermination: what was paid is no longer in
    controversy, and the lines must show it."""
    claim = build_claim(["CO-50"], payer="medicare-dme", history=[("redetermination", "2026-10-26",
                                                                    "partially_overturned")], paid=paid)
    plan = plan_for(claim)
    assert plan.level == "reconsideration"
    expected = ["appeal.history[0] partially overturned the denial, but no service line shows a payment "
                "(service_lines[].paid): the amount in controversy and the amount asked for count what was paid; "
                "record the payment on its lines"] if warned else []
    assert [f.message for f in plan.findings if f.code == "history.partial_without_payment"] == expected


@pytest.mark.parametrize(("balance", "asked", "warned"), [(None, "1850.00", True), ("650.00", "650.00", False),
                                                          ("2000.00", "1850.00", False)],
                         ids=["no-balance", "balance", "balance-above-the-denial"])
def test_a_secondary_claim_after_a_cob_denial_asks_for_what_the_primary_left_owing(
        balance: str | None, asked: str, warned: bool) -> None:
    """The primary paid 1,200.00 of 1,850.00 and left 650.00 to the patient: the secondary pays at
    most that, and a letter asking for 1,850.00 asks for what nobody owes."""
    claim = build_claim(["CO-22"], billed="1850.00", attachments=["remittance_advice", "primary_eob"])
    claim = claim.model_copy(update={"primary_balance": None if balance is None else Decimal(balance)})
    plan = plan_for(claim)
    assert plan.category == C.coordination_of_benefits and plan.action.value in ("reconsideration", "appeal")
    assert plan.amount_requested == Decimal(asked)
    assert [f.code for f in plan.findings if f.code == "cob.primary_balance_missing"] == (
        ["cob.primary_balance_missing"] if warned else [])


@pytest.mark.parametrize(("codes", "appeal", "warned"), [
    (["CO-50"], {}, True),
    (["CO-50"], {"facts": [{"text": "AHI 28 on the attended sleep study"}]}, False),
    (["CO-50"], {"argument": "The sleep study shows an AHI of 28."}, False),
    (["CO-197"], {}, False),  # an authorization on file is shown by the authorization, not argued
], ids=["medical-necessity-unargued", "facts", "argument", "authorization"])
def test_a_request_on_the_patients_case_with_no_argument_is_named(
        codes: list[str], appeal: dict[str, Any], warned: bool) -> None:
    """A letter with no argument and no facts says only its template's general sentences: a
    reviewer of a clinical or coding denial upholds it."""
    claim = build_claim(codes, attachments=["remittance_advice", "progress_notes", "authorization"])
    claim = claim.model_copy(update={"appeal": Appeal.model_validate(appeal)})
    plan = plan_for(claim)
    assert plan.submitted, plan.action_reason
    assert ("appeal.argument_missing" in [f.code for f in plan.findings]) is warned
