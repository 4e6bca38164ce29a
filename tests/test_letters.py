"""Every shipped letter renders for every example claim, with no undefined variable and no
template tag left behind; the Word letters convert to readable PDFs through LibreOffice."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from appealgen.models import KIND_LABELS, Action, AppealStep, Attachment, AttachmentKind, Decision, Policy
from appealgen.render.context import letter_context
from appealgen.render.docx import render_docx
from appealgen.render.env import render_string
from appealgen.render.office import convert_to_pdf
from appealgen.sources.claim_file import load_claims
from appealgen.sources.items import Item
from appealgen.templating.word import word_paragraphs
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, REPO, TODAY, WriteClaim

LETTERS = sorted((REPO / "templates" / "letters").glob("*.docx"))
HTML_LETTERS = sorted(p for p in (REPO / "templates" / "letters").glob("*.html") if not p.name.startswith("_"))
EXAMPLES = sorted((REPO / "examples").glob("*/claim.yaml"))
SUBJECTS = {
    "medical_necessity": "RE: Redetermination request: the items were medically necessary",
    "non_covered": "RE: Redetermination request: the service is covered",
    "authorization": "RE: Redetermination request: an authorization covered the services",
    "retro_authorization": "RE: Request for retroactive authorization",
    "missing_information": "RE: Redetermination request: the information asked for is enclosed",
    "coding": "RE: Redetermination request: the codes billed were correct",
    "bundling": "RE: Redetermination request: the service was separate and distinct",
    "eligibility": "RE: Redetermination request: the patient was covered on the date of service",
    "timely_filing": "RE: Redetermination request: the claim was filed on time",
    "coordination_of_benefits": "RE: Redetermination request: process the claim as the secondary payer",
    "benefit_maximum": "RE: Redetermination request: the benefit limit does not bar payment",
    "corrected_claim": "RE: Corrected claim (frequency code 7) replacing claim 26287000123401",
    "reopening": "RE: Request for reopening to correct a clerical error",
    "peer_to_peer": "RE: Request for a peer-to-peer review",
}


def context_for(claim_file: Path, builder: Builder) -> dict[str, object]:
    loaded = load_claims(claim_file)[0]
    profile, plan, claim = builder.plan(loaded)
    enclosures = [(a.kind.value, a.title or a.kind.value) for a in claim.attachments]
    return letter_context(claim, profile, plan, enclosures, TODAY).mapping()


def test_the_template_script_makes_the_shipped_word_letters_word_for_word(tmp_path: Path) -> None:
    """scripts/make_letter_templates.py recreates a letter from scratch: a change made to the
    shipped .docx and not to the script (or the reverse) would be lost the next time it runs."""
    made = subprocess.run([sys.executable, str(REPO / "scripts" / "make_letter_templates.py"), str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    for shipped in LETTERS:
        assert [p.text for p in word_paragraphs(tmp_path / shipped.name)] == [
            p.text for p in word_paragraphs(shipped)], shipped.name


def test_every_situation_has_a_word_letter() -> None:
    assert {p.stem for p in LETTERS} == set(SUBJECTS)


@pytest.mark.parametrize("claim_file", EXAMPLES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("template", LETTERS, ids=lambda p: p.stem)
def test_word_letter_renders_completely(template: Path, claim_file: Path, builder: Builder, tmp_path: Path) -> None:
    out = tmp_path / "letter.docx"
    render_docx(template, context_for(claim_file, builder), builder.env, out)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "{{" not in xml and "{%" not in xml
    claim = load_claims(claim_file)[0].claim
    assert claim.patient.member_id in xml and claim.claim_id in xml


@pytest.mark.parametrize("claim_file", EXAMPLES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("template", HTML_LETTERS, ids=lambda p: p.stem)
def test_html_letter_renders_completely(template: Path, claim_file: Path, builder: Builder) -> None:
    html = render_string(builder.env, f"letters/{template.name}", context_for(claim_file, builder))
    assert "{{" not in html and "{%" not in html
    assert load_claims(claim_file)[0].claim.patient.member_id in html


def test_word_letters_convert_and_read_as_letters(builder: Builder, tmp_path: Path) -> None:
    context = context_for(REPO / "examples" / "cpap-medicare" / "claim.yaml", builder)
    documents = []
    for template in LETTERS:
        documents.append(tmp_path / template.name)
        render_docx(template, context, builder.env, documents[-1])
    pdfs = convert_to_pdf(documents, tmp_path / "pdf")  # one LibreOffice run for all
    for template, pdf in zip(LETTERS, pdfs, strict=True):
        assert pdf is not None, template.name
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages)
        assert SUBJECTS[template.stem] in text, template.name
        assert "Rosalind Testwell" in text and "Example Home Medical Supply LLC" in text
        assert "Sincerely, Dana Sample Billing Lead Example Home Medical Supply LLC" in text


def test_the_medical_necessity_letter_speaks_of_one_item_or_of_several(builder: Builder, tmp_path: Path) -> None:
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    one = loaded.claim.model_copy(update={"service_lines": loaded.claim.service_lines[:1]})
    said = {}
    for name, claim in (("two", loaded.claim), ("one", one)):
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = (len(plan.disputed), "the items were medically necessary" in xml,
                      "The denial states that these items were not medically necessary. They were medically "
                      "necessary: " in xml,
                      "the item was medically necessary" in xml,
                      "The denial states that this item was not medically necessary. It was medically necessary: "
                      in xml)
    assert said == {"two": (2, True, True, False, False), "one": (1, False, False, True, True)}


def test_the_medical_necessity_letter_contests_liability_only_with_the_signed_notice_enclosed(
        builder: Builder, tmp_path: Path) -> None:
    """A GA line denied CO: with the ABN enclosed the letter asks that the beneficiary be held
    liable (section 1879); without it, or at a plan that is not Medicare, it says nothing of one."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0].model_copy(update={"modifiers": ["GA"]})
    abn = Attachment(kind=AttachmentKind.abn, path=Path("docs/abn.pdf"))
    said = {}
    for name, payer, attachments in (("enclosed", "medicare-dme", [*loaded.claim.attachments, abn]),
                                     ("missing", "medicare-dme", loaded.claim.attachments),
                                     ("commercial", "commercial", [*loaded.claim.attachments, abn])):
        claim = loaded.claim.model_copy(update={"service_lines": [line], "attachments": attachments, "payer": payer})
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        enclosures = [(a.kind.value, KIND_LABELS[a.kind]) for a in attachments]
        context = letter_context(planned, profile, plan, enclosures, TODAY).mapping()
        render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = ("advance beneficiary notice (CMS-R-131)" in xml, "changed from CO to PR" in xml,
                      "Advance beneficiary notice (ABN)" in xml)
    assert said == {"enclosed": (True, True, True), "missing": (False, False, False),
                    "commercial": (False, False, True)}


@pytest.mark.parametrize("template", ["authorization.html", "authorization.docx"])
def test_the_authorization_letter_answers_what_the_payer_found(builder: Builder, tmp_path: Path,
                                                               template: str) -> None:
    """CO-198 (units or visits exceeded) and N54 (not the service authorized) say an authorization was
    on file: a letter saying none was on file contradicts the payer's own finding and is upheld."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0]
    said = {}
    refusal = AppealStep(level="retro_authorization", date=date(2026, 11, 10), outcome=Decision.upheld,
                         reason="Not authorized.")
    for name, carc, rarc in (("197", "197", []), ("198", "198", []), ("N54", "197", ["N54"]), ("refused", "197", [])):
        denied = line.model_copy(update={"carc": [carc], "group": "CO", "rarc": rarc})
        appeal = loaded.claim.appeal.model_copy(update={"history": [refusal] if name == "refused" else []})
        claim = loaded.claim.model_copy(update={"service_lines": [denied], "payer": "commercial", "appeal": appeal})
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        if template.endswith(".html"):
            text = html.unescape(" ".join(render_string(builder.env, f"letters/{template}", context).split()))
        else:
            render_docx(REPO / "templates/letters" / template, context, builder.env, tmp_path / f"{name}.docx")
            text = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = (text[text.index("The denial states"):].split(".")[0],
                      "match the claim to the authorization" in text
                      and "an authorization covered the services" in text)  # the subject line too
    assert said == {"197": ("The denial states that no prior authorization was on file", True),
                    "198": ("The denial states that the services went beyond the units or visits authorized", True),
                    "N54": ("The denial states that the claim differs from the service authorized", True),
                    "refused": ("The denial states that no prior authorization was on file, and the plan's utilization "
                                "management has since refused to authorize the service after the fact", False)}


def test_a_late_reopening_letter_says_why_it_may_come_all_the_same(builder: Builder, tmp_path: Path) -> None:
    """A clerical error is reopened at any time (42 CFR 405.980(c)(3)): a letter that said only "filed
    after the 12 months allowed" would read as a late request without good cause."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0].model_copy(update={"carc": ["4"], "rarc": ["N822"],
                                                            "dos": date(2024, 9, 10)})
    claim = loaded.claim.model_copy(update={
        "service_lines": [line], "denial": loaded.claim.denial.model_copy(update={"date": date(2024, 10, 7)}),
        "appeal": loaded.claim.appeal.model_copy(update={"correction": "Modifier RR added to line 1."})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    assert plan.action is Action.reopening
    context = letter_context(planned, profile, plan, [], TODAY).mapping()
    render_docx(REPO / "templates/letters/reopening.docx", context, builder.env, tmp_path / "late.docx")
    xml = zipfile.ZipFile(tmp_path / "late.docx").read("word/document.xml").decode()
    assert ("which ended on October 7, 2025. As the request corrects a clerical error, it may come all the same: a "
            "clerical error on an unfavorable determination may be reopened at any time") in xml


def test_a_letter_names_the_patients_address_only_when_the_claim_gives_it(builder: Builder, tmp_path: Path) -> None:
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    said = {}
    for name, address in (("none", None), ("given", "12 Example Lane, Sampletown, EX 00000")):
        patient = loaded.claim.patient.model_copy(update={"address": address})
        claim = loaded.claim.model_copy(update={"patient": patient})
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        html = render_string(builder.env, "letters/reconsideration.html", context)
        render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = ("Address: 12 Example Lane" in html, "Address: 12 Example Lane" in xml)
    assert said == {"none": (False, False), "given": (True, True)}


def test_the_bundling_letter_names_the_modifier_that_marks_a_separate_service_only_when_there_is_one(
        builder: Builder, tmp_path: Path) -> None:
    """"As the modifier on the claim indicates" was said of lines that carried none: a reviewer
    reads the line and upholds. Without one, the plan says the fix is a corrected claim."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0].model_copy(update={"code": "99213", "modifiers": [], "carc": ["97"],
                                                            "rarc": ["M15"]})
    said = {}
    for name, modifiers in (("none", []), ("25", ["25"])):
        claim = loaded.claim.model_copy(update={"service_lines": [line.model_copy(update={"modifiers": modifiers})]})
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        render_docx(REPO / "templates/letters/bundling.docx", context, builder.env, tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        sentence = xml[xml.index("It was separate and distinct"):].split(".")[0]
        said[name] = (sentence, [f.code for f in plan.findings if f.code == "bundling.no_modifier"])
    assert said == {
        "none": ("It was separate and distinct from the service it was bundled with", ["bundling.no_modifier"]),
        "25": ("It was separate and distinct, as modifier 25 on the claim shows", []),
    }


def test_a_claim_paid_in_part_is_not_said_to_be_denied(builder: Builder, tmp_path: Path) -> None:
    """The remittance shows something paid (another line, or part of the one line): the letter
    says the claim was paid in part and the amount requested denied, never that the whole claim was."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    lines = loaded.claim.service_lines
    paid = lines[1].model_copy(update={"paid": lines[1].billed, "carc": [], "group": None, "rarc": []})
    reduced = lines[0].model_copy(update={"paid": lines[0].billed / 2})
    said = {}
    for name, claim in (("whole", loaded.claim),
                        ("part", loaded.claim.model_copy(update={"service_lines": [lines[0], paid]})),
                        ("one reduced", loaded.claim.model_copy(update={"service_lines": [reduced]}))):
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = ("The claim was denied on October 14, 2026" in xml,
                      "The claim was paid in part; the amount requested was denied on October 14, 2026" in xml,
                      "for the lines listed above" in xml, "for the line listed above" in xml)
    assert said == {"whole": (True, False, True, False), "part": (False, True, False, True),
                    "one reduced": (False, True, False, True)}


def test_the_total_says_when_a_secondary_claim_asks_for_what_the_primary_left_owing(
        builder: Builder, tmp_path: Path) -> None:
    """Two lines denied CO-22 for $1,850 and a primary that left $100 owing: the request asks for
    $100, and a total labelled "the denied amount of the lines above" would contradict its lines."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    lines = [line.model_copy(update={"carc": ["22"], "group": "CO", "rarc": []}) for line in loaded.claim.service_lines]
    denial = loaded.claim.denial.model_copy(update={"carc": ["22"], "rarc": []})
    said = {}
    for name, balance in (("none", None), ("owing", Decimal("100.00"))):
        claim = loaded.claim.model_copy(update={"service_lines": lines, "denial": denial, "primary_balance": balance})
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        html = render_string(builder.env, "letters/reconsideration.html", context)
        render_docx(REPO / "templates/letters/coordination_of_benefits.docx", context, builder.env,
                    tmp_path / f"{name}.docx")
        xml = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        said[name] = [re.search(r"Amount requested \(([^)]*)\)", text)[1] for text in (html, xml)]  # type: ignore[index]
    assert said == {"none": ["the denied amount of the lines above"] * 2,
                    "owing": ["what the primary payer left owing"] * 2}


@pytest.mark.parametrize(("code", "carc", "said"), [
    ("E0601", "50", ["RE: Redetermination request: the item was medically necessary",
                     "The denial states that this item was not medically necessary. It was medically necessary:"]),
    ("72148", "50", ["RE: Redetermination request: the service was medically necessary",
                     "The denial states that this service was not medically necessary. It was medically necessary:"]),
    ("97110", "151", ["RE: Redetermination request: the service was medically necessary",
                      "The denial states that the number or frequency of services billed is not supported. It was "
                      "medically necessary in the number billed:"]),
], ids=["equipment", "an-mri", "therapy-frequency"])
def test_the_medical_necessity_letter_names_what_was_billed_and_what_the_denial_said(
        builder: Builder, tmp_path: Path, code: str, carc: str, said: list[str]) -> None:
    """An MRI or a therapy visit is a service, not an item; CARC 151 says the number or frequency
    of services is not supported, not that the service was unnecessary."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0].model_copy(update={"code": code, "modifiers": [], "carc": [carc],
                                                            "rarc": []})
    denial = loaded.claim.denial.model_copy(update={"carc": [carc], "rarc": []})
    claim = loaded.claim.model_copy(update={"service_lines": [line], "denial": denial})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    context = letter_context(planned, profile, plan, [], TODAY).mapping()
    render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / "l.docx")
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", "", zipfile.ZipFile(tmp_path / "l.docx").read(
        "word/document.xml").decode()).split()))
    assert all(sentence in text for sentence in said), text


def test_each_level_is_requested_in_words_that_read_as_a_sentence() -> None:
    from appealgen.plan import Plan
    from appealgen.render.context import request_words

    def words(level_name: str, action: str = "reconsideration") -> str:
        return request_words(Plan.model_construct(level_name=level_name, action=Action(action)))

    named = ["Claim dispute", "Claim Dispute", "Redetermination", "Appeal (first level)", "ALJ hearing",
             "Medicare Appeals Council review", "QIC review of the redetermination dismissal", "Judicial review"]
    assert [words(name) for name in named] == [
        "a claim dispute review", "a Claim Dispute review", "a redetermination", "an appeal", "an ALJ hearing",
        "a Medicare Appeals Council review", "a QIC review of the redetermination dismissal", "a judicial review"]
    # The opening reads "<provider> requests <words> of the denial of ...".
    assert words("Corrected claim", "corrected_claim") == "reprocessing, with the enclosed corrected claim,"
    assert words("Retroactive authorization", "request_authorization") == "a retroactive authorization review"


def test_good_cause_appears_in_the_letter(builder: Builder, tmp_path: Path) -> None:
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(
        update={"good_cause": "The practice was closed by a flood from 01/02 to 03/04."})})
    late = Builder(builder.settings.workspace, today=date(2027, 6, 1))
    profile, plan, claim = late.plan(Item.of(claim, loaded.origin, loaded.source))
    context = letter_context(claim, profile, plan, [], date(2027, 6, 1)).mapping()
    render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / "l.docx")
    xml = zipfile.ZipFile(tmp_path / "l.docx").read("word/document.xml").decode()
    assert ("This request is filed after the 120 days allowed from the initial determination dated October 14, "
            "2026, which ended on February 16, 2027. Good cause for the late filing: The practice was closed by a "
            "flood from 01/02 to 03/04.") in xml


def test_a_late_reopening_states_good_cause_as_the_reopening_rules_define_it(builder: Builder, tmp_path: Path) -> None:
    """After 1 year a reopening needs good cause under 42 CFR 405.986 (new and material evidence,
    or an error obvious on the face of the evidence), not a reason for filing late."""
    loaded = load_claims(REPO / "examples" / "reopening-medicare" / "claim.yaml")[0]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(
        update={"good_cause": "The delivery ticket, found in 2027, is new and material evidence of the rental."})})
    late = Builder(builder.settings.workspace, today=date(2027, 11, 1))
    profile, plan, claim = late.plan(Item.of(claim, loaded.origin, loaded.source))
    assert plan.action.value == "reopening"
    context = letter_context(claim, profile, plan, [], date(2027, 11, 1)).mapping()
    render_docx(REPO / "templates/letters/reopening.docx", context, builder.env, tmp_path / "l.docx")
    xml = zipfile.ZipFile(tmp_path / "l.docx").read("word/document.xml").decode()
    assert ("Good cause for reopening (42 CFR 405.986): The delivery ticket, found in 2027, is new and material "
            "evidence of the rental.") in xml


def test_reconsideration_goes_to_the_qic_with_the_cms_20033_fields(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "decision_notice", "path": "docs/notice.pdf", "title": "Redetermination notice"},
                   {"kind": "prescription", "path": "docs/order.pdf"},
                   {"kind": "progress_notes", "path": "docs/notes.pdf"},
                   {"kind": "delivery_ticket", "path": "docs/pod.pdf"}]
    claim = write_claim(payer="medicare-dme", attachments=attachments, appeal={
        "letter": "reconsideration.html",
        "history": [{"level": "redetermination", "date": "2026-11-10", "outcome": "upheld",
                     "reason": "The records do not show a face-to-face evaluation."}]})
    report = builder.build(load_claims(claim)[0], tmp_path / "out")
    assert (report.level, report.cover) == ("reconsideration", "medicare_reconsideration.html")
    assert report.check.passed
    cover = " ".join((PdfReader(tmp_path / "out/TEST-1/packet.pdf").pages[0].extract_text() or "").split())
    for text in ("Medicare Reconsideration Request", "Example QIC (DME)", "Fax 555-0145",
                 "5. Date of the redetermination notice 11/10/2026",
                 "6. Contractor that made the redetermination Example DME MAC"):
        assert text in cover


def test_a_word_letter_rendered_again_is_not_compiled_again(builder: Builder, tmp_path: Path) -> None:
    """docxtpl compiles every XML part of the template on each render; the environment keeps
    what it compiled, so the second letter reuses it and comes out the same."""
    template = REPO / "templates" / "letters" / "medical_necessity.docx"
    context = context_for(REPO / "examples" / "cpap-medicare" / "claim.yaml", builder)
    render_docx(template, context, builder.env, tmp_path / "first.docx")
    compiled = dict(builder.env.compiled)  # type: ignore[attr-defined]
    render_docx(template, context, builder.env, tmp_path / "second.docx")
    assert len(compiled) >= 2
    assert builder.env.compiled == compiled  # type: ignore[attr-defined]
    first, second = (zipfile.ZipFile(tmp_path / name).read("word/document.xml") for name in ("first.docx",
                                                                                             "second.docx"))
    assert first == second


@pytest.mark.parametrize("template", ["authorization.html", "authorization.docx"])
def test_the_authorization_letter_speaks_of_one_service_or_of_several(builder: Builder, tmp_path: Path,
                                                                      template: str) -> None:
    loaded = load_claims(REPO / "examples" / "auth-commercial" / "claim.yaml")[0]
    line = loaded.claim.service_lines[0]
    two = loaded.claim.model_copy(update={"service_lines": [line, line.model_copy(update={"code": "72149"})]})
    said = {}
    for name, claim in (("one", loaded.claim), ("two", two)):
        profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
        context = letter_context(planned, profile, plan, [], TODAY).mapping()
        if template.endswith(".docx"):
            render_docx(REPO / "templates/letters" / template, context, builder.env, tmp_path / f"{name}.docx")
            text = zipfile.ZipFile(tmp_path / f"{name}.docx").read("word/document.xml").decode()
        else:
            text = render_string(builder.env, f"letters/{template}", context)
        said[name] = [words for words in ("covered this service on the date it was provided",
                                          "covered these services on the dates they were provided") if words in text]
    assert said == {"one": ["covered this service on the date it was provided"],
                    "two": ["covered these services on the dates they were provided"]}


def test_capitalize_keeps_acronyms_and_proper_names(builder: Builder) -> None:
    """A letter's "ALJ hearing decision" or "QIC review" must not read "Alj hearing" (Jinja's own
    capitalize lowercases the rest of the text)."""
    capitalize = builder.env.filters["capitalize"]
    assert [capitalize(v) for v in ("ALJ hearing", "medicare Appeals Council review", "redetermination", "")] == [
        "ALJ hearing", "Medicare Appeals Council review", "Redetermination", ""]


def test_level_names_keep_their_capitals_inside_a_letter(builder: Builder) -> None:
    """"Request for QIC review of ...", "The ALJ hearing decision": never "qic" or "alj"."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    history = [{"level": "redetermination", "date": "2026-10-20", "outcome": "dismissed",
                "reason": "The request was not signed."}]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(  # the dismissal contested
        update={"history": [AppealStep.model_validate(h) for h in history], "level": "dismissal_review"})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    html = render_string(builder.env, "letters/dismissal_review.html",
                         letter_context(planned, profile, plan, [], TODAY).mapping())
    assert "Request for QIC review of the redetermination dismissal" in html
    council = [{"level": lv, "date": day, "outcome": "upheld", "reason": "Not reasonable and necessary."}
               for lv, day in (("redetermination", "2026-10-20"), ("reconsideration", "2026-11-02"),
                               ("alj_hearing", "2026-11-16"))]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(
        update={"history": [AppealStep.model_validate(h) for h in council]})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    html = render_string(builder.env, "letters/reconsideration.html",
                         letter_context(planned, profile, plan, [], TODAY).mapping())
    assert "The ALJ hearing decision of November 16, 2026" in html and "ALJ hearing decision: 11/16/2026" in html


def test_an_alj_request_has_the_omha_100_fields_on_its_cover(tmp_path: Path) -> None:
    """42 CFR 405.1014(a): the beneficiary (name, address, Medicare number), the appellant, the
    QIC reconsideration and its appeal number, the dates of service, the reasons; and the two
    questions the requester answers by hand: an investigation, and the beneficiary's copy."""
    import shutil

    import yaml

    from tests.helpers import pdf_text, run

    shutil.copytree(REPO / "examples" / "cpap-medicare" / "docs", tmp_path / "docs")
    claim = yaml.safe_load((REPO / "examples" / "cpap-medicare" / "claim.yaml").read_text())
    claim["patient"]["address"] = "12 Example Lane, Sampletown, EX 00000"
    claim["appeal"]["letter"] = "reconsideration.html"
    claim["attachments"].insert(0, {"kind": "decision_notice", "path": "docs/remittance.pdf",
                                    "title": "Reconsideration decision, 11/16/2026"})
    claim["appeal"]["history"] = [
        {"level": "redetermination", "date": "2026-10-30", "outcome": "upheld", "reason": "Not met.",
         "case_number": "1-26303-000111"},
        {"level": "reconsideration", "date": "2026-11-16", "outcome": "upheld", "reason": "Not met.",
         "case_number": "1-26320-004417"}]
    (tmp_path / "claim.yaml").write_text(yaml.safe_dump(claim, sort_keys=False))
    code, _, stderr = run("build", str(tmp_path / "claim.yaml"), "--out", str(tmp_path / "out"), "--as-of",
                          "2026-11-22", "--workspace", str(REPO))
    assert code == 0, stderr
    cover = " ".join((PdfReader(tmp_path / "out" / "ACCT-1001" / "packet.pdf").pages[0].extract_text() or "").split())
    for field in ("Request for ALJ Hearing", "fields of form OMHA-100",
                  "To Example OMHA Central Operations PO Box 0121",
                  "Beneficiary's name Rosalind Testwell", "Beneficiary's address 12 Example Lane, Sampletown, EX 00000",
                  "Medicare number 3KQ7HN4TR62", "Appellant Example Home Medical Supply LLC (supplier)",
                  "Reconsideration appealed Example QIC (DME), reconsideration of 11/16/2026; Medicare appeal "
                  "number 1-26320-004417", "Claim number (ICN) 26287000123401",
                  "Item or service, date(s) of service E0601-RR-KX; A7030-KX; 09/02/2026",
                  "Amount in controversy $410.00",
                  "I do not agree with the reconsideration of this claim (medical necessity, CO-50, N115)",
                  "or other law enforcement ☐ Yes ☐ No", "Copy of this request sent to the beneficiary on",
                  "Evidence the QIC did not see, and the good cause for each (42 CFR 405.1018, 405.1028)",
                  "Further evidence to be sent, and by when",
                  "Signature of requester"):  # on the page of the fields it signs, never alone on a second
        assert field in cover, field
    assert "Fax" not in cover.split("Beneficiary's name")[0]  # OMHA takes no fax: by mail (or its portal)
    assert "By fax" not in pdf_text(tmp_path / "out" / "ACCT-1001" / "packet.pdf")


def refiled_text(builder: Builder, example: str, dismissal: dict[str, str]) -> str:
    """The HTML letter of an example whose last request was dismissed (on 11/10/2026, with its
    level's window still open): the plan files it again."""
    loaded = load_claims(REPO / "examples" / example / "claim.yaml")[0]
    history = [*loaded.claim.appeal.history, AppealStep.model_validate(
        {"date": "2026-11-10", "outcome": "dismissed", "reason": "The request was not signed.",
         "case_number": "1-26314-000311", **dismissal})]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(update={"history": history})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    assert plan.level == dismissal["level"]
    page = render_string(builder.env, "letters/reconsideration.html",
                         letter_context(planned, profile, plan, [], TODAY).mapping())
    body = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)  # the stylesheet's comments are not the letter
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_a_refiled_redetermination_reads_as_a_first_request(builder: Builder) -> None:
    """A new, complete request after a dismissal: it argues the denial, not the dismissal (which
    it neither names as a decision nor contests), within the first request's window."""
    text = refiled_text(builder, "cpap-medicare", {"level": "redetermination"})
    assert "dismiss" not in text and "does not hold" not in text and "1-26314-000311" not in text
    assert ("filed within the time allowed: 120 days from the initial determination dated October 14, 2026 (presumed "
            "received October 19, 2026), that is, by February 16, 2027.") in text


def test_a_refiled_reconsideration_answers_the_redetermination(builder: Builder) -> None:
    text = refiled_text(builder, "qic-reconsideration-medicare", {"level": "reconsideration"})
    assert "Redetermination decision: 10/26/2026 (appeal number 1-26299-004417)" in text
    assert "The redetermination decision of October 26, 2026 by " in text and "dismiss" not in text
    assert "180 days from the redetermination decision dated October 26, 2026" in text


def test_a_dismissal_review_asks_to_vacate_and_return_the_request_not_to_pay(builder: Builder) -> None:
    """42 CFR 405.974(b): a QIC that finds a dismissal wrong vacates it and returns the request to
    the contractor; it decides no merits and pays nothing. The head names the dismissal as one."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    history = [AppealStep.model_validate({"level": "redetermination", "date": "2026-10-20", "outcome": "dismissed",
                                          "reason": "The request was not signed.", "case_number": "1-26293-000222"})]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(update={
        "history": history, "argument": "The request was signed; the signed page is enclosed.",
        "level": "dismissal_review"})})  # while the redetermination window is open, only when stated
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", render_string(
        builder.env, "letters/dismissal_review.html", letter_context(planned, profile, plan, [], TODAY).mapping())
    )).split())
    assert ("The dismissal was in error, for the reasons below. We ask that it be vacated and the request returned "
            "to Example DME MAC (Medicare DME, Jurisdiction X) for a decision on its merits, on the $410.00 "
            "denied.") in text
    assert "The request was signed; the signed page is enclosed." in text
    assert "payment of" not in text and "decided on its merits" not in text
    assert "Redetermination dismissal: 10/20/2026 (appeal number 1-26293-000222)" in text


DECIDES = "We ask that you issue a fully favorable decision reversing the denial of $410.00"


@pytest.mark.parametrize(("decided", "greeting", "ask"), [
    ([], "To the reviewer:", "We ask that you reverse the denial and pay $410.00"),
    ([("redetermination", "2026-10-20"), ("reconsideration", "2026-11-02")], "To the Administrative Law Judge:",
     DECIDES),
    ([("redetermination", "2026-10-20"), ("reconsideration", "2026-11-02"), ("alj_hearing", "2026-11-16")],
     "To the Medicare Appeals Council:", DECIDES),
], ids=["redetermination", "alj-hearing", "council"])
def test_a_letter_greets_and_asks_as_its_level_says(builder: Builder, tmp_path: Path,
                                                     decided: list[tuple[str, str]], greeting: str, ask: str) -> None:
    """An ALJ request read as "To the reviewer:" and asked the judge to pay, which an ALJ never
    does: the payer profile's `greeting` and `relief` per level."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    history = [AppealStep.model_validate({"level": lv, "date": day, "outcome": "upheld", "reason": "Not necessary.",
                                          "case_number": "1-26314-000311"}) for lv, day in decided]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(update={"history": history})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    context = letter_context(planned, profile, plan, [], TODAY).mapping()
    page = render_string(builder.env, "letters/reconsideration.html", context)
    # the opening asks an ALJ or the Council for no payment either
    opening = "and payment of $410.00" if ask != DECIDES else "with an amount in controversy of $410.00"
    assert f"<p>{greeting}</p>" in page and ask in page and opening in page
    render_docx(REPO / "templates" / "letters" / "medical_necessity.docx", context, builder.env, tmp_path / "l.docx")
    word = re.sub(r"<[^>]+>", "", zipfile.ZipFile(tmp_path / "l.docx").read("word/document.xml").decode())
    assert greeting in word and ask in word and opening in word


def test_no_shipped_letter_greets_the_reviewer_in_its_own_words() -> None:
    """The greeting comes from the level, so a letter at the ALJ says "To the Administrative Law Judge:"."""
    for template in sorted((REPO / "templates" / "letters").iterdir()):
        text = zipfile.ZipFile(template).read("word/document.xml").decode() if template.suffix == ".docx" else \
            template.read_text()
        assert "To the reviewer:" not in text, template.name


def test_a_council_request_names_the_judge_who_decided_not_the_office_that_docketed(builder: Builder) -> None:
    """The ALJ request went to OMHA's central office (its recipient); the decision a Council
    request answers is the Administrative Law Judge's (the level's decision_by)."""
    loaded = load_claims(REPO / "examples" / "qic-reconsideration-medicare" / "claim.yaml")[0]
    history = [*loaded.claim.appeal.history, *[AppealStep.model_validate(
        {"level": level, "date": day, "outcome": "upheld", "reason": "Not met.", "case_number": number})
        for level, day, number in (("reconsideration", "2026-11-05", "1-26309-000555"),
                                   ("alj_hearing", "2026-11-20", "1-26324-000777"))]]
    claim = loaded.claim.model_copy(update={"appeal": loaded.claim.appeal.model_copy(update={"history": history})})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    assert plan.level == "appeals_council"
    page = render_string(builder.env, "letters/reconsideration.html",
                         letter_context(planned, profile, plan, [], TODAY).mapping())
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", page,
                                                                   flags=re.DOTALL))).split())
    assert "The ALJ hearing decision of November 20, 2026 by the Administrative Law Judge upheld the denial" in text
    assert "OMHA Central" not in text


MODIFIER_25 = ("Modifier 25 marks a significant, separately identifiable evaluation and management service, beyond "
               "the usual care of the other service or procedure of that day, and the record documents it apart from "
               "that service.")


@pytest.mark.parametrize(("code", "modifier", "said"), [
    ("CO-4", "59", "The denial states that the procedure code is inconsistent with the modifier billed, or that a "
                   "required modifier is missing. The codes and modifiers billed (E0601-59) are correct: each "
                   "modifier is the one the service requires."),
    ("CO-4", "25", "The codes and modifiers billed (E0601-25) are correct: each modifier is the one the service "
                   f"requires. {MODIFIER_25}"),
    ("CO-11", "59", "The denial states that a code billed does not fit the service, the diagnosis or the patient."),
], ids=["modifier", "modifier-25", "diagnosis"])
def test_a_coding_letter_answers_the_reason_the_code_gives(builder: Builder, tmp_path: Path, code: str,
                                                           modifier: str, said: str) -> None:
    """CARC 4 is about a modifier: a letter answering "a code does not fit the diagnosis" does not answer it;
    a visit billed with modifier 25 says what the modifier claims for it."""
    from tests.rulecases import build_claim

    claim = build_claim([code], modifiers=[modifier], attachments=["remittance_advice", "medical_records"])
    profile, plan, planned = builder.plan(Item.of(claim, "claim.yaml", tmp_path / "claim.yaml"))
    assert plan.letter == "coding.docx"
    context = letter_context(planned, profile, plan, [("medical_records", "Procedure note, 09/02/2026")],
                             TODAY).mapping()
    render_docx(REPO / "templates" / "letters" / "coding.docx", context, builder.env, tmp_path / "l.docx")
    word = " ".join(re.sub(r"<[^>]+>", "", zipfile.ZipFile(tmp_path / "l.docx").read("word/document.xml").decode())
                    .split())
    assert html.unescape(said) in html.unescape(word)
    assert (MODIFIER_25 in html.unescape(word)) == (modifier == "25" and code == "CO-4")
    assert "The enclosed records describe the service performed" in word  # not an "operative report" for any record


@pytest.mark.parametrize(("enclosed", "criteria"), [
    ([], ["hypercapnia documented by arterial blood gas"]),
    ([("medical_records", "Sleep study report, 08/20/2026")], ["hypercapnia documented by arterial blood gas"]),
    ([("medical_records", "Sleep study report, 08/20/2026")], []),
], ids=["no-records", "records", "no-criteria"])
def test_a_stated_policys_criteria_are_listed_never_credited_to_a_record(
        builder: Builder, tmp_path: Path, enclosed: list[tuple[str, str]], criteria: list[str]) -> None:
    """A policy the claim file names lists its criteria: the claim file says which record shows
    none of them, and crediting each to whatever record is enclosed points the reviewer to the
    wrong page. A policy stated without criteria leaves no sentence introducing them."""
    from tests.rulecases import build_claim

    claim = build_claim(["CO-50"], attachments=["remittance_advice", *(kind for kind, _ in enclosed)])
    stated = {**PLAN_POLICY, "criteria": criteria}
    appeal = claim.appeal.model_copy(update={"policy": Policy.model_validate(stated)})
    claim = claim.model_copy(update={"appeal": appeal})
    profile, plan, planned = builder.plan(Item.of(claim, "claim.yaml", tmp_path / "claim.yaml"))
    assert plan.letter == "medical_necessity.docx"
    context = letter_context(planned, profile, plan, enclosed, TODAY).mapping()
    render_docx(REPO / "templates" / "letters" / "medical_necessity.docx", context, builder.env, tmp_path / "l.docx")
    word = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", zipfile.ZipFile(tmp_path / "l.docx").read(
        "word/document.xml").decode()).split()))
    rendered = render_string(builder.env, "letters/reconsideration.html", context)
    page = " ".join(re.sub(r"<[^>]+>", " ", rendered).split())
    listed = "Its criteria are: Hypercapnia documented by arterial blood gas."
    for text in (word, html.unescape(page)):
        assert ("Its criteria are:" in text, listed in text) == (bool(criteria), bool(criteria))
        assert "address its criteria" not in text and "Sleep study report, 08/20/2026:" not in text


@pytest.mark.parametrize(("payer", "shown"), [("medicare-dme", True), ("commercial", False),
                                               ("medicaid-caresource", False)])
def test_the_medicare_ptan_is_printed_only_to_a_payer_that_matches_by_it(builder: Builder, tmp_path: Path,
                                                                         payer: str, shown: bool) -> None:
    """A PTAN is Medicare's enrollment number: a commercial or Medicaid reviewer has no use for it."""
    loaded = load_claims(REPO / "examples" / "cpap-medicare" / "claim.yaml")[0]
    claim = loaded.claim.model_copy(update={"payer": payer})
    profile, plan, planned = builder.plan(Item.of(claim, loaded.origin, loaded.source))
    context = letter_context(planned, profile, plan, [], TODAY).mapping()
    assert context["ptan"] == ("EXP0101" if shown else "")
    html_letter = render_string(builder.env, "letters/reconsideration.html", context)
    assert ("PTAN EXP0101" in html_letter) is shown
    render_docx(REPO / "templates/letters/medical_necessity.docx", context, builder.env, tmp_path / "letter.docx")
    xml = zipfile.ZipFile(tmp_path / "letter.docx").read("word/document.xml").decode()
    assert ("PTAN EXP0101" in xml) is shown
