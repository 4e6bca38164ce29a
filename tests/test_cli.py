"""The command line: exact messages and exit codes on real files in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from pypdf import PdfReader

from appealgen.cli import main
from tests.conftest import PLAN_POLICY, REPO, WriteClaim
from tests.helpers import pdf_text, run
from tests.pdfs import encrypted, make_pdf

HTML_LETTER = {"letter": "reconsideration.html", "argument": "The records support the claim.",
               "policy": PLAN_POLICY}
AS_OF = ["--as-of", "2026-11-22", "--workspace", str(REPO)]


def build(claim: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("build", str(claim), "--out", str(out), *AS_OF, *extra)


def test_build_writes_packet_and_report(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(appeal=HTML_LETTER)
    code, stdout, stderr = build(claim, tmp_path / "out", "--json")
    assert code == 0
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert stderr == (
        "TEST-1: passed, 5 pages, medical_necessity -> reconsideration "
        f"(reconsideration, due 2027-10-14) -> {packet}\n"
    )
    reports = json.loads(stdout)
    assert [r["claim_id"] for r in reports] == ["TEST-1"]
    assert reports[0]["pages"] == len(PdfReader(packet).pages) == 5
    assert [s["kind"] for s in reports[0]["sections"]] == [
        "cover_sheet", "index", "letter", "remittance_advice", "progress_notes"]


def test_a_document_without_a_title_is_named_by_its_kind_in_words(write_claim: WriteClaim, tmp_path: Path) -> None:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"}, {"kind": "cmn", "path": "docs/cmn.pdf"},
                   {"kind": "primary_eob", "path": "docs/eob.pdf"}, {"kind": "medical_records", "path": "docs/mr.pdf"}]
    code, stdout, stderr = build(write_claim(appeal=HTML_LETTER, attachments=attachments), tmp_path / "out", "--json")
    assert code == 0, stderr
    titles = {s["kind"]: s["title"] for s in json.loads(stdout)[0]["sections"][3:]}
    assert titles == {"remittance_advice": "Remittance advice", "cmn": "Certificate of medical necessity",
                      "primary_eob": "Primary payer's explanation of benefits", "medical_records": "Medical records"}
    letter = " ".join(PdfReader(tmp_path / "out" / "TEST-1" / "packet.pdf").pages[2].extract_text().split())
    assert "Certificate of medical necessity" in letter and "Primary payer's explanation of benefits" in letter


def test_check_confirms_a_built_packet(write_claim: WriteClaim, tmp_path: Path) -> None:
    build(write_claim(appeal=HTML_LETTER), tmp_path / "out")
    code, stdout, stderr = run("check", str(tmp_path / "out" / "TEST-1"), "--json", *AS_OF)
    assert code == 0
    assert stderr == "TEST-1: passed, 5 pages\n"
    assert json.loads(stdout)["passed"] is True


def test_check_finds_a_tampered_packet(write_claim: WriteClaim, tmp_path: Path) -> None:
    build(write_claim(appeal=HTML_LETTER), tmp_path / "out")
    folder = tmp_path / "out" / "TEST-1"
    report = json.loads((folder / "packet.json").read_text())
    report["sections"][3]["title"] = "Something else"
    (folder / "packet.json").write_text(json.dumps(report))
    code, _, stderr = run("check", str(folder), *AS_OF)
    assert code == 3
    assert stderr.splitlines() == [
        "TEST-1: FAILED, 5 pages",
        "  problem: bookmarks do not match the sections in packet.json",
        "  problem: index does not list 'Something else' on pages 4",
    ]


def test_missing_required_document_builds_a_stamped_failing_packet(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=[{"kind": "remittance_advice", "path": "docs/ra.pdf"}])
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.endswith(": missing progress notes or medical records\n")
    assert "FAILED" in stderr
    reader = PdfReader(tmp_path / "out" / "TEST-1" / "packet.pdf")
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join((page.extract_text() or "").split())
        assert f"INCOMPLETE - NOT FOR SUBMISSION TEST-1 Claim PCN0001 Page {number} of {len(reader.pages)}" in text
    code, _, stderr = run("check", str(tmp_path / "out" / "TEST-1"), *AS_OF)
    assert code == 3
    assert "  missing: progress notes or medical records" in stderr.splitlines()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patient": {"first_name": "Rosa", "last_name": "Testcase", "dob": "1950-01-02"}},
         "patient.member_id: Field required"),
        ({"payer": "nope"},
         "payer: unknown payer profile 'nope' (known: commercial, medicaid-caresource, medicare-dme, medicare-part-b)"),
        ({"payer": "comercial"}, "payer: unknown payer profile 'comercial' (did you mean commercial?) (known: "
                                 "commercial, medicaid-caresource, medicare-dme, medicare-part-b)"),
        ({"claim_id": "../escape"}, "claim_id: must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                                    "letter or digit (no spaces or slashes)"),
        ({"provider": {"name": "X", "npi": "1538261954"}}, "provider.npi: NPI check digit is wrong"),
        ({"service_lines": [{"dos": "2026-09-02", "code": "E0601", "billed": "1.005"}]},
         "service_lines[0].billed: amount has more than two decimal places"),
        ({"service_lines": [{"dos": "2026-09-02", "code": "E0601", "billed": "-5"}]},
         "service_lines[0].billed: amount must not be negative"),
        ({"service_lines": [{"dos": "2026-09-31", "code": "E0601", "billed": "5"}]},
         "service_lines[0].dos: Input should be a valid date or datetime, day value is outside expected range"),
        ({"service_lines": [{"dos": "09/02/2026", "code": "E0601", "billed": "5"}]},
         "service_lines[0].dos: Input should be a valid date or datetime, invalid character in year (write dates as "
         "YYYY-MM-DD, e.g. 2026-09-02)"),
        ({"attachments": [{"kind": "xray", "path": "docs/a.pdf"}]},
         "attachments[0].kind: Input should be 'remittance_advice', 'cmn', 'prescription', 'progress_notes', "
         "'authorization', 'medical_records', 'delivery_ticket', 'corrected_claim', 'medical_necessity_letter', "
         "'proof_of_timely_filing', 'primary_eob', 'decision_notice', 'abn' or 'other'"),
        ({"surprise": 1}, "surprise: unknown key"),
    ],
)
def test_bad_claim_fields_are_named_and_nothing_is_written(
    write_claim: WriteClaim, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    claim = write_claim(**change)
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 1
    assert stderr == f"{claim}: {message}\n"
    assert not (tmp_path / "out").exists()


def test_every_field_error_is_reported_at_once(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(payer_claim_number="bad number!", patient={"first_name": "", "last_name": "T",
                                                                     "dob": "x", "member_id": "9Z"})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 1
    assert [line.split(": ")[1] for line in stderr.splitlines()] == [
        "payer_claim_number", "patient.first_name", "patient.dob", "patient.member_id"]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    claim = tmp_path / "claim.yaml"
    claim.write_text("claim_id: A\npatient: {first_name: [\n")
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 1
    assert stderr.startswith(f"{claim}: line 3: invalid YAML: ")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        # The file name may carry patient data: --verbose names it.
        ({}, "attachments[1].path: file not found (--verbose names the file)"),
        ({"docs/notes.pdf": b""}, "attachments[1].path: file is empty (0 bytes)"),
        ({"docs/notes.pdf": make_pdf()[:-600]}, "attachments[1].path: PDF is truncated (no end-of-file marker)"),
        ({"docs/notes.pdf": make_pdf()[:400] + b"\n%%EOF\n"},
         "attachments[1].path: PDF is damaged and cannot be read"),
        ({"docs/notes.pdf": encrypted(make_pdf(), "secret", "owner")},
         "attachments[1].path: PDF is encrypted with a password; send an unlocked copy"),
        ({"docs/notes.pdf": b"hello"}, "attachments[1].path: unsupported file: its content is a text file (the type "
         "is read from the file, not its name)"),
    ],
    ids=["missing", "zero-byte", "truncated", "damaged", "user-password", "not-pdf"],
)
def test_bad_attachment_files_are_refused(
    write_claim: WriteClaim, tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    claim = write_claim(appeal=HTML_LETTER, files=files)
    if not files:
        (claim.parent / "docs" / "notes.pdf").unlink()
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("files", "message"), [
    ({}, "attachments[1].path: file not found (--verbose names the file)"),
    ({"docs/notes.pdf": b""}, "attachments[1].path: file is empty (0 bytes)"),
], ids=["missing", "zero-byte"])
def test_plan_does_not_count_a_listed_document_it_cannot_find_as_present(
    write_claim: WriteClaim, files: dict[str, bytes], message: str
) -> None:
    claim = write_claim(appeal=HTML_LETTER, files=files)
    if not files:
        (claim.parent / "docs" / "notes.pdf").unlink()
    assert run("plan", str(claim), *AS_OF) == (1, "", f"{claim}: {message}\n")
    if not files:  # plan names the file when asked, as build does
        assert run("plan", str(claim), "--verbose", *AS_OF)[2] == \
            f"{claim}: attachments[1].path: file not found (docs/notes.pdf)\n"


def test_a_rebuild_that_fails_leaves_neither_the_older_packet_nor_an_empty_folder(
        write_claim: WriteClaim, tmp_path: Path) -> None:
    """The older packet must not be sent as this claim's; a folder holding a person's own file stays."""
    claim = write_claim(appeal=HTML_LETTER)
    assert build(claim, tmp_path / "out")[0] == 0
    folder = tmp_path / "out" / "TEST-1"
    assert sorted(p.name for p in folder.iterdir()) == ["packet.json", "packet.pdf"]
    (claim.parent / "docs" / "notes.pdf").unlink()
    assert build(claim, tmp_path / "out")[:2] == (1, "")
    assert not folder.exists()
    folder.mkdir()
    (folder / "call notes.txt").write_text("called the payer")
    assert build(claim, tmp_path / "out")[0] == 1
    assert sorted(p.name for p in folder.iterdir()) == ["call notes.txt"]


def test_owner_password_only_pdf_is_opened(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": encrypted(make_pdf(2), "", "owner")})
    code, _, _ = build(claim, tmp_path / "out")
    assert code == 0
    assert len(PdfReader(tmp_path / "out" / "TEST-1" / "packet.pdf").pages) == 6


def test_attachment_outside_the_claim_folder_is_refused(write_claim: WriteClaim, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.pdf").write_bytes(make_pdf())
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": "../elsewhere.pdf"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments)
    code, _, stderr = build(claim, tmp_path / "out")
    message = "attachments[1].path: outside the attachments folder; refused"
    assert (code, stderr) == (1, f"{claim}: {message}\n")


def test_attachments_root_option(write_claim: WriteClaim, tmp_path: Path) -> None:
    root = tmp_path / "records"
    (root / "docs").mkdir(parents=True)
    for name in ("ra.pdf", "notes.pdf"):
        (root / "docs" / name).write_bytes(make_pdf())
    claim = write_claim(appeal=HTML_LETTER)
    for name in ("ra.pdf", "notes.pdf"):
        (claim.parent / "docs" / name).unlink()
    code, _, _ = build(claim, tmp_path / "out", "--attachments-root", str(root))
    assert code == 0


def test_one_bad_claim_does_not_stop_the_others(write_claim: WriteClaim, tmp_path: Path) -> None:
    good = write_claim(appeal=HTML_LETTER)
    bad = tmp_path / "bad.yaml"
    bad.write_text("claim_id: B-2\n")
    code, _, stderr = run("build", str(bad), str(good), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 1
    assert stderr.splitlines()[0] == f"{bad}: payer: Field required"
    assert stderr.splitlines()[-1].startswith("TEST-1: passed")
    assert (tmp_path / "out" / "TEST-1" / "packet.pdf").is_file()
    assert not (tmp_path / "out" / "B-2").exists()


def test_missing_libreoffice_exits_4_with_the_install_command(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(appeal={"letter": "medical_necessity.docx", "policy": PLAN_POLICY})
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF, env={"PATH": str(empty)})
    assert (code, stderr) == (4, "LibreOffice is not installed; install it with: "
                                 "apt-get install -y libreoffice-writer-nogui fonts-liberation2\n")
    assert not (tmp_path / "out").exists()


def payer_workspace(tmp_path: Path, edit: tuple[str, str]) -> Path:
    """A workspace whose commercial profile has one edit (old text, new text)."""
    workspace = tmp_path / "ws"
    (workspace / "payers").mkdir(parents=True)
    text = (REPO / "payers" / "commercial.yaml").read_text()
    assert edit[0] in text
    (workspace / "payers" / "commercial.yaml").write_text(text.replace(*edit))
    return workspace


def test_a_payer_without_a_fax_gets_requests_by_mail_with_the_transmittal_cover(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    """No step requires a fax cover its recipient cannot have: the plan picks the mail cover
    (changed in issue 8: this used to fail with `fax: is empty`)."""
    workspace = payer_workspace(tmp_path, ("fax: 555-0144", "fax: ''"))
    claim = write_claim(appeal=HTML_LETTER)
    code, stdout, _ = run("plan", str(claim), "--json", "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert code == 0
    [plan] = json.loads(stdout)
    assert (plan["cover"], plan["cover_reason"], plan["delivery"]) == (
        "mail_cover.html", "the transmittal cover: requests go by mail", "mail")
    assert (plan["deadline"], plan["send_by"]) == ("2027-10-14", "2027-10-07")  # 7 days for the mail
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--as-of", "2026-11-22",
                          "--workspace", str(workspace))
    assert code == 0, stderr
    cover = " ".join((PdfReader(tmp_path / "out/TEST-1/packet.pdf").pages[0].extract_text() or "").split())
    assert "Cover sheet Reconsideration request · sent by mail" in cover


def test_delivery_option_sends_a_run_by_mail_whatever_the_profile_says(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    """The payer's fax line is down: `--delivery mail` moves the send-by date for the mail's
    transit, picks the transmittal cover and drops the letter's "By fax to" line."""
    claim = write_claim(appeal=HTML_LETTER)
    code, stdout, _ = run("plan", str(claim), "--json", "--delivery", "mail", *AS_OF)
    assert code == 0
    [plan] = json.loads(stdout)
    assert (plan["delivery"], plan["send_by"], plan["cover"]) == ("mail", "2027-10-07", "mail_cover.html")
    code, _, stderr = build(claim, tmp_path / "mail", "--delivery", "mail")
    assert code == 0, stderr
    code, _, stderr = build(claim, tmp_path / "fax")
    assert code == 0, stderr
    by_mail, by_fax = (" ".join(page.extract_text().split()) for page in
                       (PdfReader(tmp_path / f"{way}/TEST-1/packet.pdf").pages[0] for way in ("mail", "fax")))
    assert "sent by mail" in by_mail and "sent by" not in by_fax
    letters = [" ".join(pdf_text(tmp_path / way / "TEST-1" / "packet.pdf").split()) for way in ("mail", "fax")]
    assert "By fax to" not in letters[0] and "By fax to 555-0144" in letters[1]


def test_delivery_by_fax_to_a_recipient_without_a_fax_number_is_refused(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    workspace = payer_workspace(tmp_path, ("fax: 555-0144", "fax: ''"))
    code, _, stderr = run("build", str(write_claim()), "--out", str(tmp_path / "out"), "--delivery", "fax",
                          "--as-of", "2026-11-22", "--workspace", str(workspace))
    assert (code, stderr.splitlines()[-1]) == (1, f"{write_claim()}: --delivery: fax, but the recipient at "
                                                  "Reconsideration has no fax number (the payer profile gives "
                                                  "none); packet not written")
    assert not (tmp_path / "out" / "TEST-1").exists()


def test_a_profile_asking_for_fax_delivery_without_a_fax_number_is_refused_when_read(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    workspace = payer_workspace(tmp_path, ("fax: 555-0144", "fax: ''\ndelivery: fax"))
    code, _, stderr = run("plan", str(write_claim()), "--as-of", "2026-11-22", "--workspace", str(workspace))
    profile = (workspace / "payers" / "commercial.yaml").resolve()
    # The appeal level has its own recipient, with its own fax number.
    assert (code, stderr) == (1, f"{profile}: levels[0].delivery: fax, but reconsideration's recipient has no fax "
                                 "number\n")


def test_a_level_name_longer_than_the_log_keeps_is_refused_when_read(write_claim: WriteClaim, tmp_path: Path) -> None:
    workspace = payer_workspace(tmp_path, ("  name: Corrected claim", f"  name: Corrected claim{' x' * 40}"))
    code, _, stderr = run("plan", str(write_claim()), "--as-of", "2026-11-22", "--workspace", str(workspace))
    profile = (workspace / "payers" / "commercial.yaml").resolve()
    assert (code, stderr) == (1, f"{profile}: replacement.name: String should have at most 80 characters\n")


def test_plan_explains_the_decision(write_claim: WriteClaim) -> None:
    code, stdout, _ = run("plan", str(write_claim()), *AS_OF)
    assert code == 0
    assert stdout.splitlines() == [
        "TEST-1: commercial (Example Commercial Health Plan)",
        "  category: medical_necessity",
        "    because CO-50 (not medically necessary) -> medical_necessity",
        "  action: reconsideration",
        "    because medical necessity: reconsideration at Reconsideration",
        "  level: Reconsideration (no appeal history: first level, Reconsideration)",
        "  deadline: 2027-10-14, 326 days left",
        "    because denial date 2026-10-14 + 12 months",
        "  send by: 2027-10-13 (fax: allow 1 day to arrive by the deadline 2027-10-14)",
        "  letter: medical_necessity.docx (the letter for medical_necessity) -> built-in "
        "templates/letters/medical_necessity.docx",
        "  cover: fax_cover.html (the fax cover: requests go by fax) -> built-in templates/cover_sheets/fax_cover.html",
        "  disputed: 2026-09-02 E0601-RR-KX, denied $245.00 (CO-50, N115)",
        "  amount requested: $245.00",
        "  coverage policy: medical policy TP-0101 (Positive Airway Pressure Devices (test plan policy))",
        "  required documents:",
        "    present  remittance_advice",
        "    present  progress notes or medical records",
    ]


def test_plan_shows_no_letter_cover_or_documents_when_nothing_is_sent() -> None:
    """A claim with nothing to send gets what to do instead; a review also gets the level and
    deadline of the appeal it may decide on (and what that appeal would need); a new claim its
    filing deadline; the other actions no deadline, letter, cover or documents."""
    era = REPO / "examples" / "era"
    code, stdout, _ = run("plan", str(era / "remittance-2026-10-14.835"), "--workspace", str(era),
                          "--as-of", "2026-10-20")
    assert code == 0
    blocks = {block.split(":")[0]: block.splitlines()[3:] for block in ("\n" + stdout).split("\nACCT-")[1:]}
    assert blocks["9002"][1:] == [  # review
        "    because no authorization enclosed, and medicare-dme takes no retroactive authorization requests: find "
        "the authorization, or decide between an appeal with the records and an adjustment",
        "  nothing to send: have a person review the denial before anything is sent",
        "  if appealed: Redetermination (no appeal history: first level, Redetermination)",
        "  deadline: 2027-02-16, 119 days left",
        "    because denial date 2026-10-14 + 5 days presumed receipt + 120 days",
        "  disputed: 2026-09-02 72148, denied $1,180.00 (CO-197)",
        "  required documents (for an appeal):",
        "    present  remittance_advice",
        "    MISSING  authorization",
    ]
    assert blocks["9005"][3:] == [  # write the balance off
        "  nothing to send: adjust the balance (write it off)",
        "  denied line: 2026-09-02 E0431-RR, denied $95.00 (CO-29, N211)",
    ]
    assert blocks["9004"][4:] == [  # a new claim (MA130)
        "  nothing to send: correct the claim and send it as a new claim (frequency code 1) by 2027-09-01; it must "
        "arrive by 2027-09-02",
        "  deadline: 2027-09-02, 317 days left",
        "    because claim filing limit: date of service 2026-09-02 + 12 months (42 CFR 424.44(a)(1))",
        "  denied line: 2026-09-02 E0260-RR, denied $310.00 (CO-16, MA130)",
    ]


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every registered command, subcommands of groups included, as argument tuples."""
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += command_paths(command, (*prefix, name))
    return found


@pytest.mark.parametrize("command", command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    code, stdout, _ = run(*command, "--help")
    assert code == 0
    assert "Example:" in stdout


@pytest.mark.parametrize("command", command_paths(), ids=" ".join)
def test_every_command_is_documented_in_the_readme(command: tuple[str, ...]) -> None:
    assert f"appealgen {' '.join(command)}" in (REPO / "README.md").read_text()


def test_schema_describes_the_claim_file() -> None:
    code, stdout, _ = run("schema")
    assert code == 0
    assert set(json.loads(stdout)["required"]) == {
        "claim_id", "payer", "patient", "provider", "service_lines", "denial"}


def test_another_patients_document_fails_the_check(write_claim: WriteClaim, tmp_path: Path) -> None:
    other = make_pdf(lines=["Patient: Otto Otherperson", "Member ID: 1AA1AA1AA11",
                            "Visit notes for a different person entirely."])
    claim = write_claim(appeal=HTML_LETTER, files={"docs/notes.pdf": other})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 3
    assert stderr.endswith(": attachments[1] (progress notes): page 1: names another member ID; this page belongs "
                           "to another patient\n")


def test_an_unexpected_failure_skips_only_that_claim(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import appealgen.commands
    from appealgen.build import build_one
    from appealgen.outcome import Outcome
    from appealgen.settings import Settings
    from appealgen.sources.items import Item
    from appealgen.toolkit import Toolkit

    def flaky(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
        if item.claim_id == "BROKEN":  # stands in for a bug hit by one claim
            raise RuntimeError("Rosa Testcase")  # the message may hold patient data: never printed
        return build_one(settings, tools, item)

    monkeypatch.setattr(appealgen.commands, "build_one", flaky)
    monkeypatch.delenv("APPEALGEN_DEBUG", raising=False)
    broken = tmp_path / "broken.yaml"
    good = write_claim(appeal=HTML_LETTER)
    broken.write_text(good.read_text().replace("claim_id: TEST-1", "claim_id: BROKEN"))
    code, _, stderr = run("build", str(broken), str(good), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 5
    assert stderr.splitlines()[0] == (f"{broken}: claim BROKEN: unexpected RuntimeError; nothing written for "
                                      "this claim (set APPEALGEN_DEBUG=1 for the traceback)")
    assert "Rosa" not in stderr
    assert (tmp_path / "out" / "TEST-1" / "packet.pdf").is_file()


def test_the_fax_cover_of_a_later_request_names_the_decision_it_answers(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    history = [{"level": "reconsideration", "date": "2026-11-02", "outcome": "upheld", "reason": "Not met.",
                "case_number": "RC-2026-0042"}]
    claim = write_claim(appeal={**HTML_LETTER, "history": history},
                        attachments=[{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                                     {"kind": "progress_notes", "path": "docs/notes.pdf"},
                                     {"kind": "decision_notice", "path": "docs/ra.pdf"}])
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr
    cover = " ".join((PdfReader(tmp_path / "out/TEST-1/packet.pdf").pages[0].extract_text() or "").split())
    assert "Fax cover sheet Appeal request" in cover
    # a commercial plan numbers its cases; "appeal number" is Medicare's word for it
    assert "Reconsideration decision 11/02/2026; case number RC-2026-0042" in cover
    letter = " ".join(" ".join((page.extract_text() or "").split())
                      for page in PdfReader(tmp_path / "out/TEST-1/packet.pdf").pages[2:4])
    assert "Reconsideration decision: 11/02/2026 (case number RC-2026-0042)" in letter


EXAMPLE_NOTE = ("  warning: payer Northwind Health Plan is planned under the shipped example profile commercial "
                "(Example Commercial Health Plan), whose addresses and fax numbers are fictional and whose "
                "windows are a model's: make the plan's own (`appealgen payers copy commercial NEW_ID`), set "
                "them, and remove `example: true`")


def test_a_real_payer_planned_under_a_shipped_example_profile_is_named(write_claim: WriteClaim,
                                                                      tmp_path: Path) -> None:
    """A billing lead mapped "Northwind Health Plan" to `commercial`: its packet was addressed to the
    example's PO Box and fax, with the example's windows, and nothing said so."""
    appeal = {"letter": "reconsideration.html", "argument": "The records support it.", "policy": dict(PLAN_POLICY)}
    claim = write_claim(appeal=appeal, payer_name="Northwind Health Plan")
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--as-of", "2026-11-22",
                          "--workspace", str(REPO))
    assert code == 0
    assert stderr.splitlines()[1:] == [EXAMPLE_NOTE]
    # the plan's own profile, copied and set (the flag removed): nothing to say
    workspace = tmp_path / "ws"
    (workspace / "payers").mkdir(parents=True)
    profile = (REPO / "payers" / "commercial.yaml").read_text().replace("id: commercial", "id: northwind", 1)
    assert "\nexample: true" in profile
    (workspace / "payers" / "northwind.yaml").write_text(profile.replace("\nexample: true", "\n# example: true"))
    own = write_claim(appeal=appeal, payer_name="Northwind Health Plan", payer="northwind")
    code, _, stderr = run("build", str(own), "--out", str(tmp_path / "own"), "--as-of", "2026-11-22",
                          "--workspace", str(workspace))
    assert (code, stderr.splitlines()[1:]) == (0, [])
