"""Small synthetic PDFs for tests, made with pypdf (fast; no renderer needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    RectangleObject,
)

LETTER = (612.0, 792.0)
A4 = (595.0, 842.0)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_page(writer: PdfWriter, lines: Sequence[str], size: tuple[float, float] = LETTER) -> PageObject:
    page = writer.add_blank_page(*size)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    })
    ops = [f"BT /F1 12 Tf 72 {size[1] - 72:.1f} Td 14 TL"]
    ops += [f"({_escape(line)}) Tj T*" for line in lines]
    ops.append("ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    return page


def make_pdf(
    pages: int = 1,
    lines: Sequence[str] = ("Patient: Rosa Testcase", "Member ID: 9XX9XX9XX99"),
    size: tuple[float, float] = LETTER,
    rotate: int = 0,
    cropbox: tuple[float, float, float, float] | None = None,
    outline: Sequence[str] = (),
) -> bytes:
    """A PDF whose pages carry `lines` plus 'Source page N'; options for the edge cases."""
    writer = PdfWriter()
    for n in range(1, pages + 1):
        page = text_page(writer, [*lines, f"Source page {n}"], size)
        if rotate:
            page[NameObject("/Rotate")] = NumberObject(rotate)
        if cropbox:
            page[NameObject("/CropBox")] = RectangleObject(cropbox)
    for n, title in enumerate(outline):
        writer.add_outline_item(title=title, page_number=min(n, pages - 1))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_link_and_comment(data: bytes) -> bytes:
    """Add a link from page 1 to the last page and a text comment on page 1."""
    from pypdf import PdfReader
    from pypdf.annotations import Link, Text

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    last = len(writer.pages) - 1
    writer.add_annotation(0, Link(rect=(72, 600, 300, 620), target_page_index=last))
    writer.add_annotation(0, Text(rect=(400, 600, 420, 620), text="Reviewer note"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(data: bytes, user: str, owner: str) -> bytes:
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reachable(reader: PdfReader) -> list[DictionaryObject]:
    """Every dictionary and stream reachable from the trailer (Info, catalog, pages, ...)."""
    found: list[DictionaryObject] = []
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            found.append(obj)
            stack.extend(obj.values())  # raw values: indirect references stay unresolved
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def unreadable_text_pdf() -> bytes:
    """A page that displays, but whose text layer cannot be read to the end (an inline image
    cut short): neither a scan nor readable text."""
    writer = PdfWriter()
    page = text_page(writer, ["Short text"])
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 72 700 Td (Short text) Tj ET\nBI /W 10 /H 10 /BPC 8 /CS /G ID \x00\x01\x02")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
