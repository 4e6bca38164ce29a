"""Claim-file fields: what is accepted, and errors that name the field."""

from __future__ import annotations

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
    message = "appeal.history[0].case_number: String should match pattern '^[A-Za-z0-9][A-Za-z0-9 ./-]*$'"
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
