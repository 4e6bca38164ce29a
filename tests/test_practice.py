"""The practice's own details: appealgen.yaml `practices` (by NPI) completes every claim's provider,
claims from an 835 take them by NPI, a claim file may override them, and a detail the payer or
the letter needs that nobody gave fails the check by name (never "n/a" in a letter)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from PIL import Image

from appealgen.images import check_signature
from appealgen.models import Claim, Provider
from appealgen.payers import load_payer
from appealgen.practice import detail_findings
from appealgen.preflight import Limits, Refused
from appealgen.readiness import member_id_findings
from appealgen.workspace import Workspace
from tests.conftest import PATIENT, PLAN_POLICY, REPO, WriteClaim
from tests.helpers import pdf_text, run
from tests.pdfs import make_pdf
from tests.rulecases import build_claim
from tests.x12gen import ClaimSpec, interchange

PRACTICE = {"name": "Lakeview Example Supply", "ptan": "LKV01", "tax_id": "00-0000777",
            "address": "7 Lake Road, Lakeview, EX 00000", "phone": "555-0177", "fax": "555-0178",
            "email": "appeals@lakeview.example", "requester": {"name": "Robin Sample", "title": "Appeals Lead"}}
BARE = {"name": "Lakeview Example Supply", "npi": "1538261953"}  # what an 835 gives: a name and an NPI


def workspace(tmp_path: Path, practice: dict[str, object] | None = None) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir(exist_ok=True)
    (folder / "appealgen.yaml").write_text(yaml.safe_dump({"practices": {"1538261953": practice or PRACTICE}}))
    return folder


def build(claim: Path, folder: Path, out: Path) -> tuple[int, str]:
    code, _, stderr = run("build", str(claim), "--out", str(out), "--as-of", "2026-11-22", "--workspace", str(folder))
    return code, stderr


# What a Medicare DME medical-necessity request needs enclosed (the profile's manifest).
DME_DOCUMENTS = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                 {"kind": "prescription", "path": "docs/order.pdf", "title": "Written order"},
                 {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"},
                 {"kind": "delivery_ticket", "path": "docs/pod.pdf", "title": "Delivery ticket"}]


def test_a_claim_takes_the_practice_details_it_does_not_state(write_claim: WriteClaim, tmp_path: Path) -> None:
    # the claim's own phone wins over the practice's
    claim = write_claim(payer="medicare-dme", provider={**BARE, "phone": "555-0100"}, attachments=DME_DOCUMENTS)
    code, stderr = build(claim, workspace(tmp_path), tmp_path / "out")
    assert code == 0, stderr
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    for value in ("PTAN LKV01", "Tax ID 00-0000777", "7 Lake Road, Lakeview, EX 00000", "Phone 555-0100",
                  "Fax 555-0178", "appeals@lakeview.example", "Robin Sample Appeals Lead Lakeview Example Supply"):
        assert value in text
    assert "555-0177" not in text


def test_a_claim_that_names_only_the_npi_takes_the_practices_name(write_claim: WriteClaim, tmp_path: Path) -> None:
    """A billing system's export gives the NPI and no provider name: the settings hold the name."""
    claim = write_claim(payer="medicare-dme", provider={"npi": "1538261953"}, attachments=DME_DOCUMENTS)
    code, stderr = build(claim, workspace(tmp_path), tmp_path / "out")
    assert code == 0, stderr
    assert "Robin Sample Appeals Lead Lakeview Example Supply" in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")


def test_a_provider_named_nowhere_fails_the_check_by_name(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(provider={"npi": "1538261953"})
    provider = Claim.model_validate(yaml.safe_load(claim.read_text())).provider
    [found] = [f for f in detail_findings(provider, load_payer(Workspace.open(REPO), "commercial"))
               if f.message.startswith("provider.name")]
    assert found.message == ("provider.name missing: the letterhead, the cover sheet and the signature block print "
                             "it; set the details in appealgen.yaml (practices, by NPI) or in the claim file's "
                             "provider")


def test_missing_details_fail_the_check_by_name(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(payer="medicare-dme", provider=BARE)
    code = run("build", str(claim), "--out", str(tmp_path / "out"), "--as-of", "2026-11-22",
               "--workspace", str(REPO))[0]
    assert code == 3
    problems = json.loads((tmp_path / "out" / "TEST-1" / "packet.json").read_text())["check"]["problems"]
    where = "set the details in appealgen.yaml (practices, by NPI) or in the claim file's provider"
    assert problems == [
        f"provider.ptan, provider.tax_id missing: medicare-dme asks for them on every request; {where}",
        "provider.address, provider.phone, provider.fax, provider.email, provider.requester.name, "
        f"provider.requester.title missing: the letterhead and signature block print them; {where}",
    ]
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert "n/a" not in text and "not stated" not in text and "Billing department" not in text


def test_each_payer_asks_for_its_own_identifiers() -> None:
    workspace = Workspace.open(REPO)
    provider = Provider.model_validate({**BARE, **{k: v for k, v in PRACTICE.items() if k not in ("ptan", "tax_id")}})
    asked = {payer: [f.message.split(" missing")[0] for f in detail_findings(provider, load_payer(workspace, payer))]
             for payer in ("medicare-dme", "medicare-part-b", "commercial", "medicaid-caresource")}
    assert asked == {"medicare-dme": ["provider.ptan, provider.tax_id"], "medicare-part-b": ["provider.ptan"],
                     "commercial": ["provider.tax_id"], "medicaid-caresource": ["provider.tax_id"]}


MBI_PROBLEM = ("patient.member_id is not a Medicare Beneficiary Identifier (11 characters, such as 1EG4TE5MK73; never "
               "the letters S, L, O, I, B or Z): medicare-dme matches the request to the beneficiary by it; copy it "
               "from the remittance or the Medicare card")


@pytest.mark.parametrize(
    ("member_id", "valid"),
    [
        # CMS, "Understanding the MBI": digit 1-9, letter, letter or digit, digit, letter, letter or digit,
        # digit, letter, letter, digit, digit.
        pytest.param("1EG4TE5MK73", True, id="the-CMS-example"),
        pytest.param("1EG4-TE5-MK73", True, id="printed-in-groups-with-dashes"),
        pytest.param("1eg4te5mk73", True, id="lower-case"),
        pytest.param("1E94TE5MK73", True, id="digit-in-position-3"),
        pytest.param("0EG4TE5MK73", False, id="position-1-is-never-0"),
        pytest.param("1SG4TE5MK73", False, id="never-S"),
        pytest.param("1EL4TE5MK73", False, id="never-L"),
        pytest.param("1EG4OE5MK73", False, id="never-O"),
        pytest.param("1EG4TI5MK73", False, id="never-I"),
        pytest.param("1EG4TE5BK73", False, id="never-B"),
        pytest.param("1EG4TE5MZ73", False, id="never-Z"),
        pytest.param("1EG4TE5MK7", False, id="ten-characters"),
        pytest.param("1EG4TE5MK731", False, id="twelve-characters"),
        pytest.param("123456789A", False, id="an-old-HICN"),
        pytest.param("1EGATE5MK73", False, id="letter-where-a-digit-belongs"),
    ],
)
def test_a_medicare_request_needs_a_medicare_beneficiary_identifier(member_id: str, valid: bool) -> None:
    workspace = Workspace.open(REPO)
    claim = build_claim(payer="medicare-dme")
    claim = claim.model_copy(update={"patient": claim.patient.model_copy(update={"member_id": member_id})})
    assert [f.message for f in member_id_findings(claim, load_payer(workspace, "medicare-dme"))] == (
        [] if valid else [MBI_PROBLEM])
    assert member_id_findings(claim, load_payer(workspace, "commercial")) == []  # a plan's own IDs: any form


def test_a_wrong_medicare_number_fails_the_check_without_being_repeated(write_claim: WriteClaim,
                                                                           tmp_path: Path) -> None:
    claim = write_claim(payer="medicare-dme", patient={**PATIENT, "member_id": "1SG4TE5MK73"})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--as-of", "2026-11-22",
                          "--workspace", str(REPO))
    assert code == 3
    report = (tmp_path / "out" / "TEST-1" / "packet.json").read_text()
    assert MBI_PROBLEM in json.loads(report)["check"]["problems"]
    assert "1SG4TE5MK73" not in stderr


def test_an_mbi_typed_with_dashes_is_written_as_medicare_writes_it(write_claim: WriteClaim, tmp_path: Path) -> None:
    """CMS asks for the MBI as 11 characters without the dashes a card prints: every page says
    9XX9XX9XX99 for a claim file that typed 9xx9-xx9-xx99."""
    claim = write_claim(payer="medicare-dme", patient={**PATIENT, "member_id": "9xx9-xx9-xx99"},
                        attachments=DME_DOCUMENTS)
    code, stderr = build(claim, workspace(tmp_path), tmp_path / "out")
    assert code == 0, stderr
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert "Medicare number: 9XX9XX9XX99" in text and "9xx9-xx9-xx99" not in text.lower()


def test_claims_from_an_835_take_the_practice_by_npi(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    remit = tmp_path / "remit.835"
    remit.write_text(interchange([ClaimSpec("ACCT-9001", first="Nora", last="Samplewood")]))
    records = tmp_path / "records" / "ACCT-9001"
    records.mkdir(parents=True)
    for name in ("SWO.pdf", "progress notes.pdf", "sleep study.pdf", "POD.pdf"):
        (records / name).write_bytes(make_pdf(lines=["Patient: Nora Samplewood", "Member ID: 7XK2QW3PR91"]))
    code, _, stderr = run("build", str(remit), "--out", str(tmp_path / "out"), "--attachments-root",
                          str(tmp_path / "records"), "--as-of", "2026-11-22", "--workspace", str(folder))
    assert code == 0, stderr
    letter = pdf_text(tmp_path / "out" / "ACCT-9001" / "packet.pdf")
    # the practice's name replaces the payee name the 835 carries
    assert "Lakeview Example Supply requests a redetermination" in letter
    assert "EXAMPLE HOME MEDICAL SUPPLY LLC requests" not in letter


def test_the_signature_image_is_placed_in_word_and_html_letters(write_claim: WriteClaim, tmp_path: Path) -> None:
    folder = workspace(tmp_path, {**PRACTICE, "signature": "sign.png"})
    (folder / "sign.png").write_bytes((REPO / "examples" / "era" / "signature.png").read_bytes())
    claim = write_claim(provider=BARE)
    code, stderr = build(claim, folder, tmp_path / "word")
    assert code == 0, stderr
    media = [n for n in zipfile.ZipFile(tmp_path / "word" / "TEST-1" / "letter.docx").namelist() if "media" in n]
    assert len(media) == 1
    claim = write_claim(provider=BARE, appeal={"letter": "reconsideration.html", "argument": "The records.",
                                               "policy": PLAN_POLICY})
    code, stderr = build(claim, folder, tmp_path / "html")
    assert code == 0, stderr
    from pypdf import PdfReader

    [letter_page] = [p for p in PdfReader(tmp_path / "html" / "TEST-1" / "packet.pdf").pages
                     if "Sincerely" in (p.extract_text() or "")]
    assert list(letter_page.images)  # the signature
    assert sign_lines(tmp_path / "html" / "TEST-1" / "packet.pdf") == []  # signed: no line to sign on
    assert SIGN_LINE not in zipfile.ZipFile(tmp_path / "word" / "TEST-1" / "letter.docx").read("word/document.xml")


SIGN_LINE = b'<w:pBdr><w:bottom w:val="single"'


def sign_lines(packet: Path) -> list[int]:
    """The widths (points) of the shapes 2.6 inches wide and under 40 points high drawn in a packet: the
    box of the line to sign on (its bottom border)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(packet)
    found = [round(right - left) for page in document for obj in page.get_objects()
             if obj.type == raw.FPDF_PAGEOBJ_PATH
             for left, bottom, right, top in [obj.get_bounds()] if top - bottom < 40 and 180 < right - left < 195]
    document.close()
    return found


def test_without_a_signature_image_each_letter_has_a_line_to_sign_by_hand(write_claim: WriteClaim,
                                                                          tmp_path: Path) -> None:
    """An unsigned Medicare request is dismissed (42 CFR 405.944(b)): a letter printed without
    the practice's signature image gives a line to sign on."""
    folder = workspace(tmp_path)
    assert build(write_claim(provider=BARE), folder, tmp_path / "word")[0] == 0
    assert zipfile.ZipFile(tmp_path / "word" / "TEST-1" / "letter.docx").read("word/document.xml").count(
        SIGN_LINE) == 1
    claim = write_claim(provider=BARE, appeal={"letter": "reconsideration.html", "argument": "The records.",
                                               "policy": PLAN_POLICY})
    assert build(claim, folder, tmp_path / "html")[0] == 0
    assert sign_lines(tmp_path / "html" / "TEST-1" / "packet.pdf") == [187]


def test_the_practices_file_is_checked_like_a_payer_profile(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "appealgen.yaml").write_text(yaml.safe_dump({"practices": {
        "1234567890": {"name": "X"}, "1538261953": {"fax_number": "1", "signature": "../outside.png"}}}))
    code, _, stderr = run("plan", str(REPO / "examples" / "cpap-medicare" / "claim.yaml"), "--workspace", str(folder),
                          workspace_line=True)
    assert code == 1
    assert stderr.splitlines() == [
        f"{folder / 'appealgen.yaml'}: practices.1234567890.[key]: NPI check digit is wrong",
        f"{folder / 'appealgen.yaml'}: practices.1538261953.fax_number: unknown key",
    ]
    (folder / "appealgen.yaml").write_text(yaml.safe_dump({"practices": {"1538261953": {"signature": "../x.png"}}}))
    code, _, stderr = run("plan", str(REPO / "examples" / "cpap-medicare" / "claim.yaml"), "--workspace", str(folder),
                          workspace_line=True)
    assert (code, stderr) == (1, f"{folder / 'appealgen.yaml'}: practices.1538261953.signature: must be a file "
                                 "inside the workspace folder\n")


def _png(width: int, height: int, frames: int = 1) -> bytes:
    images = [Image.new("RGB", (width, height), (255, 255, 255)) for _ in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "PNG", save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


@pytest.mark.parametrize(("content", "problem"), [
    (b"%PDF-1.4 not an image", "is not a PNG or JPEG image (the type is read from the file, not its name)"),
    (_png(2, 2)[:40], "image is damaged or truncated and cannot be read"),
    (_png(2, 2, frames=2), "is an animated image; save the signature as a still PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_001, "is 2,000,009 bytes; the limit is 2,000,000 bytes (2 MB)"),
], ids=["pdf-named-png", "truncated", "animated", "over-2-MB"])
def test_a_signature_image_is_checked_by_its_bytes_when_the_settings_load(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    folder = workspace(tmp_path, {**PRACTICE, "signature": "sign.png"})
    (folder / "sign.png").write_bytes(content)
    code, _, stderr = run("plan", str(REPO / "examples" / "cpap-medicare" / "claim.yaml"), "--workspace", str(folder),
                          workspace_line=True)
    assert (code, stderr) == (1, f"{folder / 'appealgen.yaml'}: practices.1538261953.signature: sign.png: {problem}\n")


def test_a_signature_image_over_the_pixel_limit_is_refused() -> None:
    check_signature(_png(1, 1), Limits(pixels=1))
    with pytest.raises(Refused, match="image is larger than 1 pixels"):
        check_signature(_png(2, 1), Limits(pixels=1))


def test_a_state_medicaid_provider_number_is_printed_and_may_be_asked_for(write_claim: WriteClaim,
                                                                          tmp_path: Path) -> None:
    """A Medicaid plan matches a dispute by the state's own provider number: the practice's
    settings give it, a Medicaid letter prints it beside the NPI (a Medicare letter does not),
    and a profile may ask for it (provider_ids), naming it when it is missing."""
    caresource = load_payer(Workspace.open(REPO), "medicaid-caresource")
    asking = caresource.model_copy(update={"provider_ids": [*caresource.provider_ids, "medicaid_id"]})
    provider = Provider.model_validate({**BARE, **PRACTICE})
    assert [f.message.split(" missing")[0] for f in detail_findings(provider, asking)] == ["provider.medicaid_id"]
    assert detail_findings(provider.model_copy(update={"medicaid_id": "EXMCD0042"}), asking) == []
    folder = workspace(tmp_path, {**PRACTICE, "medicaid_id": "EXMCD0042"})
    records = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
               {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"},
               {"kind": "medical_records", "path": "docs/notes.pdf", "title": "Medical records"}]
    letters = {"word": {}, "html": {"letter": "reconsideration.html", "argument": "Records enclosed."}}
    for name, appeal in letters.items():
        claim = write_claim(payer="medicaid-caresource", provider=BARE, attachments=records, appeal=appeal)
        build(claim, folder, tmp_path / name)
        assert "Medicaid ID EXMCD0042" in " ".join(pdf_text(tmp_path / name / "TEST-1" / "packet.pdf").split()), name
    for name, appeal in letters.items():
        medicare = write_claim(payer="medicare-dme", provider=BARE, attachments=DME_DOCUMENTS, appeal=appeal)
        build(medicare, folder, tmp_path / f"medicare-{name}")
        assert "Medicaid ID" not in pdf_text(tmp_path / f"medicare-{name}" / "TEST-1" / "packet.pdf"), name


def test_a_missing_signature_image_stops_what_prints_a_letter_not_the_log_or_the_report(tmp_path: Path) -> None:
    """The revenue-cycle manager's copy of the settings came without the image: importing a
    remittance, the queue and the report print no letter and go on; a build is refused."""
    folder = workspace(tmp_path, {**PRACTICE, "signature": "sign.png"})
    log = ["--workspace", str(folder), "--as-of", "2026-11-22"]
    remit = REPO / "examples" / "era" / "remittance-2026-10-14.835"
    assert run("log", "import", str(remit), *log, workspace_line=True)[0] == 0
    assert run("queue", *log, workspace_line=True)[0] == 0
    assert run("report", "--from", "2026-10-01", "--to", "2026-10-31", "--out", str(tmp_path / "october.html"), *log,
               workspace_line=True)[0] == 0
    code, _, stderr = run("build", str(REPO / "examples" / "cpap-medicare" / "claim.yaml"), "--out",
                          str(tmp_path / "out"), *log, workspace_line=True)
    assert (code, stderr) == (1, f"{folder / 'appealgen.yaml'}: practices.1538261953.signature: sign.png: file not "
                                 "found\n")
