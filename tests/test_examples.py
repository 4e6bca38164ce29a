"""Golden checks on the bundled examples, built for real (WeasyPrint, LibreOffice, pypdf)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from appealgen.check import verify_packet
from appealgen.report import PacketReport
from appealgen.settings import Settings
from appealgen.sources.claim_file import load_claims
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import REPO, TODAY


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[PacketReport, Path]]:
    out = tmp_path_factory.mktemp("examples")
    builder = Builder(Workspace.open(REPO), today=TODAY)
    reports = {}
    for claim_file in sorted((REPO / "examples").glob("*/claim.yaml")):
        report = builder.build(load_claims(claim_file)[0], out)
        reports[report.claim_id] = (report, out / report.claim_id)
    return reports


def texts(folder: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(folder / "packet.pdf").pages]


def test_cpap_packet_layout(built: dict[str, tuple[PacketReport, Path]]) -> None:
    report, folder = built["ACCT-1001"]
    assert report.pages == 12
    assert [(s.kind, s.first_page, s.last_page) for s in report.sections] == [
        ("cover_sheet", 1, 1), ("index", 2, 2), ("letter", 3, 4), ("remittance_advice", 5, 5),
        ("prescription", 6, 6), ("progress_notes", 7, 8), ("medical_records", 9, 10),
        ("delivery_ticket", 11, 12),
    ]
    reader = PdfReader(folder / "packet.pdf")
    outline = [(o.title, (reader.get_destination_page_number(o) or 0) + 1)
               for o in reader.outline if not isinstance(o, list)]
    assert outline == [(s.title, s.first_page) for s in report.sections]
    assert reader.metadata is not None and reader.metadata.title == "Appeal packet ACCT-1001"
    assert (folder / "letter.docx").is_file()


def test_every_page_is_stamped_with_claim_and_page_number(built: dict[str, tuple[PacketReport, Path]]) -> None:
    for claim_id, (report, folder) in built.items():
        prefix = "" if report.check.passed else "INCOMPLETE - NOT FOR SUBMISSION "
        for number, text in enumerate(texts(folder), start=1):
            assert f"{prefix}{claim_id} Page {number} of {report.pages}" in text


def test_index_lists_every_section_with_its_pages(built: dict[str, tuple[PacketReport, Path]]) -> None:
    report, folder = built["ACCT-1001"]
    index = texts(folder)[1]
    assert index.startswith("Index of enclosed documents")
    for s in report.sections:
        span = str(s.first_page) if s.first_page == s.last_page else f"{s.first_page}\u2013{s.last_page}"
        assert f"{s.title} {span}" in index


def test_cover_states_the_total_page_count(built: dict[str, tuple[PacketReport, Path]]) -> None:
    assert "Total pages, including this request: 12" in texts(built["ACCT-1001"][1])[0]
    assert "Total pages, including this cover: 5" in texts(built["ACCT-3003"][1])[0]


def test_letter_reads_as_a_redetermination_request(built: dict[str, tuple[PacketReport, Path]]) -> None:
    letter = " ".join(texts(built["ACCT-1001"][1])[2:4])
    for phrase in ("RE: Request for redetermination", "denied on October 14, 2026 with reason code CO-50",
                   "remark N115", "apnea-hypopnea index of 28 events per hour",
                   "Delivery ticket (scanned), 09/02/2026", "Member ID: 3KQ7HN4TR62"):
        assert phrase in letter


def test_word_attachment_is_converted(built: dict[str, tuple[PacketReport, Path]]) -> None:
    report, folder = built["ACCT-2002"]
    section = next(s for s in report.sections if s.kind == "medical_necessity_letter")
    assert "laparoscopic cholecystectomy" in texts(folder)[section.first_page - 1]


def test_results_and_verification(built: dict[str, tuple[PacketReport, Path]]) -> None:
    passed = {claim_id: report.check.passed for claim_id, (report, _) in built.items()}
    assert passed == {"ACCT-1001": True, "ACCT-2002": True, "ACCT-3003": True, "ACCT-4004": False}
    assert built["ACCT-4004"][0].check.missing == ["progress notes or medical records"]
    assert built["ACCT-1001"][0].check.warnings == [
        "attachments[4] (delivery ticket): pages 1–2: no text to confirm the patient (scanned image); review them, "
        "or build with --ocr"]
    tools = Toolkit(Settings(Workspace.open(REPO), TODAY))
    for report, folder in built.values():
        verification = verify_packet(folder, tools.profile, TODAY)
        assert verification.result.passed == report.check.passed
        assert verification.result.problems == report.check.problems


def test_html_letter_leaves_no_docx(built: dict[str, tuple[PacketReport, Path]]) -> None:
    assert not (built["ACCT-3003"][1] / "letter.docx").exists()


def test_build_uses_the_plan_unchanged(built: dict[str, tuple[PacketReport, Path]]) -> None:
    builder = Builder(Workspace.open(REPO), today=TODAY)
    for claim_file in sorted((REPO / "examples").glob("*/claim.yaml")):
        _, plan = builder.plan(load_claims(claim_file)[0])
        report, _ = built[plan.claim_id]
        assert (report.category, report.action, report.level, report.deadline, report.letter, report.cover) == (
            plan.category, plan.action, plan.level, plan.deadline, plan.letter, plan.cover)
        assert report.required == plan.required


def test_fax_tiff_is_passed_through_without_re_encoding(built: dict[str, tuple[PacketReport, Path]]) -> None:
    report, folder = built["ACCT-1001"]
    ticket = next(s for s in report.sections if s.kind == "delivery_ticket")
    reader = PdfReader(folder / "packet.pdf")
    for number in range(ticket.first_page, ticket.last_page + 1):
        images = cast(DictionaryObject, cast(DictionaryObject, reader.pages[number - 1]["/Resources"])["/XObject"])
        filters = [str(cast(DictionaryObject, images[name].get_object())["/Filter"]) for name in images]
        assert filters and set(filters) <= {"/CCITTFaxDecode", "['/CCITTFaxDecode']"}
