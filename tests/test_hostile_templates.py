"""Hostile templates and hostile claim data through `appealgen build`: sandbox escapes and
resource bombs stop with one line and no output; patient data stays text and is never fetched;
remote and file resources in a template are denied; Word letters keep awkward text exact.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import appealgen.render.html
from tests.conftest import PATIENT, PLAN_POLICY, PROVIDER, REPO, WriteClaim
from tests.helpers import HTML_LETTER, NOTHING_BUILT, build, pdf_text
from tests.pdfs import reachable

LETTER_HEAD = ("<html><body><p>Claim {{ claim.payer_claim_number }}</p>"
               "<p>{{ patient.first_name }} {{ patient.last_name }} {{ patient.member_id }}</p>")


def letter_workspace(tmp_path: Path, body: str, name: str = "hostile.html") -> list[str]:
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True, exist_ok=True)
    (letters / name).write_text(body, encoding="utf-8")
    return ["--workspace", str(tmp_path / "ws")]


def build_letter(write_claim: WriteClaim, tmp_path: Path, body: str, **claim: Any) -> tuple[int, str, float]:
    workspace = letter_workspace(tmp_path, body)
    path = write_claim(appeal={"letter": "hostile.html", "argument": "Needed.", "policy": dict(PLAN_POLICY)}, **claim)
    started = time.monotonic()
    code, _, stderr = build(path, tmp_path / "out", *workspace)
    return code, stderr, time.monotonic() - started


@pytest.mark.parametrize(("expression", "message"), [
    # Stopped by the template check before any claim, with the line (the sandbox is the wall behind it).
    ("{{ ''.__class__.__mro__ }}", "line 1, at \"...mber_id }}</p><p>{{ ''.__class__.__mro__ }}</p></body></html>\": "
     "__class__: refused by the sandbox (names starting with '_')"),
    ("{{ cycler.__init__.__globals__ }}", "line 1, at '..._id }}</p><p>{{ cycler.__init__.__globals__ }}</p></body>"
     "</html>': __init__: refused by the sandbox (names starting with '_')"),
    ("{{ 'x' * 10**9 }}", "stopped: a value over 1,000,000 characters (a template limit)"),
    ("{% set x = 'x' * 10**9 %}{{ x|length }}", "stopped: a value over 1,000,000 characters (a template limit)"),
    ("{% for i in range(10**9) %}x{% endfor %}", "stopped: a number over 1,000,000 given to a function (a template "
                                                  "limit)"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "stopped: more than 1,000,000 loop iterations (a template limit)"),
    ("{% set x = 'x' * 600000 %}{% set x = x ~ x %}{{ x|length }}",
     "stopped: a value over 1,000,000 characters (a template limit)"),
    ("{{ 'x'|center(10**9) }}", "stopped: a number over 1,000,000 given to a function (a template limit)"),
    ("{{ 'x'.ljust(10**9) }}", "stopped: a number over 1,000,000 given to a function (a template limit)"),
    ("{{ 9**999999 }}", "stopped: a number too large (a template limit)"),
    # each value and the loop within their limits, the letter over its own
    ("{% for i in range(100) %}{{ 'x' * 999999 }}{% endfor %}",
     "stopped: output over 20,000,000 characters (a template limit)"),
], ids=["mro", "cycler-globals", "x-times-1e9", "set-x-times-1e9", "range-1e9", "nested-loops", "concat-doubling",
        "center", "ljust", "power", "output"])
def test_template_escapes_and_bombs_stop_with_one_line_and_no_output(
    write_claim: WriteClaim, tmp_path: Path, expression: str, message: str
) -> None:
    code, stderr, seconds = build_letter(write_claim, tmp_path, LETTER_HEAD + f"<p>{expression}</p></body></html>")
    lines = stderr.splitlines()
    assert (code, lines[0]) == (1, f"letters/hostile.html: {message}")
    assert lines[1:] in ([], [NOTHING_BUILT])  # stopped before the first claim, or by the render itself
    assert seconds < 20
    assert not (tmp_path / "out").exists()


def test_a_template_name_built_from_patient_data_is_not_quoted(write_claim: WriteClaim, tmp_path: Path) -> None:
    body = LETTER_HEAD + "{% include patient.last_name ~ '.html' %}{% include 'missing-part.html' %}</body></html>"
    code, stderr, _ = build_letter(write_claim, tmp_path, body)
    letter = "letters/hostile.html"
    assert (code, stderr) == (1, f"{letter}: template <expression> not found\n")
    body = LETTER_HEAD + "{% include 'missing-part.html' %}</body></html>"
    assert build_letter(write_claim, tmp_path, body)[1] == f"{letter}: template 'missing-part.html' not found\n"


def test_a_template_symlinked_out_of_the_template_folder_is_refused(write_claim: WriteClaim, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>outside the template folders</p>")
    workspace = letter_workspace(tmp_path, LETTER_HEAD + "{% include 'letters/part.html' %}</body></html>")
    (tmp_path / "ws" / "templates" / "letters" / "part.html").symlink_to(secret)
    claim = write_claim(appeal={"letter": "hostile.html", "policy": dict(PLAN_POLICY)})
    code, _, stderr = build(claim, tmp_path / "out", *workspace)
    assert (code, stderr) == (1, "letters/part.html: resolves outside the template folders (a link); refused\n")


# --- hostile claim data and template resources: the fetcher decides ------------------------


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL WeasyPrint asks the fetcher for, whatever the answer."""
    asked: list[str] = []
    real = appealgen.render.html._fetcher_class

    def recording() -> Any:
        class Recording(real()):  # type: ignore[misc]
            def fetch(self, url: str, headers: Any = None) -> Any:
                asked.append(url)
                return super().fetch(url, headers)

        return Recording

    monkeypatch.setattr(appealgen.render.html, "_fetcher_class", recording)
    # `build` runs packets in a worker process; the recording must happen in this one.
    monkeypatch.setenv("APPEALGEN_DEBUG", "1")
    return asked


HOSTILE_NAMES = {
    "first_name": "<style>@import url(http://198.51.100.7/a.css)</style>",
    "last_name": '<img src="http://198.51.100.7/x.png"> {{ 7*7 }}',
}


def test_hostile_patient_names_are_printed_literally_and_never_fetched(
    write_claim: WriteClaim, tmp_path: Path, fetched: list[str]
) -> None:
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "Needed.", "policy": dict(PLAN_POLICY)},
                        patient={**PATIENT, **HOSTILE_NAMES})
    code, _, stderr = build(claim, tmp_path / "out")
    # the records name the member ID, and the patient as the fixture's records do: not the claim's hostile name
    assert code == 3 and "page 1: names this patient's member ID and also a patient name that is not this " \
        "claim's" in stderr, stderr
    text = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert '<img src="http://198.51.100.7/x.png"> {{ 7*7 }}' in text and "> 49" not in text
    assert "<style>@import url(http://198.51.100.7/a.css)</style>" in text
    assert not [url for url in fetched if "198.51.100.7" in url]


def test_template_resources_outside_the_template_folders_are_denied(
    write_claim: WriteClaim, tmp_path: Path, fetched: list[str]
) -> None:
    body = ("<html><head><style>@font-face { font-family: X; src: url(file:///dev/urandom); }"
            "body { font-family: X; }</style>"
            '<link rel="attachment" href="file:///etc/passwd" title="passwd">'
            '<link rel="attachment" href="http://198.51.100.7/a.pdf"></head>'
            f"<body>{LETTER_HEAD.removeprefix('<html><body>')}"
            '<img src="http://198.51.100.7/remote.png"><img src="file:///etc/passwd"></body></html>')
    code, stderr, seconds = build_letter(write_claim, tmp_path, body)
    assert code == 0, stderr
    assert seconds < 30
    assert {"file:///dev/urandom", "http://198.51.100.7/remote.png", "file:///etc/passwd"} <= set(fetched)
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    from pypdf import PdfReader

    assert not [o for o in reachable(PdfReader(packet)) if o.get("/Type") in ("/EmbeddedFile", "/Filespec")]
    assert b"root:x:0:0" not in packet.read_bytes()


def test_a_file_a_letter_template_attaches_is_taken_out_with_a_warning(write_claim: WriteClaim, tmp_path: Path) -> None:
    # The file sits in the template folder, so the renderer may read it; the packet must not carry it.
    body = ('<html><head><link rel="attachment" href="terms.txt" title="terms"></head>'
            f"<body>{LETTER_HEAD.removeprefix('<html><body>')}</body></html>")
    (tmp_path / "ws" / "templates" / "letters").mkdir(parents=True)
    (tmp_path / "ws" / "templates" / "letters" / "terms.txt").write_text("embedded terms")
    code, stderr, _ = build_letter(write_claim, tmp_path, body)
    assert code == 0, stderr
    assert stderr.splitlines()[1:] == ["  warning: letter: removed an embedded file"]
    packet = (tmp_path / "out" / "TEST-1" / "packet.pdf").read_bytes()
    assert b"embedded terms" not in packet and b"/EmbeddedFile" not in packet


def test_an_image_a_letter_template_shows_is_held_to_the_attachments_pixel_limit(
        write_claim: WriteClaim, tmp_path: Path) -> None:
    # The renderer copies a JPEG's bytes as they are: one whose header claims 11,000 x 11,000 pixels
    # would reach the payer's viewer, which decodes it. The letter is checked as an attachment is.
    image = io.BytesIO()
    Image.new("L", (16, 16), 255).save(image, "JPEG")
    data = bytearray(image.getvalue())
    frame = data.find(b"\xff\xc0")  # SOF0: marker, length (2), precision (1), height (2), width (2)
    data[frame + 5:frame + 9] = (11000).to_bytes(2, "big") * 2
    (tmp_path / "ws" / "templates" / "letters").mkdir(parents=True)
    (tmp_path / "ws" / "templates" / "letters" / "logo.jpg").write_bytes(bytes(data))
    body = f'{LETTER_HEAD}<img src="logo.jpg" style="width: 1in"></body></html>'
    code, stderr, _ = build_letter(write_claim, tmp_path, body)
    template = tmp_path / "ws" / "templates" / "letters" / "hostile.html"
    assert (code, stderr) == (1, f"{template}: letter: has an image larger than 100,000,000 pixels\n")
    assert not (tmp_path / "out" / "TEST-1").exists()


def test_a_web_link_in_the_front_matter_is_taken_out_before_it_is_sent(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    # A billing lead's cover sheet links to a payer portal: the link goes (the final scan would
    # otherwise stop the build), its text stays, and the index still opens its sections.
    front = (REPO / "templates" / "cover_sheets" / "packet_front.html").read_text()
    covers = tmp_path / "ws" / "templates" / "cover_sheets"
    covers.mkdir(parents=True)
    (covers / "packet_front.html").write_text(
        front.replace("</body>", '<p><a href="https://portal.example.invalid/track">Payer portal</a></p></body>'))
    code, _, stderr = build(write_claim(appeal=HTML_LETTER), tmp_path / "out", "--workspace", str(tmp_path / "ws"))
    assert code == 0, stderr
    packet = tmp_path / "out" / "TEST-1" / "packet.pdf"
    assert "Payer portal" in pdf_text(packet)
    assert b"portal.example.invalid" not in packet.read_bytes()
    from pypdf import PdfReader

    links = [o for o in reachable(PdfReader(packet)) if o.get("/Subtype") == "/Link"]
    assert links and all("/Dest" in link and "/A" not in link for link in links)


# --- awkward text in a Word letter ------------------------------------------------------------

AWKWARD = "Zoë & <O'Brien> \"Q\" 😀 שלום\x07\x1b[31m"


def test_awkward_text_in_a_word_letter_is_exact_and_valid(write_claim: WriteClaim, tmp_path: Path) -> None:
    from docx import Document

    long_address = ("Suite 100, Example Medical Arts Building, Springfield. " * 200)[:10_000]
    claim = write_claim(appeal={"letter": "medical_necessity.docx", "argument": "Needed.", "policy": dict(PLAN_POLICY)},
                        patient={**PATIENT, "first_name": AWKWARD},
                        provider={**PROVIDER, "address": long_address})
    code, _, stderr = build(claim, tmp_path / "out")
    assert code == 0, stderr  # the attachments name the member ID
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", AWKWARD).strip()  # control characters removed
    document = Document(str(tmp_path / "out" / "TEST-1" / "letter.docx"))  # valid Word XML
    text = "\n".join(p.text for p in document.paragraphs)
    assert expected in text
    assert long_address.strip() in text
    packet = pdf_text(tmp_path / "out" / "TEST-1" / "packet.pdf")
    assert "Zoë & <O'Brien> \"Q\"" in packet
    assert "Suite 100, Example Medical Arts Building, Springfield." in packet


def test_a_word_letter_that_writes_past_the_output_limit_stops_with_one_line(write_claim: WriteClaim,
                                                                            tmp_path: Path) -> None:
    """docxtpl renders each XML part of a Word letter itself: the limit held only for HTML, and a
    looping Word letter filled the memory (about 2 GB) before failing."""
    from docx import Document

    document = Document()
    document.add_paragraph("{% for i in range(1000) %}{{ 'x' * 999999 }}{% endfor %}")
    letters = tmp_path / "ws" / "templates" / "letters"
    letters.mkdir(parents=True)
    document.save(str(letters / "looping.docx"))
    claim = write_claim(appeal={"letter": "looping.docx", "argument": "Needed.", "policy": dict(PLAN_POLICY)})
    code, _, stderr = build(claim, tmp_path / "out", "--workspace", str(tmp_path / "ws"))
    assert (code, stderr.splitlines()[-1]) == (1, f"{letters / 'looping.docx'}: stopped: output over 20,000,000 "
                                                  "characters (a template limit)")
    assert not (tmp_path / "out").exists()
