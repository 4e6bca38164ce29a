"""Golden edge cases on real packets (real pypdf, real WeasyPrint, real poppler; no mocks).

Each test builds a packet from synthetic attachments and reads the produced PDF back:
stamps are located on the *visible* page (CropBox and /Rotate applied) with poppler's word
boxes and rendered pixels, index ranges are parsed from the index text and compared with
the stamps, and bookmarks and links are followed to the pages they open.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    Destination,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from appealgen.errors import InputError
from appealgen.report import PacketReport, Section
from appealgen.sources.claim_file import load_claims
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, WriteClaim, claim_dict
from tests.pdfs import A4, LETTER, make_pdf, text_page, with_link_and_comment

CLAIM_ID = "TEST-1"
HTML_LETTER = {"letter": "reconsideration.html", "argument": "The records show the item was needed.",
               "policy": PLAN_POLICY}
# The claim's own remittance advice and progress notes: with them the packet passes its check.
BASE_ATTACHMENTS: list[dict[str, Any]] = claim_dict()["attachments"]
LANDSCAPE = (792.0, 612.0)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)


# --- building packets ------------------------------------------------------------------------


@dataclass
class Packet:
    report: PacketReport
    path: Path

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.path)

    def section(self, title: str) -> Section:
        [found] = [s for s in self.report.sections if s.title == title]
        return found

    def page(self, number: int) -> PageObject:
        """Page `number`, counted from 1 as the stamps count."""
        return self.reader.pages[number - 1]

    @cached_property
    def numbers(self) -> dict[int, int]:
        """Object number of each page -> its page number (from 1)."""
        numbers = {}
        for n, page in enumerate(self.reader.pages, start=1):
            assert page.indirect_reference is not None
            numbers[page.indirect_reference.idnum] = n
        return numbers

    def number_of(self, page_ref: Any) -> int:
        if isinstance(page_ref, IndirectObject):
            return self.numbers[page_ref.idnum]
        raise AssertionError(f"destination does not name a page object: {page_ref!r}")

    def stamp(self, number: int) -> tuple[int, int]:
        """(page, of) as printed by the stamp on page `number`, read from the PDF text."""
        found = STAMP.findall(flat(self.page(number).extract_text()))
        assert len(found) == 1, f"page {number}: expected one stamp, found {found}"
        page, total = found[0]
        return int(page), int(total)


MARK = f"{CLAIM_ID} Claim PCN0001"  # the account and the payer's claim number
STAMP = re.compile(rf"{re.escape(MARK)} Page (\d+) of (\d+)")


def page_count(section: Section) -> int:
    return section.last_page - section.first_page + 1


def flat(text: str | None) -> str:
    return " ".join((text or "").split())


def attachment(path: str, title: str, kind: str = "other") -> dict[str, Any]:
    return {"kind": kind, "path": path, "title": title}


def build_packet(
    write_claim: WriteClaim,
    builder: Builder,
    out: Path,
    extra: Sequence[dict[str, Any]] = (),
    files: dict[str, bytes] | None = None,
) -> Packet:
    """Build the test claim (HTML letter, the base attachments, then `extra`) into `out`."""
    claim = write_claim(files=files, appeal=HTML_LETTER, attachments=[*BASE_ATTACHMENTS, *extra])
    return packet_of(builder.build(load_claims(claim)[0], out), out)


def packet_of(report: PacketReport, out: Path) -> Packet:
    """The packet as written: the PDF and the report read back from packet.json."""
    written = PacketReport.model_validate_json((out / CLAIM_ID / "packet.json").read_text())
    assert written == report
    return Packet(written, out / CLAIM_ID / "packet.pdf")


def write_claim_file(folder: Path, files: dict[str, bytes], attachments: list[dict[str, Any]]) -> Path:
    """Like the `write_claim` fixture, for tests that need a fresh folder per example."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    path = folder / "claim.yaml"
    data = claim_dict(appeal=HTML_LETTER, attachments=attachments)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- synthetic sources -------------------------------------------------------------------------


def rect(*values: float) -> ArrayObject:
    return ArrayObject([FloatObject(v) for v in values])


def _write(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def black_pdf(size: tuple[float, float] = LETTER) -> bytes:
    """One page painted entirely black (a dark scan): the stamp must bring its own background."""
    writer = PdfWriter()
    page = writer.add_blank_page(*size)
    content = DecodedStreamObject()
    content.set_data(f"0 g 0 0 {size[0]:g} {size[1]:g} re f".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    return _write(writer)


def mixed_sizes_pdf() -> bytes:
    """Letter, A4 and landscape Letter pages in one file."""
    writer = PdfWriter()
    for size in (LETTER, A4, LANDSCAPE):
        text_page(writer, ["Patient: Rosa Testcase", f"Page size {size[0]:g} x {size[1]:g}"], size)
    return _write(writer)


def form_pdf(values: Sequence[str], hidden: str | None = None, appearances: bool = True) -> bytes:
    """One page per value, each with a filled-in text field whose widget has an /AP appearance
    stream. The pages share one /Resources dictionary, as many PDF producers write them.
    `hidden`: one more field on page 1, flagged Hidden (viewers never show it), with this value.
    `appearances=False`: no /AP at all; the form relies on the viewer to draw the values."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    resources = writer._add_object(DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
    }))
    pages = []
    for n in range(1, len(values) + 1):
        page = writer.add_blank_page(*LETTER)
        page[NameObject("/Resources")] = resources
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td (Patient: Rosa Testcase, form page {n}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        pages.append(page)
    fields = ArrayObject()
    flags = [(page, value, 4) for page, value in zip(pages, values, strict=True)]  # 4: Print
    if hidden is not None:
        flags.append((pages[0], hidden, 2 | 4))  # 2: Hidden, whatever the other flags say
    for n, (page, value, flag) in enumerate(flags, start=1):
        y = 520 if flag & 2 else 600
        appearance = DecodedStreamObject()
        appearance.set_data(f"/Tx BMC q BT /F1 12 Tf 2 6 Td ({value}) Tj ET Q EMC".encode())
        appearance.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): rect(0, 0, 220, 20),
            NameObject("/Resources"): DictionaryObject({
                NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
            }),
        })
        widget = writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject(f"field{n}"),
            NameObject("/V"): TextStringObject(value),
            NameObject("/F"): NumberObject(flag),
            NameObject("/Rect"): rect(72, y, 292, y + 20),
            NameObject("/P"): page.indirect_reference,
        }))
        if appearances:
            cast(DictionaryObject, widget.get_object())[NameObject("/AP")] = DictionaryObject(
                {NameObject("/N"): writer._add_object(appearance)})
        page[NameObject("/Annots")] = ArrayObject([*page.get("/Annots", []), widget])
        fields.append(widget)
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): fields,
        NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
    }))
    return _write(writer)


def named_link_pdf(pages: int, tag: str) -> bytes:
    """Page 1 links to the last page through the named destination "last-page", once with a
    /Dest and once with a GoTo action; names like this repeat across files (LaTeX writes
    "page.1" in every document)."""
    source = make_pdf(pages, lines=(f"Patient: Rosa Testcase ({tag})",))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.add_named_destination("last-page", pages - 1)
    by_dest = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): rect(72, 600, 300, 620),
        NameObject("/Dest"): TextStringObject("last-page"),
    })
    by_action = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): rect(72, 560, 300, 580),
        NameObject("/A"): DictionaryObject({
            NameObject("/S"): NameObject("/GoTo"),
            NameObject("/D"): TextStringObject("last-page"),
        }),
    })
    links = [writer._add_object(by_dest), writer._add_object(by_action)]
    writer.pages[0][NameObject("/Annots")] = ArrayObject(links)
    return _write(writer)


def inherited_rotation_pdf(rotate: int) -> bytes:
    """Two pages that inherit /Rotate from the page tree instead of carrying it themselves."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))
    pages = writer._root_object["/Pages"].get_object()
    assert isinstance(pages, DictionaryObject)
    pages[NameObject("/Rotate")] = NumberObject(rotate)
    return _write(writer)


def leaky_state_pdf() -> bytes:
    """A page whose content leaves its graphics state changed (no q/Q): scaled and shifted
    coordinates, white fill and stroke, invisible text rendering mode, wide character spacing."""
    writer = PdfWriter()
    page = text_page(writer, ["Patient: Rosa Testcase"])
    leak = DecodedStreamObject()
    leak.set_data(b"0.5 0 0 0.5 200 300 cm 1 1 1 rg 1 1 1 RG 7 w 3 Tr 4 Tc 150 Tz")
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), writer._add_object(leak)])
    return _write(writer)


def linked_pdf(pages: int) -> bytes:
    """`pages` pages with two bookmarks of its own, a link from page 1 to the last page (an
    explicit destination) and a text comment on page 1."""
    return with_link_and_comment(make_pdf(pages, outline=("Chapter A", "Chapter B")))


# --- reading packets back --------------------------------------------------------------------


def annots_of(page: PageObject, subtype: str) -> list[DictionaryObject]:
    found = []
    for ref in page.get("/Annots", ArrayObject()):
        annot = ref.get_object()
        if annot.get("/Subtype") == subtype:
            found.append(annot)
    return found


def link_target(packet: Packet, link: DictionaryObject) -> int:
    """The packet page a link annotation opens (explicit or named destination, /Dest or GoTo)."""
    dest: Any
    if "/Dest" in link:
        dest = link["/Dest"]
    else:
        action: Any = link["/A"]
        assert action["/S"] == "/GoTo", f"not an internal link: {action}"
        dest = action["/D"]
    if isinstance(dest, str):
        return destination_page(packet, packet.reader.named_destinations[str(dest)])
    return packet.number_of(dest[0])


def destination_page(packet: Packet, destination: Destination) -> int:
    number = packet.reader.get_destination_page_number(destination)
    assert number is not None, f"{destination.title!r} opens no page of the packet"
    return number + 1


def outline_tree(packet: Packet) -> list[tuple[str, int, list[Any]]]:
    """Bookmarks as (title, page from 1, children)."""

    def walk(items: list[Any]) -> list[tuple[str, int, list[Any]]]:
        tree: list[tuple[str, int, list[Any]]] = []
        for item in items:
            if isinstance(item, list):
                title, page, _ = tree[-1]
                tree[-1] = (title, page, walk(item))
            else:
                assert isinstance(item, Destination)
                tree.append((str(item.title), destination_page(packet, item), []))
        return tree

    return walk(packet.reader.outline)


def index_text(packet: Packet) -> str:
    index = packet.section("Index")
    return "\n".join(
        packet.page(n).extract_text() for n in range(index.first_page, index.last_page + 1)
    )


def index_row(text: str, number: int, title: str) -> tuple[int, int, int]:
    """(first page, last page, count) printed in the index row of `title`.

    Long titles wrap, and unbroken words are split anywhere, so the title may carry line
    breaks at any point: any whitespace is allowed between its characters.
    """
    chars = [re.escape(c) for c in title if not c.isspace()]
    pattern = rf"\b{number}\s+" + r"\s*".join(chars) + r"\s+(\d+)(?:\s*\u2013\s*(\d+))?\s+(\d+)\b"
    match = re.search(pattern, text)
    assert match, f"index row {number} ({title[:40]}...) not found in full"
    first, last, count = match.group(1), match.group(2) or match.group(1), match.group(3)
    return int(first), int(last), int(count)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')


def words(pdf: Path, page: int) -> list[Word]:
    """Poppler's word boxes on the visible page: points, origin at the top left of the CropBox
    as displayed (after /Rotate)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-cropbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [
        Word(html.unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
        for m in WORD.findall(out)
    ]


def visible_size(page: PageObject) -> tuple[float, float]:
    """Width and height of the page as a viewer shows it (CropBox, then /Rotate)."""
    width, height = float(page.cropbox.width), float(page.cropbox.height)
    return (height, width) if page.rotation % 180 == 90 else (width, height)


@dataclass(frozen=True)
class StampPlacement:
    right: float  # gap between the end of "Page N of M" and the right edge of the visible page
    bottom: float  # gap between the text's bottom and the bottom edge
    height: float  # of the text box: the same font size gives the same height


def stamp_run(packet: Packet, number: int) -> list[Word]:
    """The words "Page N of M" of the stamp on visible page `number`, asserting that they read
    upright: one line, left to right, each word wider than tall."""
    found = words(packet.path, number)
    total = len(packet.reader.pages)
    expected = ["Page", str(number), "of", str(total)]
    runs = [found[i:i + 4] for i in range(len(found) - 3) if [w.text for w in found[i:i + 4]] == expected]
    assert len(runs) == 1, f"page {number}: 'Page {number} of {total}' not found as one run of words"
    run = runs[0]
    assert all(abs(w.y0 - run[0].y0) < 0.1 and abs(w.y1 - run[0].y1) < 0.1 for w in run), "not on one line"
    assert all(a.x1 <= b.x0 for a, b in itertools.pairwise(run)), "words do not run left to right"
    assert run[0].x1 - run[0].x0 > run[0].y1 - run[0].y0, "'Page' is taller than wide: sideways"
    return run


def stamp_placement(packet: Packet, number: int) -> StampPlacement:
    """Where "Page N of M" sits on visible page `number`."""
    last = stamp_run(packet, number)[-1]
    width, height = visible_size(packet.page(number))
    return StampPlacement(right=width - last.x1, bottom=height - last.y1, height=last.y1 - last.y0)


def render(pdf: Path, page: int, dpi: int = 40) -> Image.Image:
    """The page as a viewer shows it (pdftoppm applies the CropBox and /Rotate), greyscale."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-cropbox", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
             "-gray", str(pdf), f"{tmp}/page"],
            check=True, capture_output=True,
        )
        with Image.open(f"{tmp}/page.png") as image:
            return image.convert("L")


def dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """Bounding box (in image coordinates) of the dark pixels inside `box`, or None."""
    mask = image.crop(box).point(lambda v: 255 if v < 128 else 0)
    found = mask.getbbox()
    if found is None:
        return None
    return found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1]


def white_fraction(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    region = image.crop(box)
    histogram = region.histogram()
    return sum(histogram[200:]) / max(1, region.width * region.height)


def raw_lines(pdf: Path, page: int) -> list[str]:
    """pdftotext -raw: text in content order, a new line whenever the writing direction or
    baseline changes (so text drawn sideways relative to the view comes out a word a line)."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [flat(line) for line in out.splitlines()]


def assert_stamp_bottom_right(packet: Packet, number: int) -> None:
    """The stamp on page `number` reads upright at the bottom right of the *visible* page, in
    the same place as on an ordinary Letter page of the packet (the remittance advice)."""
    reference = stamp_placement(packet, packet.section("Remittance advice").first_page)
    placement = stamp_placement(packet, number)
    assert placement.right == pytest.approx(reference.right, abs=0.5)
    assert placement.bottom == pytest.approx(reference.bottom, abs=0.5)
    assert placement.height == pytest.approx(reference.height, abs=0.1)

    # Rendered: the only dark pixels in the bottom 40 pt are the stamp's, in the right part,
    # ending near the right edge and just above the bottom edge.
    scale = 40 / 72
    image = render(packet.path, number)
    width, height = visible_size(packet.page(number))
    assert image.size == pytest.approx((width * scale, height * scale), abs=1.5)
    strip = dark_pixels(image, (0, image.height - round(40 * scale), image.width, image.height))
    assert strip is not None, "no stamp in the bottom strip of the rendered page"
    x0, _y0, x1, y1 = strip
    assert x0 > image.width * 0.4, "stamp pixels reach into the left part of the page"
    assert image.width - x1 < 30 * scale
    assert image.height - y1 < 20 * scale

    # Text extraction reads the stamp as one line of text, in order.
    stamp = f"{MARK} Page {number} of {len(packet.reader.pages)}"
    assert any(line.endswith(stamp) for line in raw_lines(packet.path, number))


# --- 1-3: stamps on the visible page -------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("rotate", [90, 180, 270, -90])
def test_stamp_reads_upright_at_bottom_right_of_rotated_page(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path, rotate: int
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/rotated.pdf", "Rotated scan")],
        {"docs/rotated.pdf": make_pdf(2, rotate=rotate)},
    )
    section = packet.section("Rotated scan")
    for number in range(section.first_page, section.last_page + 1):
        assert packet.page(number).rotation % 360 == rotate % 360, "the page keeps its /Rotate"
        assert_stamp_bottom_right(packet, number)


@needs_poppler
@pytest.mark.parametrize(
    ("cropbox", "rotate"),
    [
        ((36, 36, 576, 756), 0),  # inset on every side
        ((100, 100, 500, 700), 0),  # non-zero origin, smaller than the MediaBox
        ((100, 100, 500, 700), 90),  # both: cropped and rotated
    ],
    ids=["inset", "offset-origin", "offset-origin-rotated"],
)
def test_stamp_sits_inside_the_cropbox(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path,
    cropbox: tuple[float, float, float, float], rotate: int,
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/cropped.pdf", "Cropped scan")],
        {"docs/cropped.pdf": make_pdf(1, cropbox=cropbox, rotate=rotate)},
    )
    number = packet.section("Cropped scan").first_page
    assert [float(v) for v in packet.page(number).cropbox] == [float(v) for v in cropbox]
    assert_stamp_bottom_right(packet, number)


@needs_poppler
def test_stamp_is_rotated_with_an_inherited_rotate(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/inherited.pdf", "Rotated by the page tree")],
        {"docs/inherited.pdf": inherited_rotation_pdf(90)},
    )
    section = packet.section("Rotated by the page tree")
    for number in range(section.first_page, section.last_page + 1):
        assert packet.page(number).rotation == 90
        assert_stamp_bottom_right(packet, number)


@needs_poppler
def test_stamp_is_not_affected_by_the_page_graphics_state(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/leaky.pdf", "Leaky content")],
        {"docs/leaky.pdf": leaky_state_pdf()},
    )
    assert_stamp_bottom_right(packet, packet.section("Leaky content").first_page)


@needs_poppler
def test_stamps_share_corner_and_size_on_mixed_page_sizes(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/mixed.pdf", "Mixed sizes")],
        {"docs/mixed.pdf": mixed_sizes_pdf()},
    )
    section = packet.section("Mixed sizes")
    sizes = [visible_size(packet.page(n)) for n in range(section.first_page, section.last_page + 1)]
    assert sizes == [LETTER, A4, LANDSCAPE]
    # Every page of the packet (WeasyPrint front and letter pages included): same corner,
    # same distances from the right and bottom edges, same font size.
    placements = {stamp_placement(packet, n) for n in range(1, len(packet.reader.pages) + 1)}
    reference = next(iter(placements))
    for placement in placements:
        assert placement.right == pytest.approx(reference.right, abs=0.05)
        assert placement.bottom == pytest.approx(reference.bottom, abs=0.05)
        assert placement.height == pytest.approx(reference.height, abs=0.05)
    assert 10 <= reference.right <= 40 and 5 <= reference.bottom <= 30


@needs_poppler
@pytest.mark.parametrize("size", [LETTER, LANDSCAPE], ids=["portrait", "landscape"])
def test_stamp_has_a_white_box_behind_it(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path, size: tuple[float, float]
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/black.pdf", "Dark scan")],
        {"docs/black.pdf": black_pdf(size)},
    )
    number = packet.section("Dark scan").first_page
    image = render(packet.path, number, dpi=72)  # 1 px = 1 pt
    run = stamp_run(packet, number)  # "Page N of M"
    x0, y0, x1, y1 = round(run[0].x0), round(run[0].y0), round(run[-1].x1), round(run[-1].y1)
    # Black text on a white box: much of the text's area is white...
    assert white_fraction(image, (x0, y0, x1, y1)) > 0.3
    # ...and the box reaches past the text (its padding) while the page around stays black.
    assert white_fraction(image, (x1 + 1, y0, x1 + 2, y1)) == 1.0
    assert white_fraction(image, (x1 + 12, y0, x1 + 13, y1)) == 0.0
    assert white_fraction(image, (0, y0, x0 - 140, y1)) == 0.0  # the mark "TEST-1  Claim PCN0001" is 110 pt


# --- 4: many attachments with very long titles -------------------------------------------


LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3  # 135 characters, no break


def long_title(n: int) -> str:
    """300 characters; every third title opens with an unbroken 135-character word."""
    start = f"{LONG_WORD} #{n} " if n % 3 == 0 else f"Attachment #{n}: "
    filler = "records & notes (copy) from the supplier's file, dated 2026-09-02 / page set "
    title = (start + filler * 5)[:300].rstrip()
    return title + "x" * (300 - len(title))


@pytest.mark.parametrize(
    "count", [1, 30, 200], ids=["1", "30", "200"]
)
def test_many_attachments_with_long_titles(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path, count: int
) -> None:
    files = {
        f"docs/a{n:03d}.pdf": make_pdf(lines=("Patient: Rosa Testcase", f"Attachment {n}"))
        for n in range(count)
    }
    extra = [attachment(f"docs/a{n:03d}.pdf", long_title(n)) for n in range(count)]
    assert all(len(a["title"]) == 300 for a in extra)
    packet = build_packet(write_claim, builder, tmp_path / "out", extra, files)
    report = packet.report
    total = len(packet.reader.pages)
    assert report.pages == total
    assert report.check.passed

    index = packet.section("Index")
    if count >= 30:
        assert index.last_page > index.first_page, "a long index spans several pages"
    else:
        assert index.last_page == index.first_page
    text = index_text(packet)
    for number, section in enumerate(report.sections, start=1):
        # The full title is printed, and the printed range is where the stamps say it is.
        first, last, pages = index_row(text, number, section.title)
        assert (first, last) == (section.first_page, section.last_page)
        assert pages == last - first + 1
        assert packet.stamp(first) == (first, total)
        assert packet.stamp(last) == (last, total)
    assert_index_links_open_first_pages(packet)


# --- 5-6: the same file twice; links, comments, forms and bookmarks inside sources -----


def test_same_file_twice_gets_its_own_pages_and_stamps(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/linked.pdf", "First copy"), attachment("docs/linked.pdf", "Second copy")],
        {"docs/linked.pdf": linked_pdf(3)},
    )
    first, second = packet.section("First copy"), packet.section("Second copy")
    assert (first.last_page - first.first_page, second.last_page - second.first_page) == (2, 2)
    assert second.first_page == first.last_page + 1
    total = len(packet.reader.pages)
    for offset in range(3):
        a, b = first.first_page + offset, second.first_page + offset
        assert packet.stamp(a) == (a, total)
        assert packet.stamp(b) == (b, total)
        page_a, page_b = packet.page(a), packet.page(b)
        assert page_a.indirect_reference != page_b.indirect_reference
        content_a, content_b = page_a.get_contents(), page_b.get_contents()
        assert content_a is not None and content_b is not None
        assert content_a.get_data() != content_b.get_data(), "one content stream stamped twice"
    # Each copy's own link opens the copy's own last page.
    for section in (first, second):
        [link] = annots_of(packet.page(section.first_page), "/Link")
        assert link_target(packet, link) == section.last_page


def test_links_and_comments_inside_sources_still_work(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/linked.pdf", "Linked notes")],
        {"docs/linked.pdf": linked_pdf(3)},
    )
    section = packet.section("Linked notes")
    page = packet.page(section.first_page)
    [link] = annots_of(page, "/Link")
    assert link_target(packet, link) == section.last_page
    [comment] = annots_of(page, "/Text")
    assert str(comment["/Contents"]) == "Reviewer note"


def test_named_destination_links_stay_in_their_own_file(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    # Three files use the same destination name; one of them twice.
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/a.pdf", "File A"), attachment("docs/b.pdf", "File B"),
         attachment("docs/c.pdf", "File C"), attachment("docs/c.pdf", "File C again")],
        {"docs/a.pdf": named_link_pdf(3, "A"), "docs/b.pdf": named_link_pdf(2, "B"),
         "docs/c.pdf": named_link_pdf(4, "C")},
    )
    for title in ("File A", "File B", "File C", "File C again"):
        section = packet.section(title)
        links = annots_of(packet.page(section.first_page), "/Link")
        assert len(links) == 2, f"{title}: links lost"
        targets = [link_target(packet, link) for link in links]
        assert targets == [section.last_page, section.last_page], f"{title}: links open {targets}"


@needs_poppler
def test_form_fields_are_flattened_into_the_page(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    values = ["First field value", "Second field value"]
    hidden = "Hidden field 123-45-6789"
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/form.pdf", "Filled form")],
        {"docs/form.pdf": form_pdf(values, hidden=hidden)},
    )
    assert "/AcroForm" not in packet.reader.root_object
    for page in packet.reader.pages:
        assert annots_of(page, "/Widget") == []
    section = packet.section("Filled form")
    for offset, value in enumerate(values):
        number = section.first_page + offset
        text = flat(subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(packet.path), "-"],
            capture_output=True, text=True, check=True,
        ).stdout)
        # Each page shows its own field's value, and only that one.
        assert value in text
        assert [v for v in values if v != value and v in text] == []
    # A hidden field is not drawn, and its value is not left behind in the file either.
    assert hidden not in flat(packet.page(section.first_page).extract_text())
    assert hidden.encode() not in packet.path.read_bytes()


@needs_poppler
def test_form_values_without_appearance_streams_are_drawn(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    values = ["Viewer-drawn value one", "Viewer-drawn value two"]
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/form.pdf", "Form without appearances")],
        {"docs/form.pdf": form_pdf(values, appearances=False)},
    )
    section = packet.section("Form without appearances")
    for offset, value in enumerate(values):
        number = section.first_page + offset
        text = flat(subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(packet.path), "-"],
            capture_output=True, text=True, check=True,
        ).stdout)
        assert value in text
        assert annots_of(packet.page(number), "/Widget") == []


def test_source_bookmarks_become_children_of_its_section(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    packet = build_packet(
        write_claim, builder, tmp_path / "out",
        [attachment("docs/linked.pdf", "First copy"), attachment("docs/linked.pdf", "Second copy")],
        {"docs/linked.pdf": linked_pdf(3)},
    )
    tree = {title: (page, children) for title, page, children in outline_tree(packet)}
    for title in ("First copy", "Second copy"):
        section = packet.section(title)
        page, children = tree[title]
        assert page == section.first_page
        # make_pdf puts "Chapter A" on its page 1 and "Chapter B" on its page 2.
        assert children == [("Chapter A", section.first_page, []), ("Chapter B", section.first_page + 1, [])]


def outline_pdf(pages: int, items: Sequence[tuple[str, int | str | None]], loop: bool = False) -> bytes:
    """`pages` pages whose bookmarks are `items` (title, destination: a page index, a name, or
    None), each under the one before; the name "chapter-two" opens page 2. `loop` points the
    last bookmark's /Next back at the first, as a broken file can."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(pages))))
    writer.add_named_destination("chapter-two", 1)
    made, refs = [], []
    for title, destination in items:
        item = DictionaryObject({NameObject("/Title"): TextStringObject(title)})
        if isinstance(destination, int):
            item[NameObject("/Dest")] = ArrayObject([writer.pages[destination].indirect_reference, NameObject("/Fit")])
        elif isinstance(destination, str):
            item[NameObject("/Dest")] = TextStringObject(destination)
        made.append(item)
        refs.append(writer._add_object(item))
    for (parent, parent_ref), (child, child_ref) in itertools.pairwise(zip(made, refs, strict=True)):
        parent.update({NameObject("/First"): child_ref, NameObject("/Last"): child_ref})
        child[NameObject("/Parent")] = parent_ref
    if loop:
        made[-1][NameObject("/Next")] = refs[0]
    outlines = writer._add_object(DictionaryObject({NameObject("/First"): refs[0], NameObject("/Last"): refs[0]}))
    writer._root_object[NameObject("/Outlines")] = outlines
    return _write(writer)


def test_a_source_bookmark_given_by_name_opens_its_page_and_one_that_opens_nothing_leaves_its_children(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    items: list[tuple[str, int | str | None]] = [("Opens nothing", None), ("By name", "chapter-two"),
                                                 ("Unknown name", "no-such-name")]
    packet = build_packet(write_claim, builder, tmp_path / "out", [attachment("docs/marks.pdf", "Marked")],
                          {"docs/marks.pdf": outline_pdf(3, items)})
    tree = {title: (page, children) for title, page, children in outline_tree(packet)}
    first = packet.section("Marked").first_page
    assert tree["Marked"] == (first, [("By name", first + 1, [])])


def test_a_source_bookmark_list_that_loops_is_read_once(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    pdf = outline_pdf(2, [("One", 0), ("Two", 1)], loop=True)
    packet = build_packet(write_claim, builder, tmp_path / "out", [attachment("docs/loop.pdf", "Looped")],
                          {"docs/loop.pdf": pdf})
    tree = {title: (page, children) for title, page, children in outline_tree(packet)}
    first = packet.section("Looped").first_page
    # "One", the outline's only top bookmark, opens the first page: the section's own bookmark does that
    assert tree["Looped"] == (first, [("Two", first + 1, [])])


def test_the_packet_declares_the_newest_pdf_version_of_its_parts(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    newer = make_pdf(2)
    assert newer.startswith(b"%PDF-1.3")
    packet = build_packet(write_claim, builder, tmp_path / "out", [attachment("docs/new.pdf", "PDF 2.0 export")],
                          {"docs/new.pdf": newer.replace(b"%PDF-1.3", b"%PDF-2.0", 1)})
    assert packet.path.read_bytes().startswith(b"%PDF-2.0\n")


# --- 7: inputs are never outputs, and never modified ---------------------------------------


@pytest.mark.parametrize("path", ["out/TEST-1/packet.pdf", "out/TEST-1/../TEST-1/packet.pdf"])
def test_attachment_that_is_the_output_is_refused(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path, path: str
) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=[*BASE_ATTACHMENTS, attachment(path, "Old packet")])
    previous = tmp_path / "claim" / "out" / CLAIM_ID / "packet.pdf"
    before = previous.read_bytes()
    with pytest.raises(InputError, match="also an output"):
        builder.build(load_claims(claim)[0], tmp_path / "claim" / "out")
    assert previous.read_bytes() == before
    assert not (previous.parent / "packet.json").exists()


def test_claim_file_that_is_the_output_is_refused(builder: Builder, tmp_path: Path) -> None:
    folder = tmp_path / "out" / CLAIM_ID
    for item in BASE_ATTACHMENTS:
        (folder / item["path"]).parent.mkdir(parents=True, exist_ok=True)
        (folder / item["path"]).write_bytes(make_pdf())
    claim = folder / "packet.json"
    claim.write_text(json.dumps(claim_dict(appeal=HTML_LETTER)))
    before = claim.read_bytes()
    with pytest.raises(InputError, match="also an output"):
        builder.build(load_claims(claim)[0], tmp_path / "out")
    assert claim.read_bytes() == before
    assert not (folder / "packet.pdf").exists()


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sources_are_byte_identical_after_a_build(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    # The sources the assembler touches most: forms it flattens, pages it stamps, links it
    # rewrites, a file it reads twice.
    files = {
        "docs/form.pdf": form_pdf(["A value"]),
        "docs/linked.pdf": linked_pdf(2),
        "docs/named.pdf": named_link_pdf(2, "N"),
        "docs/rotated.pdf": make_pdf(1, rotate=90, cropbox=(20, 20, 590, 770)),
    }
    extra = [attachment(name, name) for name in files] + [attachment("docs/linked.pdf", "Again")]
    claim = write_claim(files=files, appeal=HTML_LETTER, attachments=[*BASE_ATTACHMENTS, *extra])
    before = tree_digest(claim.parent)
    builder.build(load_claims(claim)[0], tmp_path / "out")
    assert (tmp_path / "out" / CLAIM_ID / "packet.pdf").is_file()
    assert tree_digest(claim.parent) == before


# --- 8: repeatable ------------------------------------------------------------------------


def test_two_builds_give_the_same_packet(write_claim: WriteClaim, builder: Builder, tmp_path: Path) -> None:
    files = {"docs/linked.pdf": linked_pdf(3), "docs/rotated.pdf": make_pdf(2, rotate=90)}
    extra = [attachment("docs/linked.pdf", "Linked notes"), attachment("docs/rotated.pdf", "Rotated scan")]
    one = build_packet(write_claim, builder, tmp_path / "one", extra, files)
    two = build_packet(write_claim, builder, tmp_path / "two", extra, files)
    assert [(s.title, s.first_page, s.last_page) for s in one.report.sections] == [
        (s.title, s.first_page, s.last_page) for s in two.report.sections
    ]
    assert one.report.pages == two.report.pages
    assert one.report.inputs_sha256 == two.report.inputs_sha256
    assert [one.stamp(n) for n in range(1, one.report.pages + 1)] == [
        two.stamp(n) for n in range(1, two.report.pages + 1)
    ]
    assert index_text(one) == index_text(two)
    assert outline_tree(one) == outline_tree(two)


# --- 9: bookmarks and index links ----------------------------------------------------------


def assert_index_links_open_first_pages(packet: Packet) -> None:
    """Reading the index's links top to bottom opens each section's first page, in order."""
    index = packet.section("Index")
    targets: list[int] = []
    for number in range(index.first_page, index.last_page + 1):
        for link in annots_of(packet.page(number), "/Link"):
            action: Any = link.get("/A", {})
            assert "/URI" not in action, "a placeholder URI was left in the index"
            target = link_target(packet, link)
            if not targets or targets[-1] != target:
                targets.append(target)
    assert targets == [s.first_page for s in packet.report.sections]


def test_one_bookmark_per_section_and_index_links(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    files = {"docs/linked.pdf": linked_pdf(3), "docs/long.pdf": make_pdf(5)}
    extra = [attachment("docs/linked.pdf", "Linked notes"), attachment("docs/long.pdf", "Five pages")]
    packet = build_packet(write_claim, builder, tmp_path / "out", extra, files)
    top = [(title, page) for title, page, _children in outline_tree(packet)]
    assert top == [(s.title, s.first_page) for s in packet.report.sections]
    assert_index_links_open_first_pages(packet)


# --- 10: page arithmetic, for any attachment lengths --------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=6))
def test_sections_cover_every_page_once_in_order(builder: Builder, lengths: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "claim"
        files = {f"docs/part{n}.pdf": make_pdf(pages) for n, pages in enumerate(lengths)}
        files |= {a["path"]: make_pdf() for a in BASE_ATTACHMENTS}
        extra = [attachment(f"docs/part{n}.pdf", f"Part {n}") for n in range(len(lengths))]
        claim = write_claim_file(folder, files, [*BASE_ATTACHMENTS, *extra])
        packet = packet_of(builder.build(load_claims(claim)[0], Path(tmp) / "out"), Path(tmp) / "out")
        report = packet.report
        front, parts = report.sections[:2], report.sections[2:]
        assert [s.kind for s in front] == ["cover_sheet", "index"]
        assert [s.title for s in parts] == [
            "Reconsideration request letter", "Remittance advice", "Progress notes",
            *(f"Part {n}" for n in range(len(lengths))),
        ]
        assert [page_count(s) for s in parts[1:]] == [1, 1, *lengths]
        front_pages = sum(page_count(s) for s in front)
        assert len(packet.reader.pages) == report.pages == front_pages + sum(page_count(s) for s in parts)
        covered = [n for s in report.sections for n in range(s.first_page, s.last_page + 1)]
        assert covered == list(range(1, report.pages + 1)), "every page once, in order"
        assert [packet.stamp(n) for n in range(1, report.pages + 1)] == [
            (n, report.pages) for n in range(1, report.pages + 1)
        ]


def test_a_source_bookmark_keeps_its_view_only_when_it_holds_names_and_numbers() -> None:
    import pikepdf

    from appealgen.packet import _view

    xyz = list(pikepdf.Array([pikepdf.Name.XYZ, 0, 792.5, None]))
    assert _view(xyz) == xyz
    fit = [pikepdf.Name.Fit]
    assert _view([]) == fit
    assert _view([pikepdf.Dictionary()]) == fit, "an object of the source cannot be carried into the packet"
    assert _view([72, 72]) == fit, "a view starts with its kind"
