"""Regression tests for the code-review fixes: each test pins one fixed behaviour with real
files in tmp_path, and exact messages and exit codes where the command line is involved.

Every patient, provider and payer here is invented (see tests/conftest.py and tests/x12gen.py).

Not pinned, because the code does not do what the fix meant: the payer name "CARESOURCE HEALTH
PLAN" still maps to commercial ("HEALTH PLAN" is longer than "CARESOURCE"); a packet over
limits.max_file_mb shows the cover banner but its page stamps are not INCOMPLETE; CO-197
without an authorization asks for a retro authorization yet fails for not enclosing one.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from appealgen.cli import main
from appealgen.sources.claim_file import load_claims
from tests.builder import Builder
from tests.conftest import REPO, WriteClaim, claim_dict
from tests.pdfs import make_pdf, reachable, with_link_and_comment
from tests.x12gen import ClaimSpec, interchange

HTML_LETTER = {"letter": "reconsideration.html", "argument": "The records support the claim."}
WORKSPACE = ["--workspace", str(REPO)]
AS_OF = ["--as-of", "2026-11-22", *WORKSPACE]  # the day every packet here is built
RA_ONLY = [{"kind": "remittance_advice", "path": "docs/ra.pdf"}]
NOTES_ONLY = [{"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]


# --- helpers ---------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def build(claim: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("build", str(claim), "--out", str(out), *AS_OF, *extra)


def check(folder: Path, as_of: str = "2026-11-22") -> tuple[int, list[str]]:
    code, _, stderr = run("check", str(folder), "--as-of", as_of, *WORKSPACE)
    return code, stderr.splitlines()


def denied_with(carc: str, rarc: tuple[str, ...] = (), denial_date: str = "2026-10-14",
                dos: str = "2026-09-02") -> dict[str, Any]:
    """claim_dict overrides for a CO denial with one CARC (and remarks) on line and claim."""
    return {
        "service_lines": [{"dos": dos, "code": "E0601", "billed": "245.00", "carc": [carc],
                           "group": "CO", "rarc": list(rarc)}],
        "denial": {"date": denial_date, "carc": [carc], "rarc": list(rarc), "group": "CO"},
    }


def write_claim_in(folder: Path, **overrides: Any) -> Path:
    """Like the write_claim fixture, in a folder of one's own (for several claims per test)."""
    data = claim_dict(**overrides)
    for attachment in data["attachments"]:
        target = folder / attachment["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(make_pdf())
    path = folder / "claim.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


def write_835(path: Path, claims: list[ClaimSpec], **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(interchange(claims, **kwargs))
    return path


def with_file_attachment(data: bytes, payload: bytes) -> bytes:
    """Add a /FileAttachment annotation on page 1 whose embedded file holds `payload`."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    embedded = DecodedStreamObject()
    embedded.set_data(payload)
    embedded[NameObject("/Type")] = NameObject("/EmbeddedFile")
    filespec = DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"),
        NameObject("/F"): TextStringObject("other.txt"),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(embedded)}),
    })
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/FileAttachment"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (500, 600, 520, 620)]),
        NameObject("/FS"): writer._add_object(filespec),
        NameObject("/Contents"): TextStringObject("attached file"),
    })
    page = writer.pages[0]
    annots = page.get("/Annots")
    if annots is None:
        annots = ArrayObject()
        page[NameObject("/Annots")] = annots
    annots.append(writer._add_object(annotation))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def subtypes(pdf: Path) -> list[list[str]]:
    """The annotation subtypes of every page."""
    return [[str(ref.get_object().get("/Subtype")) for ref in page.get("/Annots", ArrayObject())]
            for page in PdfReader(pdf).pages]


def object_types(pdf: Path) -> set[str]:
    """The /Type of every dictionary reachable from the trailer."""
    return {str(obj["/Type"]) for obj in reachable(PdfReader(pdf)) if "/Type" in obj}


def records_for(root: Path, claim: ClaimSpec) -> None:
    """ROOT/<claim_id>/<kind>.pdf naming this claim's patient, for the documents a CO-50 needs."""
    folder = root / claim.claim_id
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("progress_notes", "prescription", "medical_records"):
        lines = [f"Patient: {claim.first} {claim.last}", f"Member ID: {claim.member_id}", kind]
        (folder / f"{kind}.pdf").write_bytes(make_pdf(lines=lines))


# --- 1, 2: `check` re-verifies the stamps and the deadline -----------------------------------


def test_check_fails_an_incomplete_packet_whose_json_was_edited_to_passed(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    other_patient = make_pdf(lines=["Patient: Otto Otherperson", "Member ID: 1AA1AA1AA11", "Visit notes."])
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": other_patient})
    assert build(claim, tmp_path / "out")[0] == 3
    folder = tmp_path / "out" / "TEST-1"
    report = json.loads((folder / "packet.json").read_text())
    assert report["check"]["passed"] is False
    report["check"].update(passed=True, problems=[], missing=[])
    (folder / "packet.json").write_text(json.dumps(report))
    assert check(folder) == (3, [
        "TEST-1: FAILED, 5 pages",
        "  problem: page 1: stamp 'TEST-1 Page 1 of 5' not found",
        "  problem: docs/notes.pdf: does not name this claim's patient or member ID; make sure it belongs to this "
        "claim",  # carried over from the build's findings, which the edit left in place
    ])


def test_check_fails_after_the_deadline_unless_good_cause_is_stated(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    assert build(write_claim(appeal=HTML_LETTER), tmp_path / "out")[0] == 0
    folder = tmp_path / "out" / "TEST-1"  # due 2027-10-14 (12 months after the denial)
    assert check(folder) == (0, ["TEST-1: passed, 5 pages"])
    assert check(folder, as_of="2027-10-15") == (3, [
        "TEST-1: FAILED, 5 pages",
        "  problem: filing deadline 2027-10-14 has passed; state good cause (appeal.good_cause) to file late",
    ])

    excused = write_claim(appeal={**HTML_LETTER, "good_cause": "The patient was in hospital for months."})
    assert build(excused, tmp_path / "excused")[0] == 0
    assert check(tmp_path / "excused" / "TEST-1", as_of="2027-10-15") == (0, [
        "TEST-1: passed, 5 pages",
        "  warning: filing deadline 2027-10-14 has passed; good cause is stated in the letter",
    ])


# --- 3: documents asked for by a remark code -------------------------------------------------


def test_remark_m127_without_medical_records_fails_build_and_check(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER, **denied_with("16", ("M127",)))
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.startswith("TEST-1: FAILED, 5 pages, missing_information -> reconsideration ")
    assert stderr.endswith(": missing medical_records (asked for by a remark code)\n")
    folder = tmp_path / "out" / "TEST-1"
    required = json.loads((folder / "packet.json").read_text())["required"]
    assert {"description": "medical_records (asked for by a remark code)", "kinds": ["medical_records"],
            "present": False} in required
    assert check(folder) == (3, ["TEST-1: FAILED, 5 pages", "  missing: medical_records (asked for by a remark code)"])


# --- 4: actions that send nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("carc", "category", "action", "not_enclosed"),
    [
        ("18", "duplicate", "check_status", "remittance_advice"),
        ("29", "timely_filing", "adjust", "remittance_advice, proof_of_timely_filing"),
    ],
    ids=["CO-18-duplicate", "CO-29-without-proof"],
)
def test_nothing_sent_packet_passes_with_missing_documents_and_a_passed_deadline(
    write_claim: WriteClaim, tmp_path: Path, carc: str, category: str, action: str, not_enclosed: str
) -> None:
    # Denied 2024-10-14: the 12-month window closed 2025-10-14; no remittance advice either.
    claim = write_claim(appeal=HTML_LETTER, attachments=NOTES_ONLY,
                        **denied_with(carc, denial_date="2024-10-14", dos="2024-09-02"))
    code, _, stderr = build(claim, tmp_path / "out")
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert (code, stderr) == (
        0, f"TEST-1: passed, 4 pages, {category} -> {action} (reconsideration, due 2025-10-14) -> {packet}\n")
    nothing_sent = f"the action is {action}: this packet documents the claim; there is no request to send"
    enclosed = f"not enclosed (not needed while nothing is sent): {not_enclosed}"
    result = json.loads((packet.parent / "packet.json").read_text())["check"]
    assert (result["passed"], result["missing"], result["problems"]) == (True, [], [])
    assert nothing_sent in result["warnings"]
    assert enclosed in result["warnings"]
    assert not any(w.startswith("filing deadline") for w in result["warnings"])  # nothing is filed

    code, lines = check(packet.parent)
    assert code == 0
    assert lines[0] == "TEST-1: passed, 4 pages"
    assert sorted(lines[1:]) == sorted([f"  warning: {nothing_sent}", f"  warning: {enclosed}"])


# --- 5, 6: one bad claim does not stop the others; claim ids are unique per run ---------------


def test_835_claim_that_cannot_become_a_claim_is_reported_and_the_others_are_built(tmp_path: Path) -> None:
    # (A claim with no service lines used to be the example here; since issue 8 it is built from
    # one claim-level line. A member ID the claim file refuses is one that still cannot.)
    good = ClaimSpec("ACCT-9001")
    short_id = ClaimSpec("ACCT-9002", first="Omar", last="Fixture", member_id="Z9",
                         payer_claim_number="26287000999902")
    remit = write_835(tmp_path / "remit.835", [good, short_id])
    for spec in (good, short_id):
        records_for(tmp_path / "records", spec)
    out = tmp_path / "out"
    code, _, stderr = build(remit, out, "--attachments-root", str(tmp_path / "records"))
    assert code == 1
    [refused] = [line for line in stderr.splitlines() if "ACCT-9002" in line]
    assert refused.startswith(f"{remit}: ")
    assert "patient.member_id: String should match pattern" in refused
    assert refused.endswith("; no packet built for claim ACCT-9002")
    assert stderr.splitlines()[-1].startswith("ACCT-9001: passed, ")
    assert sorted(p.name for p in out.iterdir()) == ["ACCT-9001"]
    assert (out / "ACCT-9001" / "packet.pdf").is_file()


def test_second_claim_with_the_same_claim_id_is_refused_before_any_work(tmp_path: Path) -> None:
    first = write_claim_in(tmp_path / "first", appeal=HTML_LETTER, payer_claim_number="PCN0001")
    second = write_claim_in(tmp_path / "second", appeal=HTML_LETTER, payer_claim_number="PCN0002")
    out = tmp_path / "out"
    code, _, stderr = run("build", str(first), str(second), "--out", str(out), *AS_OF)
    assert code == 1
    assert stderr.splitlines() == [
        f"{second}: claim_id: TEST-1 also comes from {first}, with other data; packet not written (claim ids "
        "must be unique)",
        f"TEST-1: passed, 5 pages, medical_necessity -> reconsideration (reconsideration, due 2027-10-14) "
        f"-> {out / 'TEST-1' / 'packet.pdf'}",
    ]
    text = pdf_text(out / "TEST-1" / "packet.pdf")
    assert "PCN0001" in text
    assert "PCN0002" not in text


def test_the_same_claim_given_twice_is_built_once(tmp_path: Path) -> None:
    first = write_claim_in(tmp_path / "first", appeal=HTML_LETTER)
    code, _, stderr = run("build", str(first), str(first), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 0
    assert len(stderr.splitlines()) == 1


def test_rebuilding_the_same_claim_in_one_builder_is_allowed(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    [loaded] = load_claims(write_claim(appeal=HTML_LETTER))
    assert builder.build(loaded, tmp_path / "out").check.passed
    assert builder.build(loaded, tmp_path / "out").check.passed


# --- 7: a stale Word letter is removed --------------------------------------------------------


def test_rebuild_with_an_html_letter_removes_the_earlier_letter_docx(write_claim: WriteClaim, tmp_path: Path) -> None:
    folder = tmp_path / "out" / "TEST-1"
    word = write_claim(appeal={"letter": "medical_necessity.docx", "argument": "The records support the claim."})
    assert build(word, tmp_path / "out")[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["letter.docx", "packet.json", "packet.pdf"]
    assert build(write_claim(appeal=HTML_LETTER), tmp_path / "out")[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["packet.json", "packet.pdf"]


# --- 9, 15: 835 claim ids and units -----------------------------------------------------------


def test_two_denied_claims_with_one_64_character_clp01_get_two_claim_files(tmp_path: Path) -> None:
    clp01 = "A" * 64
    remit = write_835(tmp_path / "remit.835", [
        ClaimSpec(clp01, payer_claim_number="26287000999901"),
        ClaimSpec(clp01, payer_claim_number="26287000999902", first="Omar", last="Fixture",
                  member_id="2AB3CD4EF56"),
    ])
    out = tmp_path / "claims"
    # A subprocess, so a regression that loops forever fails at the timeout instead of hanging.
    done = subprocess.run([sys.executable, "-m", "appealgen", "era", str(remit), "--out", str(out), *AS_OF],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, f"2 claim files written to {out}\n")
    files = sorted(out.glob("*.yaml"))
    claims = [claim for path in files for claim in load_claims(path)]
    ids = [loaded.claim.claim_id for loaded in claims]
    assert ids == [path.stem for path in files]
    assert len(set(ids)) == 2
    assert clp01 in ids
    assert all(len(claim_id) <= 64 for claim_id in ids)
    assert {loaded.claim.patient.member_id for loaded in claims} == {"7XK2QW3PL91", "2AB3CD4EF56"}


@pytest.mark.parametrize(
    ("svc", "units"),
    [
        ("SVC*HC:E0601:RR:KX*245.00*0**0**2~", "2"),  # SVC05 0 units paid, SVC07 2 units billed
        ("SVC*HC:E0601:RR:KX*245.00*0~", "1"),  # neither
    ],
    ids=["svc05-zero-svc07-two", "no-units"],
)
def test_units_of_a_denied_835_line(tmp_path: Path, svc: str, units: str) -> None:
    text = interchange([ClaimSpec()])
    generated = "SVC*HC:E0601:RR:KX*245.00*0**1~"
    assert generated in text
    remit = tmp_path / "remit.835"
    remit.write_text(text.replace(generated, svc))
    code, stdout, _ = run("era", str(remit), "--json", "--out", str(tmp_path / "claims"), *AS_OF)
    assert code == 0
    [row] = json.loads(stdout)["claims"]
    assert [line["units"] for line in row["lines"]] == [units]
    [loaded] = load_claims(tmp_path / "claims" / "ACCT-9001.yaml")
    assert [line.units for line in loaded.claim.service_lines] == [Decimal(units)]


# --- 10, 11: what an attachment may carry -------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "passed"),
    [
        (["Patient: Harold Testcase", "Member ID: 1AA1AA1AA11", "Visit notes."], False),
        (["Patient: Rosa Testcase", "Visit notes; no member number on this page."], True),
        (["Member ID: 9ZZ9ZZ9ZZ99", "Visit notes; no name on this page."], True),
    ],
    ids=["last-name-only", "first-and-last-name", "member-id-only"],
)
def test_identity_check_of_an_attachment(
    write_claim: WriteClaim, tmp_path: Path, lines: list[str], passed: bool
) -> None:
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": make_pdf(lines=lines)})
    assert build(claim, tmp_path / "out")[0] == (0 if passed else 3)
    problem = ("  problem: docs/notes.pdf: names only the patient's last name, not the first name or member ID; "
               "make sure it belongs to this claim")
    expected = ["TEST-1: passed, 5 pages"] if passed else ["TEST-1: FAILED, 5 pages", problem]
    assert check(tmp_path / "out" / "TEST-1") == (0 if passed else 3, expected)


def test_file_attachment_annotations_are_dropped_links_and_comments_kept(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    source = with_file_attachment(with_link_and_comment(make_pdf(2)), b"Patient: Otto OTHERPERSON\n")
    assert b"OTHERPERSON" in source
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": source})
    assert build(claim, tmp_path / "out")[0] == 0
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert b"OTHERPERSON" not in packet.read_bytes()
    annotations = subtypes(packet)
    assert all("/FileAttachment" not in page for page in annotations)
    assert annotations[4] == ["/Link", "/Text"]  # page 1 of the notes is page 5 of the packet
    assert object_types(packet).isdisjoint({"/EmbeddedFile", "/Filespec"})


# --- 12, 13, 16, 17: claim-file errors name the field -----------------------------------------


@pytest.mark.parametrize("letter", ["/etc/hostname", "../x.html"])
def test_letter_must_be_a_template_name(write_claim: WriteClaim, tmp_path: Path, letter: str) -> None:
    claim = write_claim(appeal={"letter": letter})
    code, _, stderr = build(claim, tmp_path / "out")
    message = "appeal.letter: must name a template inside the template folders (no absolute path, no '..')"
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


def test_impossible_yaml_date_names_its_field(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(appeal=HTML_LETTER)
    text = claim.read_text()
    assert "dos: '2026-09-02'" in text
    claim.write_text(text.replace("dos: '2026-09-02'", "dos: 2026-02-30"))  # a YAML timestamp, not a string
    code, _, stderr = build(claim, tmp_path / "out")
    message = "service_lines[0].dos: Input should be a valid date or datetime, day value is outside expected range"
    assert (code, stderr) == (1, f"{claim}: {message}\n")


def test_icd10_codes_starting_with_u_are_accepted(write_claim: WriteClaim) -> None:
    line = {"dos": "2026-09-02", "code": "E0601", "billed": "245.00", "diagnosis": ["U07.1", "U09.9"],
            "carc": ["50"], "group": "CO"}
    [loaded] = load_claims(write_claim(appeal=HTML_LETTER, service_lines=[line]))
    assert loaded.claim.service_lines[0].diagnosis == ["U07.1", "U09.9"]


def test_mistyped_appeal_level_is_named(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(payer="medicare-dme", appeal={**HTML_LETTER, "level": "redeterminaton"})
    code, _, stderr = build(claim, tmp_path / "out")
    message = ("appeal.level: medicare-dme has no level 'redeterminaton' (levels: redetermination, "
               "reconsideration, alj_hearing, appeals_council, judicial_review, dismissal_review, "
               "qic_dismissal_review, reopening)")
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


def test_word_attachment_libreoffice_cannot_convert_names_the_claim_field(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    garbage = io.BytesIO()
    with zipfile.ZipFile(garbage, "w") as archive:
        archive.writestr("word/document.xml", b"\x00\x01 not XML \xff\xfe")
        archive.writestr("junk.bin", bytes(range(256)) * 4)
    assert zipfile.is_zipfile(io.BytesIO(garbage.getvalue()))
    attachments = [*RA_ONLY, *NOTES_ONLY, {"kind": "other", "path": "docs/broken.docx", "title": "Broken"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments,
                        files={"docs/broken.docx": garbage.getvalue()})
    code, _, stderr = build(claim, tmp_path / "out")
    message = "attachments[2].path: LibreOffice could not convert this Word document to PDF"
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


# --- payer matching, size limits, retro authorization -----------------------------------------


def test_a_specific_payer_name_beats_the_generic_fallback(tmp_path: Path) -> None:
    path = write_835(tmp_path / "cs.835", [ClaimSpec("ACCT-9001")], payer="CARESOURCE HEALTH PLAN",
                     payer_id="NOMATCH")
    code, stdout, _ = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert [row["profile"] for row in json.loads(stdout)["claims"]] == ["medicaid-caresource"]


def test_a_packet_over_the_size_limit_is_stamped_incomplete_everywhere(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "payers").mkdir(parents=True)
    profile = (REPO / "payers" / "commercial.yaml").read_text()
    (workspace / "payers" / "commercial.yaml").write_text(
        profile.replace("limits: {max_file_mb: 60,", "limits: {max_file_mb: 0.001,"))
    claim = write_claim(appeal=HTML_LETTER)
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--as-of", "2026-11-22",
                          "--workspace", str(workspace))
    assert code == 3
    assert "MB; commercial accepts files up to 0.001 MB" in stderr
    reader = PdfReader(tmp_path / "out" / "TEST-1" / "packet.pdf")
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join((page.extract_text() or "").split())
        assert f"INCOMPLETE - NOT FOR SUBMISSION TEST-1 Page {number} of {len(reader.pages)}" in text
    assert "INCOMPLETE - NOT FOR SUBMISSION" in " ".join((reader.pages[0].extract_text() or "").split()[:12])
    code, _, stderr = run("check", str(tmp_path / "out" / "TEST-1"), "--as-of", "2026-11-22",
                          "--workspace", str(workspace))
    assert code == 3
    assert not any("stamp" in line for line in stderr.splitlines())


def test_a_retro_authorization_request_does_not_require_the_authorization(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=RA_ONLY, **denied_with("197"))
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr
    report = json.loads((tmp_path / "out" / "TEST-1" / "packet.json").read_text())
    assert (report["action"], [r["description"] for r in report["required"]]) == (
        "request_authorization", ["remittance_advice"])
