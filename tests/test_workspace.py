"""A user workspace overrides built-in templates and payer profiles file by file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from appealgen.errors import AppealgenError, InputError
from appealgen.payers import load_payer
from appealgen.sources.claim_file import load_claims
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import REPO, TODAY, WriteClaim


def page_text(path: Path, number: int) -> str:
    return " ".join((PdfReader(path).pages[number - 1].extract_text() or "").split())


def test_user_letter_overrides_and_extends_the_builtin(write_claim: WriteClaim, tmp_path: Path) -> None:
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True)
    (letters / "reconsideration.html").write_text(
        '{% extends "builtin:letters/reconsideration.html" %}'
    )
    (letters / "commercial").mkdir()
    (letters / "commercial" / "authorization.html").write_text(
        "<p>Payer-specific letter for {{ claim.claim_id }}</p>"
    )
    builder = Builder(Workspace.open(tmp_path / "ws"), today=TODAY)
    claim = write_claim(appeal={"letter": "reconsideration.html"})
    builder.build(load_claims(claim)[0], tmp_path / "out")
    assert "requests reconsideration of the claim above" in page_text(tmp_path / "out/TEST-1/packet.pdf", 3)
    claim = write_claim(claim_id="TEST-2", denial={"date": "2026-10-14", "carc": ["197"], "group": "CO"})
    builder.build(load_claims(claim)[0], tmp_path / "out")
    assert "Payer-specific letter for TEST-2" in page_text(tmp_path / "out/TEST-2/packet.pdf", 3)


def test_user_payer_profile_shadows_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "payers").mkdir()
    text = (REPO / "payers" / "commercial.yaml").read_text().replace(
        "Example Commercial Health Plan\n", "Renamed Example Plan\n", 1)
    (tmp_path / "payers" / "commercial.yaml").write_text(text)
    assert load_payer(Workspace.open(tmp_path), "commercial").name == "Renamed Example Plan"
    assert load_payer(Workspace.open(REPO), "commercial").name == "Example Commercial Health Plan"


def test_profile_errors_name_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "payers").mkdir()
    (tmp_path / "payers" / "broken.yaml").write_text("id: broken\nname: B\naddress: [x]\nlevels: []\n")
    with pytest.raises(AppealgenError) as caught:
        load_payer(Workspace.open(tmp_path), "broken")
    assert str(caught.value) == (
        f"{tmp_path / 'payers' / 'broken.yaml'}: levels: List should have at least 1 item after validation, not 0")


def test_missing_workspace_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        Workspace.open(tmp_path / "nope")
    assert str(caught.value) == f"{tmp_path / 'nope'}: workspace folder not found"
