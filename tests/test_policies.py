"""The coverage-policy table: shipped with its sources, overridable per workspace, cited by
medical-necessity letters with the criteria the enclosed records address; a code with no policy
gets a letter that asks for one (and a packet that fails its check), never an invented one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from appealgen.rules.policies import POLICIES_FILE, cite, load_policies, read_policy_table
from appealgen.workspace import RULES_DIR
from tests.conftest import REPO, WriteClaim
from tests.helpers import pdf_text, run

SHIPPED = load_policies([RULES_DIR / POLICIES_FILE])
MEDICARE_DOCS = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                 {"kind": "prescription", "path": "docs/order.pdf", "title": "Written order, 08/22/2026"},
                 {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes, 08/12/2026"},
                 {"kind": "delivery_ticket", "path": "docs/pod.pdf", "title": "Delivery ticket, 09/02/2026"}]
AS_OF = ["--as-of", "2026-11-22"]


def mn_claim(code: str, modifiers: list[str] | None = None) -> dict[str, object]:
    line = {"dos": "2026-09-02", "code": code, "modifiers": modifiers or [], "billed": "245.00", "carc": ["50"],
            "group": "CO"}
    return {"payer": "medicare-dme", "attachments": MEDICARE_DOCS, "service_lines": [line],
            "denial": {"date": "2026-10-14", "carc": ["50"], "group": "CO"},
            "appeal": {"argument": "The records show the item was needed."}}


def test_every_shipped_entry_names_its_source_and_says_what_is_unverified() -> None:
    assert len(SHIPPED.policies) >= 10
    for entry in SHIPPED.policies:
        assert entry.source and all(url.startswith("http") for url in entry.source)
        assert entry.verified or entry.unverified
    covered = {kind: SHIPPED.find(code, "medicare-dme", "medicare") for kind, code in (
        ("PAP device", "E0601"), ("PAP supplies", "A7034"), ("oxygen", "E1390"), ("hospital bed", "E0260"),
        ("power mobility", "K0823"), ("manual wheelchair", "K0001"), ("glucose monitor", "E2103"))}
    assert {kind: (p.policy_id if p else None) for kind, p in covered.items()} == {
        "PAP device": "L33718", "PAP supplies": "L33718", "oxygen": "L33797", "hospital bed": "L33820",
        "power mobility": "L33789", "manual wheelchair": "L33788", "glucose monitor": "L33822"}


def test_lcds_bind_medicare_only() -> None:
    assert SHIPPED.find("E0601", "commercial", "commercial") is None
    assert SHIPPED.find("E0601", "medicaid-caresource", "medicaid") is None


def test_the_criteria_cited_are_those_of_the_disputed_codes_and_modifiers() -> None:
    def texts(code: str, modifiers: list[str]) -> list[str]:
        [citation], uncovered = cite(SHIPPED, "medicare-dme", "medicare", [(code, modifiers)], None)
        assert uncovered == []
        return [c.text for c in citation.criteria]

    cpap, bilevel, month_four = texts("E0601", ["RR"]), texts("E0470", ["RR"]), texts("E0601", ["RR", "KJ"])
    assert not any("bilevel" in t for t in cpap) and any("bilevel" in t for t in bilevel)
    assert not any("past month 3" in t for t in cpap) and any("past month 3" in t for t in month_four)


def test_a_letter_cites_the_policy_and_the_criteria_the_enclosed_records_address(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(**mn_claim("E0601", ["RR", "KX"]))
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF, "--workspace", str(REPO))
    assert code == 0, stderr
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert ("The LCD that applies is L33718, Positive Airway Pressure (PAP) Devices for the Treatment of Obstructive "
            "Sleep Apnea (policy article A52467). The enclosed records address its criteria as follows:") in text
    assert ("An in-person clinical evaluation for sleep apnea by the treating practitioner before the sleep test: "
            "Progress notes, 08/12/2026.") in text
    assert "An order for the device from the treating practitioner: Written order, 08/22/2026." in text
    assert "a covered sleep test" not in text.lower()  # no sleep study is enclosed: that criterion is not claimed


def test_a_code_without_a_policy_gets_a_letter_that_asks_for_one(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(**mn_claim("E1399"))
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF, "--workspace", str(REPO))
    assert code == 3
    assert stderr.splitlines()[0].endswith(": no coverage policy for E1399 and medicare-dme in rules/policies.yaml; "
                                           "add it there or state it in appeal.policy (id and title): a "
                                           "medical-necessity letter must cite the policy")
    assert ("[Coverage policy not stated for E1399: name the LCD, NCD or plan policy in appeal.policy before this "
            "letter is sent.]") in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")


def test_a_plan_policy_in_the_claim_file_is_cited(write_claim: WriteClaim, tmp_path: Path) -> None:
    policy = {"id": "MP-221", "title": "Durable Medical Equipment: Sleep Apnea Devices", "kind": "medical policy",
              "criteria": ["a sleep study showing obstructive sleep apnea"]}
    claim = write_claim(appeal={"argument": "The records show the item was needed.", "policy": policy})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF, "--workspace", str(REPO))
    assert code == 0, stderr
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert "The medical policy that applies is MP-221, Durable Medical Equipment: Sleep Apnea Devices." in text
    assert "A sleep study showing obstructive sleep apnea" in text


def test_a_workspace_table_is_read_first(write_claim: WriteClaim, tmp_path: Path) -> None:
    rules = tmp_path / "ws" / "rules"
    rules.mkdir(parents=True)
    (rules / POLICIES_FILE).write_text(yaml.safe_dump({"policies": [{
        "hcpcs": ["E0601"], "policy_id": "CP-7", "kind": "policy", "title": "Plan policy for CPAP",
        "payer_kinds": ["commercial"],
        "criteria": [{"text": "a documented diagnosis", "documents": ["progress_notes"]}],
        "source": ["https://plan.example.invalid/policies/cp-7"], "verified": True}]}))
    claim = write_claim(appeal={"argument": "The records show the item was needed."})
    code, stdout, _ = run("plan", str(claim), *AS_OF, "--workspace", str(tmp_path / "ws"))
    assert code == 0
    assert "  coverage policy: policy CP-7 (Plan policy for CPAP)" in stdout.splitlines()


def test_an_unverified_policy_warns(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(**mn_claim("K0001"))
    code, _, _ = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF, "--workspace", str(REPO))
    assert code == 0
    warnings = json.loads((tmp_path / "out" / "TEST-1" / "packet.json").read_text())["check"]["warnings"]
    unverified = "LCD L33788 (Manual Wheelchair Bases) is not confirmed (policy_id L33788"
    assert any(w.startswith(unverified) for w in warnings)


@pytest.mark.parametrize(
    ("entry", "message"),
    [({"verified": False}, "policies[0]: an entry with verified: false must say what is unverified "
                           "(unverified: [...])"),
     ({"hcpcs": ["E06O1"]}, "policies[0].hcpcs: 'E06O1' is neither a code nor a range like "
                            "A7030-A7039")],
    ids=["unverified-without-saying-what", "bad-code"],
)
def test_a_bad_table_entry_is_refused_by_name(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    good = {"hcpcs": ["E0601"], "policy_id": "L1", "kind": "LCD", "title": "T", "source": ["https://x.invalid"],
            "criteria": [{"text": "t", "documents": ["progress_notes"]}], "verified": True}
    path = tmp_path / POLICIES_FILE
    path.write_text(yaml.safe_dump({"policies": [{**good, **entry}]}))
    with pytest.raises(Exception) as caught:
        read_policy_table(path)
    assert str(caught.value).splitlines() == [f"{path}: {message}"]
