"""Wrong-patient pages: every page of every attachment is checked, scans are named (or read
with OCR), and the letter's dates of service must be the claim's."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

from appealgen.attachments import Part
from appealgen.identity import IdentityCheck, page_identity
from appealgen.models import Claim, Patient
from tests.conftest import PLAN_POLICY, WriteClaim, claim_dict
from tests.helpers import AS_OF, HTML_LETTER, build, run
from tests.pdfs import text_page

ROSA = ["Patient: Rosa Testcase", "Member ID: 9XX9XX9XX99", "Visit notes."]
OTTO = ["Patient: Otto Otherperson", "Member ID: 1AA1AA1AA11", "Visit notes."]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def pages_pdf(*pages: list[str]) -> bytes:
    writer = PdfWriter()
    for lines in pages:
        text_page(writer, lines)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned(lines: list[str]) -> bytes:
    """A 'scan': a PNG page of text with no text layer."""
    image = Image.new("L", (1275, 1650), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44) if Path(FONT).exists() else ImageFont.load_default()
    for n, line in enumerate(lines):
        draw.text((100, 150 + 80 * n), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def with_notes(write_claim: WriteClaim, files: dict[str, bytes], extra: list[dict[str, str]] | None = None) -> Path:
    name = next(iter(files))
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": name, "title": "Progress notes"}, *(extra or [])]
    return write_claim(appeal=HTML_LETTER, attachments=attachments, files=files)


def lines_after_summary(stderr: str) -> list[str]:
    return stderr.splitlines()[1:]


def test_two_attachments_of_different_patients_fail_naming_the_document_and_page(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    records = [{"kind": "medical_records", "path": "docs/records.pdf", "title": "Records"}]
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA), "docs/records.pdf": pages_pdf(OTTO)}, records)
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[2] (medical records): page 1: names another member ID; this "
                                        "page belongs to another patient")


def test_a_record_header_without_a_colon_still_names_another_patient(write_claim: WriteClaim, tmp_path: Path) -> None:
    """EHR headers print "Member ID 1AA1AA1AA11" with no colon: that other member is still found."""
    header = ["Patient: Rosa Testcase \u00b7 Member ID 1AA1AA1AA11", "Visit notes."]
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA, header)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[1] (progress notes): page 2: names another member ID; this "
                                        "page belongs to another patient")


def test_a_member_id_one_character_off_is_named_for_a_person_to_check(write_claim: WriteClaim,
                                                                     tmp_path: Path) -> None:
    near = ["Patient: Rosa Testcase", "Member ID: 9XX9XX9XX98", "Visit notes."]
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA, near)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[1] (progress notes): page 2: names a member ID a character "
                                        "or two off this patient's: a typing error, or another patient's page; "
                                        "check it against the claim")


def test_a_right_first_page_does_not_hide_a_wrong_page(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA, ROSA, OTTO, ROSA)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[1] (progress notes): page 3: names another member ID; this "
                                        "page belongs to another patient")


def test_pages_naming_nobody_are_listed(write_claim: WriteClaim, tmp_path: Path) -> None:
    nobody = ["Continuation of the visit notes, nothing identifying here."]
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA, nobody, nobody, ROSA, nobody)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[1] (progress notes): pages 2–3, 5: does not name this "
                                        "claim's patient or member ID; make sure it belongs to this claim")


def test_scans_are_named_with_their_pages_and_strict_fails_them(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = with_notes(write_claim, {"docs/notes.png": scanned(ROSA)})
    code, _, stderr = build(claim, tmp_path / "out")
    warning = ("attachments[1] (progress notes): page 1: no text to confirm the patient (scanned image); review "
               "them, or build with --ocr")
    assert (code, lines_after_summary(stderr)) == (0, [f"  warning: {warning}"])
    code, _, stderr = build(claim, tmp_path / "strict", "--strict")
    assert code == 3
    assert stderr.rstrip("\n").endswith(f": {warning} (--strict)")
    code, _, stderr = run("batch", str(claim), "--out", str(tmp_path / "batch"), "--strict", "--jobs", "1", *AS_OF)
    assert code == 3  # the batch makes the packet build makes
    assert f"{warning} (--strict)" in (tmp_path / "batch" / "TEST-1" / "packet.json").read_text()


def test_a_scanned_remittance_never_goes_unverified(write_claim: WriteClaim, tmp_path: Path) -> None:
    """A paper remittance or EOB lists a payment's claims, often other patients' too: its scanned
    page fails the check unless OCR confirms it names this patient alone (a scanned progress note
    is a warning: it is one patient's)."""
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.png"},
                   {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments, files={"docs/ra.png": scanned([*ROSA, *OTTO])})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(
        ": attachments[0] (remittance advice): page 1: a scanned remittance or EOB page often lists other patients, "
        "and nothing confirms this one names only this claim's; build with --ocr to confirm it names this patient "
        "alone, or enclose the payer's page for this claim alone")


def test_a_batch_names_the_packets_that_passed_with_pages_nobody_verified(
        write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = with_notes(write_claim, {"docs/notes.png": scanned(ROSA)})
    code, _, stderr = run("batch", str(claim), "--out", str(tmp_path / "out"), "--jobs", "1", *AS_OF)
    assert code == 0
    assert "; passed with warnings to review: 1 (TEST-1); summary in " in stderr.splitlines()[-1]
    with (tmp_path / "out" / "batch-summary.csv").open() as handle:
        [row] = list(csv.DictReader(handle))
    assert row["warnings"] == ("attachments[1] (progress notes): page 1: no text to confirm the patient (scanned "
                               "image); review them, or build with --ocr")


needs_ocr = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed "
                               "(scripts/system-deps.sh installs it)")


@needs_ocr
def test_ocr_reads_a_scan_for_the_check(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = with_notes(write_claim, {"docs/notes.png": scanned(ROSA)})
    code, _, stderr = build(claim, tmp_path / "out", "--ocr")
    assert (code, lines_after_summary(stderr)) == (0, [])


@needs_ocr
def test_ocr_finds_another_patient_in_a_scan_when_the_workspace_turns_it_on(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "appealgen.yaml").write_text("ocr: true\n")
    claim = with_notes(write_claim, {"docs/notes.png": scanned(OTTO)})
    code, _, stderr = build(claim, tmp_path / "out", "--workspace", str(workspace))
    assert code == 3
    assert stderr.rstrip("\n").endswith(": attachments[1] (progress notes): page 1: names another member ID; this "
                                        "page belongs to another patient")


def test_ocr_runs_once_per_file_and_only_on_pages_without_text() -> None:
    asked: list[list[int]] = []

    def ocr(pdf: bytes, pages: list[int]) -> dict[int, str]:
        asked.append(pages)
        return {n: "Patient: Rosa Testcase  Member ID: 9XX9XX9XX99  (read by OCR)" for n in pages}

    check = IdentityCheck({}, ocr, {})
    part = Part("progress_notes", "Notes", "n.pdf", "same-file", pdf=pages_pdf(ROSA, [""], ROSA, [""]), pages=4,
                field="attachments[1].path")
    rosa = Claim.model_validate(claim_dict())
    otto = Claim.model_validate(claim_dict(patient={"first_name": "Otto", "last_name": "Otherperson",
                                                    "member_id": "1AA1AA1AA11"}))
    assert check.findings([part], rosa) == []
    assert [f.code for f in check.findings([part], otto)] == ["identity.other_member"]
    assert asked == [[2, 4]]  # one OCR run for both patients, of the two pages without text


def test_a_date_of_service_in_the_letter_that_is_not_the_claims_fails(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True)
    (letters / "typed.html").write_text(
        "<html><body><p>{{ patient.first_name }} {{ patient.last_name }}, claim {{ claim.payer_claim_number }}</p>"
        "<p>Date of service: {% for line in lines %}{{ line.dos | us_date }}{% endfor %}</p>"
        "<p>Dates of service: 03/04/2025</p></body></html>")
    claim = write_claim(appeal={"letter": "typed.html", "policy": dict(PLAN_POLICY)})
    code, _, stderr = build(claim, tmp_path / "out", "--workspace", str(tmp_path / "ws"))
    assert code == 3
    assert stderr.rstrip("\n").endswith(": letter: page 1 gives a date of service that is not on the claim's "
                                        "service lines; correct the letter")
    (letters / "typed.html").write_text(
        "<html><body><p>{{ patient.last_name }}, claim {{ claim.payer_claim_number }}</p>"
        "<p>Date of service: {% for line in lines %}{{ line.dos | us_date }}{% endfor %}</p>"
        "<p>Denied on {{ denial.date | us_date }}.</p></body></html>")
    assert build(claim, tmp_path / "out", "--workspace", str(tmp_path / "ws"))[0] == 0


SUBSCRIBER = Patient(first_name="Ana", last_name="Subscriber", member_id="XYZ123456789")
FILLER = "Visit notes: follow-up for the item on the claim, seen and examined today."


@pytest.mark.parametrize(("text", "verdict"), [
    # a dependant's ID is the subscriber's with a suffix: another patient, labelled or not
    (f"Patient: Leo Othername\nMember ID: XYZ12345678902\n{FILLER}", "other"),
    (f"Patient: Leo Othername\nMember ID: XYZ123456789-01\n{FILLER}", "other"),
    (f"Patient: Leo Othername\nMember ID: XYZ123456789 01\n{FILLER}", "other"),
    (f"Patient: Leo Othername, plan ID XYZ12345678902\n{FILLER}", "other_name"),  # named: another patient
    # the subscriber's own ID, with the label running on into the next words, or printed in groups
    (f"Member ID: XYZ123456789 Date of birth 04/17/1951\n{FILLER}", "member"),
    (f"Member ID: XYZ 1234 5678 9\n{FILLER}", "member"),
    # labels without a colon, as EHR headers print them: another member's ID is still found
    (f"Patient: Ana Subscriber \u00b7 Member ID XYZ987654321\n{FILLER}", "other"),
    (f"Patient: Ana Subscriber \u00b7 Medicare number 5TN2WE8QA17\n{FILLER}", "other"),
    (f"Patient: Ana Subscriber \u00b7 Subscriber # XYZ987654321\n{FILLER}", "other"),
    (f"Patient: Ana Subscriber \u00b7 Member ID XYZ123456789\n{FILLER}", "member"),
    # ... and words or counts after a label are not IDs
    (f"Patient: Ana Subscriber. Member ID card on file 2026.\n{FILLER}", "name"),
    (f"Patient: Ana Subscriber. Policy number 2 of 3 applies.\n{FILLER}", "name"),
    # an ID a character off: on a page with its own text, a typing error or another patient's page
    (f"Patient: Ana Subscriber\nMember ID: XYZ1234567B9\n{FILLER}", "near"),
], ids=["suffix", "hyphen-suffix", "spaced-suffix", "unlabelled-suffix", "runs-on", "grouped", "no-colon-other",
        "no-colon-medicare-number", "no-colon-subscriber-hash", "no-colon-own", "label-then-words",
        "label-then-count", "near-in-a-text-layer"])
def test_a_dependants_id_is_not_the_subscribers(text: str, verdict: str) -> None:
    assert page_identity(text, SUBSCRIBER) == verdict


def test_a_character_misread_by_ocr_is_not_another_member() -> None:
    """On a page OCR read, an ID a character off is a misreading: the page is judged by the name."""
    text = f"Patient: Ana Subscriber\nMember ID: XYZ1234567B9\n{FILLER}"
    assert page_identity(text, SUBSCRIBER, ocr=True) == "name"
    assert page_identity(text.replace("Ana Subscriber", "Leo Othername"), SUBSCRIBER, ocr=True) == "other_name"


@needs_ocr
def test_ocr_confirms_a_scanned_remittance_names_this_patient_alone(write_claim: WriteClaim, tmp_path: Path) -> None:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.png"},
                   {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]
    alone = write_claim(appeal=HTML_LETTER, attachments=attachments, files={"docs/ra.png": scanned(ROSA)})
    assert build(alone, tmp_path / "alone", "--ocr")[0] == 0
    listed = write_claim(appeal=HTML_LETTER, attachments=attachments, files={"docs/ra.png": scanned([*ROSA, *OTTO])})
    code, _, stderr = build(listed, tmp_path / "listed", "--ocr")
    assert code == 3 and "attachments[0] (remittance advice): page 1: names another member ID" in stderr


BENEFICIARY = Patient(first_name="Rosalind", last_name="Testwell", member_id="3KQ7HN4TR62")
SPR = "NAME TESTWELL, ROSALIND MID 3KQ7HN4TR62 ACNT ACCT-1001 ICN 26287000123401 ASG Y MOA MA01"


@pytest.mark.parametrize(("text", "verdict"), [
    # a paper remittance's labels: MID (Medicare ID), HIC, and "#" with no space after it
    # (IDs not shaped as MBIs: an MBI is found unlabelled too, below)
    (f"{SPR}\nNAME OTHERLY, MARTIN MID 123456789A ACNT ACCT-1999 ICN 26287000999901", "other"),
    (f"{SPR}\nNAME OTHERLY, MARTIN HIC 987654321A ACNT ACCT-1999", "other"),
    (f"{SPR}\nMember #XCP123456789 paid in full", "other"),
    (f"{SPR}\n{FILLER}", "member"),
    # where the patient's own ID is an MBI, another MBI is another beneficiary's, labelled or not
    (f"Rosalind Testwell 3KQ7HN4TR62\nMartin Otherly 7WX4-YT2-KP19\n{FILLER}", "other"),
    (f"Rosalind Testwell 3KQ7-HN4-TR62\n{FILLER}", "member"),
    # a patient's name the page labels, with no ID: another patient's, or this one's; beside this
    # patient's ID, another's line or this patient under another name (a person checks)
    (f"Patient Name: OTHERLY, MARTIN  paid 0.00\n{FILLER}", "other_name"),
    (f"PATIENT NAME OTHERLY MARTIN CLAIM 26287000999901\n{FILLER}", "other_name"),
    (f"{SPR}\nPatient Name: OTHERLY, MARTIN  paid 0.00", "name_differs"),
    (f"Patient: Mr. Martin Otherly DOB 02/03/1948\n{FILLER}", "other_name"),
    (f"Patient: Rosalind Testwell DOB 04/17/1951\n{FILLER}", "name"),
    (f"Patient: Rosalind T. DOB 04/17/1951\n{FILLER}", "name_differs"),  # this patient written short, or not
    (f"Patient Name: TESTWELL, ROSALIND\nMember ID: 3KQ7HN4TR62\n{FILLER}", "member"),
    # a blank or labelled form field, and a patient's share, name nobody
    (f"Patient name: ________ Date of birth: ______\nRosalind Testwell\n{FILLER}", "name"),
    (f"Patient name (last, first): Testwell, Rosalind\n{FILLER}", "name"),
    (f"Patient: DOB 04/17/1951\nRosalind Testwell\n{FILLER}", "name"),
    (f"Rosalind Testwell\nPatient responsibility: $45.00\n{FILLER}", "name"),
    # the policyholder of a dependant is another person on the patient's own page
    (f"Patient name: TESTWELL, ROSALIND\nInsured name: GARCIA, MARIA\nSubscriber name: GARCIA, MARIA\n"
     f"Member name: GARCIA, MARIA\n{FILLER}", "name"),
], ids=["mid", "hic", "hash-no-space", "spr-own", "unlabelled-mbi", "own-mbi-dashed", "labelled-name",
        "header-name", "beside-this-id", "titled-name", "own-name", "first-name-only", "own-name-and-id", "blank-field",
        "field-hint", "label-word", "patient-share", "policyholder"])
def test_another_beneficiary_on_a_remittance_is_found_however_it_is_labelled(text: str, verdict: str) -> None:
    assert page_identity(text, BENEFICIARY) == verdict


def test_an_mbi_shaped_number_is_not_judged_for_a_patient_whose_id_is_not_an_mbi() -> None:
    """A commercial member's records may carry their own Medicare number: only labelled IDs count."""
    assert page_identity(f"Patient: Ana Subscriber 7WX4YT2KP19\n{FILLER}", SUBSCRIBER) == "name"


@pytest.mark.parametrize(("listing", "said"), [
    (["Patient: Otto Otherperson", "Paid 120.00", "Visit notes for the claim."],
     "names another patient; this page belongs to another patient"),
    (["Patient: Rosa Testcase", "Member ID: 9XX9XX9XX99", "Paid 0.00", "Patient: Otto Otherperson", "Paid 120.00"],
     "names this patient's member ID and also a patient name that is not this claim's: another patient's line on "
     "the same page, or this patient under another name; check it against the claim"),
], ids=["another-alone", "beside-this-patient"])
def test_a_remittance_naming_another_patient_without_an_id_fails_the_packet(
    write_claim: WriteClaim, tmp_path: Path, listing: list[str], said: str
) -> None:
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA), "docs/ra.pdf": pages_pdf(listing)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.rstrip("\n").endswith(f": attachments[0] (remittance advice): page 1: {said}")


def test_a_name_misread_by_ocr_is_not_another_patient() -> None:
    """On a page OCR read, a labelled name a character off the patient's is a misreading (the page
    then names nobody the check can confirm); in a text layer it is another name."""
    text = f"Patient: Rosalind Testwe1l\n{FILLER}"
    assert page_identity(text, BENEFICIARY, ocr=True) == "none"
    assert page_identity(text, BENEFICIARY) == "name_differs"  # the first name is the patient's: a person checks
    assert page_identity(text.replace("Rosalind", "Martin"), BENEFICIARY) == "other_name"


@pytest.mark.parametrize(("lines", "warned"), [
    (["ICN 26287000999901", "Paid 0.00"], "26287000999901"),  # the same patient's remittance of another claim
    (["Claim #: CX2026100100001", "Claim #: CX2026100100002"], "CX2026100100001, CX2026100100002"),
    (["ICN PCN0001", "Paid 0.00"], None),  # this claim's number
    (["Claim number (ICN) 26287000999901"], "26287000999901"),
    (["Payer claim number: 26287000999901", "Claim ID: TEST-1"], None),  # the account names this claim too
    (["Paid 0.00 on the claim."], None),  # no claim number labelled: not judged
    (["Claim number: pending review"], None),
], ids=["other-icn", "two-others", "this-icn", "parenthesised-label", "account-too", "unlabelled", "no-digit"])
def test_a_remittance_of_another_claim_is_named(write_claim: WriteClaim, tmp_path: Path, lines: list[str],
                                                warned: str | None) -> None:
    ra = pages_pdf([*ROSA[:2], *lines])
    claim = with_notes(write_claim, {"docs/notes.pdf": pages_pdf(ROSA), "docs/ra.pdf": ra})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr
    said = [line.strip() for line in stderr.splitlines() if "names claim number" in line]
    assert said == ([] if warned is None else [
        f"warning: attachments[0] (remittance advice): names claim number {warned}, not this claim's (PCN0001): "
        "enclose the remittance advice of this claim"])


JOSE = Patient(first_name="José", last_name="Peña", member_id="XYZ123456789")
IVAN = Patient(first_name="Иван", last_name="Петров", member_id="XYZ123456789")


@pytest.mark.parametrize(("text", "patient", "verdict"), [
    # a name with accents, printed with them, without them, or with the accents as separate marks
    (f"Patient: José Peña\n{FILLER}", JOSE, "name"),
    (f"Patient: Jose Pena\n{FILLER}", JOSE, "name"),
    (f"PATIENT NAME PEN\u0303A, JOSE\u0301 DOB 01/02/1950\n{FILLER}", JOSE, "name"),
    (f"Patient: José Peña \u00b7 Member ID: XYZ123456789\n{FILLER}", JOSE, "member"),
    (f"Patient: José Peña\n{FILLER}", Patient(first_name="Jose", last_name="Pena", member_id="XYZ123456789"), "name"),
    (f"Patient: Anneliese Müller, Straße 4\n{FILLER}", Patient(first_name="Anneliese", last_name="Müller",
                                                             member_id="XYZ123456789"), "name"),
    # another patient's accented name is still another patient's
    (f"Patient: María López\n{FILLER}", JOSE, "other_name"),
    (f"Patient: José Peña\nPatient: María López\n{FILLER}", JOSE, "other_name"),
    # names in another script are read, not dropped
    (f"Patient: Иван Петров\n{FILLER}", IVAN, "name"),
    (f"Patient: Олег Сидоров\n{FILLER}", IVAN, "other_name"),
], ids=["accented", "unaccented-page", "combining-marks", "accented-with-id", "unaccented-claim", "eszett",
        "other-accented", "second-patient-accented", "cyrillic", "other-cyrillic"])
def test_a_name_is_the_same_with_or_without_its_accents(text: str, patient: Patient, verdict: str) -> None:
    assert page_identity(text, patient) == verdict


def test_a_packet_for_a_patient_with_an_accented_name_passes(write_claim: WriteClaim, tmp_path: Path) -> None:
    """A record names "José Peña" as the claim does (a real PDF, rendered with an embedded font)."""
    from weasyprint import HTML

    page = "<p>Patient: José Peña · Member ID: 9XX9XX9XX99</p><p>Visit notes: seen and examined today.</p>"
    notes = bytes(HTML(string=page).write_pdf())
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": notes, "docs/ra.pdf": notes},
                        patient={"first_name": "José", "last_name": "Peña", "dob": "1950-01-02",
                                 "member_id": "9XX9XX9XX99"})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr
    assert "identity" not in stderr
