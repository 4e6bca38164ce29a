"""The reviewer's rubric (lines 1-4 and 7-10) read off the PDF of generated claims that cover every
denial category, every step of every payer profile (each appeal level, each dismissal review,
the reopening, the replacement claim, the retroactive authorization) and claims from an 835.
A claim whose action sends nothing is refused a packet unless a specialist overrules the plan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from appealgen.commands import load_items
from appealgen.models import Category, Claim
from appealgen.payers import PayerProfile
from appealgen.report import PacketReport
from appealgen.sources.claim_file import load_claims
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, PROFILES, PROVIDER, REPO, TODAY, claim_dict
from tests.helpers import PRACTICE
from tests.pdfs import make_pdf
from tests.rubric import faults, score
from tests.x12gen import ClaimSpec, LineSpec, denial_mix, interchange

# A category's codes and the documents that make its request one worth sending.
SENDS: dict[str, tuple[list[str], list[str], list[str]]] = {  # category: (CARCs, RARCs, extra documents)
    "medical_necessity": (["50"], ["N115"], ["prescription", "medical_records"]),
    "coverage": (["204"], [], ["prescription"]),
    "authorization": (["197"], [], ["authorization"]),
    "missing_information": (["16"], ["M127"], ["medical_records"]),
    "coding": (["11"], [], ["medical_records"]),
    "bundling": (["97"], [], ["medical_records"]),
    "timely_filing": (["29"], [], ["proof_of_timely_filing"]),
    "coordination_of_benefits": (["22"], [], ["primary_eob"]),
    "benefit_maximum": (["119"], [], ["authorization", "prescription"]),
}
# Categories whose action sends nothing, with the action the plan chooses.
NOTHING: dict[str, tuple[list[str], str, str]] = {  # category: (CARCs, group, action)
    "eligibility": (["31"], "CO", "verify_eligibility"),
    "duplicate": (["18"], "CO", "check_status"),
    "contractual": (["45"], "CO", "none"),
    "patient_responsibility": (["1"], "PR", "bill_patient"),
    "other": (["999"], "CO", "review"),
}
LAST_DECISION = date(2026, 11, 10)


def history(steps: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Decisions 40 days apart, the last on 2026-11-10, each with the reason its notice gave. A
    dismissal comes 200 days after the decision before it, when the dismissed level's own window
    has closed (while it is open, the plan files a new request there instead of a review)."""
    days, on = [], LAST_DECISION
    for _, outcome in reversed(steps):
        days.append(on)
        on -= timedelta(days=200 if outcome == "dismissed" else 40)
    return [{"level": level, "date": day.isoformat(), "outcome": outcome,
             "reason": f"The {level.replace('_', ' ')} found the records insufficient."}
            for (level, outcome), day in zip(steps, reversed(days), strict=True)]


def make_claim(n: int, payer: str, category: str, steps: list[tuple[str, str]] | None = None,
               codes: tuple[list[str], list[str], list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    carcs, rarcs, kinds = codes or SENDS[category]
    steps = steps or []
    documents = ["remittance_advice", "progress_notes", *kinds, *(["decision_notice"] if steps else []),
                 *(["delivery_ticket"] if payer == "medicare-dme" else [])]  # a DME MAC reads the delivery
    lines = [{"dos": "2026-02-02", "code": "E0601", "modifiers": ["RR", "KX"], "units": 1, "billed": "2500.00",
              "paid": 0, "diagnosis": ["G47.33"], "carc": carcs, "group": "CO", "rarc": rarcs},
             {"dos": "2026-02-02", "code": "A4604", "units": 1, "billed": "40.00", "paid": "40.00",
              "diagnosis": ["G47.33"]}]
    appeal: dict[str, Any] = {"argument": "The enclosed records show the item was needed as billed.",
                              "history": history(steps)}
    if PROFILES[payer].kind != "medicare":
        appeal["policy"] = PLAN_POLICY
    appeal.update(extra.pop("appeal", {}))
    if "ptan" not in PROFILES[payer].provider_ids:  # a PTAN where the payer does not ask for one: none is given
        extra.setdefault("provider", {k: v for k, v in PROVIDER.items() if k != "ptan"})
    return claim_dict(
        claim_id=f"M-{n:02d}", payer=payer, payer_claim_number=f"PCN{n:04d}", service_lines=lines,
        denial={"date": "2026-10-14" if not steps else "2026-03-02", "carc": carcs, "rarc": rarcs, "group": "CO"},
        appeal=appeal, attachments=[{"kind": k, "path": f"docs/{k}.pdf"} for k in documents], **extra)


def path_to(profile: PayerProfile, step_id: str) -> list[tuple[str, str]]:
    ids = [level.id for level in profile.levels]
    if step_id in ids:
        return [(level, "upheld") for level in ids[: ids.index(step_id)]]
    dismissed = next(lv for lv in profile.levels if lv.dismissal and lv.dismissal.review == step_id)
    return [*path_to(profile, dismissed.id), (dismissed.id, "dismissed")]


def sends(profile: PayerProfile, category: str) -> bool:
    """Whether `profile` takes the category's request for review (Medicare takes a claim another
    payer pays first as a new claim, billed as secondary)."""
    return category != "coordination_of_benefits" or profile.secondary_claims == "review"


def step_claims() -> list[dict[str, Any]]:
    """One claim per step of every profile, with a category that sends a request there."""
    claims: list[dict[str, Any]] = []
    for profile in PROFILES.values():
        rotation = [c for c in SENDS if c != "medical_necessity" and sends(profile, c)]
        for step in profile.steps():
            n = len(claims)
            if step is profile.reopening or step is profile.replacement:  # our own billing error (N822)
                extra = ["corrected_claim"] if step is profile.replacement else []
                claims.append(make_claim(n, profile.id, "coding", codes=(["4"], ["N822"], extra),
                                         appeal={"correction": "Modifier RR added to line 1."}))
            elif step is profile.retro_authorization:
                claims.append(make_claim(n, profile.id, "authorization", codes=(["197"], [], [])))
            else:
                first = step is profile.levels[0] and step.skip_for == []
                category = "medical_necessity" if first else rotation[n % len(rotation)]
                claims.append(make_claim(n, profile.id, category, path_to(profile, step.id)))
    return claims


def category_claims(start: int) -> list[dict[str, Any]]:
    """Every category at a first level, payers in turn; the send-nothing ones too."""
    payers = sorted(PROFILES)
    claims = [make_claim(start + i, next(p for p in payers[i % len(payers):] + payers if sends(PROFILES[p], category)),
                         category) for i, category in enumerate(SENDS)]
    for i, (category, (carcs, group, _)) in enumerate(NOTHING.items()):
        claim = make_claim(start + len(SENDS) + i, payers[i % len(payers)], category, codes=(carcs, [], []))
        claim["service_lines"][0]["group"] = claim["denial"]["group"] = group
        claims.append(claim)
    late = make_claim(start + len(SENDS) + len(NOTHING), "medicare-dme", "medical_necessity",
                      appeal={"good_cause": "The supplier's records were destroyed in a flood on 06/02/2026."})
    late["denial"]["date"] = "2026-05-04"  # the 120 days ended 2026-09-06
    return [*claims, late]


@dataclass
class Built:
    claim: Claim
    report: PacketReport
    folder: Path


def build_all(builder: Builder, items: list[Any], out: Path) -> dict[str, Built]:
    built = {}
    for item in items:
        report = builder.build(item, out)
        built[report.claim_id] = Built(builder.plan(item).claim, report, out / report.claim_id)
    return built


@pytest.fixture(scope="module")
def warm() -> Iterator[Builder]:
    """One builder with a warm LibreOffice for every packet of this module."""
    builder = Builder(Workspace.open(REPO), today=TODAY, warm=True)
    yield builder
    builder.close()


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, warm: Builder) -> dict[str, Built]:
    folder = tmp_path_factory.mktemp("matrix")
    claims = step_claims()
    claims += category_claims(len(claims))
    for kind in {a["kind"] for c in claims for a in c["attachments"]}:
        (folder / "docs").mkdir(exist_ok=True)
        (folder / "docs" / f"{kind}.pdf").write_bytes(make_pdf())
    (folder / "claims.yaml").write_text(yaml.safe_dump(claims, sort_keys=False))
    return build_all(warm, load_claims(folder / "claims.yaml"), folder / "out")


def rubric_faults(built: dict[str, Built]) -> dict[str, list[str]]:
    others = [b.claim for b in built.values()]
    found = {}
    for claim_id, b in built.items():
        if b.report.status != "built":
            continue
        profile = PROFILES[b.claim.payer]
        recipient = profile.recipient(profile.level(b.report.level)).name
        found[claim_id] = faults(score(b.folder, b.claim, profile, recipient, TODAY, others))
    return found


def test_every_letter_of_every_step_and_category_scores_on_the_rubric(matrix: dict[str, Built]) -> None:
    found = rubric_faults(matrix)
    assert len(found) >= 30
    assert {claim_id: f for claim_id, f in found.items() if f} == {}


def test_the_matrix_covers_every_step_of_every_profile_and_every_category(matrix: dict[str, Built]) -> None:
    letters = [b.report for b in matrix.values() if b.report.status == "built"]
    for payer, profile in PROFILES.items():
        sent_to = {step.id for step in profile.steps() if not step.filed_by_counsel}  # a lawsuit: no letter
        assert {r.level for r in letters if r.payer == payer} == sent_to, payer
    assert {b.report.category for b in matrix.values()} == set(Category)
    assert {r.category.value for r in letters} >= set(SENDS)


def test_every_send_nothing_category_is_refused_a_packet(matrix: dict[str, Built]) -> None:
    refused = {b.report.category.value: b for b in matrix.values() if b.report.status == "nothing_to_send"}
    for category, (_, _, action) in NOTHING.items():
        assert refused[category].report.action.value == action
        assert sorted(p.name for p in refused[category].folder.iterdir()) == ["packet.json"]


def test_a_late_request_states_its_good_cause(matrix: dict[str, Built]) -> None:
    [late] = [b for b in matrix.values() if b.claim.appeal.good_cause]
    assert late.report.days_left < 0 and late.report.check.passed  # good cause turns the problem into a warning


@pytest.fixture(scope="module")
def from_835(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The denial mix of tests/x12gen.py plus a claim denied whole, built straight from the 835 with
    the practice's details from the workspace and records for the claims that need them."""
    folder = tmp_path_factory.mktemp("remit")
    whole = ClaimSpec("ACCT-9012", first="Una", last="Wholeclaim", member_id="1YX2CV3CN45",
                      payer_claim_number="26287000999912", claim_cas=(("CO", "50", "245.00"),),
                      claim_remarks=("N115",), lines=[], statement=("20260902", "20260930"))
    split = ClaimSpec("ACCT-9013", first="Vic", last="Twoline", member_id="2YX3CV4CN56",
                      payer_claim_number="26287000999913", billed="410.00",
                      lines=[LineSpec(), LineSpec(code="A7030", modifiers=("KX",), billed="165.00",
                                                  cas=(("CO", "50", "165.00"),))])
    # the fixtures' patient names "Synthetic" and "Partial" would read as labels in a letter
    names = {"Synthetic": "Samplewood", "Partial": "Partridge"}
    mix = [replace(c, last=names.get(c.last, c.last)) for c in [*denial_mix(), whole, split]]
    (folder / "remit.835").write_text(interchange(mix))
    for spec in mix:
        records = folder / "records" / spec.claim_id
        records.mkdir(parents=True)
        lines = [f"Patient: {spec.first} {spec.last}", f"Member ID: {spec.member_id}"]
        for name in ("SWO 2026-08-22.pdf", "progress notes.pdf", "sleep study.pdf"):
            (records / name).write_bytes(make_pdf(lines=lines))
    builder = Builder(Workspace.open(PRACTICE), attachments_root=folder / "records", today=TODAY, warm=True)
    items = load_items(builder.settings.with_(out=folder / "out"), [folder / "remit.835"]).items
    try:
        return build_all(builder, items, folder / "out")
    finally:
        builder.close()


def test_letters_built_from_an_835_score_on_the_rubric(from_835: dict[str, Built]) -> None:
    found = rubric_faults(from_835)
    assert sorted(found) == ["ACCT-9001", "ACCT-9009", "ACCT-9012", "ACCT-9013"]
    assert {claim_id: f for claim_id, f in found.items() if f} == {}
    assert {claim_id for claim_id, b in from_835.items() if b.report.status == "nothing_to_send"} == {
        "ACCT-9002", "ACCT-9003", "ACCT-9004", "ACCT-9005", "ACCT-9006"}
