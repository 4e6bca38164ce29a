"""The rules, as tables: reason codes -> category, precedence, category -> action, appeal levels,
deadlines, amount in controversy, required documents, letters and covers, code descriptions.

Every expected value is written out here (never read back from codes.yaml or a payer profile),
so a change to a rule makes a test fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from appealgen.errors import InputError
from appealgen.models import Action, AttachmentKind, Category, Claim
from appealgen.payers import PayerProfile, load_payer
from appealgen.plan import CATEGORY_LETTERS, Plan, choose_letter, deadline_findings, make_plan
from appealgen.rules.classify import Classification, classify_codes
from appealgen.rules.codes import load_descriptions
from appealgen.rules.deadlines import add_months, filing_deadline
from appealgen.workspace import Workspace
from tests.conftest import CODES, REPO, TODAY, claim_dict

C = Category
A = Action
K = AttachmentKind
WORKSPACE = Workspace.open(REPO)
ASK_CLIENT = "ask the client whether to bill the patient or adjust the balance"
VERIFY_FIRST = "verify eligibility and authorization before asking for review"
BENEFIT_NOTE = "verify the payment history; ask the client before billing the patient"
NO_APPEAL_RIGHTS = "the remark gives no appeal rights"


# --------------------------------------------------------------------------- helpers


def profile(payer_id: str) -> PayerProfile:
    return load_payer(WORKSPACE, payer_id)


def chain(*steps: tuple[str, str]) -> list[tuple[str, str, str]]:
    """Appeal history (level, outcome), one decision every 30 days, the last on 2026-11-10."""
    last = date(2026, 11, 10)
    return [
        (level, (last - timedelta(days=30 * (len(steps) - 1 - i))).isoformat(), outcome)
        for i, (level, outcome) in enumerate(steps)
    ]


def build_claim(
    codes: Sequence[str] = ("CO-50",),
    rarcs: Sequence[str] = (),
    *,
    payer: str = "commercial",
    attachments: Sequence[str] = ("remittance_advice",),
    history: Sequence[tuple[str, str, str]] = (),
    level: str | None = None,
    letter: str | None = None,
    good_cause: str | None = None,
    denial_date: str = "2026-10-14",
    dos: str = "2026-09-02",
    billed: str = "245.00",
    paid: str = "0.00",
) -> Claim:
    """A claim from claim_dict: one service line per group code ("CO-50", "PR-2" -> two lines),
    remark codes on the denial, one attachment per kind."""
    by_group: dict[str, list[str]] = {}
    for code in codes:
        group, carc = code.split("-")
        by_group.setdefault(group, []).append(carc)
    lines = [
        {"dos": dos, "code": "E0601", "billed": billed, "paid": paid, "diagnosis": ["G47.33"],
         "carc": carcs, "group": group}
        for group, carcs in by_group.items()
    ] or [{"dos": dos, "code": "E0601", "billed": billed, "paid": paid}]
    appeal: dict[str, Any] = {
        "argument": "The records support the claim.",
        "history": [{"level": lv, "date": day, "outcome": outcome} for lv, day, outcome in history],
        "level": level,
        "letter": letter,
        "good_cause": good_cause,
    }
    data = claim_dict(
        payer=payer,
        service_lines=lines,
        denial={"date": denial_date, "carc": [], "rarc": list(rarcs)},
        appeal={key: value for key, value in appeal.items() if value is not None},
        attachments=[{"kind": kind, "path": f"docs/{kind}.pdf"} for kind in attachments],
    )
    return Claim.model_validate(data)


def plan_for(claim: Claim, today: date = TODAY) -> Plan:
    return make_plan(claim, profile(claim.payer), CODES, today)


def classify(*codes: str, rarcs: Sequence[str] = ()) -> Classification:
    pairs: list[tuple[str | None, str]] = [(c.split("-")[0], c.split("-")[1]) for c in codes]
    return classify_codes(pairs, list(rarcs), CODES)


# --------------------------------------------------------------------------- 1. every CARC

# CARC -> (category, is a denial). Written out on purpose: see the module docstring.
CARCS: dict[str, tuple[Category, bool]] = {
    "1": (C.patient_responsibility, False),  # deductible
    "2": (C.patient_responsibility, False),  # coinsurance
    "3": (C.patient_responsibility, False),  # copayment
    "4": (C.coding, True),
    "5": (C.coding, True),
    "6": (C.coding, True),
    "7": (C.coding, True),
    "8": (C.coding, True),
    "9": (C.coding, True),
    "10": (C.coding, True),
    "11": (C.coding, True),
    "13": (C.eligibility, True),
    "15": (C.authorization, True),
    "16": (C.missing_information, True),
    "18": (C.duplicate, True),
    "19": (C.coordination_of_benefits, True),
    "20": (C.coordination_of_benefits, True),
    "21": (C.coordination_of_benefits, True),
    "22": (C.coordination_of_benefits, True),
    "23": (C.coordination_of_benefits, True),
    "24": (C.eligibility, True),
    "26": (C.eligibility, True),
    "27": (C.eligibility, True),
    "29": (C.timely_filing, True),
    "31": (C.eligibility, True),
    "39": (C.authorization, True),
    "40": (C.coverage, True),
    "45": (C.contractual, False),
    "49": (C.coverage, True),
    "50": (C.medical_necessity, True),
    "51": (C.coverage, True),
    "54": (C.coverage, True),
    "55": (C.coverage, True),
    "56": (C.coverage, True),
    "58": (C.coding, True),
    "59": (C.bundling, True),
    "96": (C.coverage, True),
    "97": (C.bundling, True),
    "107": (C.missing_information, True),
    "109": (C.eligibility, True),
    "110": (C.coding, True),
    "114": (C.coverage, True),
    "119": (C.benefit_maximum, True),
    "146": (C.coding, True),
    "151": (C.medical_necessity, True),
    "167": (C.medical_necessity, True),
    "170": (C.coverage, True),
    "181": (C.coding, True),
    "182": (C.coding, True),
    "183": (C.authorization, True),
    "185": (C.coverage, True),
    "189": (C.coding, True),
    "197": (C.authorization, True),
    "198": (C.authorization, True),
    "199": (C.coding, True),
    "200": (C.eligibility, True),
    "204": (C.coverage, True),
    "226": (C.missing_information, True),
    "227": (C.missing_information, True),
    "234": (C.bundling, True),
    "236": (C.bundling, True),
    "242": (C.coverage, True),
    "251": (C.missing_information, True),
    "252": (C.missing_information, True),
    "256": (C.coverage, True),
}
REFINABLE_CARCS = {"16", "96", "226", "251", "252"}


def test_code_table_holds_exactly_the_documented_carcs() -> None:
    assert set(CODES.carc) == set(CARCS)


@pytest.mark.parametrize(
    ("code", "category", "denial"),
    [pytest.param(code, category, denial, id=f"CO-{code}-{category.value}")
     for code, (category, denial) in CARCS.items()],
)
def test_carc_category_and_denial(code: str, category: Category, denial: bool) -> None:
    found = classify(f"CO-{code}")
    assert (found.category, found.denied) == (category, denial)
    assert found.others == []
    assert found.reasons[0].startswith(f"CO-{code} (")


def test_unknown_carc_is_a_denial_in_category_other() -> None:
    found = classify("CO-999")
    assert (found.category, found.denied) == (C.other, True)
    assert found.findings[0].label == "not in the code table"


# --------------------------------------------------------------------------- 2. every RARC

RARCS = {"MA130", "N211", "N115", "M127", "N130", "N54", "N522", "M51", "MA01", "N206", "N706"}



def test_code_table_holds_exactly_the_documented_rarcs() -> None:
    assert set(CODES.rarc) == RARCS


def test_refinable_carcs_are_16_96_226_251_252() -> None:
    assert {code for code, rule in CODES.carc.items() if rule.refinable} == REFINABLE_CARCS


@pytest.mark.parametrize(
    ("carc", "rarc", "category", "forced", "appeal_rights", "documents", "cite_lcd"),
    [
        pytest.param("CO-16", "MA130", C.missing_information, A.corrected_claim, False, [], False,
                     id="MA130-unprocessable-corrected-claim-no-appeal-rights"),
        pytest.param("CO-29", "N211", C.timely_filing, None, False, [], False,
                     id="N211-no-appeal-rights"),
        pytest.param("CO-50", "N115", C.medical_necessity, None, True, [], True, id="N115-cite-lcd"),
        pytest.param("CO-16", "M127", C.missing_information, None, True, [K.medical_records], False,
                     id="M127-asks-for-medical-records"),
        pytest.param("CO-96", "N130", C.coverage, None, True, [], False, id="N130-with-CO-96-coverage"),
        pytest.param("CO-16", "N130", C.coverage, None, True, [], False, id="N130-refines-CO-16-to-coverage"),
        pytest.param("CO-16", "N54", C.authorization, None, True, [], False, id="N54-authorization"),
        pytest.param("CO-96", "N522", C.duplicate, None, True, [], False, id="N522-duplicate"),
        pytest.param("CO-16", "M51", C.coding, A.corrected_claim, True, [], False,
                     id="M51-refines-CO-16-to-coding"),
        pytest.param("CO-96", "M51", C.coding, A.corrected_claim, True, [], False,
                     id="M51-refines-CO-96-to-coding"),
        pytest.param("CO-50", "MA01", C.medical_necessity, None, True, [], False, id="MA01-no-effect"),
        pytest.param("CO-96", "N206", C.missing_information, None, True, [], False,
                     id="N206-missing-information"),
        pytest.param("CO-252", "N706", C.missing_information, None, True, [], False,
                     id="N706-missing-documentation"),
    ],
)
def test_remark_code_effects(
    carc: str, rarc: str, category: Category, forced: Action | None, appeal_rights: bool,
    documents: list[AttachmentKind], cite_lcd: bool,
) -> None:
    found = classify(carc, rarcs=[rarc])
    assert found.category == category
    assert (found.forced_action, found.appeal_rights, found.documents, found.cite_lcd) == (
        forced, appeal_rights, documents, cite_lcd)


@pytest.mark.parametrize("carc", ["16", "96", "226", "251", "252"])
def test_remark_refines_a_refinable_carc(carc: str) -> None:
    assert classify(f"CO-{carc}", rarcs=["N54"]).category == C.authorization


@pytest.mark.parametrize(
    ("carc", "category"),
    [("CO-50", C.medical_necessity), ("CO-4", C.coding), ("CO-97", C.bundling), ("CO-204", C.coverage),
     ("CO-119", C.benefit_maximum)],
    ids=lambda value: value if isinstance(value, str) else value.value,
)
def test_remark_does_not_refine_other_carcs(carc: str, category: Category) -> None:
    found = classify(carc, rarcs=["N54"])
    assert (found.category, found.others) == (category, [])


def test_m51_with_co16_forces_a_corrected_claim_letter() -> None:
    plan = plan_for(build_claim(["CO-16"], ["M51"], payer="medicare-part-b"))
    assert (plan.action, plan.letter) == (A.corrected_claim, "corrected_claim.docx")
    assert plan.appeal_rights


def test_n211_with_co29_adjusts_even_with_proof_of_timely_filing() -> None:
    plan = plan_for(build_claim(["CO-29"], ["N211"], payer="medicare-part-b",
                                attachments=["remittance_advice", "proof_of_timely_filing"]))
    assert (plan.category, plan.action, plan.appeal_rights) == (C.timely_filing, A.adjust, False)
    assert "no appeal rights (N211)" in plan.action_reason


def test_n115_sets_cite_lcd_on_the_plan() -> None:
    assert plan_for(build_claim(["CO-50"], ["N115"], payer="medicare-dme")).cite_lcd
    assert not plan_for(build_claim(["CO-50"], payer="medicare-dme")).cite_lcd


# --------------------------------------------------------------------------- 3. precedence and groups

PRECEDENCE = [
    C.eligibility, C.timely_filing, C.duplicate, C.coordination_of_benefits, C.authorization,
    C.missing_information, C.coding, C.bundling, C.medical_necessity, C.coverage, C.benefit_maximum,
    C.other, C.contractual, C.patient_responsibility,
]


def test_precedence_is_the_documented_order() -> None:
    assert CODES.precedence == PRECEDENCE


@pytest.mark.parametrize(
    ("codes", "category", "others", "denied"),
    [
        pytest.param(["CO-50", "CO-29"], C.timely_filing, [C.medical_necessity], True, id="CO-50+CO-29"),
        pytest.param(["CO-45", "PR-2"], C.contractual, [C.patient_responsibility], False, id="CO-45+PR-2"),
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
        pytest.param(["CO-999", "CO-119"], C.benefit_maximum, [C.other], True, id="CO-999+CO-119"),
        pytest.param(["CO-50", "CO-97", "CO-29"], C.timely_filing, [C.bundling, C.medical_necessity], True,
                     id="three-codes-others-in-precedence-order"),
        pytest.param(["CO-50", "CO-45", "PR-2"], C.medical_necessity, [], True,
                     id="non-denials-dropped-when-something-is-denied"),
        pytest.param(["CO-50", "CO-151"], C.medical_necessity, [], True, id="same-category-not-repeated"),
    ],
)
def test_precedence_picks_the_primary_category(
    codes: list[str], category: Category, others: list[Category], denied: bool
) -> None:
    found = classify(*codes)
    assert (found.category, found.others, found.denied) == (category, others, denied)


@pytest.mark.parametrize(
    ("code", "denied"),
    [("OA-23", False), ("CO-23", True), ("PI-23", True)],
    ids=["OA-23-not-a-denial", "CO-23-denial", "PI-23-denial"],
)
def test_group_rule_oa23(code: str, denied: bool) -> None:
    found = classify(code)
    assert (found.category, found.denied) == (C.coordination_of_benefits, denied)


def test_oa23_plan_does_nothing() -> None:
    plan = plan_for(build_claim(["OA-23"]))
    assert (plan.denied, plan.action) == (False, A.none)


def test_group_rule_pr96_bills_the_patient() -> None:
    plan = plan_for(build_claim(["PR-96"], payer="medicare-part-b"))
    assert (plan.category, plan.action) == (C.coverage, A.bill_patient)
    assert "PR-96: the patient is liable (for example an ABN is on file)" in plan.action_reason


def test_co96_is_reviewed_not_billed_to_the_patient() -> None:
    plan = plan_for(build_claim(["CO-96"], payer="medicare-part-b"))
    assert plan.action == A.appeal


@pytest.mark.parametrize(
    ("codes", "liable"),
    [(["PR-1"], True), (["CO-1"], False), (["PR-50"], True), (["CO-50"], False)],
    ids=["PR-1", "CO-1", "PR-50", "CO-50"],
)
def test_pr_group_makes_the_patient_liable(codes: list[str], liable: bool) -> None:
    assert classify(*codes).patient_liable is liable


# --------------------------------------------------------------------------- 4. category -> action



@pytest.mark.parametrize(
    ("payer", "codes", "rarcs", "attachments", "history", "action", "notes"),
    [
        pytest.param("commercial", ["CO-50"], [], [], [], A.reconsideration, [],
                     id="medical-necessity-commercial-reconsideration"),
        pytest.param("medicare-dme", ["CO-50"], ["N115"], [], [], A.appeal, [],
                     id="medical-necessity-medicare-dme-redetermination"),
        pytest.param("medicaid-caresource", ["CO-151"], [], [], [], A.reconsideration, [],
                     id="medical-necessity-medicaid-claim-dispute"),
        pytest.param("commercial", ["CO-204"], [], [], [], A.reconsideration, [VERIFY_FIRST],
                     id="coverage-review-with-note"),
        pytest.param("medicare-part-b", ["CO-96"], [], [], [], A.appeal, [VERIFY_FIRST],
                     id="coverage-medicare-review-with-note"),
        pytest.param("medicare-part-b", ["CO-197"], [], ["authorization"], [], A.appeal, [],
                     id="authorization-on-file-review"),
        pytest.param("medicare-part-b", ["CO-197"], [], [], [], A.request_authorization, [],
                     id="authorization-missing-request-retro"),
        pytest.param("medicare-part-b", ["CO-16"], ["MA130"], [], [], A.corrected_claim, [NO_APPEAL_RIGHTS],
                     id="missing-information-MA130-corrected-claim"),
        pytest.param("commercial", ["CO-252"], [], ["medical_records"], [], A.reconsideration, [],
                     id="missing-information-without-MA130-review"),
        pytest.param("commercial", ["CO-4"], [], ["corrected_claim"], [], A.corrected_claim, [],
                     id="coding-our-error-corrected-claim"),
        pytest.param("commercial", ["CO-4"], [], [], [], A.reconsideration, [],
                     id="coding-code-was-right-review"),
        pytest.param("commercial", ["CO-97"], [], [], [], A.reconsideration, [], id="bundling-review"),
        pytest.param("commercial", ["CO-27"], [], [], [], A.verify_eligibility, [], id="eligibility"),
        pytest.param("commercial", ["CO-29"], [], ["proof_of_timely_filing"], [], A.reconsideration, [],
                     id="timely-filing-with-proof-review"),
        pytest.param("commercial", ["CO-29"], [], [], [], A.adjust, [],
                     id="timely-filing-without-proof-adjust"),
        pytest.param("medicare-part-b", ["CO-29"], ["N211"], ["proof_of_timely_filing"], [], A.adjust,
                     [NO_APPEAL_RIGHTS], id="timely-filing-N211-adjust-even-with-proof"),
        pytest.param("commercial", ["CO-18"], [], [], [], A.check_status, [], id="duplicate-check-status"),
        pytest.param("commercial", ["CO-22"], [], [], [], A.corrected_claim, ["no primary EOB enclosed"],
                     id="coordination-of-benefits-without-primary-eob-corrected-claim"),
        pytest.param("commercial", ["CO-22"], [], ["primary_eob"], [], A.reconsideration, [],
                     id="coordination-of-benefits-with-primary-eob-review"),
        pytest.param("commercial", ["CO-119"], [], ["authorization"], [], A.reconsideration, [],
                     id="benefit-maximum-with-authorization-review"),
        pytest.param("commercial", ["CO-119"], [], [], [], A.adjust, [BENEFIT_NOTE],
                     id="benefit-maximum-no-authorization-adjust"),
        pytest.param("commercial", ["PR-119"], [], [], [], A.bill_patient, [BENEFIT_NOTE],
                     id="benefit-maximum-no-authorization-PR-bill-patient"),
        pytest.param("commercial", ["CO-45"], [], [], [], A.none, [], id="contractual-none"),
        pytest.param("commercial", ["CO-45", "PR-2"], [], [], [], A.bill_patient, [],
                     id="contractual-with-coinsurance-bills-the-patient-share"),
        pytest.param("commercial", ["PR-1"], [], [], [], A.bill_patient, [],
                     id="PR-1-deductible-bill-patient"),
        pytest.param("commercial", ["CO-1"], [], [], [], A.none, [], id="CO-1-not-patient-liable-none"),
        pytest.param("medicare-dme", ["CO-50"], [], [], [("redetermination", "2026-11-02", "pending")],
                     A.check_status, [], id="history-pending-check-status"),
        pytest.param("medicare-dme", ["CO-50"], [], [], [("redetermination", "2026-11-02", "overturned")],
                     A.none, [], id="history-overturned-none"),
        pytest.param("commercial", ["CO-50"], [], [],
                     chain(("reconsideration", "upheld"), ("appeal", "upheld")),
                     A.adjust, [ASK_CLIENT], id="history-exhausted-CO-adjust-ask-client"),
        pytest.param("commercial", ["PR-50"], [], [],
                     chain(("reconsideration", "upheld"), ("appeal", "upheld")),
                     A.bill_patient, [ASK_CLIENT], id="history-exhausted-PR-bill-patient-ask-client"),
        pytest.param("medicare-dme", ["CO-50", "PR-2"], [], [],
                     chain(("redetermination", "upheld"), ("reconsideration", "upheld"),
                           ("alj_hearing", "upheld"), ("appeals_council", "upheld"),
                           ("judicial_review", "upheld")),
                     A.adjust, [ASK_CLIENT], id="history-exhausted-CO-denial-with-PR-coinsurance-adjust"),
        pytest.param("commercial", ["CO-119", "PR-2"], [], [], [], A.adjust, [BENEFIT_NOTE],
                     id="benefit-maximum-CO-with-PR-coinsurance-adjust"),
    ],
)
def test_category_decides_the_action(
    payer: str, codes: list[str], rarcs: list[str], attachments: list[str],
    history: list[tuple[str, str, str]], action: Action, notes: list[str],
) -> None:
    claim = build_claim(codes, rarcs, payer=payer, attachments=["remittance_advice", *attachments],
                        history=history)
    plan = plan_for(claim)
    assert (plan.action, plan.notes) == (action, notes), plan.action_reason


# --------------------------------------------------------------------------- 5. levels

DME_LEVELS = ["redetermination", "reconsideration", "alj_hearing", "appeals_council", "judicial_review"]


@pytest.mark.parametrize(
    ("decided", "level", "level_name"),
    [
        pytest.param(0, "redetermination", "Redetermination", id="no-history-redetermination"),
        pytest.param(1, "reconsideration", "Reconsideration", id="redetermination-upheld-reconsideration"),
        pytest.param(2, "alj_hearing", "ALJ hearing", id="reconsideration-upheld-alj-hearing"),
        pytest.param(3, "appeals_council", "Medicare Appeals Council review",
                     id="alj-upheld-appeals-council"),
        pytest.param(4, "judicial_review", "Judicial review", id="council-upheld-judicial-review"),
    ],
)
def test_medicare_dme_level_progression(decided: int, level: str, level_name: str) -> None:
    history = chain(*[(lv, "upheld") for lv in DME_LEVELS[:decided]])
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, billed="5000.00"))
    assert (plan.level, plan.level_name, plan.action) == (level, level_name, A.appeal)


def test_medicare_dme_every_level_upheld_is_exhausted() -> None:
    history = chain(*[(lv, "upheld") for lv in DME_LEVELS])
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=history, billed="5000.00"))
    assert (plan.level, plan.action, plan.notes) == ("judicial_review", A.adjust, [ASK_CLIENT])
    assert "every level is used" in plan.action_reason


@pytest.mark.parametrize("outcome", ["upheld", "partial", "dismissed"])
def test_any_unfavourable_outcome_moves_to_the_next_level(outcome: str) -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", history=chain(("redetermination", outcome))))
    assert plan.level == "reconsideration"
    assert plan.level_reason.startswith(f"Redetermination was {outcome} on 2026-11-10")


@pytest.mark.parametrize(
    ("payer", "history", "level"),
    [
        pytest.param("commercial", [("reconsideration", "upheld")], "appeal", id="commercial"),
        pytest.param("medicaid-caresource", [("claim_dispute", "upheld")], "appeal", id="medicaid"),
    ],
)
def test_other_payers_second_level(payer: str, history: list[tuple[str, str]], level: str) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=chain(*history)))
    assert (plan.level, plan.action) == (level, A.appeal)


def test_stated_level_is_used() -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", level="alj_hearing", billed="500.00"))
    assert (plan.level, plan.level_reason) == ("alj_hearing", "level stated in the claim file")


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
        "alj_hearing, appeals_council, judicial_review)"
    )


# --------------------------------------------------------------------------- 6. deadlines


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
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
        pytest.param("medicare-dme", "2026-10-14", [], date(2027, 2, 16),
                     "denial date 2026-10-14 + 5 days presumed receipt + 120 days",
                     id="medicare-redetermination-5+120"),
        pytest.param("medicare-part-b", "2026-10-14", [], date(2027, 2, 16),
                     "denial date 2026-10-14 + 5 days presumed receipt + 120 days",
                     id="medicare-part-b-redetermination-5+120"),
        pytest.param("medicare-dme", "2026-08-01", [("redetermination", "2026-11-02", "upheld")],
                     date(2027, 5, 6),
                     "previous decision 2026-11-02 + 5 days presumed receipt + 180 days",
                     id="medicare-reconsideration-previous-decision-5+180"),
        pytest.param("medicare-dme", "2026-03-01",
                     [("redetermination", "2026-06-01", "upheld"),
                      ("reconsideration", "2026-11-10", "upheld")],
                     date(2027, 1, 14),
                     "previous decision 2026-11-10 + 5 days presumed receipt + 60 days",
                     id="medicare-alj-previous-decision-5+60"),
        pytest.param("commercial", "2026-01-31", [], date(2027, 1, 31), "denial date 2026-01-31 + 12 months",
                     id="commercial-12-months-month-end"),
        pytest.param("commercial", "2026-02-28", [("reconsideration", "2026-06-30", "upheld")],
                     date(2027, 2, 28), "denial date 2026-02-28 + 12 months",
                     id="commercial-appeal-counts-from-denial"),
        pytest.param("medicaid-caresource", "2026-10-14", [], date(2026, 12, 13),
                     "denial date 2026-10-14 + 60 days", id="medicaid-claim-dispute-60-days"),
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


# --------------------------------------------------------------------------- 7. amount in controversy

ALJ_HISTORY = chain(("redetermination", "upheld"), ("reconsideration", "upheld"))
JUDICIAL_HISTORY = chain(*[(lv, "upheld") for lv in DME_LEVELS[:4]])


@pytest.mark.parametrize(
    ("history", "billed", "paid", "today", "minimum", "problem"),
    [
        pytest.param(ALJ_HISTORY, "150.00", "0.00", TODAY, Decimal(200),
                     "amount in controversy $150.00 is below the $200.00 minimum for ALJ hearing in 2026",
                     id="alj-2026-150-below-200"),
        pytest.param(ALJ_HISTORY, "400.00", "250.00", TODAY, Decimal(200),
                     "amount in controversy $150.00 is below the $200.00 minimum for ALJ hearing in 2026",
                     id="alj-billed-less-paid"),
        pytest.param(ALJ_HISTORY, "199.99", "0.00", TODAY, Decimal(200),
                     "amount in controversy $199.99 is below the $200.00 minimum for ALJ hearing in 2026",
                     id="alj-a-cent-short"),
        pytest.param(ALJ_HISTORY, "200.00", "0.00", TODAY, Decimal(200), None, id="alj-exactly-200-ok"),
        pytest.param(ALJ_HISTORY, "250.00", "0.00", TODAY, Decimal(200), None, id="alj-250-ok"),
        pytest.param(ALJ_HISTORY, "150.00", "0.00", date(2027, 1, 2), Decimal(200),
                     "amount in controversy $150.00 is below the $200.00 minimum for ALJ hearing in 2027",
                     id="alj-later-year-uses-latest-known-minimum"),
        pytest.param(JUDICIAL_HISTORY, "1900.00", "0.00", TODAY, Decimal(1960),
                     "amount in controversy $1,900.00 is below the $1,960.00 minimum "
                     "for Judicial review in 2026",
                     id="judicial-2026-1900-below-1960"),
        pytest.param(JUDICIAL_HISTORY, "1960.00", "0.00", TODAY, Decimal(1960), None,
                     id="judicial-exactly-1960-ok"),
        pytest.param([], "150.00", "0.00", TODAY, None, None, id="redetermination-has-no-minimum"),
    ],
)
def test_amount_in_controversy(
    history: list[tuple[str, str, str]], billed: str, paid: str, today: date,
    minimum: Decimal | None, problem: str | None,
) -> None:
    claim = build_claim(["CO-50"], payer="medicare-dme", history=history, billed=billed, paid=paid)
    plan = plan_for(claim, today=today)
    assert plan.aic_minimum == minimum
    assert plan.amount_in_controversy == Decimal(billed) - Decimal(paid)
    aic_problems = [p for p in plan.problems if p.startswith("amount in controversy")]
    assert aic_problems == ([problem] if problem else [])


def test_alj_minimum_2025_is_190() -> None:
    history = [("redetermination", "2025-06-02", "upheld"), ("reconsideration", "2025-11-03", "upheld")]
    claim = build_claim(["CO-50"], payer="medicare-dme", history=history, denial_date="2025-03-03",
                        dos="2025-02-03", billed="150.00")
    plan = plan_for(claim, today=date(2025, 11, 20))
    assert plan.problems == [
        "amount in controversy $150.00 is below the $190.00 minimum for ALJ hearing in 2025"]


# --------------------------------------------------------------------------- 8. required documents



def descriptions(plan: Plan) -> list[str]:
    return [r.description for r in plan.required]


@pytest.mark.parametrize(
    ("dos", "cmn_required"),
    [("2022-12-31", True), ("2023-01-01", False), ("2026-09-02", False)],
    ids=["dos-2022-12-31-cmn", "dos-2023-01-01-no-cmn", "dos-2026-no-cmn"],
)
def test_medicare_dme_cmn_only_before_2023(dos: str, cmn_required: bool) -> None:
    plan = plan_for(build_claim(["CO-50"], payer="medicare-dme", dos=dos))
    expected = ["remittance_advice", "written order (prescription)", "progress notes or medical records"]
    if cmn_required:
        expected.append("CMN (dates of service before 2023-01-01)")
    assert descriptions(plan) == expected


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


@pytest.mark.parametrize(
    ("attachments", "present"),
    [(["remittance_advice"], False), (["remittance_advice", "medical_records"], True)],
    ids=["records-missing", "records-enclosed"],
)
def test_remark_documents_are_required(attachments: list[str], present: bool) -> None:
    plan = plan_for(build_claim(["CO-16"], ["M127"], attachments=attachments))
    assert descriptions(plan) == ["remittance_advice", "medical_records (asked for by a remark code)"]
    assert plan.required[-1].present is present


def test_remark_documents_are_required_even_when_a_manifest_offers_alternatives() -> None:
    claim = build_claim(["CO-16"], ["M127"], payer="medicare-dme",
                        attachments=["remittance_advice", "delivery_ticket"])
    assert any(K.medical_records in r.kinds for r in plan_for(claim).required if not r.present)


@pytest.mark.parametrize(
    ("payer", "codes", "problem"),
    [
        pytest.param("medicaid-caresource", ["CO-50"],
                     "medicaid-caresource does not accept a corrected claim inside an appeal; "
                     "send it separately",
                     id="medicaid-refuses-corrected-claim-in-appeal"),
        pytest.param("commercial", ["CO-50"], None, id="commercial-accepts-it"),
        pytest.param("medicaid-caresource", ["CO-4"], None, id="medicaid-corrected-claim-sent-as-such"),
    ],
)
def test_corrected_claim_inside_an_appeal(payer: str, codes: list[str], problem: str | None) -> None:
    attachments = ["remittance_advice", "progress_notes", "corrected_claim"]
    claim = build_claim(codes, payer=payer, attachments=attachments)
    plan = plan_for(claim)
    assert plan.problems == ([problem] if problem else [])


# --------------------------------------------------------------------------- 9. letters and covers

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


@pytest.mark.parametrize(
    "name",
    sorted({*SHIPPED_LETTERS.values(), "corrected_claim.docx", "authorization.html", "reconsideration.html"}),
)
def test_shipped_letter_exists(name: str) -> None:
    assert (REPO / "templates" / "letters" / name).is_file()


@pytest.mark.parametrize(
    ("category", "letter", "reason"),
    [pytest.param(c, name, f"the shipped letter for {c.value}", id=c.value)
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
        pytest.param("commercial", ["CO-4"], [], ["corrected_claim"], None, "corrected_claim.docx",
                     "action corrected_claim", id="coding-corrected-claim-action"),
        pytest.param("medicare-part-b", ["CO-16"], ["MA130"], [], None, "corrected_claim.docx",
                     "action corrected_claim", id="MA130-corrected-claim-action"),
        pytest.param("commercial", ["CO-197"], [], ["authorization"], None, "authorization.html",
                     "the payer's letter for authorization", id="commercial-authorization-override"),
        pytest.param("medicare-part-b", ["CO-197"], [], ["authorization"], None, "authorization.docx",
                     "the shipped letter for authorization", id="medicare-authorization-shipped"),
        pytest.param("medicare-dme", ["CO-50"], [], [], None, "medical_necessity.docx",
                     "the shipped letter for medical_necessity", id="medical-necessity-shipped"),
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


@pytest.mark.parametrize(
    ("payer", "history", "cover", "reason"),
    [
        pytest.param("medicare-dme", [], "medicare_redetermination.html", "the cover for Redetermination",
                     id="dme-redetermination"),
        pytest.param("medicare-part-b", [], "medicare_redetermination.html", "the cover for Redetermination",
                     id="part-b-redetermination"),
        pytest.param("medicare-dme", chain(("redetermination", "upheld")), "medicare_reconsideration.html",
                     "the cover for Reconsideration", id="dme-reconsideration"),
        pytest.param("medicare-dme", ALJ_HISTORY, "fax_cover.html", "the payer's cover sheet",
                     id="dme-alj-fax-cover"),
        pytest.param("commercial", [], "fax_cover.html", "the payer's cover sheet", id="commercial"),
        pytest.param("medicaid-caresource", [], "fax_cover.html", "the payer's cover sheet", id="medicaid"),
    ],
)
def test_plan_cover(payer: str, history: list[tuple[str, str, str]], cover: str, reason: str) -> None:
    plan = plan_for(build_claim(["CO-50"], payer=payer, history=history, billed="500.00"))
    assert (plan.cover, plan.cover_reason) == (cover, reason)
    assert (REPO / "templates" / "cover_sheets" / cover).is_file()


# --------------------------------------------------------------------------- 10. load_descriptions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
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
