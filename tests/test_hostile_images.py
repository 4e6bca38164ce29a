"""Hostile and unusual images: refused within the limits, or converted so they look right."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from appealgen.attachments import preflight_pdf
from appealgen.images import _bounded_pillow, image_to_pdf
from appealgen.preflight import LIMITS, Limits, Refused
from tests.conftest import WriteClaim
from tests.helpers import HTML_LETTER, build


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG whose header claims 3.6 billion pixels; its data is a few bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        png_chunk(b"IEND", b"")


def tiff_frames(count: int) -> bytes:
    frames = [Image.new("1", (8, 8), 1) for _ in range(count)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:], compression="group4")
    return out.getvalue()


def jpeg(mode: str, color: tuple[int, ...]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (200, 100), color).save(out, format="JPEG", quality=95)
    return out.getvalue()


def png16_with_alpha() -> bytes:
    """A 16-bit RGBA PNG: a grey square on a transparent page (transparent pixels are black)."""
    width = height = 64
    rows = []
    for y in range(height):
        row = b"\0"
        for x in range(width):
            inside = 16 <= x < 48 and 16 <= y < 48
            row += struct.pack(">HHHH", 30000, 30000, 30000, 65535) if inside else struct.pack(">HHHH", 0, 0, 0, 0)
        rows.append(row)
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"".join(rows))) + \
        png_chunk(b"IEND", b"")


def page_pixels(pdf: bytes) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        image: Image.Image = document[0].render(scale=0.5).to_pil().convert("RGB")
        return image
    finally:
        document.close()


def drawn_centre(pixels: Image.Image) -> tuple[int, int, int]:
    """The colour at the centre of what is drawn (everything not white)."""
    from PIL import ImageChops

    box = ImageChops.difference(pixels, Image.new("RGB", pixels.size, (255, 255, 255))).getbbox()
    assert box is not None, "the page is blank"
    colour = pixels.getpixel(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2))
    assert isinstance(colour, tuple)
    return colour[0], colour[1], colour[2]


def build_with(write_claim: WriteClaim, tmp_path: Path, name: str, data: bytes) -> tuple[int, str, float]:
    attachments = [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
                   {"kind": "progress_notes", "path": name, "title": "Progress notes"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments, files={name: data})
    started = time.monotonic()
    code, _, stderr = build(claim, tmp_path / "out")
    return code, stderr.replace(f"{claim}: ", "CLAIM: "), time.monotonic() - started


@pytest.mark.parametrize(("name", "data", "message"), [
    ("docs/notes.png", bomb_png(), f"image is larger than {LIMITS.pixels:,} pixels"),
    ("docs/notes.tif", tiff_frames(2_000), f"image has more than {LIMITS.frames} frames"),
    ("docs/notes.jpg", jpeg("RGB", (200, 30, 30))[:-400], "image is damaged or truncated and cannot be read"),
], ids=["decompression-bomb-png", "2000-frame-tiff", "truncated-jpeg"])
def test_hostile_images_are_refused_within_the_limits(
    write_claim: WriteClaim, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    code, stderr, seconds = build_with(write_claim, tmp_path, name, data)
    assert (code, stderr) == (1, f"CLAIM: attachments[1].path: {message}\n")
    assert seconds < 10
    assert not (tmp_path / "out").exists()


def test_pillows_bomb_guard_is_an_error_not_a_warning() -> None:
    with pytest.raises(Refused, match="larger than"):
        image_to_pdf(bomb_png(12_000, 12_000), LIMITS)  # 144 million: past the limit, short of Pillow's 2x error


def test_pillows_bomb_warning_is_raised_as_an_error_within_the_bounds() -> None:
    """Between our limit and Pillow's own 2x error Pillow only warns; inside the bounds that warning is an error."""
    out = io.BytesIO()
    Image.new("L", (40, 40)).save(out, format="PNG")  # 1,600 pixels: over 1,000, short of Pillow's 2,000
    with _bounded_pillow(Limits(pixels=1_000)) as pillow, pytest.raises(Image.DecompressionBombWarning):
        pillow.open(io.BytesIO(out.getvalue()))


def test_the_pixel_limit_is_ours_not_only_pillows() -> None:
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, format="PNG")
    with pytest.raises(Refused, match=r"^image is larger than 1,000 pixels$"):
        image_to_pdf(out.getvalue(), Limits(pixels=1_000))


def test_a_cmyk_jpeg_keeps_its_colour() -> None:
    pdf, pages, _ = preflight_pdf(image_to_pdf(jpeg("CMYK", (0, 255, 255, 0)), LIMITS))  # pure red in CMYK
    red, green, blue = drawn_centre(page_pixels(pdf))
    assert pages == 1
    assert red > 200 and green < 60 and blue < 60


def test_a_16_bit_png_with_alpha_is_drawn_on_white_not_black() -> None:
    pdf, _, _ = preflight_pdf(image_to_pdf(png16_with_alpha(), LIMITS))
    pixels = page_pixels(pdf)
    darkest = min(min(band) for band in pixels.getextrema())  # type: ignore[arg-type]
    assert darkest > 90  # no black anywhere: the transparent area is white paper
    assert all(100 < c < 140 for c in drawn_centre(pixels))  # the grey square, 30000/65535 of white


def test_a_16_bit_grey_png_is_scaled_not_clipped_to_white() -> None:
    out = io.BytesIO()
    Image.new("I;16", (64, 64), 20000).save(out, format="PNG")
    pixels = page_pixels(preflight_pdf(image_to_pdf(out.getvalue(), LIMITS))[0])
    assert all(60 < c < 100 for c in drawn_centre(pixels))  # 20000/65535 of white, not clipped to 255
