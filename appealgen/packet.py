"""Assembly: front matter + parts -> one PDF with bookmarks, index links, flattened forms,
page stamps and neutral metadata."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from appealgen import __version__
from appealgen.attachments import Part
from appealgen.render.context import IndexEntry
from appealgen.render.front import Front
from appealgen.stamp import flatten_widgets, stamp_font, stamp_page

LINK_PREFIX = "appealgen:section/"
INCOMPLETE = "INCOMPLETE - NOT FOR SUBMISSION"


def stamp_text(claim_id: str, page: int, total: int, incomplete: bool) -> str:
    text = f"{claim_id}  Page {page} of {total}"
    return f"{INCOMPLETE}  {text}" if incomplete else text


def _reader(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")  # owner-password-only files; user passwords were refused in preflight
    return reader


def _link_index(writer: PdfWriter, pages: range, entries: list[IndexEntry]) -> None:
    """Turn the index's placeholder URIs into links to each section's first page."""
    first_pages = {e.number: e.first_page for e in entries}
    for number in pages:
        page = writer.pages[number]
        for ref in page.get("/Annots", ArrayObject()):
            annot = ref.get_object()
            uri = str(annot.get("/A", DictionaryObject()).get("/URI", ""))
            if not uri.startswith(LINK_PREFIX):
                continue
            target = writer.pages[first_pages[int(uri.removeprefix(LINK_PREFIX))] - 1]
            del annot[NameObject("/A")]
            annot[NameObject("/Dest")] = ArrayObject([target.indirect_reference, NameObject("/Fit")])


def _stamp_all(writer: PdfWriter, claim_id: str, incomplete: bool) -> None:
    font = stamp_font(writer)
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        assert isinstance(page, PageObject)
        flattened = flatten_widgets(writer, page)
        stamp_page(writer, page, stamp_text(claim_id, number, total, incomplete), font, flattened)
    if "/AcroForm" in writer._root_object:
        del writer._root_object[NameObject("/AcroForm")]


def assemble(front: Front, parts: list[Part], claim_id: str, incomplete: bool) -> bytes:
    writer = PdfWriter()
    readers = []  # kept alive: pypdf keys its copy cache by reader identity
    front_reader = _reader(front.pdf)
    readers.append(front_reader)
    writer.append(front_reader, import_outline=False)
    writer.add_outline_item(front.entries[0].title, 0)
    writer.add_outline_item(front.entries[1].title, front.cover_pages)
    for part, entry in zip(parts, front.entries[2:], strict=True):
        reader = _reader(part.pdf)
        readers.append(reader)  # a fresh reader per section: the same file twice gets its own pages
        writer.append(reader, outline_item=entry.title)
        if len(writer.pages) != entry.last_page:
            raise RuntimeError(f"section {entry.number} has {len(reader.pages)} pages, expected {entry.last_page - entry.first_page + 1}")
    _link_index(writer, range(front.cover_pages, front.cover_pages + front.index_pages), front.entries)
    _stamp_all(writer, claim_id, incomplete)
    writer.page_mode = "/UseOutlines"
    # Metadata names the claim, never the patient.
    writer.metadata = None
    writer.add_metadata({
        "/Title": f"Appeal packet {claim_id}",
        "/Subject": f"Claim {claim_id}",
        "/Creator": "appealgen",
        "/Producer": f"appealgen {__version__}",
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
