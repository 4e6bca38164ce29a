"""Opening PDFs: one place that reads bytes, decrypts owner-password-only files and reports
a user password. Every stage that reads a PDF goes through here.

Two libraries read PDFs. pypdf reads untrusted files first, lazily and under explicit limits
(pdfcheck). qpdf, through pikepdf, then does the heavy work on files that passed: cleaning,
copying pages into the packet and writing it, several times faster than pypdf."""

from __future__ import annotations

import io
import logging

import pikepdf
from pypdf import PasswordType, PdfReader, PdfWriter


class PasswordProtected(Exception):
    """The PDF needs a user password to open."""


def quiet_pdf_logs() -> None:
    """The libraries' warnings can quote file content (names, IDs): keep them out of the log."""
    for name in ("pypdf", "pikepdf"):
        logging.getLogger(name).setLevel(logging.ERROR)


def open_pdf(data: bytes) -> PdfReader:
    """A reader over `data`; owner-password-only files are opened with the empty password.
    Raises PasswordProtected for a user password, and pypdf's own errors for damage."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise PasswordProtected
    return reader


def open_document(data: bytes) -> pikepdf.Pdf:
    """`data` opened by qpdf for editing, inherited page attributes (resources, boxes, rotation)
    moved onto each page. Only for bytes that passed preflight, or that this tool wrote. qpdf
    reads the file as it is, never repairing it: a repair could find objects other than those
    preflight checked (pikepdf.PdfError)."""
    try:
        return pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError:
        raise PasswordProtected from None


def open_checked(data: bytes, checked: PdfReader) -> pikepdf.Pdf:
    """The document pypdf `checked`, opened by qpdf. A damaged file, which pypdf reads by
    rebuilding its cross-references and qpdf could read differently, is first rewritten by pypdf
    from the objects it checked (slower, and rare)."""
    try:
        return open_document(data)
    except pikepdf.PdfError:
        out = io.BytesIO()
        PdfWriter(clone_from=checked).write(out)
        return open_document(out.getvalue())


def document_bytes(document: pikepdf.Pdf, min_version: str = "") -> bytes:
    """`document` written out unencrypted. Only objects reachable from the trailer are written,
    so whatever cleaning unlinked is gone from the file. Streams are written as they are: the
    sources' compressed streams stay compressed, and the page stamps stay plain content. The
    file ID is derived from the content: the same packet built twice is the same file."""
    out = io.BytesIO()
    document.save(out, encryption=False, deterministic_id=True, compress_streams=False,
                  fix_metadata_version=False, preserve_pdfa=False, min_version=min_version)
    return out.getvalue()
