"""The plan: category, action, level, deadline, letter, cover and required documents."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from appealgen.models import Action, Category
from appealgen.payers import load_payer
from appealgen.plan import make_plan, remittance_place
from appealgen.sources.claim_file import load_claims
from appealgen.workspace import Workspace
from tests.conftest import CODES, REPO, TODAY

EXAMPLES = REPO / "examples"


def plan_for(claim_file: Path, today: date = TODAY):  # type: ignore[no-untyped-def]
    claim = load_claims(claim_file)[0].claim
    profile = load_payer(Workspace.open(REPO), claim.payer)
    return make_plan(claim, profile, CODES, today)


@pytest.mark.parametrize(
    ("example", "category", "action", "level", "deadline", "letter", "cover"),
    [
        ("cpap-medicare", Category.medical_necessity, Action.appeal, "redetermination",
         date(2027, 2, 16), "medical_necessity.docx", "medicare_redetermination.html"),
        ("surgery-medicaid", Category.coding, Action.reconsideration, "claim_dispute",
         date(2026, 12, 19), "coding.docx", "fax_cover.html"),
        ("auth-commercial", Category.authorization, Action.reconsideration, "reconsideration",
         date(2027, 11, 3), "authorization.html", "fax_cover.html"),
        ("missing-notes-medicare", Category.medical_necessity, Action.appeal, "redetermination",
         date(2027, 3, 2), "medical_necessity.docx", "medicare_redetermination.html"),
    ],
)
def test_examples_get_the_right_decision(
    example: str, category: Category, action: Action, level: str, deadline: date, letter: str, cover: str
) -> None:
    plan = plan_for(EXAMPLES / example / "claim.yaml")
    assert (plan.category, plan.action, plan.level, plan.deadline, plan.letter, plan.cover) == (
        category, action, level, deadline, letter, cover)


def test_medicare_deadline_counts_presumed_receipt() -> None:
    plan = plan_for(EXAMPLES / "cpap-medicare" / "claim.yaml")
    # notice dated 2026-10-14, presumed received 5 days later, then 120 days
    assert plan.deadline_reason == "denial date 2026-10-14 + 5 days presumed receipt + 120 days"
    assert plan.days_left == (date(2027, 2, 16) - TODAY).days


def test_missing_required_document_is_reported() -> None:
    plan = plan_for(EXAMPLES / "missing-notes-medicare" / "claim.yaml")
    assert plan.missing == ["progress notes or medical records"]


def test_cmn_required_only_before_2023() -> None:
    plan = plan_for(EXAMPLES / "cpap-medicare" / "claim.yaml")
    assert all("CMN" not in r.description for r in plan.required)


def test_attachments_follow_remittance_then_payer_order() -> None:
    claim = load_claims(EXAMPLES / "cpap-medicare" / "claim.yaml")[0].claim
    plan = plan_for(EXAMPLES / "cpap-medicare" / "claim.yaml")
    kinds = [claim.attachments[i].kind.value for i in plan.attachment_order]
    assert kinds == ["remittance_advice", "prescription", "progress_notes", "medical_records", "delivery_ticket"]


def test_a_later_level_encloses_the_notice_it_answers_first_then_the_remittance() -> None:
    claim_file = EXAMPLES / "qic-reconsideration-medicare" / "claim.yaml"
    claim = load_claims(claim_file)[0].claim
    kinds = [claim.attachments[i].kind.value for i in plan_for(claim_file).attachment_order]
    assert kinds == ["decision_notice", "remittance_advice", "prescription", "progress_notes", "medical_records",
                     "delivery_ticket"]
    # A remittance page made from the claim's 835 takes the same place among the claim's own documents
    assert remittance_place(claim, ["decision_notice", "decision_notice", "prescription"]) == 2
    first_level = claim.model_copy(update={"appeal": claim.appeal.model_copy(update={"history": []})})
    assert remittance_place(first_level, ["decision_notice", "prescription"]) == 0
