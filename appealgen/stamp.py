"""Page stamps and form flattening, done on the merged pages in place.

A stamp is a small content stream appended to the page (no overlay page): the page's own
content is wrapped in q/Q so its graphics state cannot leak into the stamp, and the stamp is
drawn in the coordinates of the *visible* page (CropBox, /Rotate) so it reads upright at the
bottom right whatever the page's size, box or rotation.
"""

from __future__ import annotations

import math
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from appealgen.sanitize import KEPT_ANNOTATIONS, name_of

FONT_NAME = "/AGStampFont"
FONT_SIZE = 8.0
CHAR_WIDTH = 0.6 * FONT_SIZE  # Courier: every glyph is 600/1000 em wide, so widths are exact
PADDING = 3.0
MARGIN_RIGHT = 18.0
MARGIN_BOTTOM = 10.0
EDGE = 2.0  # the least room left between the stamp's box and the page's edge
MIN_FONT_SIZE = 4.0
HIDDEN_FLAGS = 2 | 32  # annotation flags Hidden and NoView


def _numbers(value: Any, count: int) -> list[float] | None:
    """`count` numbers from a PDF array, or None where the array is missing or malformed."""
    if not isinstance(value, Array) or len(value) != count:
        return None
    try:
        return [float(v) for v in value]
    except (TypeError, ValueError):
        return None


def visible_box(page: Dictionary) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox, normalised to (x0, y0, x1, y1)."""
    media = _numbers(page.get("/MediaBox"), 4) or [0.0, 0.0, 612.0, 792.0]  # US Letter, as viewers assume
    crop = _numbers(page.get("/CropBox"), 4) or media
    mx0, mx1 = sorted((media[0], media[2]))
    my0, my1 = sorted((media[1], media[3]))
    cx0, cx1 = sorted((crop[0], crop[2]))
    cy0, cy1 = sorted((crop[1], crop[3]))
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x1 <= x0 or y1 <= y0:  # a CropBox outside the MediaBox: viewers show the MediaBox
        return mx0, my0, mx1, my1
    return x0, y0, x1, y1


def _rotation(page: Dictionary) -> int:
    try:
        return int(page.get("/Rotate", 0)) % 360
    except (TypeError, ValueError):
        return 0


def visible_matrix(page: Dictionary) -> tuple[tuple[float, ...], float, float]:
    """Matrix from upright visible-page coordinates to user space, and the visible size."""
    x0, y0, x1, y1 = visible_box(page)
    w, h = x1 - x0, y1 - y0
    rotation = _rotation(page)
    if rotation == 90:
        return (0, 1, -1, 0, x1, y0), h, w
    if rotation == 180:
        return (-1, 0, 0, -1, x1, y1), w, h
    if rotation == 270:
        return (0, -1, 1, 0, x0, y1), h, w
    return (1, 0, 0, 1, x0, y0), w, h


def _pdf_string(text: str) -> str:
    safe = text.encode("ascii", "replace").decode("ascii")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def stamp_size(text: str, width: float) -> float:
    """The stamp's font size: FONT_SIZE, smaller on a page too narrow for it (a receipt, a card
    scanned at its own size), so the whole stamp stays on the page; never below MIN_FONT_SIZE."""
    room = width - 2 * EDGE - 2 * PADDING
    return max(MIN_FONT_SIZE, min(FONT_SIZE, room / (len(text) * CHAR_WIDTH / FONT_SIZE)))


def stamp_stream(page: Dictionary, text: str) -> bytes:
    matrix, width, _height = visible_matrix(page)
    size = math.floor(stamp_size(text, width) * 100) / 100  # down: a rounded-up size would overrun the page
    text_w = len(text) * CHAR_WIDTH * size / FONT_SIZE
    box_w, box_h = text_w + 2 * PADDING, size + 2 * PADDING
    x = max(min(width - MARGIN_RIGHT, width - EDGE) - box_w, EDGE)
    y = MARGIN_BOTTOM
    cm = " ".join(f"{v:.4f}" for v in matrix)
    return (
        f"q {cm} cm 1 1 1 rg 0.35 0.35 0.35 RG 0.5 w "
        f"{x:.2f} {y:.2f} {box_w:.2f} {box_h:.2f} re B "
        f"0 0 0 rg BT {FONT_NAME} {size:g} Tf {x + PADDING:.2f} {y + PADDING + 1.2 * size / FONT_SIZE:.2f} Td "
        f"({_pdf_string(text)}) Tj ET Q\n"
    ).encode("ascii")


def _add_resource(page: Dictionary, category: str, name: str, value: Any) -> None:
    resources = page.get("/Resources")
    if not isinstance(resources, Dictionary):
        page["/Resources"] = resources = Dictionary()
    entries = resources.get(category)
    if not isinstance(entries, Dictionary):
        resources[category] = entries = Dictionary()
    entries[name] = value


def wrap_contents(document: pikepdf.Pdf, page: Dictionary, extra: bytes) -> None:
    """Page content becomes [q, original..., Q + extra]."""
    original = page.get("/Contents")
    parts: list[pikepdf.Object] = [document.make_stream(b"q\n")]
    if isinstance(original, Array):
        parts.extend(original)
    elif isinstance(original, pikepdf.Stream):
        parts.append(original if original.is_indirect else document.make_indirect(original))
    parts.append(document.make_stream(b"\nQ\n" + extra))
    page["/Contents"] = Array(parts)


def stamp_font(document: pikepdf.Pdf) -> pikepdf.Object:
    return document.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type1, BaseFont=Name("/Courier-Bold"), Encoding=Name.WinAnsiEncoding))


def stamp_page(document: pikepdf.Pdf, page: Dictionary, text: str, font: pikepdf.Object, extra: bytes = b"") -> None:
    _add_resource(page, "/Font", FONT_NAME, font)
    wrap_contents(document, page, extra + stamp_stream(page, text))


def _appearance(widget: Dictionary) -> pikepdf.Stream | None:
    ap = widget.get("/AP")
    normal = ap.get("/N") if isinstance(ap, Dictionary) else None
    if isinstance(normal, pikepdf.Stream):
        return normal
    if not isinstance(normal, Dictionary):
        return None
    state = widget.get("/AS")  # checkboxes and radio buttons: one appearance per state
    chosen = normal.get(name_of(state)) if isinstance(state, Name) else None
    return chosen if isinstance(chosen, pikepdf.Stream) else None


def _inherited(annot: Dictionary, key: str) -> Any:
    """A field attribute, looked up through the widget's /Parent chain."""
    node: Any = annot
    for _ in range(32):  # guard against a /Parent cycle in a broken file
        if not isinstance(node, Dictionary):
            return None
        if key in node:
            return node.get(key)
        node = node.get("/Parent")
    return None


def _text_appearance(document: pikepdf.Pdf, annot: Dictionary) -> pikepdf.Stream | None:
    """An appearance for a text field that has a value but none of its own (the form relied on
    the viewer to draw it): the value in Helvetica, left-aligned, vertically centred."""
    value = _inherited(annot, "/V")
    rect = _numbers(annot.get("/Rect"), 4)
    if name_of(_inherited(annot, "/FT")) != "/Tx" or value is None or not str(value).strip() or rect is None:
        return None
    width, height = abs(rect[2] - rect[0]), abs(rect[3] - rect[1])
    size = max(min(10.0, height - 2), 4.0)
    text = _pdf_string(" ".join(str(value).split()))
    content = f"BT /Helv {size:g} Tf 2 {(height - size) / 2 + 1:.2f} Td ({text}) Tj ET".encode("latin-1")
    helvetica = document.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding))
    return pikepdf.Stream(document, content, Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, width, height]),
                          Resources=Dictionary(Font=Dictionary(Helv=helvetica)))


def _transform(bbox: list[float], matrix: list[float]) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = matrix
    xs, ys = [], []
    for x, y in ((bbox[0], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[1]), (bbox[2], bbox[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def _hidden(annot: Dictionary) -> bool:
    try:
        return bool(int(annot.get("/F", 0)) & HIDDEN_FLAGS)
    except (TypeError, ValueError):
        return False


def flatten_widgets(document: pikepdf.Pdf, page: Dictionary) -> bytes:
    """Draw form-field appearances into the page and drop the widgets (PDF 32000 12.5.5).

    Returns the content to append. Links and comments stay as annotations; annotations that
    can carry content of their own (file attachments, sound, movies) are dropped.
    """
    annots = page.get("/Annots")
    if annots is None:
        return b""
    kept, drawn = [], []
    for annot in annots if isinstance(annots, Array) else []:
        if not isinstance(annot, Dictionary):  # a null or broken entry: nothing to show
            continue
        subtype = name_of(annot.get("/Subtype"))
        if subtype not in KEPT_ANNOTATIONS:
            continue  # file attachments, sounds, movies: they can carry other documents
        if subtype != "/Widget":  # links and reviewers' comments stay
            kept.append(annot)
            continue
        drawing = _drawn_widget(document, page, annot)
        if drawing:
            drawn.append(drawing)
    page["/Annots"] = Array(kept)
    return ("\n".join(drawn) + "\n").encode("ascii") if drawn else b""


def _drawn_widget(document: pikepdf.Pdf, page: Dictionary, annot: Dictionary) -> str:
    """The content that draws one widget's appearance in its rectangle ("" for nothing to draw),
    with the appearance added to the page's resources."""
    appearance = _appearance(annot) or _text_appearance(document, annot)
    rect = _numbers(annot.get("/Rect"), 4)
    if appearance is None or _hidden(annot) or rect is None:
        return ""
    bbox = _numbers(appearance.get("/BBox"), 4)
    matrix = _numbers(appearance.get("/Matrix"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    if bbox is None:
        return ""
    bx0, by0, bx1, by1 = _transform(bbox, matrix)
    if bx1 - bx0 <= 0 or by1 - by0 <= 0:
        return ""
    appearance["/Subtype"] = Name.Form
    rx0, rx1 = sorted((rect[0], rect[2]))
    ry0, ry1 = sorted((rect[1], rect[3]))
    sx, sy = (rx1 - rx0) / (bx1 - bx0), (ry1 - ry0) / (by1 - by0)
    if not appearance.is_indirect:
        appearance = document.make_indirect(appearance)
    # Named after the appearance object, not a per-page counter: pages often share one
    # /Resources dictionary, where "/AGFlat0" of page 2 would replace that of page 1.
    name = f"/AGFlat{appearance.objgen[0]}"
    _add_resource(page, "/XObject", name, appearance)
    return f"q {sx:.5f} 0 0 {sy:.5f} {rx0 - bx0 * sx:.3f} {ry0 - by0 * sy:.3f} cm {name} Do Q"
