"""Safety properties, checked with real rendering (WeasyPrint, docxtpl, LibreOffice; no mocks).

Templates stay inside the sandbox, hostile claim data stays text, URLs stay confined, patient
data stays out of error messages, logs and PDF metadata, outputs are private and atomic, and
attachment paths stay inside the attachments folder.
"""

from __future__ import annotations

import base64
import io
import logging
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from appealgen.errors import InputError, TemplateError
from appealgen.render.html import _fetcher_class
from appealgen.sources.claim_file import load_claims
from appealgen.sources.items import Item
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import PATIENT, REPO, TODAY, WriteClaim
from tests.pdfs import make_pdf, reachable

CLAIM_ID = "TEST-1"
HTML_LETTER = {"letter": "reconsideration.html", "argument": "The records show the item was needed."}
WORD_LETTER = {"letter": "medical_necessity.docx", "argument": "The records show the item was needed."}

# Every rendering of the synthetic patient that must never leak (names, member ID, DOB).
PATIENT_DATA = [
    PATIENT["first_name"], PATIENT["last_name"], PATIENT["member_id"],
    PATIENT["dob"], "01/02/1950", "January 2, 1950",
]

HOSTILE_LAST = '<img src="file:///etc/passwd"> & Co'
HOSTILE_FIRST = "Rosa {{ 7*7 }}"  # must come out literally, not rendered a second time
HOSTILE_PATIENT = {**PATIENT, "first_name": HOSTILE_FIRST, "last_name": HOSTILE_LAST}


# --- helpers ---------------------------------------------------------------------------------


def load(claim_file: Path) -> Item:
    [loaded] = load_claims(claim_file)
    return loaded


def user_builder(tmp_path: Path, letter: str, body: str, files: dict[str, bytes] | None = None) -> Builder:
    """A Builder on a user workspace holding templates/letters/<letter> (plus `files` there)."""
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True, exist_ok=True)
    (letters / letter).write_text(body, encoding="utf-8")
    for name, content in (files or {}).items():
        (letters / name).write_bytes(content)
    return Builder(Workspace.open(tmp_path / "ws"), today=TODAY)


def letter_html(expression: str) -> str:
    """A small letter that uses patient data, then evaluates `expression`."""
    return (
        "<html><body><p>Patient: {{ patient.first_name }} {{ patient.last_name }}, "
        "member {{ patient.member_id }}, born {{ patient.dob | us_date }}</p>\n"
        f"<p>{expression}</p></body></html>\n"
    )


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_text(path: Path) -> str:
    """All page text, whitespace-normalised so line wrapping does not matter."""
    reader = PdfReader(path)
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def image_sizes(path: Path) -> set[tuple[int, int]]:
    return {
        (int(cast(NumberObject, obj["/Width"])), int(cast(NumberObject, obj["/Height"])))
        for obj in reachable(PdfReader(path))
        if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image"
    }


def embedded_files(path: Path) -> list[DictionaryObject]:
    return [obj for obj in reachable(PdfReader(path))
            if obj.get("/Type") in ("/EmbeddedFile", "/Filespec")]


def metadata_streams(path: Path) -> list[bytes]:
    return [
        obj.get_data()
        for obj in reachable(PdfReader(path))
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/Metadata"
    ]


def passwd_marker() -> str:
    passwd = Path("/etc/passwd")
    lines = passwd.read_text().splitlines() if passwd.is_file() else []
    return lines[0] if lines else "root:x:0:0"


def assert_no_patient_data(text: str, what: str) -> None:
    for value in PATIENT_DATA:
        assert value not in text, f"{what} contains patient data {value!r}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the tempfile module at an empty folder so leftovers can be seen."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# --- 1. template errors name the template, never the patient ---------------------------------


@pytest.mark.parametrize("expression", [
    "{{ nickname }}",
    "{{ patient.nickname }}",
    "{{ patient.last_name.nickname }}",
    "{% for line in lines %}{{ line.no_such_field }}{% endfor %}",
])
def test_undefined_variable_names_template_not_patient(
    tmp_path: Path, write_claim: WriteClaim, expression: str
) -> None:
    builder = user_builder(tmp_path, "undefined.html", letter_html(expression))
    loaded = load(write_claim(appeal={"letter": "undefined.html"}))
    out = tmp_path / "out"
    with pytest.raises(TemplateError) as caught:
        builder.build(loaded, out)
    message = str(caught.value)
    assert "letters/undefined.html" in message
    assert "undefined variable" in message
    assert_no_patient_data(message, "the error message")
    assert not out.exists()


@pytest.mark.parametrize("expression", [
    "{{ {'A': 1}[patient.member_id] }}",
    "{{ {'A': 1}[patient.last_name] }}",
])
def test_undefined_lookup_keyed_by_patient_data_does_not_leak(
    tmp_path: Path, write_claim: WriteClaim, expression: str
) -> None:
    builder = user_builder(tmp_path, "lookup.html", letter_html(expression))
    loaded = load(write_claim(appeal={"letter": "lookup.html"}))
    with pytest.raises(TemplateError, match="undefined variable") as caught:
        builder.build(loaded, tmp_path / "out")
    assert_no_patient_data(str(caught.value), "the error message")


@pytest.mark.parametrize("expression", [
    # An unknown filter inside a block is only found at render time (TemplateRuntimeError).
    "{% if patient %}{{ patient.last_name | no_such_filter }}{% endif %}",
    # str.format with a missing key raises KeyError(<the key>), here the patient's name.
    "{{ ('{' ~ patient.last_name ~ '}').format() }}",
])
def test_runtime_template_failures_are_template_errors_without_patient_data(
    tmp_path: Path, write_claim: WriteClaim, expression: str
) -> None:
    builder = user_builder(tmp_path, "runtime.html", letter_html(expression))
    loaded = load(write_claim(appeal={"letter": "runtime.html"}))
    out = tmp_path / "out"
    with pytest.raises(TemplateError) as caught:
        builder.build(loaded, out)
    assert "letters/runtime.html" in str(caught.value)
    assert_no_patient_data(str(caught.value), "the error message")
    assert not out.exists()


# --- 2. the sandbox holds --------------------------------------------------------------------


@pytest.mark.parametrize("expression", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ joiner.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ patient.__dict__ }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(patient) }}",
    "{% set s = ''.__class__ %}{{ s }}",
])
def test_sandbox_refuses_escapes(
    tmp_path: Path, write_claim: WriteClaim, expression: str
) -> None:
    marker = tmp_path / "escaped"
    body = letter_html(expression.replace("MARKER", str(marker)))
    builder = user_builder(tmp_path, "escape.html", body)
    loaded = load(write_claim(appeal={"letter": "escape.html"}))
    out = tmp_path / "out"
    with pytest.raises(TemplateError) as caught:
        builder.build(loaded, out)
    message = str(caught.value)
    assert "letters/escape.html" in message
    assert "refused by the sandbox" in message or "undefined variable" in message
    assert not marker.exists(), "the template ran a shell command"
    assert passwd_marker() not in message
    assert not out.exists()


@pytest.mark.parametrize("action", ["read_text()", "write_text('owned')", "unlink()"])
def test_templates_cannot_reach_the_file_system_through_paths(
    tmp_path: Path, write_claim: WriteClaim, action: str
) -> None:
    target = tmp_path / "outside" / "secret.txt"
    target.parent.mkdir()
    if action != "write_text('owned')":
        target.write_text("TOP-SECRET-CONTENT")
    expression = f"{{{{ (claim.attachments[0].path / '{target}').{action} }}}}"
    builder = user_builder(tmp_path, "paths.html", letter_html(expression))
    loaded = load(write_claim(appeal={"letter": "paths.html"}))
    with pytest.raises(TemplateError, match="refused by the sandbox"):
        builder.build(loaded, tmp_path / "out")
    if action == "write_text('owned')":
        assert not target.exists(), "the template created a file"
    else:
        assert target.read_text() == "TOP-SECRET-CONTENT", "the template deleted a file"


# --- 3. hostile claim data in HTML stays text; the URL fetcher is confined --------------------


def test_hostile_name_in_html_letter_and_fax_cover(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path
) -> None:
    # If autoescaping failed, this data: image would be fetched (data: URIs are allowed).
    image = "data:image/png;base64," + base64.b64encode(png(4, 4)).decode()
    argument = f'See the records. <img src="{image}"> <a rel="attachment" href="{image}">x</a>'
    loaded = load(write_claim(patient=HOSTILE_PATIENT, appeal={**HTML_LETTER, "argument": argument}))
    report = builder.build(loaded, tmp_path / "out")
    assert (report.cover, report.letter) == ("fax_cover.html", "reconsideration.html")

    packet = tmp_path / "out" / CLAIM_ID / "packet.pdf"
    reader = PdfReader(packet)
    cover = " ".join(reader.pages[0].extract_text().split())
    letter = " ".join(reader.pages[2].extract_text().split())
    full_name = f"{HOSTILE_FIRST} {HOSTILE_LAST}"
    assert full_name in cover
    assert full_name in letter
    assert 'See the records. <img src="data:image/' in letter
    text = pdf_text(packet)
    assert passwd_marker() not in text
    assert passwd_marker().encode() not in packet.read_bytes()
    assert image_sizes(packet) == set(), "an image was embedded from claim data"
    assert embedded_files(packet) == [], "a file was attached from claim data"


def test_url_fetcher_embeds_template_images_but_not_outside_files(
    tmp_path: Path, write_claim: WriteClaim
) -> None:
    """End to end: only the image inside the template folder reaches the PDF."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png(5, 7))
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True)
    (letters / "link.png").symlink_to(outside / "secret.png")
    body = letter_html(
        '<img src="inside.png">'
        f'<img src="{(outside / "secret.png").as_uri()}">'
        '<img src="link.png">'
        '<img src="../../../outside/secret.png">'
        '<img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )
    builder = user_builder(tmp_path, "images.html", body, {"inside.png": png(3, 3)})
    loaded = load(write_claim(appeal={"letter": "images.html"}))
    builder.build(loaded, tmp_path / "out")
    packet = tmp_path / "out" / CLAIM_ID / "packet.pdf"
    assert image_sizes(packet) == {(3, 3)}
    assert passwd_marker() not in pdf_text(packet)


UrlMaker = Callable[[Path, Path], str]  # (template root, outside folder) -> URL

REFUSED_URLS: dict[str, UrlMaker] = {
    "etc-passwd": lambda root, outside: "file:///etc/passwd",
    "localhost-passwd": lambda root, outside: "file://localhost/etc/passwd",
    "http": lambda root, outside: "http://example.com/x.png",
    "https": lambda root, outside: "https://example.com/x.png",
    "ftp": lambda root, outside: "ftp://example.com/x.png",
    "outside-root": lambda root, outside: (outside / "secret.txt").as_uri(),
    "dotdot": lambda root, outside: root.as_uri() + "/letters/../../outside/secret.txt",
    "encoded-dotdot": lambda root, outside: root.as_uri() + "/letters/%2e%2e/%2e%2e/outside/secret.txt",
    "symlink-out": lambda root, outside: (root / "letters" / "link.txt").as_uri(),
    "remote-host": lambda root, outside: "file://fileserver" + str(root / "letters" / "letter.css"),
    "directory": lambda root, outside: (root / "letters").as_uri(),
    "missing": lambda root, outside: (root / "letters" / "nope.css").as_uri(),
}


@pytest.fixture
def fetcher_roots(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "templates"
    (root / "letters").mkdir(parents=True)
    (root / "letters" / "letter.css").write_text("p { color: black }")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP-SECRET-CONTENT")
    (root / "letters" / "link.txt").symlink_to(outside / "secret.txt")
    return root, outside


@pytest.mark.parametrize("make_url", REFUSED_URLS.values(), ids=REFUSED_URLS.keys())
def test_url_fetcher_refuses(fetcher_roots: tuple[Path, Path], make_url: UrlMaker) -> None:
    root, outside = fetcher_roots
    fetcher = _fetcher_class()([root])
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(make_url(root, outside))


def test_url_fetcher_serves_data_uris_and_files_inside_the_roots(
    fetcher_roots: tuple[Path, Path],
) -> None:
    root, _ = fetcher_roots
    fetcher = _fetcher_class()([root])
    served = {
        "data:text/plain;base64," + base64.b64encode(b"hello").decode(): b"hello",
        (root / "letters" / "letter.css").as_uri(): b"p { color: black }",
        "file://localhost" + str(root / "letters" / "letter.css"): b"p { color: black }",
    }
    for url, expected in served.items():
        response = fetcher.fetch(url)
        try:
            assert response.read() == expected, url
        finally:
            response.close()


# --- 4. hostile claim data through the Word letter (docxtpl + LibreOffice) --------------------


def test_hostile_name_through_word_letter(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path, scratch: Path
) -> None:
    loaded = load(write_claim(patient=HOSTILE_PATIENT, appeal=WORD_LETTER))
    report = builder.build(loaded, tmp_path / "out")
    assert report.letter == "medical_necessity.docx"
    folder = tmp_path / "out" / CLAIM_ID

    with zipfile.ZipFile(folder / "letter.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        parts = {n: docx.read(n).decode("utf-8") for n in docx.namelist() if n.endswith(".xml")}
    assert "&lt;img src=" in document
    assert "&amp; Co" in document
    assert "{{ 7*7 }}" in document
    for name, xml in parts.items():
        assert "<img" not in xml, f"raw markup from claim data in {name}"

    text = pdf_text(folder / "packet.pdf")
    full_name = f"{HOSTILE_FIRST} {HOSTILE_LAST}"
    assert text.count(full_name) >= 2, "the name should show literally on the cover and letter"
    assert passwd_marker() not in text
    assert image_sizes(folder / "packet.pdf") == set()
    assert mode(folder / "letter.docx") == 0o600
    assert list(scratch.iterdir()) == [], "temporary files (LibreOffice profile, PDFs) left behind"


# --- 5. metadata and logs hold no patient data ------------------------------------------------

XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>'
    '<rdf:li xml:lang="x-default">{text}</rdf:li></rdf:Alt></dc:title></rdf:Description>'
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def pdf_with_patient_metadata(page_level: bool) -> bytes:
    """An EHR-style export: patient data in Info, catalog XMP and (optionally) page XMP."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    patient = f"{PATIENT['first_name']} {PATIENT['last_name']} {PATIENT['member_id']}"
    writer.add_metadata({"/Title": f"Notes for {patient}", "/Author": PATIENT["member_id"]})

    def xmp_stream() -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(XMP.format(text=patient).encode())
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        return writer._add_object(stream)

    writer._root_object[NameObject("/Metadata")] = xmp_stream()
    if page_level:
        writer.pages[0][NameObject("/Metadata")] = xmp_stream()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_packet_metadata_names_the_claim_not_the_patient(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path
) -> None:
    files = {"docs/notes.pdf": pdf_with_patient_metadata(page_level=False)}
    loaded = load(write_claim(files=files, appeal=HTML_LETTER))
    builder.build(loaded, tmp_path / "out")
    folder = tmp_path / "out" / CLAIM_ID
    reader = PdfReader(folder / "packet.pdf")

    info = reader.metadata
    assert info is not None
    values = " ".join(str(v) for v in info.values())
    assert CLAIM_ID in str(info.get("/Title", "")) + str(info.get("/Subject", ""))
    assert_no_patient_data(values, "the PDF Info dictionary")
    xmp = reader.root_object.get("/Metadata")
    xmp = xmp.get_object() if xmp is not None else None
    if isinstance(xmp, StreamObject):
        assert_no_patient_data(xmp.get_data().decode("utf-8", "replace"), "the catalog XMP")
    assert_no_patient_data((folder / "packet.json").read_text(), "packet.json")


def test_no_metadata_stream_in_the_packet_holds_patient_data(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path
) -> None:
    files = {"docs/notes.pdf": pdf_with_patient_metadata(page_level=True)}
    loaded = load(write_claim(files=files, appeal=HTML_LETTER))
    builder.build(loaded, tmp_path / "out")
    for data in metadata_streams(tmp_path / "out" / CLAIM_ID / "packet.pdf"):
        assert_no_patient_data(data.decode("utf-8", "replace"), "an XMP stream (page-level)")


def test_build_logs_hold_no_patient_data(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    builder.build(load(write_claim(appeal=HTML_LETTER)), tmp_path / "out")
    for record in caplog.records:
        assert_no_patient_data(record.getMessage(), f"log record from {record.name}")


def test_refused_urls_built_from_patient_data_are_not_logged(
    tmp_path: Path, write_claim: WriteClaim, caplog: pytest.LogCaptureFixture
) -> None:
    """html.py means to keep WeasyPrint's 'failed to load <url>' messages out of the logs."""
    caplog.set_level(logging.DEBUG)
    body = letter_html(
        '<img src="https://barcode.example.invalid/{{ patient.member_id }}.png">'
        '<img src="cards/{{ patient.last_name }}.png">'
    )
    builder = user_builder(tmp_path, "barcode.html", body)
    builder.build(load(write_claim(appeal={"letter": "barcode.html"})), tmp_path / "out")
    for record in caplog.records:
        assert_no_patient_data(record.getMessage(), f"log record from {record.name}")


# --- 6. outputs are private and atomic; failed builds write nothing ---------------------------


def test_packet_folder_and_files_are_private_with_no_leftovers(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path, scratch: Path
) -> None:
    loaded = load(write_claim(appeal=HTML_LETTER))
    out = tmp_path / "out"
    for _ in range(2):  # a rebuild replaces the files the same way
        builder.build(loaded, out)
        folder = out / CLAIM_ID
        assert mode(folder) == 0o700
        assert sorted(p.name for p in folder.iterdir()) == ["packet.json", "packet.pdf"]
        assert not list(folder.glob(".*.part"))
        for path in folder.iterdir():
            assert mode(path) == 0o600, path.name
        assert list(scratch.iterdir()) == []


def test_a_rebuild_clears_the_temporary_files_a_killed_build_left(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path
) -> None:
    """A process killed between writing a temporary file and renaming it (a batch worker's
    `kill -9`, a Dask worker lost mid-packet) leaves `.packet.pdf.<random>.part` behind; the next
    write of that file removes it."""
    loaded = load(write_claim(appeal=HTML_LETTER))
    folder = tmp_path / "out" / CLAIM_ID
    folder.mkdir(parents=True)
    stale = [folder / ".packet.pdf.k1ll3d.part", folder / ".letter.docx.x9.part"]
    for path in stale:
        path.write_bytes(b"half a packet")
    (folder / ".notes.txt.a1.part").write_bytes(b"not ours")  # another name's: not this write's to clear
    builder.build(loaded, tmp_path / "out")
    assert sorted(p.name for p in folder.glob(".*.part")) == [".notes.txt.a1.part"]


def remove_notes(claim_file: Path) -> None:
    (claim_file.parent / "docs" / "notes.pdf").unlink()


def damage_notes(claim_file: Path) -> None:
    (claim_file.parent / "docs" / "notes.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF\n")


@pytest.mark.parametrize("breakage", [remove_notes, damage_notes], ids=["missing", "damaged"])
def test_failed_build_writes_nothing(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path, scratch: Path,
    breakage: Callable[[Path], None],
) -> None:
    claim_file = write_claim(appeal=HTML_LETTER)
    breakage(claim_file)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"attachments\[1\]\.path"):
        builder.build(load(claim_file), out)
    assert not out.exists()
    assert list(scratch.iterdir()) == []


def test_failed_template_writes_nothing_and_leaves_no_earlier_packet_to_send(
    tmp_path: Path, write_claim: WriteClaim, scratch: Path
) -> None:
    out = tmp_path / "out"
    good = user_builder(tmp_path, "letter.html", letter_html("Thank you."))
    loaded = load(write_claim(appeal={"letter": "letter.html"}))
    good.build(loaded, out)
    assert sorted(p.name for p in (out / CLAIM_ID).iterdir()) == ["packet.json", "packet.pdf"]

    bad = user_builder(tmp_path, "letter.html", letter_html("{{ nickname }}"))
    with pytest.raises(TemplateError):
        bad.build(loaded, out)
    # The earlier packet is gone: `check` cannot pass a packet this build could not make.
    assert not (out / CLAIM_ID).exists()
    assert list(scratch.iterdir()) == []


# --- 7. attachment paths stay inside the attachments folder -----------------------------------


def outside_pdf(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "secret.pdf"
    path.write_bytes(make_pdf(lines=("OUTSIDE-THE-CLAIM-FOLDER",)))
    return path


def symlinked_file(tmp_path: Path, secret: Path) -> str:
    (tmp_path / "claim" / "docs").mkdir(parents=True)
    (tmp_path / "claim" / "docs" / "notes.pdf").symlink_to(secret)
    return "docs/notes.pdf"


def symlinked_folder(tmp_path: Path, secret: Path) -> str:
    (tmp_path / "claim").mkdir()
    (tmp_path / "claim" / "scans").symlink_to(secret.parent, target_is_directory=True)
    return "scans/secret.pdf"


ESCAPES: dict[str, Callable[[Path, Path], str]] = {
    "symlinked-file": symlinked_file,
    "symlinked-folder": symlinked_folder,
    "absolute": lambda tmp_path, secret: str(secret),
    "dotdot": lambda tmp_path, secret: "../outside/secret.pdf",
}


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_attachment_outside_the_claim_folder_is_refused(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path,
    escape: Callable[[Path, Path], str],
) -> None:
    path = escape(tmp_path, outside_pdf(tmp_path))
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": path}]
    loaded = load(write_claim(attachments=attachments, appeal=HTML_LETTER))
    out = tmp_path / "out"
    with pytest.raises(InputError, match="outside the attachments folder") as caught:
        builder.build(loaded, out)
    assert caught.value.field == "attachments[1].path"
    assert not out.exists()


def test_symlink_that_stays_inside_the_claim_folder_is_allowed(
    builder: Builder, write_claim: WriteClaim, tmp_path: Path
) -> None:
    docs = tmp_path / "claim" / "docs"
    docs.mkdir(parents=True)
    (docs / "notes-real.pdf").write_bytes(make_pdf(lines=("INSIDE-VIA-SYMLINK",)))
    (docs / "notes.pdf").symlink_to(docs / "notes-real.pdf")
    builder.build(load(write_claim(appeal=HTML_LETTER)), tmp_path / "out")
    assert "INSIDE-VIA-SYMLINK" in pdf_text(tmp_path / "out" / CLAIM_ID / "packet.pdf")


def test_attachments_root_resolves_paths_there_and_confines_them(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    records = tmp_path / "records"
    (records / "docs").mkdir(parents=True)
    (records / "docs" / "ra.pdf").write_bytes(make_pdf(lines=("RA-FROM-RECORDS-ROOT",)))
    (records / "docs" / "notes.pdf").write_bytes(make_pdf(2, lines=("NOTES-FROM-RECORDS-ROOT",)))
    claim_file = write_claim(appeal=HTML_LETTER)  # also writes docs/*.pdf beside the claim
    builder = Builder(Workspace.open(REPO), attachments_root=records, today=TODAY)

    report = builder.build(load(claim_file), tmp_path / "out")
    text = pdf_text(tmp_path / "out" / CLAIM_ID / "packet.pdf")
    assert "RA-FROM-RECORDS-ROOT" in text
    assert "NOTES-FROM-RECORDS-ROOT" in text
    notes = next(s for s in report.sections if s.source == "docs/notes.pdf")
    assert notes.last_page - notes.first_page + 1 == 2

    # Beside the claim file is now outside the attachments folder.
    beside = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
              {"kind": "progress_notes", "path": str(claim_file.parent / "docs" / "notes.pdf")}]
    with pytest.raises(InputError, match="outside the attachments folder"):
        builder.build(load(write_claim(attachments=beside, appeal=HTML_LETTER)), tmp_path / "out2")
    (records / "docs" / "escape.pdf").symlink_to(outside_pdf(tmp_path))
    linked = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
              {"kind": "progress_notes", "path": "docs/escape.pdf"}]
    with pytest.raises(InputError, match="outside the attachments folder"):
        builder.build(load(write_claim(attachments=linked, appeal=HTML_LETTER)), tmp_path / "out3")
    assert not (tmp_path / "out2").exists()
    assert not (tmp_path / "out3").exists()
