"""A user workspace overrides built-in templates and payer profiles file by file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from appealgen.errors import AppealgenError, InputError
from appealgen.payers import load_payer
from appealgen.planned import plan_item
from appealgen.settings import Settings
from appealgen.sources.claim_file import load_claims
from appealgen.toolkit import Toolkit
from appealgen.workspace import RULES_DIR, Workspace
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, REPO, TODAY, WriteClaim


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
    claim = write_claim(appeal={"letter": "reconsideration.html", "policy": PLAN_POLICY})
    builder.build(load_claims(claim)[0], tmp_path / "out")
    assert "requests a reconsideration of the denial of E0601-RR-KX" in page_text(tmp_path / "out/TEST-1/packet.pdf", 3)
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "authorization", "path": "docs/auth.pdf", "title": "Authorization approval"}]
    claim = write_claim(claim_id="TEST-2", denial={"date": "2026-10-14", "carc": ["197"], "group": "CO"},
                        attachments=attachments)
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


def test_a_workspace_code_table_overrides_the_shipped_one(write_claim: WriteClaim, tmp_path: Path) -> None:
    rules = tmp_path / "ws" / "rules"
    rules.mkdir(parents=True)
    shipped = (RULES_DIR / "codes.yaml").read_text()
    line = next(text for text in shipped.splitlines() if text.startswith('  "50": {category: medical_necessity'))
    (rules / "codes.yaml").write_text(shipped.replace(line, '  "50": {category: coding, label: our own reading}'))
    claim = load_claims(write_claim())[0]
    settings = Settings(Workspace.open(tmp_path / "ws"), TODAY)
    with Toolkit(settings) as tools:
        assert plan_item(settings, tools, claim).plan.category.value == "coding"
    with Toolkit(Settings(Workspace.open(REPO), TODAY)) as tools:
        assert plan_item(tools.settings, tools, claim).plan.category.value == "medical_necessity"


def test_a_long_lived_toolkit_sees_an_edited_payer_profile(tmp_path: Path) -> None:
    (tmp_path / "payers").mkdir()
    profile = tmp_path / "payers" / "commercial.yaml"
    text = (REPO / "payers" / "commercial.yaml").read_text()
    profile.write_text(text)
    with Toolkit(Settings(Workspace.open(tmp_path), TODAY)) as tools:
        assert tools.profile("commercial").name == "Example Commercial Health Plan"
        profile.write_text(text.replace("Example Commercial Health Plan\n", "Edited Example Plan\n", 1))
        assert tools.profile("commercial").name == "Edited Example Plan"


def test_the_workspace_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "team" / "claims" / "2026-11").mkdir(parents=True)
    (tmp_path / "team" / "appealgen.yaml").write_text("{}\n")
    monkeypatch.chdir(tmp_path / "team" / "claims" / "2026-11")
    monkeypatch.delenv("APPEALGEN_WORKSPACE", raising=False)
    workspace = Workspace.open()
    assert workspace.user == (tmp_path / "team").resolve()
    team = (tmp_path / "team").resolve()
    assert workspace.describe() == f"workspace: {team} (the nearest folder with appealgen.yaml)"
    monkeypatch.setenv("APPEALGEN_WORKSPACE", str(tmp_path))
    assert Workspace.open().user == tmp_path.resolve()


def test_a_workspace_letter_wins_and_builtin_prefix_reaches_the_shipped_one(tmp_path: Path) -> None:
    letters = tmp_path / "templates" / "letters"
    (letters / "medicare-dme").mkdir(parents=True)
    (letters / "reconsideration.html").write_text("<p>team letter</p>\n")
    (letters / "medicare-dme" / "reconsideration.html").write_text("<p>payer letter</p>\n")
    workspace = Workspace.open(tmp_path)
    shipped = workspace.builtin / "templates" / "letters" / "reconsideration.html"
    assert workspace.find("templates/letters", "reconsideration.html") == (letters / "reconsideration.html").resolve()
    assert workspace.find("templates/letters", "builtin:reconsideration.html") == shipped
    assert workspace.template("letters", "reconsideration.html", "medicare-dme") == \
        (letters / "medicare-dme" / "reconsideration.html").resolve()
    assert workspace.template("letters", "builtin:reconsideration.html", "medicare-dme") == shipped
