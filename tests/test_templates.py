"""Template tools for billing leads: init, list, fields, check, preview; templates checked
before any claim; friendly profile errors. Word files are built with python-docx in the tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from docx import Document
from jinja2 import meta
from pypdf import PdfReader

from appealgen.render.env import make_env
from tests.conftest import PLAN_POLICY, REPO, WriteClaim
from tests.helpers import AS_OF, HTML_LETTER, pdf_text, run

TODAY = ["--as-of", "2026-11-22"]


def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    assert run("init", str(folder))[0] == 0
    return folder


def word_letter(path: Path, *paragraphs: str | list[tuple[str, bool]]) -> Path:
    """A Word letter; a paragraph given as [(text, bold), ...] is written as separate runs."""
    document = Document()
    for paragraph in paragraphs:
        if isinstance(paragraph, str):
            document.add_paragraph(paragraph)
            continue
        element = document.add_paragraph()
        for text, bold in paragraph:
            element.add_run(text).bold = bold
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def check(folder: Path, *paths: Path) -> tuple[int, list[str]]:
    code, _, stderr = run("templates", "check", *map(str, paths), "--workspace", str(folder))
    return code, stderr.splitlines()


def test_init_makes_a_workspace_and_never_overwrites_one(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    for expected in ("templates/letters", "templates/cover_sheets", "payers", "claims/cpap-medicare/claim.yaml",
                     "claims/auth-commercial/claim.yaml", "README.md", "appealgen.yaml"):
        assert (folder / expected).exists(), expected
    code, _, stderr = run("init", str(folder))
    assert (code, stderr) == (1, f"{folder / 'appealgen.yaml'}: already exists: this folder is a workspace; "
                                 "nothing changed\n")


def test_every_built_in_template_passes_the_check() -> None:
    code, _, stderr = run("templates", "check", "--workspace", str(REPO))
    assert (code, stderr) == (0, "templates: no problems\n")


def test_fields_list_every_name_the_built_in_templates_use() -> None:
    code, stdout, _ = run("templates", "fields", "--json", "--workspace", str(REPO))
    assert code == 0
    listed = {field["name"] for field in json.loads(stdout)["fields"]}
    env = make_env([REPO / "templates"], REPO / "templates")
    for path in [*(REPO / "templates").rglob("*.html")]:
        used = meta.find_undeclared_variables(env.parse(path.read_text()))
        assert used <= listed | {"cycler", "range"}, path.name
    assert {"patient.last_name", "plan.deadline", "lines[].billed", "index[].pages", "to.name"} <= listed


def test_fields_with_a_claim_show_its_values() -> None:
    claim = REPO / "examples" / "cpap-medicare" / "claim.yaml"
    code, stdout, _ = run("templates", "fields", "--claim", str(claim), "--workspace", str(REPO), *TODAY)
    assert code == 0
    assert "patient.last_name  (text)  " in stdout and "  = Testwell" in stdout
    assert "lines[].code  (text)" in stdout and "= E0601" in stdout


def test_a_misspelled_field_gets_a_suggestion_in_html_and_word(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>Dear reviewer,</p>\n<p>{{ patient.lastname }}</p>\n")
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,", "RE: {{ pateint.member_id }}")
    assert check(folder, html, word) == (1, [
        "letters/mine.docx: paragraph 2 ('RE: {{ pateint.member_id }}'): pateint does not exist (did you mean "
        "patient?)",
        "letters/mine.html: line 2: patient.lastname does not exist (did you mean last_name?)",
        "2 problems"])


def test_a_syntax_error_names_the_line_or_the_paragraph(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>one</p>\n<p>two</p>\n{% if plan.denied %}<p>three\n")
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,",
                       "{%p if plan.denied %}", "The claim was denied.", "Sincerely,")
    code, lines = check(folder, html, word)
    assert code == 1
    assert lines[0] == ("letters/mine.docx: paragraph 2 ('{%p if plan.denied %}'): 'if' is opened here and never "
                        "closed ('endif' is missing)")
    assert lines[1].startswith("letters/mine.html: line 3: Unexpected end of template.")


@pytest.mark.parametrize(
    ("text", "message"),
    [("RE: {{ claim.claim_id }", "a tag is not closed: 1 '{{' and 0 '}}'"),
     ("RE: { { claim.claim_id }}", "a tag is not closed: 0 '{{' and 1 '}}'"),
     ("RE: {{ claim.claim_id } }", "a tag is not closed: 1 '{{' and 0 '}}'"),
     ("{{ payer.name|default(\u201cx\u201d) }}", "unexpected char '\u201c'")],
    ids=["one-brace-short", "space-in-opening", "space-in-closing", "smart-quotes"],
)
def test_a_malformed_word_tag_is_caught_with_its_paragraph(tmp_path: Path, text: str, message: str) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,", text)
    assert check(folder, word)[1][0] == f"letters/mine.docx: paragraph 2 ({text!r}): {message}"


def test_a_tag_split_across_runs_renders_right(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    letter = folder / "templates" / "letters" / "split.docx"
    word_letter(letter, "Dear reviewer,", [("Member: {{ patient.mem", True), ("ber_id }}", False)], "Thank you.")
    assert check(folder, letter) == (0, ["templates: no problems"])
    claim = write_claim(appeal={"letter": "split.docx", "policy": PLAN_POLICY})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert code == 0, stderr
    assert "Member: 9ZZ9ZZ9ZZ99" in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")


def test_a_broken_template_stops_the_run_before_the_first_claim(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "reconsideration.html").write_text("<p>{{ patient.lastname }}</p>\n")
    claim = write_claim(appeal=HTML_LETTER)
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert (code, stderr) == (1, "letters/reconsideration.html: line 1: patient.lastname does not exist (did you "
                                 "mean last_name?)\n")
    assert not (tmp_path / "out").exists()


def test_a_broken_template_no_claim_uses_does_not_stop_the_run(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "unused.html").write_text("<p>{{ broken }</p>\n")
    code, _, stderr = run("build", str(write_claim(appeal=HTML_LETTER)), "--out", str(tmp_path / "out"),
                          "--workspace", str(folder), *TODAY)
    assert code == 0, stderr


def test_list_shows_formats_origins_overrides_and_users(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    shutil.copy(REPO / "templates" / "letters" / "coding.docx", folder / "templates" / "letters" / "coding.docx")
    code, stdout, _ = run("templates", "list", "--workspace", str(folder))
    assert code == 0
    lines = stdout.splitlines()
    coding = lines.index("letters/coding.docx  [Word, workspace, overrides built-in letters/coding.docx]")
    assert lines[coding + 1:coding + 5] == [
        "    commercial: categories coding", "    medicaid-caresource: categories coding",
        "    medicare-dme: categories coding", "    medicare-part-b: categories coding"]
    assert "letters/authorization.html  [HTML, built-in]" in lines
    assert "letters/corrected_claim.docx  [Word, built-in]" in lines
    assert "    included by letters/reconsideration.html" in lines


def test_preview_writes_a_pdf_and_png_pages(tmp_path: Path) -> None:
    claim = REPO / "examples" / "auth-commercial" / "claim.yaml"
    out = tmp_path / "preview.pdf"
    code, _, stderr = run("templates", "preview", "letters/authorization.html", "--claim", str(claim), "--out",
                          str(out), "--png", "--workspace", str(REPO), *TODAY)
    assert code == 0, stderr
    pages = len(PdfReader(out).pages)
    assert stderr.splitlines() == [f"wrote {out}", *[f"wrote {tmp_path}/preview-{n}.png" for n in range(1, pages + 1)]]
    cover = tmp_path / "cover.pdf"
    assert run("templates", "preview", "cover_sheets/fax_cover.html", "--claim", str(claim), "--out", str(cover),
               "--workspace", str(REPO), *TODAY)[0] == 0
    assert "Index of enclosed documents" in pdf_text(cover)


def test_a_misspelled_profile_key_and_a_missing_profile_template(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    profile = (REPO / "payers" / "commercial.yaml").read_text()
    target = folder / "payers" / "commercial.yaml"
    target.write_text(profile.replace("window_months: 12, counts_from: denial_date, action: reconsideration",
                                      "window_month: 12, counts_from: denial_date, action: reconsideration"))
    claim = write_claim(appeal=HTML_LETTER)
    code, _, stderr = run("plan", str(claim), "--workspace", str(folder), *TODAY)
    assert (code, stderr) == (1, f"{target}: levels[0].window_month: Extra inputs are not permitted (did you mean "
                                 "window_months?)\n")
    target.write_text(profile.replace("authorization: authorization.html", "authorization: authorisation.html"))
    code, _, stderr = run("plan", str(claim), "--workspace", str(folder), *TODAY)
    assert (code, stderr) == (1, f"{target}: letters.authorization: template 'authorisation.html' is not in "
                                 "templates/letters (did you mean authorization.html?)\n")


def test_every_command_names_its_workspace_first(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    claim = write_claim(appeal=HTML_LETTER)
    for command in (["plan", str(claim)], ["build", str(claim), "--out", str(tmp_path / "out")],
                    ["templates", "list"], ["batch", str(claim), "--out", str(tmp_path / "batch")]):
        stderr = run(*command, "--workspace", str(folder), *TODAY, workspace_line=True)[2]
        assert stderr.splitlines()[0] == f"workspace: {folder.resolve()} (--workspace)", command
    stderr = run("plan", str(claim), *AS_OF, workspace_line=True)[2]
    assert stderr.splitlines()[0] == "workspace: none (built-in templates and payer profiles)"


def test_plan_and_packet_json_name_the_template_file_used(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    assert run("templates", "copy", "letters/reconsideration.html", "--payer", "commercial",
               "--workspace", str(folder))[0] == 0
    claim = write_claim(appeal=HTML_LETTER)
    code, stdout, _ = run("plan", str(claim), "--workspace", str(folder), *TODAY)
    assert code == 0
    assert ("  letter: reconsideration.html (stated in the claim file) -> workspace "
            "templates/letters/commercial/reconsideration.html") in stdout.splitlines()
    assert run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)[0] == 0
    report = json.loads((tmp_path / "out" / "TEST-1" / "packet.json").read_text())
    assert (report["letter_file"], report["cover_file"]) == (
        "workspace templates/letters/commercial/reconsideration.html", "built-in templates/cover_sheets/fax_cover.html")


def test_the_word_renderer_refuses_a_broken_tag_instead_of_dropping_a_paragraph(tmp_path: Path) -> None:
    from appealgen.errors import InputErrors
    from appealgen.sources.claim_file import load_claims
    from appealgen.sources.items import Item
    from appealgen.workspace import Workspace
    from tests.builder import Builder

    folder = workspace(tmp_path)
    word_letter(folder / "templates" / "letters" / "broken.docx", "Dear reviewer,", "{%p if plan.denied %}",
                "This paragraph must not vanish.", "Sincerely,")
    item = load_claims(folder / "claims" / "auth-commercial" / "claim.yaml")[0]
    item = Item.of(item.claim.model_copy(update={"appeal": item.claim.appeal.model_copy(
        update={"letter": "broken.docx"})}), item.origin, item.source)
    builder = Builder(Workspace.open(folder))
    with pytest.raises(InputErrors) as caught:
        builder.build(item, tmp_path / "out")
    assert str(caught.value) == ("broken.docx: paragraph 2 ('{%p if plan.denied %}'): 'if' is opened here and "
                                 "never closed ('endif' is missing)")


def test_a_malformed_html_tag_stops_the_build_with_its_line_and_leaves_no_packet(
    tmp_path: Path, write_claim: WriteClaim
) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "mine.html").write_text("<p>RE:</p>\n<p>{{ claim.claim_id }</p>\n")
    claim = write_claim(appeal={**HTML_LETTER, "letter": "mine.html"})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert code == 1
    assert stderr.startswith("letters/mine.html: line 2: unexpected '}'")
    assert not (tmp_path / "out").exists()
