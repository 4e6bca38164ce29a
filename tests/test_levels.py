"""`plan` exits 0 on a claim at every step of every payer profile (each appeal level, each
dismissal review, the reopening), after every outcome, and with a stated level: the last level
never crashes, and no step needs a profile field its action does not use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from appealgen.cli import main
from appealgen.models import Action, Decision
from appealgen.payers import PayerProfile
from tests.conftest import PROFILES, REPO, claim_dict
from tests.pdfs import make_pdf

AS_OF = ["--as-of", "2026-11-22", "--workspace", str(REPO)]
# What a decision at a step may lead to: never a request to a step that does not exist.
SENT = {Action.appeal, Action.reconsideration, Action.reopening, Action.corrected_claim,
        Action.request_authorization}


def path_to(profile: PayerProfile, step_id: str) -> list[tuple[str, str]]:
    """The appeal history that brings a claim to `step_id` (level, outcome), oldest first."""
    ids = [level.id for level in profile.levels]
    if step_id in ids:
        return [(lv, "upheld") for lv in ids[: ids.index(step_id)]]
    if step_id in {s.id for s in (profile.reopening, profile.replacement, profile.retro_authorization) if s}:
        return []  # reached by the kind of correction or request, not by a history
    dismissed = next(lv for lv in profile.levels if lv.dismissal and lv.dismissal.review == step_id)
    return [*path_to(profile, dismissed.id), (dismissed.id, "dismissed")]


def claims_for(profile: PayerProfile) -> list[dict[str, Any]]:
    """One claim per step and outcome (the step decided that way), one stating the step, each
    with enough and with too little in controversy."""
    claims = []
    for step in profile.steps():
        cases: list[tuple[str, list[tuple[str, str]], str | None]] = [
            (outcome.value, [*path_to(profile, step.id), (step.id, outcome.value)], None) for outcome in Decision]
        cases.append(("stated", [], step.id))
        for name, steps, stated in cases:
            for billed in ("5000.00", "100.00"):
                history = [{"level": lv, "date": f"2026-{1 + i:02d}-10", "outcome": outcome}
                           for i, (lv, outcome) in enumerate(steps)]
                appeal: dict[str, Any] = {"history": history} | ({"level": stated} if stated else {})
                line = {"dos": "2025-12-02", "code": "E0601", "billed": billed, "paid": 0, "carc": ["50"],
                        "group": "CO"}
                claims.append(claim_dict(claim_id=f"{step.id}-{name}-{billed[:-3]}", payer=profile.id,
                                         service_lines=[line], appeal=appeal,
                                         denial={"date": "2025-12-20", "carc": ["50"], "group": "CO"}))
    return claims


@pytest.mark.parametrize("payer", sorted(PROFILES))
def test_plan_exits_0_at_every_step_of_every_profile(payer: str, tmp_path: Path) -> None:
    profile = PROFILES[payer]
    claims = claims_for(profile)
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(claims, sort_keys=False))
    for attachment in {a["path"] for claim in claims for a in claim["attachments"]}:  # plan reads what is listed
        (tmp_path / attachment).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / attachment).write_bytes(make_pdf())
    result = CliRunner().invoke(main, ["plan", str(path), "--json", *AS_OF], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    plans = json.loads(result.stdout)
    assert [p["claim_id"] for p in plans] == [c["claim_id"] for c in claims]
    steps = {step.id for step in profile.steps()}
    for plan in plans:
        assert plan["level"] in steps
        assert plan["send_by"] <= plan["deadline"]
        if Action(plan["action"]) in SENT:  # a request goes to a step with a recipient and a cover
            assert plan["cover"] and plan["delivery"] in ("fax", "mail", "portal")


def test_every_shipped_profile_has_been_exercised() -> None:
    assert sorted(PROFILES) == ["commercial", "medicaid-caresource", "medicare-dme", "medicare-part-b"]


@pytest.mark.parametrize("payer", sorted(PROFILES))
def test_no_addressee_is_written_twice_in_a_letters_head(payer: str) -> None:
    """The letter prints the recipient's name, then its address lines: an address that starts
    with the name again read "Example Medicaid Plan / Example Medicaid Plan, Provider Disputes"."""
    profile = PROFILES[payer]
    for where, step in [("profile", profile.levels[0]), *profile.named_steps()]:
        recipient = profile.recipient(step)
        assert not any(line.startswith(recipient.name) for line in recipient.address), (where, recipient.name)
