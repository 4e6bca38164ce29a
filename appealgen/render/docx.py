"""Word letter templates rendered with docxtpl through the sandboxed environment.

The template is checked like a Word attachment before docxtpl opens it (no macros, nothing
outside the file, no include fields, no zip bomb), and so is the rendered letter before
LibreOffice sees it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from appealgen.caches import BoundedCache
from appealgen.errors import TemplateError
from appealgen.office_check import check_office
from appealgen.preflight import LIMITS, Refused, read_regular, sniff
from appealgen.render.env import template_errors

# Templates (by sha256) that passed the check in this process: a worker renders the same few
# templates for every packet, and the check is a pure function of the bytes.
_PASSED: BoundedCache[bytes, None] = BoundedCache(256)


def checked_template(template: Path) -> bytes:
    try:
        data = read_regular(template, LIMITS.file_bytes)
        digest = hashlib.sha256(data).digest()
        if digest not in _PASSED:
            if sniff(data) != "docx":
                raise Refused("not a Word .docx file")
            check_office(data, LIMITS)
        _PASSED[digest] = None  # passed: kept as the most recently used
    except Refused as refused:
        raise TemplateError(template, None, str(refused)) from None
    return data


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, out: Path,
                images: dict[str, bytes] | None = None) -> None:
    """`images`: context names whose value is a picture (the signature), placed as such."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    document = DocxTemplate(io.BytesIO(checked_template(template)))
    for name, data in (images or {}).items():
        context = {**context, name: InlineImage(document, io.BytesIO(data), height=Mm(12))}

    def render() -> None:
        document.render(context, jinja_env=env, autoescape=True)

    template_errors(str(template), render)
    rendered = io.BytesIO()
    document.save(rendered)
    try:
        check_office(rendered.getvalue(), LIMITS)
    except Refused as refused:
        raise TemplateError(template, None, f"the rendered letter: {refused}") from None
    out.write_bytes(rendered.getvalue())
