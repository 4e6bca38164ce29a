"""Active content out of PDFs: what a viewer would run, fetch, open or submit.

`strip_active` removes it from every object reachable from the roots it is given and says
what it removed, by kind ("JavaScript", "an embedded file"), so the warning can name it.
Only in-document jumps (GoTo) survive as actions; links to anything else, automatic actions
(/AA, /OpenAction), embedded files, XFA and multimedia annotations go, and so do private
application data (/PieceInfo) and XMP metadata (/Metadata), which EHR exports fill with the
patient's details.

`denied_names` is the independent proof on the finished packet: a deny-list of names looked
up in every object of the file as written, reachable or not. It shares no logic with
`strip_active`, and reads the written bytes back rather than trusting the objects that were
cleaned, so a gap in one is caught by the other.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pikepdf

# Action types (/S) and what a warning calls them. Only /GoTo (a page of this document) stays.
ACTION_KINDS = {
    "/JavaScript": "JavaScript", "/Launch": "a launch action", "/GoToR": "a link to another file",
    "/GoToE": "a link to another file", "/SubmitForm": "a form submission", "/ImportData": "a form data import",
    "/URI": "a web link", "/Sound": "a multimedia annotation", "/Movie": "a multimedia annotation",
    "/Rendition": "a multimedia annotation", "/RichMediaExecute": "a multimedia annotation",
}
OTHER_ACTION = "an automatic action"
# Every action type but /GoTo: a dictionary of one of these types is emptied wherever it is found,
# reachable through a known key or not.
ACTIONS = {*ACTION_KINDS, "/Named", "/ResetForm", "/Hide", "/SetOCGState", "/Trans", "/GoTo3DView", "/Thread",
           "/Rendition", "/SetState", "/NOP"}
# Annotations that may stay (comments and links); widgets stay until flattening draws them.
KEPT_ANNOTATIONS = {"/Link", "/Text", "/FreeText", "/Highlight", "/Underline", "/StrikeOut", "/Squiggly",
                    "/Square", "/Circle", "/Line", "/Polygon", "/PolyLine", "/Ink", "/Stamp", "/Caret", "/Popup",
                    "/Widget"}
ANNOTATION_KINDS = {"/FileAttachment": "an embedded file"}
MULTIMEDIA = "a multimedia annotation"
# Keys removed silently: they run nothing, but carry data the packet must not hold.
# XMP metadata streams (on the catalog, pages, images, fonts) often name the patient: the packet's
# metadata names only the claim.
PRIVATE_KEYS = ("/PieceInfo", "/Metadata")
# Kinds in the order a warning lists them.
ORDER = ["JavaScript", "a launch action", "a link to another file", "a form submission", "a form data import",
         "a web link", "an embedded file", "an XFA form", "a multimedia annotation", OTHER_ACTION]

# Content kept outside the file, which a viewer or a print server would fetch: a stream whose data
# is another file (/F, with its /FFilter and /FDecodeParms), a prepress link to the high-resolution
# original of an image (/OPI), and a file specification that is a web address (/FS /URL).
EXTERNAL_STREAM_KEYS = ("/F", "/FFilter", "/FDecodeParms")
EXTERNAL = "a link to another file"

# The finished packet's deny-list: any of these names as a key or a value is a failure; so is a
# stream whose data is another file (/F in a stream's dictionary).
DENIED_NAMES = {
    "/JS", "/JavaScript", "/AA", "/OpenAction", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
    "/URI", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA", "/FileAttachment", "/RichMedia", "/Sound",
    "/Movie", "/Screen", "/3D", "/PieceInfo", "/Rendition", "/RichMediaExecute", "/OPI", "/URL", "/FFilter",
    "/FDecodeParms",
}


def describe(kinds: Iterable[str]) -> str:
    """'JavaScript, a web link and an embedded file'."""
    ordered = sorted(set(kinds), key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]


def name_of(value: Any) -> str:
    """A name as PDF writes it ("/GoTo"), or "" for anything that is not a name. Never fails:
    a name may hold bytes that are not UTF-8, which `str()` cannot decode."""
    return value.unparse().decode("latin-1") if isinstance(value, pikepdf.Name) else ""


def _is_dictionary(obj: Any) -> bool:
    """A dictionary, or a stream (whose dictionary holds the same keys)."""
    return isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)


def _action_kinds(action: Any, depth: int = 0) -> set[str]:
    """What an action (and its /Next chain) would do, for the warning."""
    if depth > 32:
        return {OTHER_ACTION}
    if isinstance(action, pikepdf.Array):  # a /Next array, or /AA's values given as a list
        return set().union(*(_action_kinds(a, depth + 1) for a in action)) if len(action) else set()
    if not _is_dictionary(action):
        return set()
    keys = set(action.keys())
    kind = name_of(action.get("/S"))
    kinds = {ACTION_KINDS.get(kind, OTHER_ACTION)} if kind and kind != "/GoTo" else set()
    if "/JS" in keys:
        kinds.add("JavaScript")
    if "/Next" in keys:
        kinds |= _action_kinds(action.get("/Next"), depth + 1)
    return kinds


def _allowed_action(action: Any) -> bool:
    return _is_dictionary(action) and name_of(action.get("/S")) == "/GoTo" and "/Next" not in action \
        and "/JS" not in action


# The keys `Stripper.dictionary` acts on: a dictionary with none of them is left as it is.
_WATCHED = {"/S", "/AA", "/OpenAction", "/A", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/URI",
            "/Annots", "/OPI", "/FS", *EXTERNAL_STREAM_KEYS, *PRIVATE_KEYS}


class Stripper:
    def __init__(self) -> None:
        self.removed: set[str] = set()

    def dictionary(self, d: Any) -> None:
        keys = _WATCHED.intersection(d.keys())  # one call into qpdf, not one per key
        if not keys:
            return
        if "/S" in keys and name_of(d.get("/S")) in ACTIONS:  # an action left over somewhere: make it inert
            self.removed |= _action_kinds(d)
            for key in list(d.keys()):
                del d[key]
            return
        for key in ("/AA", "/OpenAction"):
            if key in keys:
                value = d.get(key)
                if key == "/AA" and _is_dictionary(value):
                    triggers = value.keys()
                    self.removed |= set().union(*(_action_kinds(value.get(k)) for k in triggers)) or {OTHER_ACTION}
                else:
                    self.removed |= _action_kinds(value)
                del d[key]
        if "/A" in keys and not _allowed_action(d.get("/A")):
            self.removed |= _action_kinds(d.get("/A")) or {OTHER_ACTION}
            del d["/A"]
        if "/S" in keys and "/Next" in d:
            self.removed |= _action_kinds(d.get("/Next"))
            del d["/Next"]
        for key, kind in (("/JS", "JavaScript"), ("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "an embedded file"),
                          ("/EF", "an embedded file"), ("/XFA", "an XFA form")):
            if key in keys:
                self.removed.add(kind)
                del d[key]
        if "/URI" in keys and name_of(d.get("/Type")) == "/Catalog":  # a base for relative web links
            del d["/URI"]
        for key in PRIVATE_KEYS:
            if key in keys:
                del d[key]
        if "/Annots" in keys:
            self.annotations(d)
        self.external(d, keys)

    def external(self, d: Any, keys: set[str]) -> None:
        """Content kept outside the file (EXTERNAL_STREAM_KEYS, /OPI, a web file specification)."""
        if "/FS" in keys and name_of(d.get("/FS")) == "/URL":  # wherever it is referred to from
            self.removed.add(EXTERNAL)
            for key in list(d.keys()):
                del d[key]
            return
        if "/OPI" in keys:
            self.removed.add(EXTERNAL)
            del d["/OPI"]
        if isinstance(d, pikepdf.Stream):
            for key in EXTERNAL_STREAM_KEYS:
                if key in keys:
                    self.removed.add(EXTERNAL)
                    del d[key]

    def annotations(self, page: Any) -> None:
        annots = page.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            del page["/Annots"]
            return
        kept = []
        for annot in annots:
            if not _is_dictionary(annot):
                continue
            subtype = name_of(annot.get("/Subtype"))
            if subtype not in KEPT_ANNOTATIONS:
                self.removed.add(ANNOTATION_KINDS.get(subtype, MULTIMEDIA))
                continue
            if subtype == "/Link" and "/A" in annot and not _allowed_action(annot.get("/A")):
                self.removed |= _action_kinds(annot.get("/A")) or {OTHER_ACTION}
                continue  # a link that can no longer go anywhere
            kept.append(annot)
        if len(kept) != len(annots):
            page["/Annots"] = pikepdf.Array(kept)


def strip_active(roots: Iterable[Any]) -> set[str]:
    """Remove active content from everything reachable from `roots` (objects of one open
    pikepdf document); return what was removed."""
    stripper = Stripper()
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = list(roots)
    while pending:
        obj = pending.pop()
        if obj.is_indirect:
            key = obj.objgen
            if key in seen:
                continue
            seen.add(key)
        if isinstance(obj, pikepdf.Stream):
            stripper.dictionary(obj)
            pending.extend(_containers(obj.stream_dict.values()))
        elif isinstance(obj, pikepdf.Dictionary):
            stripper.dictionary(obj)
            pending.extend(_containers(obj.values()))
        elif isinstance(obj, pikepdf.Array):
            pending.extend(_containers(obj))
    return stripper.removed


def _containers(children: Iterable[Any]) -> list[Any]:
    """The children worth visiting: dictionaries, streams and arrays (numbers, names and strings
    hold nothing)."""
    return [c for c in children if isinstance(c, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array)]


class Unreadable(Exception):
    """qpdf cannot read the file as it is (it would have to repair it)."""


def denied_names(data: bytes) -> set[str]:
    """Denied names used as keys or values in any object of the PDF file `data` (every object its
    cross-reference table lists, reachable or not, and the trailer). The file is read as it is:
    qpdf neither repairs it nor moves inherited page attributes (either would scan a document
    that is not the file); a file it cannot read so raises Unreadable."""
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False, inherit_page_attributes=False) as pdf:
            found = _names_in(pdf)
    except pikepdf.PdfError as error:
        raise Unreadable(type(error).__name__) from None
    return found


def _names_in(pdf: Any) -> set[str]:
    found: set[str] = set()
    pending: list[Any] = [pdf.trailer, *pdf.objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            found |= DENIED_NAMES.intersection(obj.keys())
            if isinstance(obj, pikepdf.Stream) and "/F" in obj.stream_dict:
                found.add("/F")  # its data is another file
            children = obj.stream_dict.values() if isinstance(obj, pikepdf.Stream) else obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = obj
        else:
            if name_of(obj) in DENIED_NAMES:
                found.add(name_of(obj))
            continue
        # an indirect child is in the cross-reference table, and visited there
        pending.extend(c for c in children if isinstance(c, pikepdf.Object) and not c.is_indirect)
    return found
