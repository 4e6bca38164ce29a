"""Claim-file fields: what is accepted, and errors that name the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from appealgen.sources.claim_file import load_claims
from tests.conftest import WriteClaim
from tests.helpers import (
    HTML_LETTER,
    build,
)


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


def test_an_appeal_number_is_plain_characters(write_claim: WriteClaim, tmp_path: Path) -> None:
    history = [{"level": "redetermination", "date": "2026-10-26", "outcome": "upheld", "reason": "Not met.",
                "case_number": "1-2345 <b>"}]
    claim = write_claim(appeal={**HTML_LETTER, "history": history})
    code, _, stderr = build(claim, tmp_path / "out")
    message = ("appeal.history[0].case_number: must be letters, digits, spaces, '.', '/' or '-', starting with a "
               "letter or digit")
    assert (code, stderr) == (1, f"{claim}: {message}\n")


LINE = {"dos": "2026-09-02", "code": "E0601", "billed": "245.00", "carc": ["50"], "group": "CO"}
DECISION = {"level": "reconsideration", "date": "2026-11-02", "outcome": "upheld", "reason": "Not met."}


@pytest.mark.parametrize(("overrides", "message"), [
    # a year typed wrong: the deadline would move a year, and a missed one look far away
    ({"denial": {"date": "2027-10-14", "carc": ["50"], "group": "CO"}},
     "denial.date: the denial is dated after today (2026-11-22); a typing error?"),
    ({"service_lines": [LINE, {**LINE, "dos": "2026-10-15"}]},
     "service_lines[1].dos: the service is dated after the denial; a typing error?"),
    ({"patient": {"first_name": "Rosa", "last_name": "Testcase", "dob": "2026-09-03", "member_id": "9XX9XX9XX99"}},
     "patient.dob: the patient is born after a date of service; a typing error?"),
    ({"appeal": {**HTML_LETTER, "history": [{**DECISION, "date": "2026-12-01"}]}},
     "appeal.history[0].date: the decision is dated after today (2026-11-22)"),
    ({"appeal": {**HTML_LETTER, "history": [{**DECISION, "date": "2026-10-01"}]}},
     "appeal.history[0].date: the decision is dated before the denial it decides"),
])
def test_an_impossible_date_is_refused_naming_its_field_not_the_date(
        write_claim: WriteClaim, tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    claim = write_claim(**{"appeal": HTML_LETTER, **overrides})
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


def test_amounts_are_read_as_people_type_them_but_a_decimal_comma_is_not(write_claim: WriteClaim,
                                                                         tmp_path: Path) -> None:
    line = {"dos": "2026-09-02", "code": "E0601", "billed": "$1,245.50", "paid": "$0", "carc": ["50"], "group": "CO"}
    [loaded] = load_claims(write_claim(appeal=HTML_LETTER, service_lines=[line]))
    read = loaded.claim.service_lines[0]
    assert (read.billed, read.paid) == (Decimal("1245.50"), Decimal(0))
    claim = write_claim(appeal=HTML_LETTER, service_lines=[{**line, "billed": "1,5"}])
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: service_lines[0].billed: Input should be a valid decimal\n")


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


@pytest.mark.parametrize(("claim_id", "message"), [
    ("CON", "CON is a reserved device name on Windows; choose another id"),
    ("lpt1.2026", "LPT1 is a reserved device name on Windows; choose another id"),
    ("ACCT-1.", "must not end with a dot (not a valid folder name on Windows)")])
def test_claim_ids_are_folder_names_safe_on_any_file_system(
    write_claim: WriteClaim, tmp_path: Path, claim_id: str, message: str
) -> None:
    claim = write_claim(claim_id=claim_id)
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: claim_id: {message}\n")


def test_a_reason_code_typed_as_a_number_is_read_as_the_code(write_claim: WriteClaim) -> None:
    claim = write_claim()
    text = claim.read_text()
    assert text.count("- '50'") == 2  # on the line and on the denial
    claim.write_text(text.replace("- '50'", "- 50"))  # `carc: [50]`, as people type it
    [item] = load_claims(claim)
    assert item.claim.denial.carc == ["50"] and item.claim.service_lines[0].carc == ["50"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("carc", "5O", "denial.carc[0]: must be a reason code (CARC): 1 to 3 digits, some with a capital letter first, "
                   "such as 50 or B7; its group (CO, PR, ...) goes in `group`"),
    ("carc", "CO-50", "denial.carc[0]: must be a reason code (CARC): 1 to 3 digits, some with a capital letter "
                      "first, such as 50 or B7; its group (CO, PR, ...) goes in `group`"),
    ("rarc", "N-115", "denial.rarc[0]: must be a remark code (RARC): M, MA or N and 1 to 3 digits, such as N115 "
                      "or MA130"),
    ("group", "C0", "denial.group: must be a group code: CO, PR, OA, PI or CR"),
])
def test_a_mistyped_code_is_named_with_what_a_code_looks_like(
    write_claim: WriteClaim, tmp_path: Path, field: str, value: str, message: str
) -> None:
    denial = {"date": "2026-10-14", "carc": ["50"], "group": "CO", field: [value] if field != "group" else value}
    claim = write_claim(denial=denial)
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {message}\n")
