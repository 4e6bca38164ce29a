"""DOCX -> PDF through a `Converter`. Today's implementation runs LibreOffice headless once per
call, for many documents, with a private profile each time; a warm listener is another."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from appealgen.errors import InputError, MissingToolError

INSTALL_HINT = "apt-get install -y libreoffice-writer-nogui fonts-liberation2"
TIMEOUT_S = 180


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise MissingToolError("LibreOffice", INSTALL_HINT)


class Converter(Protocol):
    """Turns Word documents into PDFs in `outdir` (as `<stem>.pdf`); None where one failed."""

    def convert(self, documents: list[Path], outdir: Path) -> list[Path | None]: ...

    def close(self) -> None: ...


class CommandLineConverter:
    """One `soffice --convert-to pdf` run per call (all of a packet's documents at once)."""

    def convert(self, documents: list[Path], outdir: Path) -> list[Path | None]:
        return convert_to_pdf(documents, outdir)

    def close(self) -> None:
        pass


def convert_to_pdf(documents: list[Path], outdir: Path) -> list[Path | None]:
    """Convert every document in one soffice run; returns the PDFs in the same order, None
    where LibreOffice could not convert a document (the caller knows which input it was)."""
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
    results: list[Path | None] = []
    for document in documents:
        pdf = outdir / f"{document.stem}.pdf"
        results.append(pdf if pdf.is_file() and pdf.stat().st_size > 0 else None)
    return results
