"""Page stamps and form flattening, done on the merged pages in place.

A stamp is a small content stream appended to the page (no overlay page): the page's own
content is wrapped in q/Q so its graphics state cannot leak into the stamp, and the stamp is
drawn in the coordinates of the *visible* page (CropBox, /Rotate) so it reads upright at the
bottom right whatever the page's size, box or rotation.
"""

from __future__ import annotations

from typing import Any, cast

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    RectangleObject,
    StreamObject,
)

from appealgen.sanitize import KEPT_ANNOTATIONS

FONT_NAME = "/AGStampFont"
FONT_SIZE = 8.0
CHAR_WIDTH = 0.6 * FONT_SIZE  # Courier: every glyph is 600/1000 em wide, so widths are exact
PADDING = 3.0
MARGIN_RIGHT = 18.0
MARGIN_BOTTOM = 10.0
HIDDEN_FLAGS = 2 | 32  # annotation flags Hidden and NoView


def visible_box(page: PageObject) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox, normalised to (x0, y0, x1, y1)."""
    media, crop = page.mediabox, page.cropbox
    mx0, mx1 = sorted((float(media[0]), float(media[2])))
    my0, my1 = sorted((float(media[1]), float(media[3])))
    cx0, cx1 = sorted((float(crop[0]), float(crop[2])))
    cy0, cy1 = sorted((float(crop[1]), float(crop[3])))
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x1 <= x0 or y1 <= y0:  # a CropBox outside the MediaBox: viewers show the MediaBox
        return mx0, my0, mx1, my1
    return x0, y0, x1, y1


def visible_matrix(page: PageObject) -> tuple[tuple[float, ...], float, float]:
    """Matrix from upright visible-page coordinates to user space, and the visible size."""
    x0, y0, x1, y1 = visible_box(page)
    w, h = x1 - x0, y1 - y0
    rotation = int(page.get("/Rotate", 0) or 0) % 360
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


def stamp_stream(page: PageObject, text: str) -> bytes:
    matrix, width, _height = visible_matrix(page)
    text_w = len(text) * CHAR_WIDTH
    box_w, box_h = text_w + 2 * PADDING, FONT_SIZE + 2 * PADDING
    x = max(width - MARGIN_RIGHT - box_w, 2.0)
    y = MARGIN_BOTTOM
    cm = " ".join(f"{v:.4f}" for v in matrix)
    return (
        f"q {cm} cm 1 1 1 rg 0.35 0.35 0.35 RG 0.5 w "
        f"{x:.2f} {y:.2f} {box_w:.2f} {box_h:.2f} re B "
        f"0 0 0 rg BT {FONT_NAME} {FONT_SIZE:g} Tf {x + PADDING:.2f} {y + PADDING + 1.2:.2f} Td "
        f"({_pdf_string(text)}) Tj ET Q\n"
    ).encode("ascii")


def _stream_ref(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _resources(page: PageObject) -> DictionaryObject:
    if "/Resources" not in page:
        page[NameObject("/Resources")] = DictionaryObject()
    return cast(DictionaryObject, page["/Resources"].get_object())


def _add_resource(page: PageObject, category: str, name: str, value: Any) -> None:
    resources = _resources(page)
    if category not in resources:
        resources[NameObject(category)] = DictionaryObject()
    cast(DictionaryObject, resources[category].get_object())[NameObject(name)] = value


def wrap_contents(writer: PdfWriter, page: PageObject, extra: bytes) -> None:
    """Page content becomes [q, original..., Q + extra]."""
    original = page.get("/Contents")
    parts = ArrayObject([_stream_ref(writer, b"q\n")])
    if original is not None:
        resolved = original.get_object()
        if isinstance(resolved, ArrayObject):
            parts.extend(resolved)
        else:
            parts.append(original if isinstance(original, IndirectObject) else writer._add_object(resolved))
    parts.append(_stream_ref(writer, b"\nQ\n" + extra))
    page[NameObject("/Contents")] = parts


def stamp_font(writer: PdfWriter) -> IndirectObject:
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Courier-Bold"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    return writer._add_object(font)


def stamp_page(
    writer: PdfWriter, page: PageObject, text: str, font: IndirectObject, extra: bytes = b""
) -> None:
    _add_resource(page, "/Font", FONT_NAME, font)
    wrap_contents(writer, page, extra + stamp_stream(page, text))


def _appearance(widget: DictionaryObject) -> StreamObject | None:
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap is not None else None
    if normal is None:
        return None
    normal = normal.get_object()
    if isinstance(normal, StreamObject):
        return normal
    state = widget.get("/AS")  # checkboxes and radio buttons: one appearance per state
    chosen = normal.get(state) if state is not None else None
    return chosen.get_object() if chosen is not None else None


def _inherited(annot: DictionaryObject, key: str) -> Any:
    """A field attribute, looked up through the widget's /Parent chain."""
    node: Any = annot
    for _ in range(32):  # guard against a /Parent cycle in a broken file
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _text_appearance(writer: PdfWriter, annot: DictionaryObject) -> StreamObject | None:
    """An appearance for a text field that has a value but none of its own (the form relied on
    the viewer to draw it): the value in Helvetica, left-aligned, vertically centred."""
    value = _inherited(annot, "/V")
    if _inherited(annot, "/FT") != "/Tx" or value is None or not str(value).strip():
        return None
    rect = RectangleObject(cast(ArrayObject, annot["/Rect"]))
    width, height = abs(float(rect[2]) - float(rect[0])), abs(float(rect[3]) - float(rect[1]))
    size = max(min(10.0, height - 2), 4.0)
    text = _pdf_string(" ".join(str(value).split()))
    stream = DecodedStreamObject()
    stream.set_data(f"BT /Helv {size:g} Tf 2 {(height - size) / 2 + 1:.2f} Td ({text}) Tj ET".encode("latin-1"))
    helvetica = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    stream.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): RectangleObject([0, 0, width, height]),
        NameObject("/Resources"): DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/Helv"): writer._add_object(helvetica)})}),
    })
    return stream


def _transform(bbox: list[float], matrix: list[float]) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = matrix
    xs, ys = [], []
    for x, y in ((bbox[0], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[1]), (bbox[2], bbox[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def flatten_widgets(writer: PdfWriter, page: PageObject) -> bytes:
    """Draw form-field appearances into the page and drop the widgets (PDF 32000 12.5.5).

    Returns the content to append. Links and comments stay as annotations; annotations that
    can carry content of their own (file attachments, sound, movies) are dropped.
    """
    annots = page.get("/Annots")
    if annots is None:
        return b""
    kept, drawn = ArrayObject(), []
    for ref in cast(ArrayObject, annots.get_object()):
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject):  # a null or broken entry: nothing to show
            continue
        if annot.get("/Subtype") not in KEPT_ANNOTATIONS:
            continue  # file attachments, sounds, movies: they can carry other documents
        if annot.get("/Subtype") != "/Widget":  # links and reviewers' comments stay
            kept.append(ref)
            continue
        appearance = _appearance(annot) or _text_appearance(writer, annot)
        if appearance is None or int(annot.get("/F", 0)) & HIDDEN_FLAGS or "/BBox" not in appearance:
            continue
        appearance[NameObject("/Subtype")] = NameObject("/Form")
        rect = RectangleObject(cast(ArrayObject, annot["/Rect"]))
        matrix = [float(v) for v in appearance.get("/Matrix", [1, 0, 0, 1, 0, 0])]
        bbox = [float(v) for v in cast(ArrayObject, appearance["/BBox"])]
        bx0, by0, bx1, by1 = _transform(bbox, matrix)
        if bx1 - bx0 <= 0 or by1 - by0 <= 0:
            continue
        rx0, rx1 = sorted((float(rect[0]), float(rect[2])))
        ry0, ry1 = sorted((float(rect[1]), float(rect[3])))
        sx, sy = (rx1 - rx0) / (bx1 - bx0), (ry1 - ry0) / (by1 - by0)
        ap_ref = getattr(appearance, "indirect_reference", None) or writer._add_object(appearance)
        # Named after the appearance object, not a per-page counter: pages often share one
        # /Resources dictionary, where "/AGFlat0" of page 2 would replace that of page 1.
        name = f"/AGFlat{ap_ref.idnum}"
        _add_resource(page, "/XObject", name, ap_ref)
        drawn.append(f"q {sx:.5f} 0 0 {sy:.5f} {rx0 - bx0 * sx:.3f} {ry0 - by0 * sy:.3f} cm {name} Do Q")
    page[NameObject("/Annots")] = kept
    return ("\n".join(drawn) + "\n").encode("ascii") if drawn else b""

