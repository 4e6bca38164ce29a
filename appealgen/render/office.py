"""DOCX -> PDF with LibreOffice headless: many documents per call, a private profile each time."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from appealgen.errors import InputError, MissingToolError

INSTALL_HINT = "apt-get install -y libreoffice-writer-nogui fonts-liberation2"
TIMEOUT_S = 180


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise MissingToolError("LibreOffice", INSTALL_HINT)


def convert_to_pdf(documents: list[Path], outdir: Path) -> list[Path]:
    """Convert every document in one soffice run; returns the PDFs in the same order."""
    if not documents:
        return []
    binary = soffice_path()
    # Names must be unique: soffice writes <stem>.pdf into outdir.
    stems = [d.stem for d in documents]
    if len(set(stems)) != len(stems):
        raise ValueError("documents to convert must have distinct file names")
    with tempfile.TemporaryDirectory(prefix="appealgen-lo-") as profile:
        command = [
            binary, f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
            "--nologo", "--nodefault", "--nolockcheck", "--norestore",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
            *[str(d) for d in documents],
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(documents[0], None, "LibreOffice timed out converting to PDF") from None
    results = []
    for document in documents:
        pdf = outdir / f"{document.stem}.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise InputError(document, None, "LibreOffice could not convert this document to PDF")
        results.append(pdf)
    return results
