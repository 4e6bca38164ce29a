"""Opening PDFs: one place that reads bytes, decrypts owner-password-only files and reports
a user password. Every stage that reads a PDF goes through here."""

from __future__ import annotations

import io
import logging

from pypdf import PasswordType, PdfReader


class PasswordProtected(Exception):
    """The PDF needs a user password to open."""


def quiet_pdf_logs() -> None:
    """pypdf's warnings can quote file content (names, IDs): keep them out of the log."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)


def open_pdf(data: bytes) -> PdfReader:
    """A reader over `data`; owner-password-only files are opened with the empty password.
    Raises PasswordProtected for a user password, and pypdf's own errors for damage."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise PasswordProtected
    return reader
