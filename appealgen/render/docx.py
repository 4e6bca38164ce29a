"""Word letter templates rendered with docxtpl through the sandboxed environment."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from appealgen.errors import TemplateError
from appealgen.render.env import template_errors


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, out: Path,
                images: dict[str, bytes] | None = None) -> None:
    """`images`: context names whose value is a picture (the signature), placed as such."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    if not zipfile.is_zipfile(template):
        raise TemplateError(template, None, "not a Word .docx file")
    document = DocxTemplate(str(template))
    for name, data in (images or {}).items():
        context = {**context, name: InlineImage(document, io.BytesIO(data), height=Mm(12))}

    def render() -> None:
        document.render(context, jinja_env=env, autoescape=True)

    template_errors(str(template), render)
    document.save(str(out))
