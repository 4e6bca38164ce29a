"""Attachment preflight: confine paths, read regular files only, decide the type from the
bytes, refuse what is over the limits, remove active content, normalise everything to PDF.

Messages name the attachment by its position and kind (`attachments[2] (progress notes)`),
never by its path, which often carries the patient's name; `verbose` adds the path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from appealgen.errors import InputError
from appealgen.images import image_to_pdf
from appealgen.models import KIND_LABELS, Attachment
from appealgen.office_check import check_office
from appealgen.pdf import PasswordProtected, document_bytes, open_checked, open_pdf
from appealgen.pdfcheck import PdfWalk, check_raw
from appealgen.preflight import LIMITS, TYPE_NAMES, Budget, Limits, Refused, read_regular, sniff
from appealgen.report import Finding, warning
from appealgen.sanitize import describe, strip_active

OFFICE_TYPES = {"docx", "odt"}
IMAGE_TYPES = {"jpeg", "png", "tiff"}


@dataclass
class Part:
    """One section of the packet, as PDF bytes."""

    kind: str
    title: str
    source: str  # kept in packet.json: the path relative to the attachments folder, or a template name
    sha256: str  # of the input file (or of the rendered bytes for generated sections)
    pdf: bytes = b""
    pages: int = 0
    docx: Path | None = None  # set until a Word attachment has been converted
    field: str = ""  # where errors about it point, e.g. "attachments[2].path"
    office: bytes = b""  # the checked bytes of a Word/OpenDocument attachment, converted from these
    office_type: str = ""  # "docx" or "odt"
    removed: set[str] = dataclass_field(default_factory=set)  # active content taken out (kinds, for the warning)

    @property
    def label(self) -> str:
        """How messages name it: `attachments[2] (progress notes)`, `letter`, `remittance`."""
        position = self.field.removesuffix(".path") or self.kind
        kind = self.kind.replace("_", " ")
        return position if position == self.kind else f"{position} ({kind})"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _shown(path: Path, verbose: bool) -> str:
    """The file's name, with --verbose only: a file name may carry a patient's name."""
    from appealgen.output import printable

    return f" ({printable(str(path))})" if verbose else ""


def confine(path: Path, root: Path, source: Path, field: str, verbose: bool = False) -> Path:
    """Resolve `path` against `root`; refuse it (and symlinks) when it leaves `root`. Nothing is
    opened here: the status of the resolved path decides."""
    root = root.resolve()
    candidate = path if path.is_absolute() else root / path
    shown = _shown(path, verbose)
    try:
        resolved = candidate.resolve(strict=True)
    except FileNotFoundError:
        # Which file is missing is the first thing a person asks: say how to have it named.
        raise InputError(source, field, f"file not found{shown or ' (--verbose names the file)'}") from None
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        raise InputError(source, field, f"cannot be opened{shown}") from None
    if not resolved.is_relative_to(root):
        raise InputError(source, field, f"outside the attachments folder; refused{shown}")
    return resolved


@dataclass(frozen=True)
class Cleaned:
    """A checked PDF rewritten without active content."""

    pdf: bytes
    pages: int
    removed: set[str]


# Preflight results by (sha256 of the input file, limits): the same file in many packets (a
# patient's records behind each month's claim) is checked and rewritten once.
PreflightCache = MutableMapping[tuple[str, Limits], Cleaned]


def preflight_pdf(data: bytes, limits: Limits = LIMITS) -> tuple[bytes, int, set[str]]:
    """Check a PDF within the limits; return it rewritten without active content, its page
    count and what was removed. Raises Refused."""
    cleaned = clean_pdf(data, limits)
    return cleaned.pdf, cleaned.pages, cleaned.removed


def clean_pdf(data: bytes, limits: Limits = LIMITS) -> Cleaned:
    """`preflight_pdf`, as one value."""
    if b"%%EOF" not in data[-2048:]:
        raise Refused("PDF is truncated (no end-of-file marker)")
    budget = Budget(limits.seconds)
    check_raw(data, limits, budget)
    try:
        reader = open_pdf(data)
        walk = PdfWalk(reader, limits, budget)
        walk.object_streams()
        pages = walk.pages()
        document = open_checked(data, reader)  # qpdf rewrites what pypdf checked
        if len(document.pages) != pages:  # the two libraries read the file differently
            raise Refused("PDF is damaged and cannot be read")
        removed = strip_active([document.trailer])
        clean = document_bytes(document)
    except PasswordProtected:
        raise Refused("PDF is encrypted with a password; send an unlocked copy") from None
    except Refused:
        raise
    except RecursionError:
        raise Refused(f"PDF nests objects more than {limits.depth} deep") from None
    except Exception:  # pypdf signals damage with many exception types
        raise Refused("PDF is damaged and cannot be read") from None
    if pages == 0:
        raise Refused("PDF has no pages")
    return Cleaned(clean, pages, removed)


def default_title(attachment: Attachment) -> str:
    return attachment.title or KIND_LABELS[attachment.kind]


def _refusal(kind: str) -> str:
    return f"unsupported file: its content is {TYPE_NAMES[kind]} (the type is read from the file, not its name)"


def prepare(attachment: Attachment, index: int, root: Path, claim_file: Path, limits: Limits = LIMITS,
            verbose: bool = False, cache: PreflightCache | None = None) -> Part:
    """Read one attachment; PDFs and images become PDF bytes now, Word and OpenDocument files
    are checked now and converted later (all of a packet's at once). `cache`: earlier results
    for the same file contents."""
    path, data, kind = read_attachment(attachment, index, root, claim_file, limits, verbose)
    field = f"attachments[{index}].path"
    relative = path.relative_to(root.resolve()).as_posix()
    part = Part(attachment.kind.value, default_title(attachment), relative, sha256(data), field=field)
    try:
        if kind == "pdf":
            _use(part, _cleaned(part.sha256, limits, cache, lambda: clean_pdf(data, limits)))
        elif kind in IMAGE_TYPES:
            made = _cleaned(part.sha256, limits, cache, lambda: clean_pdf(image_to_pdf(data, limits), limits))
            _use(part, made, keep_removed=False)
        else:
            check_office(data, limits)
            part.office, part.office_type, part.docx = data, kind, path
    except Refused as refused:
        raise InputError(claim_file, field, f"{refused}{_shown(attachment.path, verbose)}") from None
    return part


def read_attachment(attachment: Attachment, index: int, root: Path, claim_file: Path, limits: Limits = LIMITS,
                    verbose: bool = False) -> tuple[Path, bytes, str]:
    """The attachment's file (inside `root`, within the size limit) and its type read from its
    bytes; a missing, empty or unsupported file is refused here, before any library reads it."""
    field = f"attachments[{index}].path"
    path = confine(attachment.path, root, claim_file, field, verbose)
    try:
        data = read_regular(path, limits.file_bytes)
        kind = sniff(data)
        if kind == "empty":
            raise Refused("file is empty (0 bytes)")
        if kind != "pdf" and kind not in IMAGE_TYPES and kind not in OFFICE_TYPES:
            raise Refused(_refusal(kind))
    except Refused as refused:
        raise InputError(claim_file, field, f"{refused}{_shown(attachment.path, verbose)}") from None
    return path, data, kind


def _cleaned(digest: str, limits: Limits, cache: PreflightCache | None, clean: Callable[[], Cleaned]) -> Cleaned:
    """`clean()`, or what it gave for the same contents before (refusals are not kept: they
    are quick, and the message is made again)."""
    if cache is None:
        return clean()
    key = (digest, limits)
    if key in cache:
        return cache[key]  # indexing, not get(): a hit makes the file the most recently used
    cache[key] = cleaned = clean()
    return cleaned


def set_converted(part: Part, pdf: bytes, claim_file: Path, field: str) -> None:
    """A rendered or converted PDF, checked and cleaned like an attachment."""
    try:
        _use(part, clean_pdf(pdf))
    except Refused as refused:
        raise InputError(claim_file, field, str(refused)) from None
    part.docx = None


def _use(part: Part, cleaned: Cleaned, keep_removed: bool = True) -> None:
    """`keep_removed`: False for an image made into a PDF here (nothing of the file was removed)."""
    part.pdf, part.pages = cleaned.pdf, cleaned.pages
    if keep_removed:
        part.removed |= cleaned.removed


def removal_findings(parts: list[Part]) -> list[Finding]:
    """One warning per document whose active content was removed."""
    return [warning("content.removed", f"{part.label}: removed {describe(part.removed)}")
            for part in parts if part.removed]
