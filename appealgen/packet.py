"""Assembly: front matter + parts -> one PDF with bookmarks, index links, flattened forms,
page stamps and neutral metadata."""

from __future__ import annotations

import io
from typing import Any, cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from appealgen import __version__
from appealgen.attachments import Part
from appealgen.errors import EXIT_UNEXPECTED, AppealgenError
from appealgen.pdf import open_pdf
from appealgen.render.context import LINK_PREFIX, IndexEntry
from appealgen.render.front import Front
from appealgen.sanitize import Unreadable, denied_names, strip_active
from appealgen.stamp import flatten_widgets, stamp_font, stamp_page

INCOMPLETE = "INCOMPLETE - NOT FOR SUBMISSION"


def stamp_text(claim_id: str, page: int, total: int, incomplete: bool) -> str:
    text = f"{claim_id}  Page {page} of {total}"
    return f"{INCOMPLETE}  {text}" if incomplete else text


def _get(dictionary: DictionaryObject, key: str) -> Any:
    """`dictionary[key]` with indirect objects resolved, or None."""
    value = dictionary.get(key)
    return None if value is None else value.get_object()


def _explicit_link_destinations(reader: PdfReader | PdfWriter) -> None:
    """Point a source's links at its pages directly instead of through named destinations.

    Names are global to a PDF: merged files would share one name tree, where the first file to
    define a name ("page.1", "section.2") wins, so a later file's links (and a second copy's)
    would open the wrong section. Explicit destinations are remapped page by page on merge.
    Only the source's in-memory objects change; the source file is never written.
    """
    named = reader.named_destinations
    for page in reader.pages:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        for ref in annots if isinstance(annots, ArrayObject) else []:
            annot = ref.get_object()
            if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/Link":
                continue
            holder, key = annot, "/Dest"
            action = _get(annot, "/A")
            if key not in annot and isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo":
                holder, key = action, "/D"
            dest = _get(holder, key)
            if isinstance(dest, DictionaryObject):  # a destination may be wrapped as {/D [...]}
                dest = _get(dest, "/D")
            if not isinstance(dest, str):  # explicit destinations are remapped by the merge
                continue
            target = named.get(str(dest))
            if target is not None and isinstance(target.get("/Page"), IndirectObject):
                holder[NameObject(key)] = ArrayObject(target.dest_array)


def _children(obj: Any) -> list[Any]:
    if isinstance(obj, DictionaryObject):  # stream dictionaries included
        return list(obj.values())
    if isinstance(obj, ArrayObject):
        return list(obj)
    return []


def _drop_metadata(writer: PdfWriter) -> None:
    """Unlink the XMP metadata streams copied in with the pages (on pages, images, forms,
    fonts): EHR exports put the patient's name in them, and the packet's metadata names only
    the claim. `_drop_unreachable` then takes the streams out of the file."""

    def strip(obj: Any) -> None:
        if isinstance(obj, DictionaryObject) and "/Metadata" in obj:
            del obj[NameObject("/Metadata")]
        for child in _children(obj):
            if not isinstance(child, IndirectObject):  # indirect objects are visited on their own
                strip(child)

    for obj in writer._objects:
        strip(obj)


def _drop_unreachable(writer: PdfWriter) -> None:
    """pypdf writes every object it holds, referenced or not. What assembly unlinked (flattened
    widgets and hidden fields with their values, the merged /AcroForm, metadata streams) must
    not stay in the file, where any PDF tool can still read it."""
    roots = [writer.root_object.indirect_reference]
    info = writer._info
    if info is not None:
        roots.append(info.indirect_reference)
    reachable: set[int] = set()
    pending: list[Any] = [r for r in roots if r is not None]
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in reachable:
                continue
            reachable.add(obj.idnum)
            obj = writer._objects[obj.idnum - 1]
        pending.extend(_children(obj))
    for idnum in range(1, len(writer._objects) + 1):
        if idnum not in reachable:
            writer._objects[idnum - 1] = None


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
        flattened = flatten_widgets(writer, page)
        stamp_page(writer, page, stamp_text(claim_id, number, total, incomplete), font, flattened)
    if "/AcroForm" in writer._root_object:
        del writer._root_object[NameObject("/AcroForm")]


def _source(part: Part) -> PdfReader | PdfWriter:
    """The section's cleaned document: the one preflight wrote `part.pdf` from (the same
    objects, without parsing them again), else a reader of `part.pdf`. Each part has its own,
    never shared with another section."""
    return part.document if part.document is not None else open_pdf(part.pdf)


def assemble(front: Front, parts: list[Part], claim_id: str, incomplete: bool) -> bytes:
    writer = PdfWriter()
    readers: list[PdfReader | PdfWriter] = []  # kept alive: pypdf keys its copy cache by source identity
    front_reader = open_pdf(front.pdf)
    readers.append(front_reader)
    writer.append(front_reader, import_outline=False)
    writer.add_outline_item(title=front.entries[0].title, page_number=0)
    writer.add_outline_item(title=front.entries[1].title, page_number=front.cover_pages)
    for part, entry in zip(parts, front.entries[2:], strict=True):
        reader = _source(part)
        _explicit_link_destinations(reader)
        readers.append(reader)  # a source per section: the same file twice gets its own pages
        # pypdf merges from a writer as from a reader (merge takes any document); its hint names the reader
        writer.append(cast(PdfReader, reader), outline_item=entry.title)
        if len(writer.pages) != entry.last_page:
            expected = entry.last_page - entry.first_page + 1
            raise RuntimeError(f"section {entry.number} has {len(reader.pages)} pages, expected {expected}")
    _link_index(writer, range(front.cover_pages, front.cover_pages + front.index_pages), front.entries)
    _stamp_all(writer, claim_id, incomplete)
    _drop_metadata(writer)
    writer.page_mode = "/UseOutlines"
    # Metadata names the claim, never the patient.
    writer.metadata = None
    writer.add_metadata({
        "/Title": f"Appeal packet {claim_id}",
        "/Subject": f"Claim {claim_id}",
        "/Creator": "appealgen",
        "/Producer": f"appealgen {__version__}",
    })
    strip_active([writer.root_object.indirect_reference])  # the front matter and letter too
    _drop_unreachable(writer)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    prove_clean(data)
    return data


class ActiveContentLeft(AppealgenError):
    """The finished packet still holds active content: a bug, never sent."""

    exit_code = EXIT_UNEXPECTED


def prove_clean(data: bytes) -> None:
    """Scan the finished packet with the independent deny-list; refuse to write it if any remains."""
    try:
        found = denied_names(data)
    except Unreadable:  # the file is ours: a bug
        raise ActiveContentLeft("the packet could not be read back to prove it holds no active content; "
                                "nothing written for this claim") from None
    if found:
        raise ActiveContentLeft(f"the packet still holds active content ({', '.join(sorted(found))}); "
                                "nothing written for this claim")
