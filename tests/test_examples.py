"""Golden checks on the bundled examples, built for real (WeasyPrint, LibreOffice, pypdf): each
letter passes the reviewer's rubric read off the PDF, the 835 example builds only what must be
sent, and the example documents say "synthetic" in their metadata, never on the page."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from appealgen.check import verify_packet
from appealgen.commands import load_items
from appealgen.models import Claim
from appealgen.report import PacketReport
from appealgen.settings import Settings
from appealgen.sources.claim_file import load_claims
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import PROFILES, REPO, TODAY
from tests.rubric import faults, score

ERA = REPO / "examples" / "era"
NOTHING_TO_SEND = {"ACCT-9002": "review", "ACCT-9003": "review", "ACCT-9004": "corrected_claim",
                   "ACCT-9005": "adjust", "ACCT-9006": "check_status"}


@dataclass
class Example:
    report: PacketReport
    folder: Path
    claim: Claim  # as built: with the practice's details
    builder: Builder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Example]]:
    out = tmp_path_factory.mktemp("examples")
    files = Builder(Workspace.open(REPO), today=TODAY, warm=True)
    era = Builder(Workspace.open(ERA), attachments_root=ERA / "records", today=TODAY, warm=True)
    items: list[tuple[Builder, Item]] = [(files, load_claims(p)[0]) for p in sorted(REPO.glob("examples/*/claim.yaml"))]
    era_items = load_items(era.settings.with_(out=out), [ERA / "remittance-2026-10-14.835"]).items
    items += [(era, item) for item in era_items]
    examples = {}
    for builder, item in items:
        report = builder.build(item, out)
        examples[report.claim_id] = Example(report, out / report.claim_id, builder.plan(item).claim, builder)
    yield examples
    files.close()
    era.close()


def image_heights(folder: Path, page: int) -> list[float]:
    """The drawn height of each image on a page (the last `cm` before each `Do`)."""
    reader = PdfReader(folder / "packet.pdf")
    heights, matrix = [], [0.0] * 6
    for operands, operator in ContentStream(reader.pages[page].get_contents(), reader).operations:
        if operator == b"cm":
            matrix = [float(x) for x in operands]
        elif operator == b"Do":
            heights.append(abs(matrix[3]))
    return heights


def texts(folder: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(folder / "packet.pdf").pages]


def sent(built: dict[str, Example]) -> dict[str, Example]:
    return {claim_id: e for claim_id, e in built.items() if e.report.status == "built"}


def test_every_example_letter_scores_on_the_rubric(built: dict[str, Example]) -> None:
    others = [e.claim for e in built.values()]
    letters = sent(built)
    assert sorted(letters) == ["ACCT-1001", "ACCT-2002", "ACCT-3003", "ACCT-4004", "ACCT-5005", "ACCT-6006",
                               "ACCT-7007", "ACCT-9001", "ACCT-9009"]
    for claim_id, example in letters.items():
        profile = PROFILES[example.claim.payer]
        recipient = profile.recipient(profile.level(example.report.level)).name
        found = faults(score(example.folder, example.claim, profile, recipient, TODAY, others))
        assert found == [], claim_id


def test_the_examples_show_each_kind_of_request(built: dict[str, Example]) -> None:
    kinds = {claim_id: (e.report.action.value, e.report.level, e.report.letter) for claim_id, e in sent(built).items()}
    assert kinds["ACCT-5005"] == ("reopening", "reopening", "reopening.docx")
    assert kinds["ACCT-6006"] == ("corrected_claim", "corrected_claim", "corrected_claim.docx")
    assert kinds["ACCT-7007"] == ("appeal", "reconsideration", "medical_necessity.docx")
    assert built["ACCT-7007"].report.cover == "medicare_reconsideration.html"
    assert kinds["ACCT-2002"] == ("reconsideration", "claim_dispute", "coding.docx")


def test_an_835_builds_only_what_must_be_sent(built: dict[str, Example]) -> None:
    for claim_id, action in NOTHING_TO_SEND.items():
        example = built[claim_id]
        assert (example.report.status, example.report.action.value, example.report.pages) == (
            "nothing_to_send", action, 0)
        assert example.report.instead
        assert sorted(p.name for p in example.folder.iterdir()) == ["packet.json"]
    assert built["ACCT-9004"].report.instead.startswith("correct the claim and send it as a new claim (frequency "
                                                        "code 1) by 2027-09-01")


def test_claims_from_the_835_take_the_practice_from_the_workspace(built: dict[str, Example]) -> None:
    provider = built["ACCT-9001"].claim.provider
    assert (provider.name, provider.ptan, provider.tax_id, provider.requester.name, provider.email) == (
        "Example Home Medical Supply LLC", "EXP0101", "00-0000101", "Dana Sample", "appeals@homemedical.example")
    letter = " ".join(texts(built["ACCT-9001"].folder)[2:4])
    assert "Billing department" not in letter and "n/a" not in letter
    docx = zipfile.ZipFile(built["ACCT-9001"].folder / "letter.docx")
    assert any(name.startswith("word/media/") for name in docx.namelist())  # the signature image
    cover = texts(built["ACCT-9001"].folder)[0]
    assert "Signature of requester (Dana Sample) · Date: November 22, 2026" in cover
    assert image_heights(built["ACCT-9001"].folder, 0) == [pytest.approx(34.67, abs=1)]  # on its line, not over it


def test_attachments_named_as_people_name_them(built: dict[str, Example]) -> None:
    report = built["ACCT-9001"].report
    assert [(s.kind, s.title) for s in report.sections[3:]] == [
        ("remittance_advice", "Remittance advice (835), 10/14/2026"),
        ("prescription", "Standard written order, 08/22/2026"),
        ("progress_notes", "Progress notes, 08/12/2026"),
        ("medical_records", "Sleep study, 08/20/2026"),
        ("delivery_ticket", "Proof of delivery, 09/02/2026"),
    ]
    assert report.check.warnings == [  # built from the 835 alone: nothing says what the records show
        "payer EXAMPLE DME MAC is planned under the shipped example profile medicare-dme (Example DME MAC (Medicare "
        "DME, Jurisdiction X)), whose addresses and fax numbers are fictional and whose windows are a model's: make "
        "the plan's own (`appealgen payers copy medicare-dme NEW_ID`), set them, and remove `example: true`",
        "appeal.argument and appeal.facts are missing: the letter says nothing of this patient's case, only its "
        "template's general sentences; state what the records show (appeal.argument) or the dated facts "
        "(appeal.facts)",
        "attachments[3] (delivery ticket): page 1: no text to confirm the patient (scanned image); review them, or "
        "build with --ocr"]


def test_cpap_packet_layout(built: dict[str, Example]) -> None:
    report, folder = built["ACCT-1001"].report, built["ACCT-1001"].folder
    assert [(s.kind, s.first_page, s.last_page) for s in report.sections] == [
        ("cover_sheet", 1, 1), ("index", 2, 2), ("letter", 3, 4), ("remittance_advice", 5, 5),
        ("prescription", 6, 6), ("progress_notes", 7, 8), ("medical_records", 9, 10),
        ("delivery_ticket", 11, 12),
    ]
    reader = PdfReader(folder / "packet.pdf")
    outline = [(o.title, (reader.get_destination_page_number(o) or 0) + 1)
               for o in reader.outline if not isinstance(o, list)]
    assert outline == [(s.title, s.first_page) for s in report.sections]
    assert (folder / "letter.docx").is_file()


def test_each_packet_is_titled_by_what_it_asks_for_and_its_claim(built: dict[str, Example]) -> None:
    titles = {}
    for claim_id, example in sent(built).items():
        metadata = PdfReader(example.folder / "packet.pdf").metadata
        titles[claim_id] = metadata.title if metadata is not None else None
    assert titles == {
        "ACCT-1001": "Redetermination request packet ACCT-1001", "ACCT-2002": "Claim dispute request packet ACCT-2002",
        "ACCT-3003": "Reconsideration request packet ACCT-3003",
        "ACCT-4004": "Redetermination request packet ACCT-4004", "ACCT-5005": "Reopening request packet ACCT-5005",
        "ACCT-6006": "Corrected claim packet ACCT-6006", "ACCT-7007": "Reconsideration request packet ACCT-7007",
        "ACCT-9001": "Redetermination request packet ACCT-9001",
        "ACCT-9009": "Redetermination request packet ACCT-9009",
    }


def test_every_page_is_stamped_with_the_account_the_payers_claim_number_and_page_number(
        built: dict[str, Example]) -> None:
    for claim_id, example in sent(built).items():
        prefix = "" if example.report.check.passed else "INCOMPLETE - NOT FOR SUBMISSION "
        number_label = "ICN" if example.report.payer.startswith("medicare") else "Claim"
        mark = f"{claim_id} {number_label} {example.claim.payer_claim_number}"
        for number, text in enumerate(texts(example.folder), start=1):
            assert f"{prefix}{mark} Page {number} of {example.report.pages}" in text
    assert texts(built["ACCT-7007"].folder)[5].endswith("ACCT-7007 ICN 26222000771101 Page 6 of 10")


def test_index_lists_every_section_with_its_pages(built: dict[str, Example]) -> None:
    report, folder = built["ACCT-1001"].report, built["ACCT-1001"].folder
    index = texts(folder)[1]
    assert index.startswith("Index of enclosed documents")
    for s in report.sections:
        span = str(s.first_page) if s.first_page == s.last_page else f"{s.first_page}\u2013{s.last_page}"
        assert f"{s.title} {span}" in index


def test_cover_states_the_total_page_count(built: dict[str, Example]) -> None:
    assert "Total pages, including this request: 12" in texts(built["ACCT-1001"].folder)[0]
    assert "Total pages, including this cover: 5" in texts(built["ACCT-3003"].folder)[0]


def test_a_fax_cover_names_the_member_and_claim_numbers_as_the_payer_does(built: dict[str, Example]) -> None:
    medicare, commercial = texts(built["ACCT-5005"].folder)[0], texts(built["ACCT-3003"].folder)[0]
    assert "Medicare number 6RT4UV8WX23" in medicare and "Claim number (ICN) 26280000445501" in medicare
    assert "Member ID" not in medicare
    assert "Member ID XCP880145221" in commercial and "Claim number CX2026110300731" in commercial


def test_the_qic_reconsideration_answers_the_redetermination(built: dict[str, Example]) -> None:
    pages = texts(built["ACCT-7007"].folder)
    cover, letter = pages[0], " ".join(pages[2:4])
    for text in ("Medicare Reconsideration Request", "Example QIC (DME)", "5. Date of the redetermination notice "
                 "10/26/2026; redetermination appeal number 1-26299-004417",
                 "6. Contractor that made the redetermination Example DME MAC"):
        assert text in cover
    assert "Redetermination decision: 10/26/2026 (appeal number 1-26299-004417)" in letter
    sections = [s.kind for s in built["ACCT-7007"].report.sections]
    assert sections[2:5] == ["letter", "decision_notice", "remittance_advice"]  # the notice answered, first
    # each one-page record's own title bookmark would repeat its section's bookmark one level down
    assert not any(isinstance(o, list) for o in PdfReader(built["ACCT-7007"].folder / "packet.pdf").outline)
    assert ("The redetermination decision of October 26, 2026 by Example DME MAC (Medicare DME, Jurisdiction X) "
            "upheld the denial, giving as its reason: \u201cThe qualifying oxygen test was not performed within two "
            "days before the hospital discharge.\u201d The notice of that decision is enclosed.") in letter
    assert "The LCD that applies is L33797, Oxygen and Oxygen Equipment" in letter


def test_word_attachment_is_converted(built: dict[str, Example]) -> None:
    report, folder = built["ACCT-2002"].report, built["ACCT-2002"].folder
    section = next(s for s in report.sections if s.kind == "medical_necessity_letter")
    assert "laparoscopic cholecystectomy" in texts(folder)[section.first_page - 1]
    assert "Medicaid ID EXMCD0042" in " ".join(" ".join(texts(folder)).split())  # the plan matches disputes by it


def test_results_and_verification(built: dict[str, Example]) -> None:
    passed = {claim_id: e.report.check.passed for claim_id, e in sent(built).items()}
    assert [claim_id for claim_id, ok in passed.items() if not ok] == ["ACCT-4004"]
    assert built["ACCT-4004"].report.check.missing == ["progress notes or medical records"]
    assert built["ACCT-1001"].report.check.warnings == [
        "no signature image for this practice (practices.<NPI>.signature in appealgen.yaml): sign the letter and the "
        "cover sheet by hand before sending; Medicare dismisses an unsigned request (42 CFR 405.944(b))",
        "attachments[4] (delivery ticket): pages 1\u20132: no text to confirm the patient (scanned image); review "
        "them, or build with --ocr"]
    # The 835 example's practice has its signature image: its Medicare packets carry it.
    assert not [w for w in built["ACCT-9001"].report.check.warnings if w.startswith("no signature image")]
    tools = Toolkit(Settings(Workspace.open(REPO), TODAY))
    for example in built.values():
        verification = verify_packet(example.folder, tools.profile, TODAY)
        assert verification.result.passed == example.report.check.passed
        assert verification.result.problems == example.report.check.problems


def test_html_letter_leaves_no_docx(built: dict[str, Example]) -> None:
    assert not (built["ACCT-3003"].folder / "letter.docx").exists()


def test_build_uses_the_plan_unchanged(built: dict[str, Example]) -> None:
    for example in sent(built).values():
        item = Item.of(example.claim, "example", example.folder)
        plan = example.builder.plan(item).plan
        report = example.report
        assert (report.category, report.action, report.level, report.deadline, report.letter, report.cover) == (
            plan.category, plan.action, plan.level, plan.deadline, plan.letter, plan.cover)
        assert report.required == plan.required


def test_fax_tiff_is_passed_through_without_re_encoding(built: dict[str, Example]) -> None:
    report, folder = built["ACCT-1001"].report, built["ACCT-1001"].folder
    ticket = next(s for s in report.sections if s.kind == "delivery_ticket")
    reader = PdfReader(folder / "packet.pdf")
    for number in range(ticket.first_page, ticket.last_page + 1):
        images = cast(DictionaryObject, cast(DictionaryObject, reader.pages[number - 1]["/Resources"])["/XObject"])
        filters = [str(cast(DictionaryObject, images[name].get_object())["/Filter"]) for name in images]
        assert filters and set(filters) <= {"/CCITTFaxDecode", "['/CCITTFaxDecode']"}


def test_the_remittance_page_is_what_the_payer_sent(built: dict[str, Example]) -> None:
    report, folder = built["ACCT-9009"].report, built["ACCT-9009"].folder
    section = next(s for s in report.sections if s.kind == "remittance_advice")
    page = texts(folder)[section.first_page - 1]
    # the paid line: allowed is the charge less the contractual adjustment; the denied line: 0, not its charge
    assert "09/02/2026 E0601-RR-KX 1 $245.00 $150.00 $150.00 CO-45 $95.00" in page
    assert "09/02/2026 A7034 1 $150.00 $0.00 $0.00 CO-50 $150.00 N115, N130" in page
    assert "Patient responsibility $0.00 (the sum of the PR adjustments)" in page
    assert "Payer claim number 26287000999909" in page and "Claim received 10/01/2026" in page
    # BPR04 NON: the remittance carries no payment, so its number is a trace number and its date no payment date
    assert "Trace number EFT0001234 (no payment)" in page and "Remittance date 10/14/2026" in page
    assert "(NON)" not in page and "Payment date" not in page


def test_example_documents_say_synthetic_only_in_their_metadata() -> None:
    documents = sorted(p for p in REPO.glob("examples/**/*") if p.suffix.lower() in (".pdf", ".docx"))
    assert documents
    for path in documents:
        if path.suffix == ".pdf":
            reader = PdfReader(path)
            body = " ".join(page.extract_text() or "" for page in reader.pages)
            metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
        else:
            archive = zipfile.ZipFile(path)
            body = archive.read("word/document.xml").decode()
            metadata = archive.read("docProps/core.xml").decode()
        assert "synthetic" not in body.lower(), path
        assert "synthetic" in metadata.lower(), path
    assert "synthetic" in (REPO / "examples" / "README.md").read_text().lower()
