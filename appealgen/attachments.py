"""Attachment preflight: confine paths, refuse unusable files, normalise everything to PDF."""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from appealgen.errors import InputError
from appealgen.fax import g4_to_pdf, read_g4
from appealgen.models import Attachment
from appealgen.pdf import PasswordProtected, open_pdf

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
DOCX_SUFFIXES = {".docx"}
LETTER_PT = (612.0, 792.0)


@dataclass
class Part:
    """One section of the packet, as PDF bytes."""

    kind: str
    title: str
    source: str  # shown in packet.json: the path as written in the claim, or a template name
    sha256: str  # of the input file (or of the rendered bytes for generated sections)
    pdf: bytes = b""
    pages: int = 0
    docx: Path | None = None  # set until a Word attachment has been converted
    field: str = ""  # where errors about it point, e.g. "attachments[2].path"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def confine(path: Path, root: Path, source: Path, field: str) -> Path:
    """Resolve `path` against `root`; refuse it (and symlinks) when it leaves `root`."""
    root = root.resolve()
    candidate = path if path.is_absolute() else root / path
    try:
        resolved = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(source, field, f"{path}: file not found") from None
    except OSError:
        raise InputError(source, field, f"{path}: cannot be opened") from None
    if not resolved.is_relative_to(root):
        raise InputError(source, field, f"{path}: outside the attachments folder; refused")
    if not resolved.is_file():
        raise InputError(source, field, f"{path}: not a regular file")
    return resolved


def check_pdf(data: bytes, source: Path, field: str) -> int:
    """Validate a PDF and return its page count; encrypted (user password) or damaged: refused."""
    if not data:
        raise InputError(source, field, "file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise InputError(source, field, "not a PDF file")
    if b"%%EOF" not in data[-2048:]:
        raise InputError(source, field, "PDF is truncated (no end-of-file marker)")
    try:
        reader = open_pdf(data)
        pages = len(reader.pages)
        for page in reader.pages:
            page.get_contents()
            _ = page.mediabox
    except PasswordProtected:
        raise InputError(source, field, "PDF is protected by a password; send an unlocked copy") from None
    except Exception:  # pypdf signals damage with many exception types
        raise InputError(source, field, "PDF is damaged and cannot be read") from None
    if pages == 0:
        raise InputError(source, field, "PDF has no pages")
    return pages


def image_to_pdf(data: bytes, source: Path, field: str) -> bytes:
    """Fax TIFFs (CCITT G4) and JPEGs pass through untouched; others are re-encoded."""
    import img2pdf

    if not data:
        raise InputError(source, field, "file is empty (0 bytes)")
    if data[:4] in (b"II*\x00", b"MM\x00*"):  # a fax TIFF goes in strip by strip, never decoded
        with contextlib.suppress(Exception):  # anything unusual takes the general path below
            pages = read_g4(data)
            if pages:
                return g4_to_pdf(pages)
    layout = img2pdf.get_layout_fun(LETTER_PT, fit=img2pdf.FitMode.shrink, auto_orient=True)
    try:
        return bytes(img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid))
    except Exception:  # alpha channels, unusual TIFF compressions: re-encode losslessly
        pass
    try:
        return bytes(img2pdf.convert(_reencoded_frames(data), layout_fun=layout))
    except Exception:
        raise InputError(source, field, "image cannot be read") from None


def _reencoded_frames(data: bytes) -> list[bytes]:
    from PIL import Image, ImageSequence

    frames = []
    with Image.open(io.BytesIO(data)) as image:
        for frame in ImageSequence.Iterator(image):
            mode = "1" if frame.mode == "1" else ("L" if frame.mode in ("L", "LA") else "RGB")
            out = io.BytesIO()
            frame.convert(mode).save(out, format="PNG")
            frames.append(out.getvalue())
    return frames


def default_title(attachment: Attachment) -> str:
    return attachment.title or attachment.kind.value.replace("_", " ").capitalize()


def prepare(attachment: Attachment, index: int, root: Path, claim_file: Path) -> Part:
    """Read one attachment; PDFs and images become PDF bytes now, DOCX files wait for LibreOffice."""
    field = f"attachments[{index}].path"
    path = confine(attachment.path, root, claim_file, field)
    data = path.read_bytes()
    part = Part(attachment.kind.value, default_title(attachment), attachment.path.as_posix(), sha256(data),
                field=field)
    suffix = path.suffix.lower()
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        part.pdf = data
        part.pages = check_pdf(data, claim_file, field)
    elif suffix in IMAGE_SUFFIXES:
        part.pdf = image_to_pdf(data, claim_file, field)
        part.pages = check_pdf(part.pdf, claim_file, field)
    elif suffix in DOCX_SUFFIXES:
        if not data:
            raise InputError(claim_file, field, "file is empty (0 bytes)")
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise InputError(claim_file, field, "not a Word .docx file")
        part.docx = path
    else:
        raise InputError(claim_file, field, f"unsupported file type {suffix or '(none)'!r}")
    return part


def set_converted(part: Part, pdf: bytes, claim_file: Path, field: str) -> None:
    part.pdf = pdf
    part.pages = check_pdf(pdf, claim_file, field)
    part.docx = None
