"""Attachments as people keep them: with --attachments-root a claim's folder may hold files of any
name and type; name patterns give their kinds, files left out are listed with the reason, and a
scan that cannot be identity-checked is named on the build line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from appealgen.models import AttachmentKind as K
from appealgen.sources.attachment_names import by_name, kind_of, matches, patterns, unused_lines
from tests.helpers import PRACTICE, run
from tests.pdfs import make_pdf
from tests.x12gen import ClaimSpec, interchange


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Progress Notes 2026-08-12.pdf", K.progress_notes), ("progress_notes-2026-08.pdf", K.progress_notes),
     ("SWO CPAP.pdf", K.prescription), ("rx_mask.pdf", K.prescription), ("Written order.docx", K.prescription),
     ("POD 2026-09-02.jpg", K.delivery_ticket), ("delivery ticket.tif", K.delivery_ticket),
     ("CMN 484.pdf", K.cmn), ("auth EXA-55012.pdf", K.authorization), ("Prior Authorization.png", K.authorization),
     ("sleep study.pdf", K.medical_records), ("PSG report.pdf", K.medical_records),
     ("primary EOB.pdf", K.primary_eob), ("EOB.pdf", K.remittance_advice), ("remit 10-14.pdf", K.remittance_advice),
     ("clearinghouse acceptance report.pdf", K.proof_of_timely_filing),
     ("redetermination notice.pdf", K.decision_notice), ("CMS-1500 corrected.pdf", K.corrected_claim),
     ("LMN Dr Example.docx", K.medical_necessity_letter), ("ABN signed 2026-08-30.pdf", K.abn),
     ("CMS-R-131.pdf", K.abn), ("advance beneficiary notice.tif", K.abn), ("scan0001.pdf", None),
     ("podiatry.pdf", None), ("cabnet.pdf", None)],
)
def test_a_file_name_gives_its_kind(name: str, kind: K | None) -> None:
    assert kind_of(name, patterns()) == kind


def test_patterns_match_whole_words_in_order() -> None:
    assert matches("progress note*", "2026 progress notes final")
    assert not matches("progress note*", "notes of progress")
    assert matches("pod", "pod_2026")
    assert not matches("pod", "podium")


def test_the_workspace_patterns_come_first() -> None:
    table = patterns({"discharge summar*": K.medical_records, "notes": K.other})
    assert kind_of("Discharge Summary.pdf", table) == K.medical_records
    assert kind_of("notes.pdf", table) == K.other


def test_a_document_is_titled_by_what_its_pattern_says_never_by_the_files_own_words(tmp_path: Path) -> None:
    folder = tmp_path / "ACCT-1"
    folder.mkdir()
    for name in ("Sleep study Jane Roe 2026-08-20.pdf", "MRN.pdf", "records scan0012.pdf", "UB04 corrected.pdf"):
        (folder / name).write_bytes(b"x")
    assert [(a["kind"], a["title"]) for a in by_name(tmp_path, "ACCT-1").attachments] == [
        ("medical_records", "Sleep study, 08/20/2026"),
        ("medical_records", "Medical records"),
        ("corrected_claim", "Corrected claim (UB-04)"),
        ("decision_notice", "Medicare Redetermination Notice"),
    ]


def test_a_folder_of_files_as_people_keep_them(tmp_path: Path) -> None:
    folder = tmp_path / "ACCT-1"
    (folder / "older").mkdir(parents=True)
    for name in ("SWO 2026-08-22.pdf", "POD.jpg", "Progress notes 2026-08-12.pdf", "older/Progress notes.pdf",
                 "fax cover.pdf", "readme.txt", "Notes for J. Smith"):
        (folder / name).write_bytes(b"x")
    found = by_name(tmp_path, "ACCT-1")
    assert found.attachments == [
        {"kind": "prescription", "path": "ACCT-1/SWO 2026-08-22.pdf", "title": "Standard written order, 08/22/2026"},
        {"kind": "progress_notes", "path": "ACCT-1/Progress notes 2026-08-12.pdf",
         "title": "Progress notes, 08/12/2026"},
        {"kind": "progress_notes", "path": "ACCT-1/older/Progress notes.pdf", "title": "Progress notes"},
        {"kind": "delivery_ticket", "path": "ACCT-1/POD.jpg", "title": "Proof of delivery"},
    ]
    assert unused_lines(found, verbose=True) == [
        f"{folder / 'Notes for J. Smith'}: not attached (a file of another type; attachments are PDF, TIFF, JPEG, PNG "
        "or DOCX)",
        f"{folder / 'fax cover.pdf'}: not attached (no attachment kind matches its name; rename it or add a pattern "
        "to attachment_names in appealgen.yaml)",
        f"{folder / 'readme.txt'}: not attached (a .txt file; attachments are PDF, TIFF, JPEG, PNG or DOCX)",
    ]
    assert unused_lines(found, verbose=False) == [  # a file's name may carry the patient's: counted, not named
        f"{folder}: 1 file not attached (a file of another type; attachments are PDF, TIFF, JPEG, PNG or DOCX; "
        "--verbose names it)",
        f"{folder}: 1 file not attached (no attachment kind matches its name; rename it or add a pattern to "
        "attachment_names in appealgen.yaml; --verbose names it)",
        f"{folder}: 1 file not attached (a .txt file; attachments are PDF, TIFF, JPEG, PNG or DOCX; --verbose names "
        "it)",
    ]


def test_files_left_out_and_unreadable_scans_are_named_when_building_from_an_835(tmp_path: Path) -> None:
    remit = tmp_path / "remit.835"
    remit.write_text(interchange([ClaimSpec("ACCT-9001", first="Nora", last="Samplewood")]))
    records = tmp_path / "records" / "ACCT-9001"
    records.mkdir(parents=True)
    lines = ["Patient: Nora Samplewood", "Member ID: 7XK2QW3PR91"]
    for name in ("SWO.pdf", "Progress notes.pdf", "Discharge summary.pdf", "Samplewood fax.pdf", "fax 0012.pdf"):
        (records / name).write_bytes(make_pdf(lines=lines))
    from PIL import Image

    Image.new("L", (300, 400), 230).save(records / "POD.jpg")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    settings = yaml.safe_load((PRACTICE / "appealgen.yaml").read_text())
    settings["attachment_names"] = {"discharge summar*": "medical_records"}
    (workspace / "appealgen.yaml").write_text(yaml.safe_dump(settings))
    code, _, stderr = run("build", str(remit), "--out", str(tmp_path / "out"), "--attachments-root",
                          str(tmp_path / "records"), "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert code == 0, stderr
    first, built, *warnings = stderr.splitlines()
    assert first == (f"{records}: 2 files not attached (no attachment kind matches its name; rename it or add a "
                     "pattern to attachment_names in appealgen.yaml; --verbose names them)")
    assert built.startswith("ACCT-9001: passed, ")
    assert ("  warning: attachments[3] (delivery ticket): page 1: no text to confirm the patient (scanned image); "
            "review them, or build with --ocr") in warnings

    code, _, stderr = run("era", str(remit), "--out", str(tmp_path / "claims"), "--attachments-root",
                          str(tmp_path / "records"), "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert code == 0
    assert first in stderr.splitlines() and "Samplewood" not in stderr
    code, _, stderr = run("era", str(remit), "--out", str(tmp_path / "again"), "--attachments-root",
                          str(tmp_path / "records"), "--verbose",
                          "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert f"{records / 'Samplewood fax.pdf'}: not attached (no attachment kind matches its name; rename it or add " \
           "a pattern to attachment_names in appealgen.yaml)" in stderr.splitlines()
    code, _, stderr = run("batch", str(remit), "--out", str(tmp_path / "batch"), "--attachments-root",
                          str(tmp_path / "records"), "--verbose", "--jobs", "1",
                          "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert f"{records / 'Samplewood fax.pdf'}: not attached (no attachment kind matches its name; rename it or add " \
           "a pattern to attachment_names in appealgen.yaml)" in stderr.splitlines()  # batch, as its hint says
    claim = yaml.safe_load((tmp_path / "claims" / "ACCT-9001.yaml").read_text())
    assert [a["kind"] for a in claim["attachments"]] == ["prescription", "progress_notes", "medical_records",
                                                          "delivery_ticket"]
