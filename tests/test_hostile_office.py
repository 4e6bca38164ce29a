"""Word and OpenDocument files that would make LibreOffice fetch, read or run something are
refused before LibreOffice (or docxtpl) sees them: as attachments and as Word letter templates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from appealgen.errors import TemplateError
from appealgen.office_check import check_office
from appealgen.preflight import LIMITS
from appealgen.render.docx import render_docx
from tests import hostile_files as hostile
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, REPO, WriteClaim
from tests.helpers import HTML_LETTER, build, pdf_text
from tests.test_letters import context_for

OUTSIDE = "document refers to content outside itself (an external link or image); embed it or remove it"
MACROS = "document contains macros; save it without macros (.docx or .odt)"
DTD = "document contains an XML DTD (entity definitions); refused"
EMPTY_DOCUMENT = b'<w:document %s><w:body><w:p/></w:body></w:document>' % hostile.W

CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "docx-http-image": (hostile.docx_remote_image, OUTSIDE),
    "docx-file-image-outside-root": (lambda: hostile.docx_remote_image(b"file:///etc/passwd"), OUTSIDE),
    "docx-includetext": (lambda: hostile.docx_field(b'INCLUDETEXT "/etc/passwd"'),
                         "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-includepicture": (lambda: hostile.docx_field(b'INCLUDEPICTURE "http://198.51.100.7/p.png"'),
                            "document has an INCLUDEPICTURE field, which reads other files; remove the field"),
    "docx-link-field": (lambda: hostile.docx_field(b'LINK Excel.Sheet "C:\\\\data.xlsx" "A1"'),
                        "document has a LINK field, which reads other files; remove the field"),
    "docx-simple-field": (lambda: hostile.docx(b'<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;/etc/passwd&quot; ">'
                                               b"<w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>"),
                          "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-simple-field-single-quotes": (
        lambda: hostile.docx(b"<w:p><w:fldSimple w:instr=' INCLUDETEXT \"/etc/passwd\" '><w:r><w:t>x</w:t></w:r>"
                             b"</w:fldSimple></w:p>"),
        "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-macro": (hostile.docx_macro, MACROS),
    "docx-dtd": (lambda: hostile.docx_document(EMPTY_DOCUMENT, b'<!DOCTYPE w [<!ENTITY a "aaaa">]>'), DTD),
    # The check reads each part as an XML parser does: other prefixes for the same namespaces,
    # other encodings and character references mean what they mean to LibreOffice.
    "docx-field-under-another-prefix": (lambda: hostile.docx_prefixed_field(b'INCLUDETEXT "/etc/passwd"'),
                                        "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-field-inside-another": (lambda: hostile.docx_fields(b" IF 1 = 1 ", b' INCLUDETEXT "/etc/passwd" ',
                                                               nested=True),
                                  "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-field-in-character-references": (
        lambda: hostile.docx_field(b'&#73;NCLUDEPICTURE "http://198.51.100.7/p.png"'),
        "document has an INCLUDEPICTURE field, which reads other files; remove the field"),
    "docx-external-in-character-references": (
        lambda: hostile.docx(rels=b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
                                  b'2006/relationships/image" Target="http://198.51.100.7/p.png" '
                                  b'TargetMode="&#69;xternal"/>'), OUTSIDE),
    "docx-external-under-a-prefix": (
        lambda: hostile.docx(rels=b'<p:Relationship xmlns:p="http://schemas.openxmlformats.org/package/2006/'
                                  b'relationships" Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
                                  b'2006/relationships/image" Target="file:///etc/passwd" TargetMode="External"/>'),
        OUTSIDE),
    "docx-dtd-in-utf-16": (lambda: hostile.docx_document(EMPTY_DOCUMENT, b'<!DOCTYPE w [<!ENTITY a "aaaa">]>',
                                                          "UTF-16"), DTD),
    "docx-damaged-xml": (lambda: hostile.docx_document(b"<w:document>&undefined;</w:document>"),
                         "document is damaged and cannot be read"),
    "docx-zip-bomb": (hostile.docx_bomb, "document is larger than 300 MB uncompressed"),
    "docx-ratio-bomb": (lambda: hostile.docx_bomb(size=50 << 20),
                        "document has a part compressed more than 200:1 (a zip bomb)"),
    "docx-too-many-entries": (hostile.docx_many_entries,
                              f"document holds more than {LIMITS.zip_entries:,} files"),
    # A part renamed: LibreOffice finds it through the package's relationships, whatever its name.
    "docx-renamed-document-part": (lambda: hostile.docx_renamed_part(field_of=b'INCLUDETEXT "/etc/hostname"'),
                                   "document has an INCLUDETEXT field, which reads other files; remove the field"),
    "docx-alt-chunk": (hostile.docx_alt_chunk, "document imports another document into itself (altChunk); paste "
                                               "its content in instead"),
    "odt-http-image": (hostile.odt_remote_image, OUTSIDE),
    "odt-file-image": (lambda: hostile.odt_remote_image(b"file:///etc/passwd"), OUTSIDE),
    "odt-section-source": (hostile.odt_section_source, OUTSIDE),
    "odt-image-under-another-prefix": (
        lambda: hostile.odt(b'<text:p><draw:frame><draw:image xmlns:l="http://www.w3.org/1999/xlink" '
                            b'l:href="http://198.51.100.7/p.png"/></draw:frame></text:p>'), OUTSIDE),
    "odt-dde-under-another-prefix": (
        lambda: hostile.odt(b'<t:dde-connection-decl xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
                            b't:name="d"/>'), "document contains scripts or live links (DDE); refused"),
    "odt-macro": (lambda: hostile.odt(b"<text:p>x</text:p>", {"Basic/Standard/Module1.xml": b"<x/>"}), MACROS),
}


@pytest.mark.parametrize(("make", "message"), CASES.values(), ids=CASES.keys())
def test_dangerous_word_and_opendocument_attachments_are_refused(
    write_claim: WriteClaim, tmp_path: Path, make: Callable[[], bytes], message: str
) -> None:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": "docs/notes.docx", "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments, files={"docs/notes.docx": make()})
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: attachments[1].path: {message}\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["docx-http-image", "docx-file-image-outside-root", "docx-includetext",
                                  "docx-macro", "docx-zip-bomb"])
def test_dangerous_word_letter_templates_are_refused(write_claim: WriteClaim, tmp_path: Path, case: str) -> None:
    make, message = CASES[case]
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True)
    (letters / "hostile.docx").write_bytes(make())
    claim = write_claim(appeal={"letter": "hostile.docx", "argument": "Needed.", "policy": dict(PLAN_POLICY)})
    code, _, stderr = build(claim, tmp_path / "out", "--workspace", str(tmp_path / "ws"))
    assert (code, stderr) == (1, f"{letters / 'hostile.docx'}: {message}\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fields", [
    (b' HYPERLINK "http://198.51.100.7/" ',),  # a link fetches nothing
    (b" PAGE ", b" NUMPAGES "),
    (b" QUOTE INC", b"LUDE "),  # each field is read on its own: two halves are not one INCLUDE
])
def test_fields_that_read_nothing_are_allowed(fields: tuple[bytes, ...]) -> None:
    check_office(hostile.docx_fields(*fields), LIMITS)


def test_a_plain_opendocument_attachment_is_converted(write_claim: WriteClaim, tmp_path: Path) -> None:
    body = b"<text:p>Patient: Rosa Testcase</text:p><text:p>Member ID: 9XX9XX9XX99</text:p>" \
           b'<text:p><text:a xlink:href="http://198.51.100.7/">a hyperlink fetches nothing</text:a></text:p>'
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": "docs/notes.odt", "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments, files={"docs/notes.odt": hostile.odt(body)})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr
    assert "Member ID: 9XX9XX9XX99" in pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    # LibreOffice turned the hyperlink into a web link in the PDF: removed and said, like any other.
    assert stderr.splitlines()[1:] == ["  warning: attachments[1] (progress notes): removed a web link"]


def test_a_word_template_is_checked_again_when_its_contents_change(builder: Builder, tmp_path: Path) -> None:
    """A process remembers the templates that passed the check by their contents, not their
    names: the same file, made dangerous after a letter was rendered from it, is refused by
    the check of the template itself (not only by the check of the letter rendered from it)."""
    template = tmp_path / "edited.docx"
    template.write_bytes((REPO / "templates" / "letters" / "medical_necessity.docx").read_bytes())
    context = context_for(REPO / "examples" / "cpap-medicare" / "claim.yaml", builder)
    render_docx(template, context, builder.env, tmp_path / "first.docx")
    template.write_bytes(hostile.docx_field(b'INCLUDETEXT "/etc/passwd"'))
    with pytest.raises(TemplateError) as refused:
        render_docx(template, context, builder.env, tmp_path / "second.docx")
    assert refused.value.line() == (f"{template}: document has an INCLUDETEXT field, which reads other files; "
                                    "remove the field")
    assert not (tmp_path / "second.docx").exists()
