"""835 semantics and the `era` command: which claims are denied, what the rules make of
them, the JSON and table output, claim files for denied claims, and packets built from an
835 whose remittance page shows one claim and nobody else's.

Files come from tests/x12gen.py (`denial_mix()`: one claim per denial the tool must handle,
plus a paid claim and a reversal); every name and ID in them is invented.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from appealgen.models import AttachmentKind
from appealgen.remittances import read_eras
from appealgen.sources.claim_file import load_claims
from appealgen.sources.era_claims import claim_document
from tests.conftest import CODES, PROFILES, TODAY
from tests.helpers import PRACTICE, PRACTICE_AS_OF, run
from tests.pdfs import make_pdf
from tests.x12gen import ClaimSpec, LineSpec, denial_mix, interchange

AS_OF = PRACTICE_AS_OF  # the built-in templates and profiles, and the practice of the 835s
MIX = denial_mix()
DENIED = ["ACCT-9001", "ACCT-9002", "ACCT-9003", "ACCT-9004", "ACCT-9005", "ACCT-9006", "ACCT-9009"]
NOT_DENIED = ["ACCT-9007", "ACCT-9008"]  # paid with CO-45; reversal (status 22)
BUILT = ["ACCT-9001", "ACCT-9002", "ACCT-9009"]  # the others send nothing: no packet
# the documents any of these denials can ask for, one PDF each per claim (named <kind>.pdf)
KINDS = [AttachmentKind.prescription, AttachmentKind.progress_notes, AttachmentKind.authorization,
         AttachmentKind.medical_records, AttachmentKind.delivery_ticket, AttachmentKind.proof_of_timely_filing]


def spec(claim_id: str) -> ClaimSpec:
    return next(c for c in MIX if c.claim_id == claim_id)


def write_835(folder: Path, claims: list[ClaimSpec], name: str = "remit.835", **kwargs: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(interchange(claims, **kwargs))
    return path


def records_root(folder: Path, claims: list[ClaimSpec]) -> Path:
    """ROOT/<claim_id>/<kind>.pdf for every claim, each naming its own patient."""
    for claim in claims:
        (folder / claim.claim_id).mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            lines = [f"Patient: {claim.first} {claim.last}", f"Member ID: {claim.member_id}", kind.value]
            (folder / claim.claim_id / f"{kind.value}.pdf").write_bytes(make_pdf(lines=lines))
    return folder


@dataclass
class EraRun:
    path: Path
    code: int
    output: dict[str, Any]
    stderr: str

    def row(self, claim_id: str) -> dict[str, Any]:
        return next(r for r in self.output["claims"] if r["claim_id"] == claim_id)


@pytest.fixture(scope="module")
def mix_json(tmp_path_factory: pytest.TempPathFactory) -> EraRun:
    path = write_835(tmp_path_factory.mktemp("mix"), MIX, "mix.835")
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    return EraRun(path, code, json.loads(stdout), stderr)


# --- 1. Which claims are denied, and what the rules make of them ----------------------------


@pytest.mark.parametrize(
    ("claim_id", "denied", "category", "action"),
    [
        # Sources: DOMAIN.md, denial categories, the row named after each case; codes.yaml for the remark codes
        # (code list 411) and group rules.
        ("ACCT-9001", True, "medical_necessity", "appeal"),  # CO-50 / N115: row 'medical necessity'
        # row 'authorization'; medicare-dme.yaml: Medicare takes no retro authorization
        ("ACCT-9002", True, "authorization", "review"),  # CO-197: Medicare takes no retro authorization
        # codes.yaml: RARC N54 refines the refinable CARC 96; the PR-96 group rule bills the patient
        # PR-96 with N130, M127, N54: N54 makes it an authorization question, the provider's, so the PR-96 rule
        # (bill the patient) no longer applies; Medicare takes no retro authorization: a person reviews it.
        ("ACCT-9003", True, "authorization", "review"),
        # row 'missing information / attachment' (RARC MA130)
        ("ACCT-9004", True, "missing_information", "corrected_claim"),  # claim-level CO-16 / MA130
        ("ACCT-9005", True, "timely_filing", "adjust"),  # CO-29 / N211: no appeal rights; row 'timely filing'
        ("ACCT-9006", True, "duplicate", "check_status"),  # CO-18 / N522: row 'duplicate'
        ("ACCT-9009", True, "medical_necessity", "appeal"),  # partly paid, one CO-50 line: row 'medical necessity'
        ("ACCT-9007", False, "contractual", "none"),  # paid, CO-45 only: row 'contractual (not a denial)'
        # status 22 reversal: CLP02 (DOMAIN.md, X12 835 in one page); no claim processed again in its place:
        # money taken back, for a person to look into
        ("ACCT-9008", False, "contractual", "review"),
    ],
)
def test_denial_category_and_action(
    mix_json: EraRun, claim_id: str, denied: bool, category: str, action: str
) -> None:
    row = mix_json.row(claim_id)
    assert (row["denied"], row["category"], row["action"]) == (denied, category, action)


def test_command_succeeds_and_matches_the_profile_by_payer_id(mix_json: EraRun) -> None:
    assert mix_json.code == 0
    assert mix_json.stderr == ""  # EXAMPLE DME MAC, REF*2U 17003: medicare-dme, no warning
    assert {r["profile"] for r in mix_json.output["claims"]} == {"medicare-dme"}


def test_denied_claims_come_first(mix_json: EraRun) -> None:
    assert [r["claim_id"] for r in mix_json.output["claims"]] == DENIED + NOT_DENIED
    assert [r["denied"] for r in mix_json.output["claims"]] == [True] * 7 + [False] * 2


def test_several_remarks_on_one_line_are_all_kept(mix_json: EraRun) -> None:
    assert [line["remarks"] for line in mix_json.row("ACCT-9003")["lines"]] == [["N130", "M127", "N54"]]
    assert [line["remarks"] for line in mix_json.row("ACCT-9009")["lines"]] == [[], ["N115", "N130"]]


def test_claim_level_adjustment_and_remark_are_kept(mix_json: EraRun) -> None:
    row = mix_json.row("ACCT-9004")
    assert (row["action"], row["new_claim"]) == ("corrected_claim", True)  # the JSON keeps the action's own name
    assert row["adjustments"] == [{"group": "CO", "carc": "16", "amount": "310.00", "quantity": None}]
    assert row["remarks"] == ["MA130"]
    assert [line["adjustments"] for line in row["lines"]] == [[]]


def test_a_reversal_with_nothing_paid_in_its_place_is_for_a_person_to_look_into(tmp_path: Path) -> None:
    """A reversal (status 22) is followed by the claim processed again (the same account); alone,
    the payer took the money back: a recoupment to explain, and perhaps to dispute."""
    reversal = ClaimSpec("ACCT-9010", status="22", billed="-245.00", paid="-180.00",
                         lines=[LineSpec(billed="-245.00", paid="-180.00", cas=(("CO", "45", "-65.00"),), remarks=())])
    again = ClaimSpec("ACCT-9010", status="1", paid="200.00",
                      lines=[LineSpec(paid="200.00", cas=(("CO", "45", "45.00"),), remarks=())])
    alone = write_835(tmp_path / "alone", [reversal])
    paired = write_835(tmp_path / "paired", [reversal, again])
    rows = {name: json.loads(run("era", str(path), "--json", *AS_OF)[1])["claims"]
            for name, path in (("alone", alone), ("paired", paired))}
    assert [(r["action"], r["action_reason"]) for r in rows["alone"]] == [
        ("review", "status 22: a reversal of an earlier payment ($180.00 taken back) with no claim processed again "
         "in its place in this file: find out why, and dispute the recoupment if it is wrong")]
    assert [(r["status_code"], r["action"]) for r in rows["paired"]] == [("22", "none"), ("1", "none")]


def test_provider_adjustments_are_listed_under_the_table(tmp_path: Path) -> None:
    """A PLB withholding (an overpayment recovered from another claim) moves money no claim row shows."""
    path = write_835(tmp_path, [ClaimSpec("ACCT-9001")])
    path.write_text(path.read_text().replace("PLB*1538261953*20261231*L6:INTEREST*-1.27",
                                             "PLB*1538261953*20261231*L6:INTEREST*-1.27*WO:26200000999901*245.00"))
    code, stdout, _ = run("era", str(path), *AS_OF)
    assert code == 0
    assert stdout.splitlines()[-3:] == [
        "provider adjustments (PLB), apart from the claims above:",
        f"  {path}: EXAMPLE DME MAC: PLB L6 (interest owed) INTEREST: added $1.27",
        f"  {path}: EXAMPLE DME MAC: PLB WO (overpayment recovery) 26200000999901: withheld $245.00"]


def test_reversal_is_never_denied_even_with_a_denial_code(tmp_path: Path) -> None:
    reversal = ClaimSpec("ACCT-9010", status="22", billed="-245.00", lines=[LineSpec(billed="-245.00")])
    assert reversal.lines[0].cas == (("CO", "50", "245.00"),)
    path = write_835(tmp_path, [reversal, ClaimSpec("ACCT-9011", lines=[LineSpec(cas=(), remarks=())])])
    result = read_eras([path], PROFILES, CODES, TODAY)
    assert [(r["claim_id"], r["status_code"], r["denied"]) for r in result.claims] == [
        ("ACCT-9011", "4", True),  # status 4 alone is a denial
        ("ACCT-9010", "22", False),
    ]


def test_deadlines_count_from_the_remittance_not_from_a_later_eft_date(tmp_path: Path) -> None:
    """BPR16 is the EFT's effective date, which may come days after the remittance (DTM*405) was
    issued: the earlier date is the notice's, and a deadline counted from the later would be late."""
    path = write_835(tmp_path, [spec("ACCT-9001")], paid_on="20261019", produced_on="20261014")
    code, stdout, _ = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    # 120 days from October 14 plus 5 days' presumed receipt, as when both dates are October 14
    assert [r["deadline"] for r in json.loads(stdout)["claims"]] == ["2027-02-16"]


def test_a_remittance_without_a_date_is_refused_not_dated_today(tmp_path: Path) -> None:
    path = write_835(tmp_path, [spec("ACCT-9001")], paid_on="20261399")
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 1
    assert stderr.splitlines() == [
        f"{path}: segment 3 (ST): no remittance date: BPR16 and DTM*405 are both missing or not valid dates, and "
        "every deadline counts from them; transaction set 0001 skipped",
        f"{path}: segment 4 (BPR): element 16 is not a valid date",
        f"{path}: segment 6 (DTM): element 2 is not a valid date"]
    assert json.loads(stdout)["claims"] == []


@pytest.mark.parametrize(
    ("payer_id", "profile"),
    # payers/*.yaml `match.payer_ids` (the profile's own list; project choice)
    [("17003", "medicare-dme"), ("00952", "medicare-part-b"), ("EXMCD1", "medicaid-caresource")],
)
def test_profile_is_matched_by_ref_2u_alone(tmp_path: Path, payer_id: str, profile: str) -> None:
    filing = "MC" if profile.startswith("medicaid") else "MB"
    path = write_835(tmp_path, [replace(spec("ACCT-9001"), filing=filing)], payer="ACME BENEFITS ADMINISTRATORS",
                     payer_id=payer_id)
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert (code, stderr) == (0, "")
    assert [r["profile"] for r in json.loads(stdout)["claims"]] == [profile]


def test_unknown_payer_falls_back_to_commercial_with_a_warning(tmp_path: Path) -> None:
    commercial = replace(spec("ACCT-9001"), filing="CI")  # CLP06: commercial insurance
    path = write_835(tmp_path, [commercial], payer="ACME BENEFITS ADMINISTRATORS", payer_id="99999")
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr == f"{path}: payer ACME BENEFITS ADMINISTRATORS matches no payer profile; using commercial\n"
    assert [r["profile"] for r in json.loads(stdout)["claims"]] == ["commercial"]


@pytest.mark.parametrize("payer", ["WISCONSIN PHYSICIANS SERVICE INSURANCE CORP", "NOVITAS SOLUTIONS"])
def test_a_medicare_contractor_no_profile_names_is_known_by_its_claims_filing_indicator(tmp_path: Path,
                                                                                       payer: str) -> None:
    """"INSURANCE" in its name matches the generic commercial profile; CLP06 MB says Medicare Part
    B: the redetermination's 120 days (+5 for receipt), not a commercial plan's 12 months."""
    path = write_835(tmp_path, [spec("ACCT-9001")], payer=payer, payer_id="99999")
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr == (f"{path}: payer {payer} is matched by its claims' filing indicator (CLP06 MB: Medicare Part B) "
                      "to medicare-part-b; add its payer ID to that profile's match.payer_ids to be sure\n")
    [row] = json.loads(stdout)["claims"]
    assert (row["profile"], row["action"], row["deadline"]) == ("medicare-part-b", "appeal", "2027-02-16")


def test_part_a_and_part_b_claims_of_one_contractor_are_one_match(tmp_path: Path) -> None:
    claims = [replace(spec("ACCT-9001"), filing="MA"), replace(spec("ACCT-9002"), filing="MB")]
    path = write_835(tmp_path, claims, payer="NOVITAS SOLUTIONS", payer_id="99999")
    code, _, stderr = run("era", str(path), "--json", *AS_OF)
    assert (code, stderr) == (0, f"{path}: payer NOVITAS SOLUTIONS is matched by its claims' filing indicators (CLP06 "
                              "MA: Medicare Part A; MB: Medicare Part B) to medicare-part-b; add its payer ID to that "
                              "profile's match.payer_ids to be sure\n")


def test_a_profile_of_another_kind_than_the_claims_filing_indicator_is_named(tmp_path: Path) -> None:
    path = write_835(tmp_path, [spec("ACCT-9001")], payer="ACME BENEFITS ADMINISTRATORS", payer_id="EXMCD1")
    code, _, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr == (f"{path}: payer ACME BENEFITS ADMINISTRATORS: its claims are Medicare Part B (CLP06 MB), but "
                      "its profile medicaid-caresource is for medicaid payers: check the profile's match (its levels "
                      "and deadlines would be wrong)\n")


# --- 2. The JSON and the table --------------------------------------------------------------

CLAIM_KEYS = {"claim_id", "payer_claim_number", "status_code", "denied", "patient", "billed", "paid",
              "patient_responsibility", "adjustments", "remarks", "lines", "category", "action"}
LINE_KEYS = {"code", "modifiers", "dos", "billed", "paid", "units", "adjustments", "remarks"}


def test_json_shape(mix_json: EraRun) -> None:
    output = mix_json.output
    assert set(output) == {"files", "claims"}
    [file] = output["files"]
    assert file["file"] == str(mix_json.path)
    [payment] = file["transactions"]
    assert (payment["payer"], payment["check_number"], payment["claims"]) == ("EXAMPLE DME MAC", "EFT0001234", 9)
    assert payment["provider_adjustments"] == [{"provider": "1538261953", "fiscal_period": "2026-12-31",
                                                "reason": "L6", "reference": "INTEREST", "amount": "-1.27"}]
    for row in output["claims"]:
        assert set(row) >= CLAIM_KEYS
        assert set(row["patient"]) >= {"first_name", "last_name", "member_id"}
        for item in row["adjustments"] + [a for line in row["lines"] for a in line["adjustments"]]:
            assert set(item) >= {"group", "carc", "amount"}
        for line in row["lines"]:
            assert set(line) >= LINE_KEYS


def test_json_record_of_a_partly_paid_claim(mix_json: EraRun) -> None:
    expected = {
        "claim_id": "ACCT-9009", "payer_claim_number": "26287000999909", "status_code": "1", "denied": True,
        "patient": {"first_name": "Eve", "last_name": "Partial", "member_id": "9QR1TU2UV34"},
        "billed": "395.00", "paid": "150.00", "patient_responsibility": "0", "adjustments": [], "remarks": [],
        "lines": [
            {"code": "E0601", "modifiers": ["RR", "KX"], "dos": "2026-09-02", "billed": "245.00", "paid": "150.00",
             "units": "1", "allowed": "150.00", "control_number": "ACCT-9009-1",
             "adjustments": [{"group": "CO", "carc": "45", "amount": "95.00", "quantity": None}], "remarks": []},
            {"code": "A7034", "modifiers": [], "dos": "2026-09-02", "billed": "150.00", "paid": "0", "units": "1",
             "allowed": "0", "control_number": "ACCT-9009-1",
             "adjustments": [{"group": "CO", "carc": "50", "amount": "150.00", "quantity": None}],
             "remarks": ["N115", "N130"]},
        ],
        "category": "medical_necessity", "action": "appeal",
    }
    row = mix_json.row("ACCT-9009")
    assert {key: row[key] for key in expected} == expected


def test_table_lists_every_claim_denied_first(mix_json: EraRun) -> None:
    code, stdout, _ = run("era", str(mix_json.path), *AS_OF)
    assert code == 0
    header, rule, *rows = stdout.splitlines()
    assert header.split() == ["claim", "status", "denied", "billed", "paid", "denied", "$", "payer", "codes",
                              "category", "action", "deadline", "days"]
    assert set(rule) == {"-"}
    assert rows == [  # the deadline and the days left where one is to be met (a review decides in time)
        "ACCT-9001          4      yes        245.00       0.00     245.00 EXAMPLE DME MAC      CO-50 N115           "
        "        medical_necessity        appeal                2027-02-16    86",
        "ACCT-9002          4      yes       1180.00       0.00    1180.00 EXAMPLE DME MAC      CO-197               "
        "        authorization            review                2027-02-16    86",
        "ACCT-9003          1      yes        165.00       0.00     165.00 EXAMPLE DME MAC      PR-96 N130 M127 N54  "
        "        authorization            review                2027-02-16    86",
        # MA130: a new claim (frequency 1, not a replacement), due within the claim filing limit (12 months from
        # the date of service)
        "ACCT-9004          4      yes        310.00       0.00     310.00 EXAMPLE DME MAC      CO-16 MA130          "
        "        missing_information      new_claim             2027-09-02   284",
        "ACCT-9005          4      yes         95.00       0.00      95.00 EXAMPLE DME MAC      CO-29 N211           "
        "        timely_filing            adjust                -              -",
        "ACCT-9006          4      yes        245.00       0.00     245.00 EXAMPLE DME MAC      CO-18 N522           "
        "        duplicate                check_status          -              -",
        "ACCT-9009          1      yes        395.00     150.00     150.00 EXAMPLE DME MAC      CO-45 CO-50 N115 N130"
        "        medical_necessity        appeal                2027-02-16    86",
        "ACCT-9007          1      no         245.00     180.00       0.00 EXAMPLE DME MAC      CO-45                "
        "        contractual              none                  -              -",
        # a reversal with nothing paid in its place: money taken back, for a person to look into
        "ACCT-9008          22     no        -245.00    -180.00       0.00 EXAMPLE DME MAC      CO-45                "
        "        contractual              review                -              -",
        "",
        "provider adjustments (PLB), apart from the claims above:",
        f"  {mix_json.path}: EXAMPLE DME MAC: PLB L6 (interest owed) INTEREST: added $1.27",
    ]


def test_descriptions_are_listed_under_each_claim(mix_json: EraRun, tmp_path: Path) -> None:
    texts = tmp_path / "codes.csv"
    texts.write_text("code,description\n50,Not necessary (licensed text)\nN115,Decided under an LCD (licensed)\n")
    code, stdout, _ = run("era", str(mix_json.path), "--descriptions", str(texts), *AS_OF)
    assert code == 0
    lines = stdout.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("ACCT-9001")))
    assert lines[first + 1: first + 3] == ["    CO-50: Not necessary (licensed text)",
                                           "    N115: Decided under an LCD (licensed)"]
    code, stdout, _ = run("era", str(mix_json.path), "--descriptions", str(texts), "--json", *AS_OF)
    row = next(r for r in json.loads(stdout)["claims"] if r["claim_id"] == "ACCT-9002")
    assert row["descriptions"] == {"CO-197": "(no description loaded)"}


# --- 3. Claim files, and packets built from them or from the 835 directly -------------------


@dataclass
class Built:
    path: Path  # the 835
    root: Path  # --attachments-root
    out: Path  # build --out
    build: tuple[int, str, str]  # exit code, stdout, stderr
    claims: Path | None = None  # era --out, when the packets were built from claim files
    era: tuple[int, str, str] = (0, "", "")


@pytest.fixture(scope="module")
def from_claim_files(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`era --out` on the whole mix, then `build` on the claim files it wrote."""
    folder = tmp_path_factory.mktemp("claim-files")
    path = write_835(folder, MIX, "mix.835")
    root = records_root(folder / "records", MIX)
    claims, out = folder / "claims", folder / "packets"
    era = run("era", str(path), "--out", str(claims), "--attachments-root", str(root), *AS_OF)
    files = sorted(str(p) for p in claims.glob("*.yaml"))
    build = run("build", *files, "--out", str(out), "--attachments-root", str(root), *AS_OF)
    return Built(path, root, out, build, claims, era)


def test_era_writes_one_claim_file_per_denied_claim(from_claim_files: Built) -> None:
    code, _, stderr = from_claim_files.era
    claims = from_claim_files.claims
    assert code == 0 and claims is not None
    assert stderr == f"7 claim files written to {claims}\n"
    assert sorted(p.name for p in claims.iterdir()) == [f"{c}.yaml" for c in DENIED]


def test_each_claim_file_says_how_to_build_it_with_the_workspace_that_holds_the_practice(
        from_claim_files: Built) -> None:
    assert from_claim_files.claims is not None
    first = (from_claim_files.claims / "ACCT-9001.yaml").read_text().splitlines()[0]
    assert first.endswith(f"Build with: appealgen build ACCT-9001.yaml --attachments-root {from_claim_files.root} "
                          f"--workspace {PRACTICE.resolve()}")


@pytest.mark.parametrize("claim_id", DENIED)
def test_claim_file_is_valid_and_finds_its_attachments(from_claim_files: Built, claim_id: str) -> None:
    assert from_claim_files.claims is not None
    [loaded] = load_claims(from_claim_files.claims / f"{claim_id}.yaml")
    claim, source = loaded.claim, spec(claim_id)
    assert (claim.claim_id, claim.payer, claim.payer_claim_number) == (
        claim_id, "medicare-dme", source.payer_claim_number)
    assert (claim.patient.first_name, claim.patient.last_name, claim.patient.member_id) == (
        source.first, source.last, source.member_id)
    assert [(a.kind, a.path.as_posix()) for a in claim.attachments] == [
        (k, f"{claim_id}/{k.value}.pdf") for k in KINDS]
    assert claim.remittance is not None
    assert (claim.remittance.source, claim.remittance.billed, claim.remittance.paid) == (
        "mix.835", Decimal(source.billed), Decimal(source.paid))
    assert claim.billed_total == Decimal(source.billed)


def test_build_from_claim_files_passes(from_claim_files: Built) -> None:
    code, _, stderr = from_claim_files.build
    assert code == 0, stderr
    assert [line.split(":")[0] for line in stderr.splitlines() if not line.startswith("  ")] == DENIED
    assert sorted(p.name for p in from_claim_files.out.iterdir()) == DENIED


def page_texts(packet: Path) -> tuple[str, str]:
    """(text of the remittance_advice section, text of the whole packet)."""
    report = json.loads((packet / "packet.json").read_text())
    [section] = [s for s in report["sections"] if s["kind"] == "remittance_advice"]
    pages = [page.extract_text() or "" for page in PdfReader(packet / "packet.pdf").pages]
    return "\n".join(pages[section["first_page"] - 1 : section["last_page"]]), "\n".join(pages)


def others_named(text: str, claim_id: str) -> list[str]:
    """Names, member IDs, claim ids and payer claim numbers of the mix's other claims found in text."""
    found = []
    for other in MIX:
        if other.claim_id != claim_id:
            for value in (other.claim_id, other.first, other.last, other.member_id, other.payer_claim_number):
                if re.search(rf"\b{re.escape(value)}\b", text):
                    found.append(value)
    return found


def money(value: str) -> str:
    return f"${Decimal(value):,.2f}"


@pytest.mark.parametrize("claim_id", BUILT)
def test_remittance_page_shows_only_this_claim(from_claim_files: Built, claim_id: str) -> None:
    section, packet = page_texts(from_claim_files.out / claim_id)
    claim = spec(claim_id)
    assert "This claim's part of the electronic remittance (X12 835) mix.835, dated 10/14/2026." in section
    pr = sum((Decimal(a) for line in claim.lines for g, _, a in line.cas if g == "PR"), Decimal(0))
    for value in (claim_id, f"{claim.first} {claim.last}", claim.member_id, claim.payer_claim_number,
                  f"Charge / paid {money(claim.billed)} / {money(claim.paid)}",
                  f"Patient responsibility {money(str(pr))} (the sum of the PR adjustments)"):
        assert value in section
    for line in claim.lines:
        assert line.code in section
    assert others_named(section, claim_id) == []
    assert others_named(packet, claim_id) == []


@pytest.fixture(scope="module")
def from_835(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`build FILE.835` directly: two denials, a paid claim and a reversal."""
    folder = tmp_path_factory.mktemp("direct")
    claims = [spec(c) for c in ("ACCT-9002", "ACCT-9006", "ACCT-9007", "ACCT-9008")]
    path = write_835(folder, claims, "small.835")
    root, out = records_root(folder / "records", claims), folder / "packets"
    build = run("build", str(path), "--out", str(out), "--attachments-root", str(root), *AS_OF)
    return Built(path, root, out, build)


def test_build_an_835_directly_builds_every_denied_claim(from_835: Built) -> None:
    code, _, stderr = from_835.build
    assert code == 0, stderr
    assert [line.split(":")[0] for line in stderr.splitlines() if not line.startswith("  ")] == \
        ["ACCT-9002", "ACCT-9006"]
    assert sorted(p.name for p in from_835.out.iterdir()) == ["ACCT-9002", "ACCT-9006"]
    report = json.loads((from_835.out / "ACCT-9002" / "packet.json").read_text())
    [section] = [s for s in report["sections"] if s["kind"] == "remittance_advice"]
    assert section["source"] == "small.835 (claim ACCT-9002)"
    text, packet = page_texts(from_835.out / "ACCT-9002")
    assert "ACCT-9002" in text
    assert others_named(text, "ACCT-9002") == others_named(packet, "ACCT-9002") == []
    duplicate = json.loads((from_835.out / "ACCT-9006" / "packet.json").read_text())
    assert (duplicate["status"], duplicate["action"]) == ("nothing_to_send", "check_status")
    assert not (from_835.out / "ACCT-9006" / "packet.pdf").exists()


# --- Patient corrections and repeated patient control numbers ------------------------------


def test_corrected_patient_name_keeps_the_fields_it_does_not_correct(tmp_path: Path) -> None:
    text = interchange([spec("ACCT-9001")]).replace(
        "NM1*QC*1*Synthetic*Nora****MI*7XK2QW3PR91~\n",
        "NM1*QC*1*Synthetic*Nora****MI*7XK2QW3PR91~\nNM1*74*1***C~\n").replace("SE*22*", "SE*23*")
    path = tmp_path / "corrected.835"
    path.write_text(text)
    [found] = read_eras([path], PROFILES, CODES, TODAY).found
    assert found.era.corrected_patient is not None and found.era.corrected_patient.middle == "C"
    patient = claim_document(found, None, date(2026, 11, 22))["patient"]
    assert patient == {"first_name": "Nora", "last_name": "Synthetic", "member_id": "7XK2QW3PR91"}


def test_two_denied_claims_with_one_patient_control_number_are_not_overwritten(tmp_path: Path) -> None:
    other = ClaimSpec("ACCT-9001", first="Omar", last="Fixture", member_id="2AC3CD4EF56",
                      payer_claim_number="26287000999902")
    path = write_835(tmp_path, [spec("ACCT-9001"), other])
    code, _, stderr = run("era", str(path), "--out", str(tmp_path / "claims"), *AS_OF)
    written = sorted((tmp_path / "claims").glob("*.yaml"))
    patients = sorted(load_claims(p)[0].claim.patient.last_name for p in written)
    assert patients == ["Fixture", "Synthetic"] or (code == 1 and "ACCT-9001" in stderr)


# --- Claim-level denials, groups line by line, statuses, balances (issue 8) ----------------

WHOLE_CLAIM = ClaimSpec("ACCT-9012", first="Una", last="Wholeclaim", member_id="1YX2CV3CN45",
                        payer_claim_number="26287000999912", claim_cas=(("CO", "50", "245.00"),),
                        claim_remarks=("N115",), lines=[], statement=("20260902", "20260930"))


def test_a_claim_denied_at_claim_level_without_lines_is_a_denied_claim(tmp_path: Path) -> None:
    path = write_835(tmp_path, [WHOLE_CLAIM])
    code, stdout, stderr = run("era", str(path), "--json", "--out", str(tmp_path / "claims"), *AS_OF)
    assert (code, stderr) == (0, f"1 claim file written to {tmp_path / 'claims'}\n")
    [row] = json.loads(stdout)["claims"]
    assert (row["denied"], row["category"], row["action"], row["denied_amount"]) == (
        True, "medical_necessity", "appeal", "245.00")
    [loaded] = load_claims(tmp_path / "claims" / "ACCT-9012.yaml")
    [line] = loaded.claim.service_lines
    # one line from the CLP amounts and the statement dates, marked as claim-level, no code invented
    assert (line.claim_level, line.code, line.dos, line.dos_to, line.billed, line.paid) == (
        True, None, date(2026, 9, 2), date(2026, 9, 30), Decimal("245.00"), Decimal(0))
    assert line.label == "whole claim (denied at claim level)"
    denial = loaded.claim.denial
    assert (denial.carc, denial.group, denial.rarc, denial.codes) == (["50"], "CO", ["N115"], ["CO-50"])
    assert [(a.group, a.carc, a.amount) for a in denial.adjustments] == [("CO", "50", Decimal("245.00"))]


def test_build_an_835_builds_a_claim_level_denial(tmp_path: Path) -> None:
    path = write_835(tmp_path, [WHOLE_CLAIM])
    root, out = records_root(tmp_path / "records", [WHOLE_CLAIM]), tmp_path / "packets"
    code, _, stderr = run("build", str(path), "--out", str(out), "--attachments-root", str(root), *AS_OF)
    assert code == 0, stderr
    assert stderr.startswith("ACCT-9012: passed, ")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out / "ACCT-9012/packet.pdf").pages)
    assert "3. Item or service appealed whole claim (denied at claim level)" in text
    assert "CO-50" in text


def test_each_adjustment_keeps_its_own_group_in_the_claim_file(tmp_path: Path) -> None:
    mixed = ClaimSpec("ACCT-9013", status="1", paid="0", billed="245.00", first="Max", last="Groupwise",
                      member_id="2QW3ER4TY56", payer_claim_number="26287000999913",
                      lines=[LineSpec(cas=(("CO", "50", "200.00"), ("PR", "2", "45.00")), remarks=())])
    path = write_835(tmp_path, [mixed])
    code, _, _ = run("era", str(path), "--out", str(tmp_path / "claims"), *AS_OF)
    assert code == 0
    [loaded] = load_claims(tmp_path / "claims" / "ACCT-9013.yaml")
    [line] = loaded.claim.service_lines
    assert (line.carc, line.group) == ([], None)  # never merged under one group
    assert [(a.group, a.carc, a.amount) for a in line.adjustments] == [
        ("CO", "50", Decimal("200.00")), ("PR", "2", Decimal("45.00"))]
    assert line.codes == ["CO-50", "PR-2"]
    assert (loaded.claim.denial.carc, loaded.claim.denial.group) == (["50"], "CO")  # the denial's own group


@pytest.mark.parametrize(
    ("spec", "denied", "action", "reason"),
    [
        # status 25: a predetermination prices the claim and decides nothing
        # (DOMAIN.md, "Not denials": status 25 (predetermination) claims)
        pytest.param(ClaimSpec("ACCT-9014", status="25", lines=[LineSpec(cas=(("CO", "50", "245.00"),))]),
                     False, "none", "status 25: a predetermination: pricing only", id="status-25-predetermination"),
        # status 22: a reversal (CLP02, DOMAIN.md, "X12 835 in one page")
        pytest.param(ClaimSpec("ACCT-9015", status="22", billed="-245.00", lines=[LineSpec(billed="-245.00")]),
                     False, "none", "status 22: a reversal of an earlier payment", id="status-22-reversal"),
        # PR deductible, coinsurance and copay on a paid claim: the patient's balance
        # (DOMAIN.md, "Not denials"; CARC 1, 2 of code list 139; CO-45: row 'contractual (not a denial)')
        pytest.param(ClaimSpec("ACCT-9016", status="1", paid="180.00", lines=[LineSpec(
            paid="180.00", cas=(("CO", "45", "20.00"), ("PR", "1", "30.00"), ("PR", "2", "15.00")), remarks=())]),
            False, "bill_patient", "patient responsibility (deductible, coinsurance or copay)", id="PR-balances"),
        # a zero-dollar adjustment adjusts nothing (DOMAIN.md, "Not denials": zero-dollar adjustments)
        pytest.param(ClaimSpec("ACCT-9017", status="1", paid="245.00", lines=[LineSpec(
            paid="245.00", cas=(("CO", "50", "0.00"), ("PR", "1", "0.00")), remarks=())]),
            False, "none", "medical_necessity: not a denial, nothing to dispute", id="zero-dollar-adjustments"),
        # CARC 23 on a secondary claim, in any group (CARC 23, X12 code list 139; DOMAIN.md, "Not denials")
        pytest.param(ClaimSpec("ACCT-9018", status="2", paid="40.00", lines=[LineSpec(
            paid="40.00", cas=(("CO", "23", "205.00"),), remarks=())]),
            False, "none", "coordination_of_benefits: not a denial, nothing to dispute", id="CO-23-secondary"),
        # a multiple-procedure reduction on a paid line (CARC 59, code list 139; DOMAIN.md, "Not denials")
        pytest.param(ClaimSpec("ACCT-9019", status="1", paid="122.50", lines=[LineSpec(
            paid="122.50", cas=(("CO", "59", "122.50"),), remarks=())]),
            False, "none", "bundling: not a denial, nothing to dispute", id="CO-59-reduction"),
    ],
)
def test_what_is_not_a_denial(tmp_path: Path, spec: ClaimSpec, denied: bool, action: str, reason: str) -> None:
    [row] = read_eras([write_835(tmp_path, [spec])], PROFILES, CODES, TODAY).claims
    assert (row["denied"], row["action"], row["action_reason"]) == (denied, action, reason)


def test_an_unknown_code_is_named_for_review(tmp_path: Path) -> None:
    spec = ClaimSpec("ACCT-9020", lines=[LineSpec(cas=(("CO", "999", "245.00"),), remarks=())])
    path = write_835(tmp_path, [spec])
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr == (f"{path}: segment 13 (CLP): CO-999 not in the code table (rules/codes.yaml): a person must "
                      "review this claim\n")
    [row] = json.loads(stdout)["claims"]
    # a review sends nothing yet, but the window it may still use is shown: the decision is due before it ends
    assert (row["denied"], row["category"], row["action"], row["deadline"]) == (True, "other", "review", "2027-02-16")


# --- Nothing is overwritten that a person edited (issue 8) ---------------------------------


def test_era_out_leaves_an_edited_claim_file_and_force_rewrites_it(tmp_path: Path) -> None:
    path = write_835(tmp_path, [spec("ACCT-9001"), spec("ACCT-9002")])
    claims = tmp_path / "claims"
    assert run("era", str(path), "--out", str(claims), *AS_OF)[0] == 0
    edited = claims / "ACCT-9001.yaml"
    text = edited.read_text() + "appeal: {argument: The notes show the need.}\n"  # a person adds an argument
    edited.write_text(text)
    untouched = (claims / "ACCT-9002.yaml").read_bytes()

    code, _, stderr = run("era", str(path), "--out", str(claims), *AS_OF)
    assert code == 0
    assert stderr == (f"{edited}: differs from what remit.835 (CLP segment 13) gives; left as it is (--force "
                      f"rewrites it)\n1 claim file written to {claims}; 1 edited file kept\n")
    assert edited.read_text() == text
    assert (claims / "ACCT-9002.yaml").read_bytes() == untouched  # the same content, written again

    code, _, stderr = run("era", str(path), "--out", str(claims), "--force", *AS_OF)
    assert (code, stderr) == (0, f"2 claim files written to {claims}\n")
    assert "The notes show the need" not in edited.read_text()


def test_the_remittance_page_shows_the_descriptions_the_user_loaded(tmp_path: Path) -> None:
    path = write_835(tmp_path, [spec("ACCT-9009")])
    root = records_root(tmp_path / "records", [spec("ACCT-9009")])
    descriptions = tmp_path / "codes.csv"
    descriptions.write_text("code,description\n50,Licensed text for fifty\nN115,Licensed text for N115\n")
    code, _, stderr = run("build", str(path), "--out", str(tmp_path / "out"), "--attachments-root", str(root),
                          "--descriptions", str(descriptions), *AS_OF)
    assert code == 0, stderr
    section, _ = page_texts(tmp_path / "out" / "ACCT-9009")
    page = " ".join(section.split())
    assert "CO-50 $150.00: Licensed text for fifty" in page
    assert "N115 (Licensed text for N115), N130" in page
    assert "CO-45 $95.00" in page and "CO-45 $95.00:" not in page  # no description loaded for 45


def test_patient_responsibility_is_what_the_pr_adjustments_add_up_to(tmp_path: Path) -> None:
    """A claim whose CLP05 disagrees with its PR adjustments: the page shows their sum, and says
    what the claim line states."""
    claim = ClaimSpec("ACCT-9020", first="Pam", last="Coinsure", member_id="1PR2CT3KN45", status="1", paid="156.00",
                      payer_claim_number="26287000999920", billed="395.00", patient_resp="0",
                      lines=[LineSpec(billed="245.00", paid="156.00", cas=(("CO", "45", "50.00"), ("PR", "2", "39.00")),
                                      remarks=()),
                             LineSpec(code="A7034", modifiers=(), billed="150.00", cas=(("CO", "50", "150.00"),))])
    path = write_835(tmp_path, [claim])
    root = records_root(tmp_path / "records", [claim])
    code, _, stderr = run("build", str(path), "--out", str(tmp_path / "out"), "--attachments-root", str(root), *AS_OF)
    assert code == 0, stderr
    section, _ = page_texts(tmp_path / "out" / "ACCT-9020")
    page = " ".join(section.split())
    assert "Patient responsibility $39.00 (the sum of the PR adjustments); the claim states $0.00" in page
    assert "09/02/2026 E0601-RR-KX 1 $245.00 $195.00 $156.00 CO-45 $50.00 PR-2 $39.00" in page


def test_each_denied_row_shows_the_plan_of_the_claim_it_becomes(tmp_path: Path) -> None:
    """The table decides from the plan's own decisions (not the whole plan: a 10,000-claim file
    needs only these), so every denied row agrees with `appealgen plan` on its claim."""
    from appealgen.plan import DATED, make_plan
    from appealgen.sources.era_claims import to_claim

    path = tmp_path / "mix.835"
    path.write_text(interchange(denial_mix()))
    result = read_eras([path], PROFILES, CODES, TODAY)
    rows = {row["segment"]: row for row in result.claims}
    planned = 0
    for found in result.found:
        if not found.denied:
            continue
        plan = make_plan(to_claim(found, None, TODAY), PROFILES[found.profile_id], CODES, TODAY, str(path))
        row = rows[found.era.segment]
        sent = (plan.deadline, plan.days_left, plan.send_by if plan.submitted else None) if plan.action in DATED \
            else (None, None, None)
        assert (row["category"], row["action"], row["action_reason"], row["deadline"], row["days_left"],
                row["send_by"]) == (plan.category.value, plan.action.value, plan.action_reason, *sent)
        planned += 1
    assert planned == 7  # every denied claim of the mix


def test_a_claim_whose_lines_were_denied_for_different_reasons_is_planned_by_its_largest_and_says_so(
        tmp_path: Path) -> None:
    """MA130 (unprocessable, no appeal rights) on a $45 supply line must not make the $1,200
    device line a new claim with no appeal: the row appeals, and names the supply line."""
    claim = ClaimSpec("ACCT-9101", billed="1245.00", lines=[
        LineSpec(code="E0470", billed="1200.00", cas=(("CO", "50", "1200.00"),), remarks=("N115",)),
        LineSpec(code="A7037", modifiers=(), billed="45.00", cas=(("CO", "16", "45.00"),), remarks=("MA130", "M20"))])
    path = write_835(tmp_path, [claim])
    code, stdout, _ = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    [row] = json.loads(stdout)["claims"]
    assert (row["category"], row["action"], row["deadline"]) == ("medical_necessity", "appeal", "2027-02-16")
    warning = ("lines denied for other reasons than medical_necessity (missing_information: A7037 on line 2 (CO-16, "
               "its own plan corrected_claim by 2027-09-02)); this plan follows the lines that carry the most denied "
               "money: put the others in a claim file of their own, so each is planned on its own and meets its own "
               "deadline (from an 835, `build`, `batch` and `era --out` do: <claim id>-L<line number>)")
    assert row["warnings"] == [warning]
    assert f"    warning: {warning}" in run("era", str(path), *AS_OF)[1].splitlines()


def test_era_out_writes_each_part_of_a_claim_denied_for_different_reasons_as_a_claim_file_of_its_own(
        tmp_path: Path) -> None:
    """The $1,200 device line is appealed under the claim's own id; the $45 supply line (MA130:
    unprocessable, a new claim) gets ACCT-9101-L2, with its own codes, remarks and deadline."""
    claim = ClaimSpec("ACCT-9101", billed="1245.00", lines=[
        LineSpec(code="E0470", billed="1200.00", cas=(("CO", "50", "1200.00"),), remarks=("N115",)),
        LineSpec(code="A7037", modifiers=(), billed="45.00", cas=(("CO", "16", "45.00"),), remarks=("MA130", "M20"))])
    path = write_835(tmp_path, [claim])
    out = tmp_path / "claims"
    code, _, stderr = run("era", str(path), "--out", str(out), *AS_OF)
    assert code == 0 and stderr.splitlines()[-1] == f"2 claim files written to {out}"
    main, part = (yaml.safe_load((out / f"{name}.yaml").read_text()) for name in ("ACCT-9101", "ACCT-9101-L2"))
    assert [line["code"] for line in main["service_lines"]] == ["E0470"]
    assert (main["denial"]["carc"], main["denial"]["rarc"]) == (["50"], ["N115"])
    assert [line["code"] for line in part["service_lines"]] == ["A7037"]
    assert (part["claim_id"], part["denial"]["carc"], part["denial"]["rarc"]) == ("ACCT-9101-L2", ["16"],
                                                                                  ["MA130", "M20"])
    assert (out / "ACCT-9101-L2.yaml").read_text().startswith(
        f"# From {path.name}, CLP segment 13 (lines denied for another reason, planned apart). ")
    code, stdout, _ = run("plan", str(out / "ACCT-9101.yaml"), str(out / "ACCT-9101-L2.yaml"), "--json", *AS_OF)
    plans = {p["claim_id"]: p for p in json.loads(stdout)}
    assert (plans["ACCT-9101"]["action"], plans["ACCT-9101"]["deadline"]) == ("appeal", "2027-02-16")
    assert (plans["ACCT-9101-L2"]["action"], plans["ACCT-9101-L2"]["deadline"]) == ("corrected_claim", "2027-09-02")
    assert not [f for p in plans.values() for f in p["findings"] if f["code"] == "claim.mixed_denials"]
    code, _, stderr = run("build", str(path), "--out", str(tmp_path / "out"), *AS_OF)  # the same parts, built
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ACCT-9101", "ACCT-9101-L2"]


def test_a_medicare_advantage_plan_matched_only_by_the_generic_profile_is_named(tmp_path: Path) -> None:
    """CLP06 16 (HMO Medicare risk): a Medicare Advantage plan, whose appeal windows are neither
    a commercial plan's 12 months nor original Medicare's; no shipped profile is one."""
    plan = replace(spec("ACCT-9001"), filing="16")
    path = write_835(tmp_path, [plan], payer="EXAMPLE HEALTH PLAN MEDICARE ADVANTAGE", payer_id="99999")
    code, _, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr.splitlines() == [
        f"{path}: payer EXAMPLE HEALTH PLAN MEDICARE ADVANTAGE: its claims are Medicare Advantage (CLP06 16: "
        "HMO Medicare risk), matched only to the generic profile commercial: a Medicare Advantage plan's "
        "appeal windows are its contract's, or for a non-contracted provider Medicare's rules for such plans (42 "
        "CFR 422 subpart M), not a commercial plan's: add a profile for this plan (match.payer_ids) before trusting "
        "its deadlines"]
    # A plan's own profile, matched by its payer ID, is trusted
    code, _, stderr = run("era", str(write_835(tmp_path, [plan], payer="ACME BENEFITS ADMINISTRATORS",
                                               payer_id="EXMCD1")), "--json", *AS_OF)
    assert (code, stderr) == (0, "")


def test_a_medicaid_payer_no_profile_matches_is_not_said_to_be_matched_by_its_filing_indicator(tmp_path: Path) -> None:
    path = write_835(tmp_path, [replace(spec("ACCT-9001"), filing="MC")], payer="ACME MEDICAID PLAN",
                     payer_id="99999")
    code, _, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert stderr.splitlines() == [
        f"{path}: payer ACME MEDICAID PLAN matches no payer profile; using commercial",
        f"{path}: payer ACME MEDICAID PLAN: its claims are Medicaid (CLP06 MC), but its profile commercial is for "
        "commercial payers: check the profile's match (its levels and deadlines would be wrong)"]
