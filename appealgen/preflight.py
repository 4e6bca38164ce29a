"""Preflight of untrusted files: limits, reading without following surprises, and the type
from the bytes (never the name).

Every check here is bounded by design (sizes are known before anything is read, counts stop
at their limit, loops watch a clock), so a hostile file is refused in a fraction of a second
in-process; the worker's process limits are a second wall, not the first.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FileType = Literal["pdf", "jpeg", "png", "tiff", "docx", "odt", "zip", "html", "text", "empty", "unknown"]
MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one input file may cost. Real attachments are far below every number; payers
    accept packets of tens of MB and a few hundred pages."""

    file_bytes: int = 200 * MB  # an attachment file
    document_bytes: int = 10 * MB  # a claim file, payer profile or settings file
    export_bytes: int = 200 * MB  # a CSV export or a JSON Lines file: many claims
    x12_bytes: int = 100 * MB  # an 835 file (a large payer's daily file is a few MB)
    pages: int = 2_000  # pages of one attachment
    pixels: int = 100_000_000  # one image (a 600 dpi letter page is 34 million)
    frames: int = 500  # frames of one TIFF
    pdf_objects: int = 500_000
    depth: int = 64  # nesting of PDF objects, page trees and forms
    stream_bytes: int = 256 << 20  # one PDF stream, decompressed
    streams_total: int = 1 << 30  # all streams of one PDF, decompressed
    page_content_bytes: int = 32 << 20  # the content of one page, decompressed
    content_total: int = 256 << 20  # page content summed over pages (a shared stream counts per page)
    zip_entries: int = 5_000
    zip_bytes: int = 300 * MB  # a Word or OpenDocument file, uncompressed
    zip_ratio: int = 200  # uncompressed / compressed, for entries over 1 MB
    seconds: float = 20.0  # wall-clock budget for one file's preflight loops


LIMITS = Limits()


class Refused(Exception):
    """A file refused by preflight; the message says why without quoting the file."""


class Budget:
    """A wall-clock budget for loops over untrusted structure."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise Refused(f"too complex to check within {self.seconds:g} s")


def megabytes(size: int) -> str:
    return f"{size / MB:.3g} MB"


def too_large(size: int, limit: int) -> str:
    """Why a file over the limit is refused, in bytes when megabytes would print the same twice."""
    shown, allowed = megabytes(size), megabytes(limit)
    if shown == allowed:
        return f"is {size:,} bytes; the limit is {limit:,} bytes ({allowed})"
    return f"is {shown}; the limit is {allowed}"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. FIFOs, devices, sockets and folders
    are refused from their status alone, before anything opens them for reading; the file is
    opened non-blocking and checked again through its descriptor, so a swap in between is seen.
    A symlink is followed once, here, to the file it names (confinement was decided before)."""
    path = Path(os.path.realpath(path))
    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise Refused("file not found") from None
    except OSError:
        raise Refused("cannot be opened") from None
    _check_status(before, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise Refused("cannot be opened") from None
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(fd)
        _check_status(now, limit)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise Refused("changed while it was being read")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"is larger than {megabytes(limit)}")
    return data


def _check_status(status: os.stat_result, limit: int) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise Refused("is a folder, not a file")
    if not stat.S_ISREG(mode):
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise Refused(f"is {kind}, not a regular file")
    if status.st_size > limit:
        raise Refused(too_large(status.st_size, limit))


def check_text(data: bytes) -> None:
    """Refuse bytes that are not 8-bit text: UTF-16 (a BOM or every other byte zero) or binary."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 2 and head.count(b"\x00") * 3 >= len(head)):
        raise Refused("file is UTF-16 text; save it as ASCII or UTF-8")
    # FS, GS, RS and US (0x1c-0x1f) are legal X12 delimiters; other control bytes are not text.
    if b"\x00" in head or sum(b < 9 or 13 < b < 28 for b in head) * 20 > len(head):
        raise Refused("file is binary data, not text")


def sniff(data: bytes) -> FileType:
    """The file's type from its first bytes."""
    if not data:
        return "empty"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<svg")):
        return "html"
    if b"\x00" not in head:
        return "text"
    return "unknown"


def _zip_type(data: bytes) -> FileType:
    """OpenDocument stores its `mimetype` first and uncompressed; Word has [Content_Types].xml."""
    if data[30:38] == b"mimetype" and b"application/vnd.oasis.opendocument.text" in data[38:120]:
        return "odt"
    if b"[Content_Types].xml" in data and b"word/" in data:
        return "docx"
    return "zip"


TYPE_NAMES = {"pdf": "a PDF", "jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image",
              "docx": "a Word document", "odt": "an OpenDocument text", "zip": "a ZIP archive",
              "html": "an HTML or XML page", "text": "a text file", "empty": "empty", "unknown": "of unknown type"}
