"""Active content out of PDFs: what a viewer would run, fetch, open or submit.

`strip_active` removes it from every object reachable from the roots it is given and says
what it removed, by kind ("JavaScript", "an embedded file"), so the warning can name it.
Only in-document jumps (GoTo) survive as actions; links to anything else, automatic actions
(/AA, /OpenAction), embedded files, XFA and multimedia annotations go, and so does private
application data (/PieceInfo), which EHR exports fill with the patient's details.

`denied_names` is the independent proof on the finished packet: a deny-list of names looked
up in every object of the file, reachable or not. It shares no logic with `strip_active`, and
not even its parser (qpdf reads the file, not pypdf), so a gap in one is caught by the other.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

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
PRIVATE_KEYS = ("/PieceInfo",)
# Kinds in the order a warning lists them.
ORDER = ["JavaScript", "a launch action", "a link to another file", "a form submission", "a form data import",
         "a web link", "an embedded file", "an XFA form", "a multimedia annotation", OTHER_ACTION]

# The finished packet's deny-list: any of these names as a key or a value is a failure.
DENIED_NAMES = {
    "/JS", "/JavaScript", "/AA", "/OpenAction", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
    "/URI", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA", "/FileAttachment", "/RichMedia", "/Sound",
    "/Movie", "/Screen", "/3D", "/PieceInfo", "/Rendition", "/RichMediaExecute",
}


def describe(kinds: Iterable[str]) -> str:
    """'JavaScript, a web link and an embedded file'."""
    ordered = sorted(set(kinds), key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _action_kinds(action: Any, depth: int = 0) -> set[str]:
    """What an action (and its /Next chain) would do, for the warning."""
    action = _resolve(action)
    if depth > 32:
        return {OTHER_ACTION}
    if isinstance(action, ArrayObject):  # a /Next array, or /AA's values given as a list
        return set().union(*(_action_kinds(a, depth + 1) for a in action)) if action else set()
    if not isinstance(action, DictionaryObject):
        return set()
    kind = str(action.get("/S"))
    kinds = {ACTION_KINDS.get(kind, OTHER_ACTION)} if "/S" in action and kind != "/GoTo" else set()
    if "/JS" in action:
        kinds.add("JavaScript")
    if "/Next" in action:
        kinds |= _action_kinds(action["/Next"], depth + 1)
    return kinds


def _allowed_action(action: Any) -> bool:
    action = _resolve(action)
    return isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo" and "/Next" not in action \
        and "/JS" not in action


class Stripper:
    def __init__(self) -> None:
        self.removed: set[str] = set()

    def dictionary(self, d: DictionaryObject) -> None:
        if d.get("/S") in ACTIONS:  # an action left over somewhere: make it inert
            self.removed |= _action_kinds(d)
            d.clear()
            return
        for key in ("/AA", "/OpenAction"):
            if key in d:
                value = _resolve(d[key])
                if key == "/AA" and isinstance(value, DictionaryObject):
                    self.removed |= set().union(*(_action_kinds(v) for v in value.values())) or {OTHER_ACTION}
                else:
                    self.removed |= _action_kinds(value)
                del d[key]
        if "/A" in d and not _allowed_action(d["/A"]):
            self.removed |= _action_kinds(d["/A"]) or {OTHER_ACTION}
            del d["/A"]
        if "/Next" in d and "/S" in d:
            self.removed |= _action_kinds(d["/Next"])
            del d["/Next"]
        for key, kind in (("/JS", "JavaScript"), ("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "an embedded file"),
                          ("/EF", "an embedded file"), ("/XFA", "an XFA form")):
            if key in d:
                self.removed.add(kind)
                del d[key]
        if d.get("/Type") == "/Catalog" and "/URI" in d:  # a base for relative web links
            del d["/URI"]
        for key in PRIVATE_KEYS:
            if key in d:
                del d[key]
        if "/Annots" in d:
            self.annotations(d)

    def annotations(self, page: DictionaryObject) -> None:
        annots = _resolve(page["/Annots"])
        if not isinstance(annots, ArrayObject):
            del page["/Annots"]
            return
        kept = ArrayObject()
        for ref in annots:
            annot = _resolve(ref)
            if not isinstance(annot, DictionaryObject):
                continue
            subtype = str(annot.get("/Subtype"))
            if subtype not in KEPT_ANNOTATIONS:
                self.removed.add(ANNOTATION_KINDS.get(subtype, MULTIMEDIA))
                continue
            if subtype == "/Link" and "/A" in annot and not _allowed_action(annot["/A"]):
                self.removed |= _action_kinds(annot["/A"]) or {OTHER_ACTION}
                continue  # a link that can no longer go anywhere
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def strip_active(roots: Iterable[Any]) -> set[str]:
    """Remove active content from everything reachable from `roots`; return what was removed."""
    stripper = Stripper()
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = list(roots)
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            key = (id(obj.pdf), obj.idnum)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams' dictionaries too
            stripper.dictionary(obj)
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
    return stripper.removed


class Unreadable(Exception):
    """qpdf cannot read the file as it is (it would have to repair it)."""


def denied_names(data: bytes) -> set[str]:
    """Denied names used as keys or values in any object of the PDF file `data` (every object its
    cross-reference table lists, reachable or not, and the trailer). The file is read as it is:
    qpdf neither repairs it nor moves inherited page attributes (either would scan a document
    that is not the file); a file it cannot read so raises Unreadable."""
    import pikepdf  # qpdf: about 2.5 times faster than reading the file back with pypdf

    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False, inherit_page_attributes=False) as pdf:
            found = _names_in(pdf)
    except pikepdf.PdfError as error:
        raise Unreadable(type(error).__name__) from None
    return found


def _names_in(pdf: Any) -> set[str]:
    import pikepdf

    found: set[str] = set()
    pending: list[Any] = [pdf.trailer, *pdf.objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            found |= DENIED_NAMES.intersection(obj.keys())
            children = obj.stream_dict.values() if isinstance(obj, pikepdf.Stream) else obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = obj
        else:
            if isinstance(obj, pikepdf.Name) and str(obj) in DENIED_NAMES:
                found.add(str(obj))
            continue
        # an indirect child is in the cross-reference table, and visited there
        pending.extend(c for c in children if isinstance(c, pikepdf.Object) and not c.is_indirect)
    return found
