"""CCITT Group 4 fax TIFFs -> PDF without decoding a single pixel.

A fax server's TIFF holds each page as one or more strips of G4 data. PDF's CCITTFaxDecode
filter reads exactly that data, so each strip becomes an image XObject as it is, and the
strips of a page are drawn one under the other. (img2pdf passes single-strip files through,
but decodes and re-encodes multi-strip ones, about 30 ms a page.) Pages are shrunk to fit US
Letter and centred, as the other images are."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import (
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

LETTER = (612.0, 792.0)
G4 = 4
MAX_FRAMES = 2000


@dataclass(frozen=True)
class Strip:
    data: bytes
    rows: int


@dataclass(frozen=True)
class FaxPage:
    width: int
    height: int
    dpi: tuple[float, float]
    black_is_1: bool
    strips: list[Strip]


def _resolution(tags: dict[int, object]) -> tuple[float, float]:
    def value(tag: int) -> float:
        raw = tags.get(tag, 204.0)
        number = float(raw) if isinstance(raw, (int, float)) else 204.0
        return number if number > 0 else 204.0

    unit = tags.get(296, 2)  # 2: inches, 3: centimetres
    factor = 2.54 if unit == 3 else 1.0
    return value(282) * factor, value(283) * factor


def read_g4(data: bytes) -> list[FaxPage] | None:
    """Every page of a G4 TIFF as strips of raw G4 data; None when the file is anything else
    (another compression, bit order or layout): the caller converts it the general way."""
    from PIL import Image, TiffImagePlugin

    with Image.open(io.BytesIO(data)) as image:
        if not isinstance(image, TiffImagePlugin.TiffImageFile):
            return None
        pages = []
        for number in range(min(getattr(image, "n_frames", 1), MAX_FRAMES + 1)):
            image.seek(number)
            page = _page(image.tag_v2, data)
            if page is None:
                return None
            pages.append(page)
        return pages if len(pages) <= MAX_FRAMES else None


def _page(tags: Any, data: bytes) -> FaxPage | None:
    width, height = int(tags.get(256, 0)), int(tags.get(257, 0))
    compression, fill_order = tags.get(259), tags.get(266, 1)
    photometric, tiled = tags.get(262, 0), 322 in tags
    offsets, counts = tags.get(273), tags.get(279)
    rows_per_strip = int(tags.get(278, height) or height)
    if compression != G4 or fill_order != 1 or tiled or photometric not in (0, 1) or width <= 0 or height <= 0:
        return None
    if not offsets or not counts or len(offsets) != len(counts) or rows_per_strip <= 0:
        return None
    strips, remaining = [], height
    for offset, count in zip(offsets, counts, strict=True):
        rows = min(rows_per_strip, remaining)
        if rows <= 0 or offset + count > len(data):
            return None
        strips.append(Strip(data[offset:offset + count], rows))
        remaining -= rows
    if remaining:
        return None
    return FaxPage(width, height, _resolution(dict(tags)), photometric == 1, strips)


def _image(writer: PdfWriter, page: FaxPage, strip: Strip) -> object:
    image = StreamObject()
    image._data = strip.data  # already G4: written as it is, under the CCITTFaxDecode filter
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(page.width), NameObject("/Height"): NumberObject(strip.rows),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"): NumberObject(1),
        NameObject("/Filter"): NameObject("/CCITTFaxDecode"),
        NameObject("/DecodeParms"): DictionaryObject({
            NameObject("/K"): NumberObject(-1), NameObject("/Columns"): NumberObject(page.width),
            NameObject("/Rows"): NumberObject(strip.rows), NameObject("/BlackIs1"): BooleanObject(page.black_is_1)}),
    })
    return writer._add_object(image)


def g4_to_pdf(pages: list[FaxPage]) -> bytes:
    writer = PdfWriter()
    for page in pages:
        width_pt, height_pt = page.width / page.dpi[0] * 72, page.height / page.dpi[1] * 72
        scale = min(1.0, LETTER[0] / width_pt, LETTER[1] / height_pt)
        drawn_w, drawn_h = width_pt * scale, height_pt * scale
        x0, top = (LETTER[0] - drawn_w) / 2, (LETTER[1] + drawn_h) / 2
        pdf_page = writer.add_blank_page(*LETTER)
        xobjects, ops, done = DictionaryObject(), [], 0
        for number, strip in enumerate(page.strips):
            name = f"/Im{number}"
            xobjects[NameObject(name)] = _image(writer, page, strip)
            strip_h = drawn_h * strip.rows / page.height
            y = top - drawn_h * (done + strip.rows) / page.height
            ops.append(f"q {drawn_w:.4f} 0 0 {strip_h:.4f} {x0:.4f} {y:.4f} cm {name} Do Q")
            done += strip.rows
        pdf_page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode("ascii"))
        pdf_page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

