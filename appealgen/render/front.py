"""Cover sheet + index: one WeasyPrint document, laid out until the numbering is stable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from appealgen.errors import TemplateError
from appealgen.render.context import IndexEntry, LetterContext, front_context
from appealgen.render.env import render_string
from appealgen.render.html import HtmlRenderer

FRONT_TEMPLATE = "cover_sheets/packet_front.html"
INDEX_ANCHOR = "packet-index"
MAX_PASSES = 8


@dataclass(frozen=True)
class Front:
    pdf: bytes
    cover_pages: int
    index_pages: int
    entries: list[IndexEntry]
    total_pages: int


def number_sections(
    cover_pages: int, index_pages: int, body: list[tuple[str, str, int]]
) -> tuple[list[IndexEntry], int]:
    """Index entries for cover, index and each (kind, title, pages) body part, numbered from 1."""
    sections = [("cover_sheet", "Cover sheet", cover_pages), ("index", "Index", index_pages), *body]
    entries, page = [], 1
    for number, (kind, title, pages) in enumerate(sections, start=1):
        entries.append(IndexEntry(number, title, kind, page, page + pages - 1))
        page += pages
    return entries, page - 1


def _split(document: Any) -> tuple[int, int]:
    for i, page in enumerate(document.pages):
        if INDEX_ANCHOR in page.anchors:
            return i, len(document.pages) - i
    raise TemplateError(FRONT_TEMPLATE, None, f'the index needs an element with id="{INDEX_ANCHOR}"')


def render_front(
    renderer: HtmlRenderer,
    env: SandboxedEnvironment,
    base: LetterContext,
    body: list[tuple[str, str, int]],
    incomplete: bool,
    cover: str,
    base_dir: Path,
) -> Front:
    """Render with a guessed length, measure, and repeat until the lengths stop changing.

    The cover states the total page count and the index the page ranges, and both depend on
    how long the cover and the index themselves turn out to be.
    """
    guess = (1, 1)
    for _ in range(MAX_PASSES):
        entries, total = number_sections(*guess, body)
        context = front_context(base, entries, total, incomplete, cover)
        html = render_string(env, FRONT_TEMPLATE, context.mapping())
        document = renderer.document(html, base_dir, FRONT_TEMPLATE)
        measured = _split(document)
        if measured[0] < 1:
            raise TemplateError(FRONT_TEMPLATE, None, "the cover sheet must come before the index")
        if measured == guess:
            return Front(document.write_pdf(), *guess, entries, total)
        guess = measured
    raise TemplateError(FRONT_TEMPLATE, None, "page numbering did not settle; shorten the cover sheet")
