"""Fax TIFFs go into the packet strip by strip, never decoded and re-encoded."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageSequence
from pypdf import PdfReader

from appealgen.fax import read_g4
from appealgen.images import image_to_pdf
from appealgen.preflight import LIMITS


def fax(pages: int = 3, compression: str = "group4") -> bytes:
    frames = []
    for number in range(pages):
        frame = Image.new("1", (1728, 2200), 1)
        draw = ImageDraw.Draw(frame)
        for row in range(30):
            draw.rectangle((100, 150 + row * 60, 300 + (row * 41 + number * 97) % 1300, 175 + row * 60), fill=0)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", compression=compression, save_all=True, append_images=frames[1:],
                   dpi=(204, 196))
    return out.getvalue()


def black_pixels(pdf: bytes, tmp_path: Path, name: str) -> list[int]:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    counts = []
    for page in sorted(tmp_path.glob(f"{name}-*.pgm")):
        with Image.open(page) as image:
            counts.append(image.point(lambda p: 255 if p < 128 else 0).histogram()[255])
    return counts


def test_a_multi_strip_g4_fax_keeps_its_strips_byte_for_byte(tmp_path: Path) -> None:
    data = fax()
    pages = read_g4(data)
    assert pages is not None and all(len(page.strips) > 1 for page in pages)  # Pillow writes several strips
    pdf = image_to_pdf(data, LIMITS)
    raw = [page["/Resources"]["/XObject"][name].get_object()  # type: ignore[index]
           for page in PdfReader(io.BytesIO(pdf)).pages for name in page["/Resources"]["/XObject"]]  # type: ignore[index]
    assert {str(image["/Filter"]) for image in raw} == {"/CCITTFaxDecode"}
    assert [image._data for image in raw] == [strip.data for page in pages for strip in page.strips]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3


def test_the_passed_through_fax_shows_what_a_decoded_one_shows(tmp_path: Path) -> None:
    data = fax(2)
    decoded = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:  # the same pages, decoded and saved with LZW
        first, second = (frame.copy() for frame in ImageSequence.Iterator(image))
    first.save(decoded, format="TIFF", compression="tiff_lzw", save_all=True, append_images=[second],
               dpi=(204, 196))
    passed = black_pixels(image_to_pdf(data, LIMITS), tmp_path, "passed")
    general = black_pixels(image_to_pdf(decoded.getvalue(), LIMITS), tmp_path, "general")
    assert len(passed) == len(general) == 2
    for ours, theirs in zip(passed, general, strict=True):
        assert abs(ours - theirs) <= theirs * 0.03


def test_other_compressions_take_the_general_path() -> None:
    assert read_g4(fax(1, compression="tiff_lzw")) is None
    assert read_g4(fax(1, compression="group3")) is None
