"""Assembly: front matter + parts -> one PDF with bookmarks, index links, flattened forms,
page stamps and neutral metadata. qpdf (through pikepdf) copies the pages and writes the file."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import suppress
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, PageCopyWarning, String

from appealgen import __version__
from appealgen.attachments import Part
from appealgen.errors import EXIT_UNEXPECTED, AppealgenError
from appealgen.pdf import document_bytes, open_document
from appealgen.render.context import LINK_PREFIX, IndexEntry
from appealgen.render.front import Front
from appealgen.sanitize import Unreadable, denied_names, name_of, strip_active
from appealgen.stamp import flatten_widgets, stamp_font, stamp_page

INCOMPLETE = "INCOMPLETE - NOT FOR SUBMISSION"
MAX_BOOKMARKS = 10_000  # a source's own bookmarks, in all; a real document has tens
MAX_DEPTH = 32  # nesting of a source's bookmarks
# A source's bookmark: title, page index in the source, view ([/XYZ left top zoom], ...), children.
Bookmark = tuple[str, int, list[Any], list[Any]]


# The longest mark a stamp holds on a Letter page with the INCOMPLETE banner and "Page 999 of 999"
# (Courier at 8 pt: 4.8 pt a character, 122 characters across).
MAX_MARK = 72


def stamp_mark(claim_id: str, payer_claim_number: str | None, medicare: bool) -> str:
    """What every page's stamp names: the account, and the claim number the payer files the
    request under (a loose page goes back to its claim), never the patient. A number that would
    push the stamp off the page is left out (the account alone still names the claim)."""
    mark = f"{claim_id}  {'ICN' if medicare else 'Claim'} {payer_claim_number}" if payer_claim_number else claim_id
    return mark if len(mark) <= MAX_MARK else claim_id


def stamp_text(mark: str, page: int, total: int, incomplete: bool) -> str:
    text = f"{mark}  Page {page} of {total}"
    return f"{INCOMPLETE}  {text}" if incomplete else text


def mark_of(stamp: str) -> str:
    """The mark of a stamp as `stamp_text` printed it ("" for anything else)."""
    mark, found, _ = stamp.removeprefix(f"{INCOMPLETE}  ").rpartition("  Page ")
    return mark if found else ""


def _named_destinations(source: pikepdf.Pdf) -> dict[str, Any]:
    """The source's named destinations (the /Dests dictionary and the /Names tree), by name."""
    named: dict[str, Any] = {}
    old = source.Root.get("/Dests")
    if isinstance(old, Dictionary):
        keys = old.keys()
        named.update((key.removeprefix("/"), old.get(key)) for key in keys)
    names = source.Root.get("/Names")
    tree = names.get("/Dests") if isinstance(names, Dictionary) else None
    if isinstance(tree, Dictionary):
        with suppress(pikepdf.PdfError, ValueError, TypeError):  # a broken tree: its names stay unresolved
            named.update((str(key), value) for key, value in pikepdf.NameTree(tree).items())
    return named


def _explicit(destination: Any, named: dict[str, Any]) -> Array | None:
    """An explicit destination ([page /View ...]) for a destination given by name or wrapped
    as {/D [...]}; None when it does not lead to a page."""
    if isinstance(destination, String | Name):
        with suppress(UnicodeDecodeError):  # a name that is not UTF-8 is left unresolved
            destination = named.get(str(destination).removeprefix("/"))
    if isinstance(destination, Dictionary):
        destination = destination.get("/D")
    if isinstance(destination, Array) and len(destination) and isinstance(destination[0], Dictionary):
        return destination
    return None


def _link_holder(annot: Dictionary) -> tuple[Dictionary, str] | None:
    """Where a link keeps its destination: /Dest on the annotation, or /D of its GoTo action."""
    if "/Dest" in annot:
        return annot, "/Dest"
    action = annot.get("/A")
    if isinstance(action, Dictionary) and name_of(action.get("/S")) == "/GoTo":
        return action, "/D"
    return None


def _explicit_link_destinations(source: pikepdf.Pdf, named: dict[str, Any]) -> None:
    """Point a source's links at its pages directly instead of through named destinations.

    Names are global to a PDF: merged files would share one name tree, where the first file to
    define a name ("page.1", "section.2") wins, so a later file's links (and a second copy's)
    would open the wrong section. Explicit destinations are remapped page by page on merge.
    """
    if not named:
        return
    for page in source.pages:
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, Array) else []:
            if not isinstance(annot, Dictionary) or name_of(annot.get("/Subtype")) != "/Link":
                continue
            holder = _link_holder(annot)
            if holder is None or isinstance(holder[0].get(holder[1]), Array):
                continue
            target = _explicit(holder[0].get(holder[1]), named)
            if target is not None:
                holder[0][holder[1]] = Array(target)


def _source_outline(source: pikepdf.Pdf, named: dict[str, Any]) -> list[Bookmark]:
    """The source's bookmarks as (title, page index in the source, view, children), read
    before its pages are copied. A bookmark whose page cannot be found is left out and its
    children take its place."""
    outlines = source.Root.get("/Outlines")
    first = outlines.get("/First") if isinstance(outlines, Dictionary) else None
    numbers = {page.obj.objgen: n for n, page in enumerate(source.pages)}
    budget = [MAX_BOOKMARKS]
    seen: set[tuple[int, int]] = set()

    def items(node: Any, depth: int) -> Iterator[Bookmark]:
        while isinstance(node, Dictionary) and budget[0] > 0 and depth <= MAX_DEPTH:
            if node.is_indirect:
                if node.objgen in seen:  # a loop in a broken outline
                    return
                seen.add(node.objgen)
            budget[0] -= 1
            children = list(items(node.get("/First"), depth + 1))
            holder = _link_holder(node)
            target = _explicit(holder[0].get(holder[1]), named) if holder else None
            number = numbers.get(target[0].objgen) if target is not None and target[0].is_indirect else None
            if number is None:
                yield from children
            else:
                yield str(node.get("/Title", "")), number, _view(list(target or [])[1:]), children
            node = node.get("/Next")

    return list(items(first, 0))


def _under_the_section(bookmarks: list[Bookmark]) -> list[Bookmark]:
    """A source whose outline is one bookmark on its first page (its own title) would repeat the
    section's bookmark one level down: that bookmark goes, and its children take its place."""
    if len(bookmarks) == 1 and bookmarks[0][1] == 0:
        return bookmarks[0][3]
    return bookmarks


def _view(view: list[Any]) -> list[Any]:
    """A destination's view (/XYZ left top zoom, /Fit...) when it holds only names and numbers;
    anything else (an object of the source) is not carried over: the page is shown whole."""
    plain = all(isinstance(v, int | float | Decimal | Name) or v is None for v in view)
    return view if view and plain and isinstance(view[0], Name) else [Name.Fit]


def _outline_items(packet: pikepdf.Pdf, entries: list[Bookmark], first: int) -> list[OutlineItem]:
    made = []
    for title, number, view, children in entries:
        page = packet.pages[first + number].obj
        item = OutlineItem(title, Array([page, *view]))
        item.children.extend(_outline_items(packet, children, first))
        made.append(item)
    return made


def _mark_index_links(front: pikepdf.Pdf, pages: range) -> None:
    """The index's placeholder URIs become named destinations (the section's placeholder), so
    cleaning the front matter keeps them; `_link_index` then points them at the pages."""
    for number in pages:
        annots = front.pages[number].obj.get("/Annots")
        for annot in annots if isinstance(annots, Array) else []:
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if isinstance(action, Dictionary) else ""
            if uri.startswith(LINK_PREFIX):
                del annot["/A"]
                annot["/Dest"] = String(uri)


def _link_index(packet: pikepdf.Pdf, pages: range, entries: list[IndexEntry]) -> None:
    """Turn the index's placeholders into links to each section's first page."""
    first_pages = {e.number: e.first_page for e in entries}
    for number in pages:
        annots = packet.pages[number].obj.get("/Annots")
        for annot in annots if isinstance(annots, Array) else []:
            destination = annot.get("/Dest")
            if isinstance(destination, String) and str(destination).startswith(LINK_PREFIX):
                target = packet.pages[first_pages[int(str(destination).removeprefix(LINK_PREFIX))] - 1]
                annot["/Dest"] = Array([target.obj, Name.Fit])


def _stamp_all(packet: pikepdf.Pdf, mark: str, incomplete: bool) -> None:
    font = stamp_font(packet)
    total = len(packet.pages)
    for number, page in enumerate(packet.pages, start=1):
        flattened = flatten_widgets(packet, page.obj)
        stamp_page(packet, page.obj, stamp_text(mark, number, total, incomplete), font, flattened)


def stamped(pdf: bytes, mark: str, incomplete: bool) -> bytes:
    """A document sent alone (a letter for mailing) stamped as a packet's pages are: its claim
    and "Page n of N" on every page, INCOMPLETE first when its packet would fail its check, so
    a loose page finds its claim and an unfinished letter is not mailed as it is."""
    document = open_document(pdf)
    _stamp_all(document, mark, incomplete)
    return document_bytes(document)


def _copy_pages(packet: pikepdf.Pdf, source: pikepdf.Pdf) -> None:
    with warnings.catch_warnings():
        # pikepdf warns that copied pages lose their named destinations and form fields:
        # assembly makes the links explicit and flattens the forms itself.
        warnings.simplefilter("ignore", PageCopyWarning)
        packet.pages.extend(source.pages)


def _version(document: pikepdf.Pdf) -> tuple[int, int]:
    major, _, minor = document.pdf_version.partition(".")
    return (int(major), int(minor)) if major.isdigit() and minor.isdigit() else (1, 4)


def assemble(front: Front, parts: list[Part], claim_id: str, mark: str, incomplete: bool, title: str) -> bytes:
    """The packet: front matter, then each part, with bookmarks, index links and a stamp naming
    `mark` on every page. `title` (the PDF's) names what it asks for and the claim, never the
    patient."""
    packet = pikepdf.new()
    index_pages = range(front.cover_pages, front.cover_pages + front.index_pages)
    front_document = open_document(front.pdf)
    _mark_index_links(front_document, index_pages)
    strip_active([front_document.trailer])  # the parts were cleaned when they were made
    sources = [front_document]  # kept open until the packet is written: qpdf copies stream data then
    _copy_pages(packet, front_document)
    outline = [OutlineItem(front.entries[0].title, 0), OutlineItem(front.entries[1].title, front.cover_pages)]
    for part, entry in zip(parts, front.entries[2:], strict=True):
        source = open_document(part.pdf)  # a document per section: the same file twice gets its own pages
        sources.append(source)
        named = _named_destinations(source)
        _explicit_link_destinations(source, named)
        bookmarks = _under_the_section(_source_outline(source, named))
        first = len(packet.pages)
        _copy_pages(packet, source)
        if len(packet.pages) != entry.last_page:
            expected = entry.last_page - entry.first_page + 1
            raise RuntimeError(f"section {entry.number} has {len(source.pages)} pages, expected {expected}")
        section = OutlineItem(entry.title, first)
        section.children.extend(_outline_items(packet, bookmarks, first))
        outline.append(section)
    with packet.open_outline() as tree:
        tree.root.extend(outline)
    _link_index(packet, index_pages, front.entries)
    _stamp_all(packet, mark, incomplete)
    packet.Root.PageMode = Name.UseOutlines
    # Metadata names the claim, never the patient.
    packet.docinfo = packet.make_indirect(Dictionary(
        Title=String(title), Subject=String(f"Claim {claim_id}"),
        Creator=String("appealgen"), Producer=String(f"appealgen {__version__}")))
    version = max(_version(source) for source in sources)
    data = document_bytes(packet, f"{version[0]}.{version[1]}")
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
