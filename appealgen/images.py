"""Images (JPEG, PNG, TIFF) -> PDF pages, inside the limits.

Each image is measured from its header before any pixel is decoded, its frames are counted
up to the limit, and every frame is decoded once to prove it is whole (a truncated JPEG would
otherwise pass through into the packet). G4 fax TIFFs then go in strip by strip without
re-encoding (appealgen.fax) and JPEGs pass through img2pdf untouched; what img2pdf cannot embed
as it is gets re-encoded, with transparency laid on white (never on black) and 16-bit samples
scaled, not clipped.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from appealgen.fax import g4_to_pdf, read_g4
from appealgen.preflight import LIMITS, Budget, Limits, Refused, sniff

LETTER_PT = (612.0, 792.0)


@contextmanager
def _bounded_pillow(limits: Limits) -> Iterator[Any]:
    """Pillow with its decompression-bomb guard at our limit, as an error, not a warning."""
    from PIL import Image, ImageFile

    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield Image
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _frames(data: bytes, limits: Limits) -> int:
    """Count and fully decode every frame; Refused when over a limit or broken."""
    from PIL import Image

    budget = Budget(limits.seconds)
    try:
        with _bounded_pillow(limits), Image.open(io.BytesIO(data)) as image:
            count = 0
            while True:
                budget.check()
                count += 1
                if count > limits.frames:
                    raise Refused(f"image has more than {limits.frames} frames")
                width, height = image.size
                if width * height > limits.pixels:
                    raise Refused(f"image is larger than {limits.pixels:,} pixels")
                image.load()
                try:
                    image.seek(image.tell() + 1)
                except EOFError:
                    return count
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(f"image is larger than {limits.pixels:,} pixels") from None
    except Exception:  # Pillow reports damage with many exception types
        raise Refused("image is damaged or truncated and cannot be read") from None


def check_signature(data: bytes, limits: Limits = LIMITS) -> None:
    """A signature image: PNG or JPEG by its bytes, one frame, decoded within the limits."""
    if sniff(data) not in ("png", "jpeg"):
        raise Refused("is not a PNG or JPEG image (the type is read from the file, not its name)")
    if _frames(data, limits) != 1:
        raise Refused("is an animated image; save the signature as a still PNG or JPEG")


def image_to_pdf(data: bytes, limits: Limits) -> bytes:
    import img2pdf

    _frames(data, limits)
    if data[:4] in (b"II*\x00", b"MM\x00*"):  # a fax TIFF goes in strip by strip, never re-encoded
        with contextlib.suppress(Exception):  # anything unusual takes the general path below
            pages = read_g4(data)
            if pages:
                return g4_to_pdf(pages)
    layout = img2pdf.get_layout_fun(LETTER_PT, fit=img2pdf.FitMode.shrink, auto_orient=True)
    try:
        with _bounded_pillow(limits):
            return bytes(img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid))
    except Exception:  # alpha channels, 16-bit samples, unusual TIFF compressions: re-encode
        pass
    try:
        with _bounded_pillow(limits):
            return bytes(img2pdf.convert(_reencoded_frames(data), layout_fun=layout))
    except Exception:
        raise Refused("image cannot be read") from None


def flattened(frame: Any) -> Any:
    """One frame as 1-bit, 8-bit gray or RGB, as it looks on white paper."""
    from PIL import Image

    if frame.mode == "1":
        return frame
    if frame.mode.startswith("I"):  # 16- or 32-bit gray: scale to 8 bits instead of clipping at 255
        gray = frame.convert("I")
        scale = 255 / (65535 if gray.getextrema()[1] > 255 else 255)
        return gray.point(lambda value: value * scale).convert("L")
    if frame.mode in ("LA", "La", "RGBA", "RGBa", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(paper, rgba)
        return flat.convert("L" if frame.mode in ("LA", "La") else "RGB")
    return frame.convert("L" if frame.mode == "L" else "RGB")


def _reencoded_frames(data: bytes) -> list[bytes]:
    from PIL import Image, ImageSequence

    frames = []
    with Image.open(io.BytesIO(data)) as image:
        for frame in ImageSequence.Iterator(image):
            out = io.BytesIO()
            flattened(frame).save(out, format="PNG")
            frames.append(out.getvalue())
    return frames
