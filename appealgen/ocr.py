"""OCR for the identity check: OCRmyPDF with Debian's Tesseract gives pages without a text
layer one, in a private temporary folder; only the text comes back (the packet keeps the
original pages). Asked for with `--ocr` or `ocr: true` in appealgen.yaml."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from appealgen.errors import MissingToolError

INSTALL_HINT = "apt-get install -y tesseract-ocr tesseract-ocr-eng ghostscript && pip install 'appealgen[ocr]'"
PAGE_TIMEOUT_S = 60


def ocr_texts(pdf: bytes, pages: list[int]) -> dict[int, str]:
    """The OCR text of `pages` (numbered from 1) of `pdf`; pages with text are skipped."""
    try:
        import ocrmypdf
    except ImportError:
        raise MissingToolError("OCRmyPDF", INSTALL_HINT) from None
    from appealgen.identity import page_texts

    # OCRmyPDF logs file names and page content details: keep its log out of ours.
    for name in ("ocrmypdf", "pdfminer", "PIL"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # Its progress display swaps sys.stderr and does not always put it back: keep ours.
    streams = sys.stdout, sys.stderr
    with tempfile.TemporaryDirectory(prefix="appealgen-ocr-") as tmp:
        source, target = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        source.write_bytes(pdf)
        try:
            ocrmypdf.ocr(source, target, language=["eng"], skip_text=True, pages=",".join(map(str, pages)),
                         output_type="pdf", optimize=0, progress_bar=False, jobs=1,
                         tesseract_timeout=PAGE_TIMEOUT_S)
        except ocrmypdf.exceptions.MissingDependencyError:
            raise MissingToolError("Tesseract (OCR)", INSTALL_HINT) from None
        finally:
            sys.stdout, sys.stderr = streams
        texts = page_texts(target.read_bytes())
    return {n: texts[n - 1] or "" for n in pages if n <= len(texts)}
