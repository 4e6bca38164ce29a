"""The template context describes itself, and a missing text-layout library is a missing tool."""

from __future__ import annotations

from pathlib import Path

import pytest

import appealgen.toolkit
from appealgen.render.context import FrontContext, LetterContext, describe
from tests.conftest import WriteClaim
from tests.helpers import AS_OF, HTML_LETTER, run


def test_the_context_lists_every_name_with_its_type() -> None:
    docs = {doc.name: doc for doc in describe()}
    assert docs["patient.last_name"].type == "text"
    assert docs["plan.deadline"].type == "date"
    assert docs["lines[].billed"].type == "money"
    assert docs["index[].first_page"].type == "number"
    assert docs["previous"].type == "AppealStep (optional)"


def test_every_top_level_name_is_described() -> None:
    names = {doc.name: doc for doc in describe(FrontContext, depth=0)}
    assert set(names) == set(FrontContext.__dataclass_fields__)
    assert all(doc.description for doc in names.values())
    assert set(LetterContext.__dataclass_fields__) < set(names)


def test_a_missing_pango_is_a_missing_tool(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pango(name: str) -> object:
        raise OSError("cannot load library 'libpango-1.0-0'")  # what WeasyPrint raises without Pango

    monkeypatch.setattr(appealgen.toolkit, "import_module", no_pango)
    code, _, stderr = run("build", str(write_claim(appeal=HTML_LETTER)), "--out", str(tmp_path / "out"), *AS_OF)
    assert (code, stderr) == (4, "Pango (WeasyPrint's text layout) is not installed; install it with: apt-get "
                                 "install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0\n")


def test_every_top_level_name_has_an_example_and_every_letter_part_is_described() -> None:
    docs = describe(FrontContext)
    assert [d.name for d in docs if "." not in d.name and "[" not in d.name and not d.example] == []
    parts = ("disputed", "enclosed", "window", "signer", "policies", "facts")
    assert [d.name for d in docs if d.name.split(".")[0].split("[")[0] in parts and not d.description] == []
    assert not any(".model_" in d.name for d in docs)  # the sandbox refuses them: not template names


def test_the_enclosed_flags_are_the_attachment_kinds() -> None:
    from appealgen.models import AttachmentKind
    from appealgen.render.letter_parts import Enclosed

    assert list(Enclosed.__dataclass_fields__) == [kind.value for kind in AttachmentKind]
