"""Template tools for billing leads: init, list, fields, check, preview; templates checked
before any claim; friendly profile errors. Word files are built with python-docx in the tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from docx import Document
from docx.oxml import OxmlElement
from jinja2 import meta
from pypdf import PdfReader

from appealgen.errors import TemplateError
from appealgen.render.env import make_env, render_string
from appealgen.templating.preview import until_interrupted
from tests.conftest import PLAN_POLICY, REPO, WriteClaim
from tests.helpers import AS_OF, HTML_LETTER, NOTHING_BUILT, pdf_text, run

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


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.mark.parametrize("template", sorted((REPO / "templates" / "letters").glob("*.docx")), ids=lambda p: p.stem)
def test_a_shipped_word_letter_carries_only_the_styles_it_uses(template: Path) -> None:
    """Every letter is read by docxtpl and LibreOffice: a style no one uses costs time on each,
    and a style the letter uses must be there."""
    with zipfile.ZipFile(template) as docx:
        names = docx.namelist()
        styles = ElementTree.fromstring(docx.read("word/styles.xml"))
        used = docx.read("word/document.xml") + docx.read("word/numbering.xml")
    assert not [n for n in names if "stylesWithEffects" in n or "thumbnail" in n or n.startswith("customXml")]
    defined = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    referenced = {e.get(f"{W}val", "") for s in defined.values() for tag in ("basedOn", "next", "link")
                  for e in s.iter(f"{W}{tag}")}
    unused = [i for i, s in defined.items()
              if s.get(f"{W}default") != "1" and i not in referenced and f'w:val="{i}"'.encode() not in used]
    assert unused == []
    named = {n.decode() for n in re.findall(rb'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', used)}
    assert named | referenced <= set(defined)


def test_fields_list_every_name_the_built_in_templates_use() -> None:
    code, stdout, _ = run("templates", "fields", "--json", "--workspace", str(REPO))
    assert code == 0
    listed = {field["name"] for field in json.loads(stdout)["fields"]}
    env = make_env([REPO / "templates"], REPO / "templates")
    # Letters and covers take the claim's fields; the report page (templates/reports) takes the report.
    for path in [p for folder in ("letters", "cover_sheets") for p in (REPO / "templates" / folder).rglob("*.html")]:
        used = meta.find_undeclared_variables(env.parse(path.read_text()))
        assert used <= listed | {"cycler", "range"}, path.name
    assert {"patient.last_name", "plan.deadline", "lines[].billed", "index[].pages", "to.name"} <= listed


def test_each_template_source_is_compiled_once_for_each_escaping() -> None:
    env = make_env([REPO / "templates"], REPO / "templates")
    escaped = env.from_string("Dear {{ name }}")
    assert env.from_string("Dear {{ name }}") is escaped
    assert escaped.render(name="<b>") == "Dear &lt;b&gt;"
    env.autoescape = False  # the compiled code depends on it: a source compiled with it on is not reused
    plain = env.from_string("Dear {{ name }}")
    assert plain is not escaped and plain.render(name="<b>") == "Dear <b>"
    for n in range(env.COMPILED_KEPT):  # type: ignore[attr-defined]
        env.from_string(f"source {n}")
    assert env.from_string("Dear {{ name }}") is not plain  # the least recently used are forgotten


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
        "letters/mine.docx: paragraph 2, at 'RE: {{ pateint.member_id }}': pateint does not exist (did you mean "
        "patient?)",
        "letters/mine.html: line 2, at '<p>{{ patient.lastname }}</p>': patient.lastname does not exist (did you "
        "mean last_name?)",
        "2 problems"])


def test_a_syntax_error_names_the_line_or_the_paragraph(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>one</p>\n<p>two</p>\n{% if plan.denied %}<p>three\n")
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,",
                       "{%p if plan.denied %}", "The claim was denied.", "Sincerely,")
    code, lines = check(folder, html, word)
    assert code == 1
    assert lines[0] == ("letters/mine.docx: paragraph 2, at '{%p if plan.denied %}': 'if' is opened here and never "
                        "closed ('endif' is missing)")
    assert lines[1].startswith("letters/mine.html: line 3, at '{% if plan.denied %}<p>three': cannot read this tag: "
                               "Unexpected end of template.")


@pytest.mark.parametrize(
    ("text", "message"),
    [("RE: {{ claim.claim_id }", "a tag is not closed: '{{' needs '}}'"),
     ("RE: { { claim.claim_id }}", "a tag is not opened: '}}' without '{{' before it"),
     ("RE: {{ claim.claim_id } }", "a tag is not closed: '{{' needs '}}'"),
     ("{{ payer.name|default(\u201cx\u201d) }}", "curly quotes (\u201c\u201d\u2018\u2019) cannot be used inside a "
      "tag: retype them as straight quotes (' or \"), or turn off Word's smart quotes")],
    ids=["one-brace-short", "space-in-opening", "space-in-closing", "smart-quotes"],
)
def test_a_malformed_word_tag_is_caught_with_its_paragraph(tmp_path: Path, text: str, message: str) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,", text)
    assert check(folder, word)[1][0].endswith(f": {message}")
    assert check(folder, word)[1][0].startswith("letters/mine.docx: paragraph 2, at ")


def test_a_tag_split_across_runs_renders_right(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    letter = folder / "templates" / "letters" / "split.docx"
    word_letter(letter, "RE: claim {{ claim.payer_claim_number }}", "Dear reviewer,",
                [("Member: {{ patient.mem", True), ("ber_id }}", False)], "Thank you.")
    assert check(folder, letter) == (0, ["templates: no problems"])
    claim = write_claim(appeal={"letter": "split.docx", "policy": PLAN_POLICY})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert code == 0, stderr
    assert "Member: 9XX9XX9XX99" in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")


def test_a_tag_whose_closing_braces_sit_in_a_word_field_code_is_caught_with_its_paragraph(tmp_path: Path) -> None:
    """Word shows `{{ patient.member_id}}` whole, but its first `}}` is field-code text that the
    renderer cannot clean away: the check names the paragraph instead of letting a letter lose it."""
    folder = workspace(tmp_path)
    letter = folder / "templates" / "letters" / "field.docx"
    document = Document()
    document.add_paragraph("Dear reviewer,")
    paragraph = document.add_paragraph()
    paragraph.add_run("Member: {{ patient.member_id")
    field_run, instruction = OxmlElement("w:r"), OxmlElement("w:instrText")
    instruction.text = "}}"
    field_run.append(instruction)
    paragraph._p.append(field_run)
    paragraph.add_run("}}")
    letter.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(letter))
    code, lines = check(folder, letter)
    assert code == 1
    assert lines[0] == ("letters/field.docx: paragraph 2, at 'Member: {{ patient.member_id}}': a tag is split by "
                        "formatting Word added; select the whole tag, clear its formatting and retype it in one go")


def test_a_problem_in_a_table_cell_is_named_by_its_table_row_and_cell(tmp_path: Path) -> None:
    """Word numbers no paragraphs: a cell's place is its table, row and cell, and the paragraphs
    after a table count on from the body's own (a table's cells are not paragraphs of the page)."""
    folder = workspace(tmp_path)
    letter = folder / "templates" / "letters" / "table.docx"
    document = Document()
    document.add_paragraph("Dear reviewer,")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "Date of service", "{{ line.bild | money }}"
    document.add_paragraph("Sincerely, {{ provider.nam }}")
    letter.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(letter))
    code, lines = check(folder, letter)
    assert code == 1
    assert [line.split(": ")[1] for line in lines[:2]] == [
        "table 1, row 2, cell 2, at '{{ line.bild | money }}'", "paragraph 2, at 'Sincerely, {{ provider.nam }}'"]


def test_a_broken_template_stops_the_run_before_the_first_claim(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "reconsideration.html").write_text("<p>{{ patient.lastname }}</p>\n")
    claim = write_claim(appeal=HTML_LETTER)
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert (code, stderr.splitlines()) == (1, [
        "letters/reconsideration.html: line 1, at '<p>{{ patient.lastname }}</p>': patient.lastname does not exist "
        "(did you mean last_name?)", NOTHING_BUILT])
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
    assert stderr.splitlines() == ["template: built-in templates/letters/authorization.html", f"wrote {out}",
                                   *[f"wrote {tmp_path}/preview-{n}.png" for n in range(1, pages + 1)]]
    cover = tmp_path / "cover.pdf"
    assert run("templates", "preview", "cover_sheets/fax_cover.html", "--claim", str(claim), "--out", str(cover),
               "--workspace", str(REPO), *TODAY)[0] == 0
    assert "Index of enclosed documents" in pdf_text(cover)


def test_a_letter_previewed_with_a_claim_it_is_not_sent_for_says_which_letter_the_claim_gets(tmp_path: Path) -> None:
    """The coding letter previewed with an authorization denial argued "the codes billed were
    correct", and nothing said that claim would get another letter."""
    claim = REPO / "examples" / "auth-commercial" / "claim.yaml"
    code, _, stderr = run("templates", "preview", "letters/coding.docx", "--claim", str(claim), "--out",
                          str(tmp_path / "preview.pdf"), "--workspace", str(REPO), *TODAY)
    assert code == 0, stderr
    assert stderr.splitlines()[1] == (
        "note: this claim's plan sends authorization.html (authorization -> reconsideration), not coding.docx: the "
        "preview shows the letter with a claim it is not sent for; preview it with a claim of the denials it answers")


def test_a_misspelled_profile_key_and_a_missing_profile_template(tmp_path: Path, write_claim: WriteClaim) -> None:
    folder = workspace(tmp_path)
    profile = (REPO / "payers" / "commercial.yaml").read_text()
    target = folder / "payers" / "commercial.yaml"
    target.write_text(profile.replace("window_months: 12, counts_from: denial_date, action: reconsideration",
                                      "window_month: 12, counts_from: denial_date, action: reconsideration"))
    claim = write_claim(appeal=HTML_LETTER)
    code, _, stderr = run("plan", str(claim), "--workspace", str(folder), *TODAY)
    assert (code, stderr) == (1, f"{target}: levels[0].window_month: unknown key (did you mean "
                                 "window_months?)\n")
    target.write_text(profile.replace("authorization: authorization.html", "authorization: authorisation.html"))
    code, _, stderr = run("plan", str(claim), "--workspace", str(folder), *TODAY)
    assert (code, stderr) == (1, f"{target}: letters.authorization: template 'authorisation.html' is not in "
                                 "templates/letters (did you mean authorization.html?)\n")


def test_a_misspelled_key_in_the_practice_settings_gets_the_closest_real_one(
    tmp_path: Path, write_claim: WriteClaim
) -> None:
    folder = workspace(tmp_path)
    settings = folder / "appealgen.yaml"
    settings.write_text("databse_url: log.sqlite\npractices:\n  \"1538261953\": {name: X, requester: {nam: Y}}\n")
    code, _, stderr = run("plan", str(write_claim(appeal=HTML_LETTER)), "--workspace", str(folder), *TODAY)
    assert (code, sorted(stderr.splitlines())) == (1, [
        f"{settings}: databse_url: unknown key (did you mean database_url?)",
        f"{settings}: practices.1538261953.requester.nam: unknown key (did you mean name?)"])


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
    assert str(caught.value) == ("broken.docx: paragraph 2, at '{%p if plan.denied %}': 'if' is opened here and "
                                 "never closed ('endif' is missing)")


# --- what a new billing lead ran into -------------------------------------------------------


def test_a_method_printed_instead_of_a_field_is_caught(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Enclosed:", "{%p for e in enclosures %}",
                       "{{ e.title }}", "{%p endfor %}", "{{ patient.last_name.upper() }}")
    assert check(folder, word) == (1, [
        "letters/mine.docx: paragraph 3, at '{{ e.title }}': e.title is not a field: e is text; write {{ e }}",
        "1 problem"])


def test_a_misspelled_field_of_a_table_row_loop_is_caught(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "{%tr for line in lines %}",
                       "{{ line.bild | money }}", "{%tr endfor %}")
    assert check(folder, word)[1] == [
        "letters/mine.docx: paragraph 2, at '{{ line.bild | money }}': line.bild does not exist (did you mean "
        "billed?)", "1 problem"]


def test_a_cover_sheet_name_in_a_letter_is_explained(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>{{ total_pages }} pages</p>\n")
    assert check(folder, html)[1][0] == ("letters/mine.html: line 1, at '<p>{{ total_pages }} pages</p>': "
                                         "total_pages is for cover sheets and the index page only, not letters")
    cover = folder / "templates" / "cover_sheets" / "mine.html"
    cover.write_text("<p>{{ total_pages }} pages</p>\n")
    assert check(folder, cover) == (0, ["templates: no problems"])


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "RE: {{ claim.claim_id }",
                       "From {{ provider.contact or \u2018Billing department\u2019 }}",
                       "Dear {{ to.nam }},", "Member {{ patient.member_id|defualt('-') }}")
    code, lines = check(folder, word)
    assert code == 1
    assert lines == [
        "letters/mine.docx: paragraph 1, at 'RE: {{ claim.claim_id }': a tag is not closed: '{{' needs '}}'",
        "letters/mine.docx: paragraph 2, at '...{{ provider.contact or \u2018Billing department\u2019 }}': curly "
        "quotes (\u201c\u201d\u2018\u2019) cannot be used inside a tag: retype them as straight quotes (' or \"), or "
        "turn off Word's smart quotes",
        "letters/mine.docx: paragraph 3, at 'Dear {{ to.nam }},': to.nam does not exist (did you mean name?)",
        "letters/mine.docx: paragraph 4, at \"...r {{ patient.member_id|defualt('-') }}\": filter 'defualt' does not "
        "exist (did you mean default?)",
        "4 problems"]


def test_a_payer_folder_no_profile_is_named_after_is_a_problem(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "medicare-dmee").mkdir()  # a typing error: never used
    (folder / "templates" / "letters" / "medicare-dmee" / "medical_necessity.html").write_text("<p>Ours</p>")
    (folder / "templates" / "cover_sheets" / "commercial").mkdir(parents=True)  # a profile's own: fine
    code, _, stderr = run("templates", "check", "--workspace", str(folder))
    assert (code, stderr.splitlines()[-2:]) == (1, [
        "letters/medicare-dmee/: no payer profile is called 'medicare-dmee' (did you mean medicare-dme?): the "
        "templates in this folder are never used",
        "1 problem"])


def test_word_lock_files_are_not_templates(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "~$dical_necessity.docx").write_bytes(b"lock")
    assert run("templates", "check", "--workspace", str(folder))[0] == 0
    assert "~$" not in run("templates", "list", "--workspace", str(folder))[1]


def test_check_takes_template_names_as_list_shows_them() -> None:
    code, _, stderr = run("templates", "check", "letters/medical_necessity.docx", "--workspace", str(REPO))
    assert (code, stderr) == (0, "templates: no problems\n")
    code, _, stderr = run("templates", "check", "letters/medical_necesity.docx", "--workspace", str(REPO))
    assert code == 1
    assert "(did you mean letters/medical_necessity.docx?)" in stderr


def test_copy_for_one_payer_starts_from_the_teams_shared_letter(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    shared = folder / "templates" / "letters" / "coding.docx"
    word_letter(shared, "Our team's own coding letter.")
    code, _, stderr = run("templates", "copy", "letters/coding.docx", "--payer", "medicare-dme",
                          "--workspace", str(folder))
    assert code == 0
    copy = folder / "templates" / "letters" / "medicare-dme" / "coding.docx"
    assert stderr.splitlines()[0] == f"copied workspace templates/letters/coding.docx to {copy}"
    assert copy.read_bytes() == shared.read_bytes()
    code, _, stderr = run("templates", "copy", "letters/coding.docx", "--payer", "medicare-dmee",
                          "--workspace", str(folder))
    assert (code, stderr) == (1, "medicare-dmee: --payer: no payer profile 'medicare-dmee' (did you mean "
                                 "medicare-dme?)\n")


def test_check_reports_payer_profile_problems_and_a_broken_profile_does_not_stop_other_payers(
    tmp_path: Path, write_claim: WriteClaim
) -> None:
    folder = workspace(tmp_path)
    code, _, stderr = run("payers", "copy", "medicare-dme", "acme-health", "--workspace", str(folder))
    assert code == 0
    profile = folder / "payers" / "acme-health.yaml"
    assert stderr.startswith(f"copied built-in payers/medicare-dme.yaml to {profile}")
    assert "id: acme-health" in profile.read_text() and "match: {payer_ids: [], names: []}" in profile.read_text()
    profile.write_text(profile.read_text().replace("presumed_receipt_days:", "presumed_reciept_days:"))
    code, lines = check(folder)
    assert code == 1
    assert lines == ["payers/acme-health.yaml: presumed_reciept_days: unknown key (did you mean "
                     "presumed_receipt_days?)", "1 problem"]
    claim = write_claim(appeal=HTML_LETTER)  # a commercial claim: the broken profile is not its payer's
    assert run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)[0] == 0


def test_previews_go_to_the_workspace_and_their_pictures_are_private(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    claim = folder / "claims" / "auth-commercial" / "claim.yaml"
    code, _, stderr = run("templates", "preview", "letters/authorization.html", "--claim", str(claim), "--png",
                          "--workspace", str(folder), *TODAY)
    assert code == 0, stderr
    pdf = folder / "previews" / "authorization.pdf"
    assert f"wrote {pdf}" in stderr.splitlines()
    pages = list((folder / "previews").glob("authorization-*.png"))
    assert pages and all(page.stat().st_mode & 0o777 == 0o600 for page in pages)


def test_a_malformed_html_tag_stops_the_build_with_its_line_and_leaves_no_packet(
    tmp_path: Path, write_claim: WriteClaim
) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "mine.html").write_text("<p>RE:</p>\n<p>{{ claim.claim_id }</p>\n")
    claim = write_claim(appeal={**HTML_LETTER, "letter": "mine.html"})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert code == 1
    assert stderr.startswith("letters/mine.html: line 2, at '<p>{{ claim.claim_id }</p>': a tag is not closed properly")
    assert not (tmp_path / "out").exists()


UNESCAPED = "(letters escape every value, and a template cannot turn that off)"


def test_a_template_cannot_put_claim_data_in_unescaped(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>{{ patient.last_name|safe }}</p>\n"
                    "{% autoescape false %}{{ claim.claim_id }}{% endautoescape %}\n"
                    "{% autoescape true %}{{ claim.claim_id }}{% endautoescape %}\n")
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,", "RE: {{ payer.name | safe }}")
    assert check(folder, html, word) == (1, [
        "letters/mine.docx: paragraph 2, at 'RE: {{ payer.name | safe }}': '|safe' would put the value into the "
        f"letter as markup (HTML or Word's XML), not text: remove it {UNESCAPED}",
        "letters/mine.html: line 1, at '...p>{{ patient.last_name|safe }}</p>': '|safe' would put the value into the "
        f"letter as markup (HTML or Word's XML), not text: remove it {UNESCAPED}",
        "letters/mine.html: line 2, at '{% autoescape false %}{{ claim.claim_id }}{% endautoescape %}': an "
        f"'autoescape' block is refused {UNESCAPED}",
        "letters/mine.html: line 3, at '{% autoescape true %}{{ claim.claim_id }}{% endautoescape %}': an "
        f"'autoescape' block is refused {UNESCAPED}",
        "4 problems"])


def test_text_beside_a_paragraph_tag_is_caught_before_it_vanishes_from_every_letter(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    word = word_letter(folder / "templates" / "letters" / "mine.docx", "Dear reviewer,",
                       "Mail to: {%p if payer.name %}", "{{ payer.name }}", "{%p endif %} Thank you for your review.",
                       "{%p if plan.denied %}", "Denied.", "{%p endif %}",
                       "{%p for p in plan.policies %}", "Policy: {{ p }}", "{%p endfor %}")
    assert check(folder, word) == (1, [
        "letters/mine.docx: paragraph 2, at 'Mail to: {%p if payer.name %}': this text would never reach the letter: "
        "a '{%p %}' tag takes the place of its whole paragraph; move the text to a paragraph of its own",
        "letters/mine.docx: paragraph 4, at '{%p endif %} Thank you for your review.': this text would never reach "
        "the letter: a '{%p %}' tag takes the place of its whole paragraph; move the text to a paragraph of its own",
        "2 problems"])


def test_a_formatting_filter_given_a_field_of_another_type_is_caught(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>{{ patient.last_name | money }}</p>\n<p>{{ plan.amount_requested | money }} "
                    "{{ patient.dob | us_date }}</p>\n{% for line in lines %}{{ line.code | long_date }}{% endfor %}\n")
    assert check(folder, html) == (1, [
        "letters/mine.html: line 1, at '...{{ patient.last_name | money }}</p>': 'money' formats an amount, and "
        "patient.last_name is text",
        "letters/mine.html: line 3, at '...lines %}{{ line.code | long_date }}{% endfor %}': 'long_date' formats a "
        "date, and line.code is text (optional)",
        "2 problems"])


def test_a_filter_given_text_at_render_time_says_so_without_the_text(tmp_path: Path) -> None:
    (tmp_path / "mine.html").write_text("<p>{{ name | money }}</p>")
    env = make_env([tmp_path], REPO / "templates")
    with pytest.raises(TemplateError) as refused:
        render_string(env, "mine.html", {"name": "Testcase"})
    assert str(refused.value) == "mine.html: 'money' formats an amount, and it was given something else"


@pytest.mark.parametrize("tag", ["{{ name|safe }}", "{% if name %}{{ name|safe }}{% endif %}"], ids=["plain", "in-if"])
def test_the_renderer_has_no_safe_filter_even_for_a_template_never_checked(tmp_path: Path, tag: str) -> None:
    (tmp_path / "mine.html").write_text(f"<p>{tag}</p>")
    env = make_env([tmp_path], REPO / "templates")
    with pytest.raises(TemplateError) as refused:
        render_string(env, "mine.html", {"name": "<b>"})
    assert str(refused.value).endswith(f": '|safe' would put the value into the letter as markup (HTML or Word's "
                                       f"XML), not text: remove it {UNESCAPED}")


@pytest.mark.parametrize(("tag", "message"), [
    ("{{ patient.last_name|safe }}", "'|safe' would put the value into the letter as markup (HTML or Word's XML), "
     f"not text: remove it {UNESCAPED}"),
    ("{% autoescape x %}{{ patient.last_name }}{% endautoescape %}", f"an 'autoescape' block is refused {UNESCAPED}"),
], ids=["safe", "autoescape-variable"])
def test_an_unescaped_value_stops_the_build_before_any_claim_data_is_rendered(
    tmp_path: Path, write_claim: WriteClaim, tag: str, message: str
) -> None:
    folder = workspace(tmp_path)
    (folder / "templates" / "letters" / "mine.html").write_text(f"<p>RE:</p>\n<p>{tag}</p>\n")
    claim = write_claim(appeal={**HTML_LETTER, "letter": "mine.html"}, patient={
        "first_name": "Ann", "last_name": "<img src='https://example.invalid/x.png'>", "dob": "1950-01-02",
        "member_id": "1EG4TE5MK73"})
    code, _, stderr = run("build", str(claim), "--out", str(tmp_path / "out"), "--workspace", str(folder), *TODAY)
    assert code == 1
    first, closing = stderr.splitlines()
    assert first.startswith("letters/mine.html: line 2, at '") and first.endswith(f"': {message}")
    assert closing == NOTHING_BUILT
    assert "<img" not in stderr and not (tmp_path / "out").exists()


def save(path: Path, text: str) -> None:
    """Save as an editor does: the whole new file at once, under the template's name."""
    part = path.parent.parent.parent / f".{path.name}.saving"
    part.write_text(text)
    os.replace(part, path)


def wait_for(what: str, ready: Callable[[], bool], watch: subprocess.Popen[bytes], log: Path,
             seconds: float = 30) -> None:
    """Poll until `ready`; fail at once if the watch has ended, else after `seconds`."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert watch.poll() is None, f"the watch ended (exit {watch.returncode}) before {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no {what} within {seconds:.0f} s; the watch printed:\n{log.read_text()}"
        time.sleep(0.1)


class _InterruptedWhileFreed:
    """An object whose finalizer is running when Ctrl-C arrives, as a written preview's are."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # Python runs the handler here, inside the finalizer


def test_a_ctrl_c_that_lands_in_a_finalizer_still_stops_the_watch() -> None:
    with until_interrupted() as interrupted:
        _InterruptedWhileFreed()  # freed at once
        assert interrupted()


def test_a_second_ctrl_c_interrupts_at_once_and_the_handler_is_put_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), until_interrupted() as interrupted:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert interrupted()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_watch_started_with_ctrl_c_ignored_keeps_ignoring_it() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with until_interrupted() as interrupted:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            assert not interrupted()
    finally:
        signal.signal(signal.SIGINT, before)


def test_preview_watch_renders_each_save_and_keeps_the_last_good_preview(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    letter = folder / "templates" / "letters" / "mine.html"
    save(letter, "<p>Version one for {{ patient.last_name }}</p>\n")
    claim = folder / "claims" / "auth-commercial" / "claim.yaml"
    pdf, log = folder / "previews" / "mine.pdf", tmp_path / "watch.log"

    def shows(text: str) -> Callable[[], bool]:
        return lambda: pdf.exists() and text in pdf_text(pdf)

    with log.open("w") as stderr:
        watch = subprocess.Popen([sys.executable, "-m", "appealgen", "templates", "preview", "letters/mine.html",
                                  "--claim", str(claim), "--watch", "--workspace", str(folder), *TODAY],
                                 cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr,
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for("a first preview", shows("Version one for"), watch, log)
        save(letter, "<p>Version two for {{ patient.last_name }}</p>\n")
        wait_for("the saved change in the preview", shows("Version two for"), watch, log)
        good = pdf.read_bytes()
        save(letter, "<p>Version three</p>\n<p>{{ patient.lastname }}</p>\n")
        wait_for("the broken template's problem", lambda: "the last preview was kept" in log.read_text(), watch, log)
        assert ("letters/mine.html: line 2, at '<p>{{ patient.lastname }}</p>': patient.lastname does not exist "
                "(did you mean last_name?)") in log.read_text().splitlines()
        assert pdf.exists() and pdf.read_bytes() == good, "the last good preview was not kept"
        part = folder / "templates" / "letters" / "_closing.html"  # made while watching: watched too
        save(part, "<p>Signed, the billing office</p>\n")
        save(letter, "<p>Version three for {{ patient.last_name }}</p>\n{% include 'letters/_closing.html' %}\n")
        wait_for("the fixed template's preview", shows("Version three for"), watch, log)
        save(part, "<p>Signed, the appeals desk</p>\n")  # a part the letter includes, saved alone
        wait_for("the included part's change", shows("Signed, the appeals desk"), watch, log)
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=30) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    printed = log.read_text()
    assert "Traceback" not in printed and printed.splitlines()[-1] == "stopped", printed
    assert printed.count(f"wrote {pdf}") == 4, printed


@pytest.mark.parametrize(("payer", "role"), [("medicare-dme", "Supplier"), ("medicare-part-b", "Provider")])
def test_a_medicare_cover_calls_the_requester_what_its_contractor_does(tmp_path: Path, payer: str, role: str) -> None:
    """A DME MAC's requesters are suppliers; a Part B MAC's (a physician practice) providers."""
    example = tmp_path / "cpap"
    shutil.copytree(REPO / "examples" / "cpap-medicare", example)
    claim = example / "claim.yaml"
    claim.write_text(claim.read_text().replace("payer: medicare-dme", f"payer: {payer}"))
    run("build", str(claim), "--out", str(tmp_path / "out"), *AS_OF)
    cover = " ".join(PdfReader(tmp_path / "out" / "ACCT-1001" / "packet.pdf").pages[0].extract_text().split())
    assert f"{role} identifiers NPI" in cover
    assert f"({role.lower()})" in cover


def test_copy_of_a_misspelt_template_names_the_closest_one(tmp_path: Path) -> None:
    folder = workspace(tmp_path)
    code, _, stderr = run("templates", "copy", "letters/medical_necesity.docx", "--workspace", str(folder))
    assert (code, stderr) == (1, "templates/letters/medical_necesity.docx: not found in the workspace or the "
                                 "built-ins (did you mean medical_necessity.docx?)\n")
    code, _, stderr = run("templates", "copy", "letters/appeal_letter.docx", "--workspace", str(folder))
    assert (code, stderr) == (1, "templates/letters/appeal_letter.docx: not found in the workspace or the "
                                 "built-ins\n")  # nothing close: no guess


def test_an_optional_field_printed_unguarded_is_named_and_never_prints_none(tmp_path: Path,
                                                                             write_claim: WriteClaim) -> None:
    """`{{ patient.address }}` on a claim without an address read "Patient address: None."."""
    folder = workspace(tmp_path)
    html = folder / "templates" / "letters" / "mine.html"
    html.write_text("<p>Dear reviewer,</p>\n<p>Address: {{ patient.address }}</p>\n"
                    "<p>{% if patient.address %}Address: {{ patient.address }}{% endif %}</p>\n"
                    "<p>Good cause: {{ good_cause or 'none stated' }}</p>\n")
    assert check(folder, html) == (1, [
        "letters/mine.html: line 2, at '<p>Address: {{ patient.address }}</p>': patient.address is optional: on a "
        "claim without it the letter would print nothing there; wrap it in {% if patient.address %}...{% endif %}, "
        "or write {{ patient.address or 'text for none' }}", "1 problem"])
    env = make_env([], REPO / "templates")
    assert env.from_string("Address: {{ patient.address }}.").render(patient={"address": None}) == "Address: ."


def _run(tag: str, text: str = "", **attributes: str) -> Any:
    """A w:r holding one element (w:t, w:instrText, w:fldChar) as Word writes a field's parts."""
    run_element, inner = OxmlElement("w:r"), OxmlElement(tag)
    inner.text = text or None
    for name, value in attributes.items():
        inner.set(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{name}", value)
    run_element.append(inner)
    return run_element


@pytest.mark.parametrize("form", ["simple", "complex"])
def test_a_word_mail_merge_field_is_named_with_the_field_to_type_instead(tmp_path: Path, form: str) -> None:
    """Word writes a merge field as one w:fldSimple, or as runs: begin, its code, separate, the
    placeholder shown, end."""
    folder = workspace(tmp_path)
    path = word_letter(folder / "templates" / "letters" / "merge.docx", "Dear reviewer,", "Patient: ")
    document = Document(str(path))
    paragraph = document.paragraphs[1]._p
    if form == "simple":
        field = OxmlElement("w:fldSimple")
        field.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instr", " MERGEFIELD patient_name ")
        field.append(_run("w:t", "\u00abpatient_name\u00bb"))
        paragraph.append(field)
    else:
        for part in (_run("w:fldChar", fldCharType="begin"), _run("w:instrText", " MERGEFIELD patient_name "),
                     _run("w:fldChar", fldCharType="separate"), _run("w:t", "\u00abpatient_name\u00bb"),
                     _run("w:fldChar", fldCharType="end")):
            paragraph.append(part)
    document.save(str(path))
    assert check(folder, path) == (1, [
        "letters/merge.docx: paragraph 2, at 'Patient: \u00abpatient_name\u00bb': \u00abpatient_name\u00bb is a Word "
        "mail-merge field, which appealgen does not fill (the letter would print it as it is): delete it and type "
        "the field in braces, such as {{ patient.first_name }} {{ patient.last_name }} (`appealgen templates fields` "
        "lists them)", "1 problem"])
