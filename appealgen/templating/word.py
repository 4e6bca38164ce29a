"""Word templates as their authors see them: paragraphs of text (runs joined), and the ways a
tag typed in Word goes wrong (left open, braces apart, cut by formatting docxtpl cannot remove,
a block opened and never closed)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NAMESPACE}}}"
WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
# docxtpl's own tags: the letters right after the braces ("{%p if", "{{r x }}"); "{{ p }}" is a variable
DOCXTPL_PREFIX = re.compile(r"({%-?|{{-?)(tr|tc|p|r)\s")
BLOCK = re.compile(r"{%-?\s*(?:tr|tc|p|r)?\s*(end)?(if|for|macro|call|filter|with|raw|block)\b")
PARAGRAPH_TAG = re.compile(r"{%-?p\s.*?%}|{{-?p\s.*?}}", re.DOTALL)


@dataclass(frozen=True)
class Paragraph:
    number: int  # from 1, in reading order over the document (table cells count), headers, footers
    text: str
    xml: str
    # Where its author finds it: "paragraph 7" (counting the body's own paragraphs, as one reads
    # down the page), "table 1, row 3, cell 2", "header, paragraph 1"
    place: str = ""


def word_paragraphs(path: Path) -> list[Paragraph]:
    """Every paragraph of a Word file with its text as Word shows it (all runs joined)."""
    paragraphs: list[Paragraph] = []
    ElementTree.register_namespace("w", W_NAMESPACE)  # docxtpl's clean-up expects the w: prefix
    with zipfile.ZipFile(path) as archive:
        for part in sorted(n for n in archive.namelist() if WORD_PARTS.fullmatch(n)):
            root = ElementTree.fromstring(archive.read(part))
            kind = WORD_PARTS.fullmatch(part)[1].rstrip("0123456789")  # type: ignore[index]
            for element, place in _placed(root, "" if kind == "document" else f"{kind}, "):
                text = "".join(t.text or "" for t in element.iter(f"{W}t"))
                xml = ElementTree.tostring(element, encoding="unicode")
                paragraphs.append(Paragraph(len(paragraphs) + 1, text, xml, place))
    return paragraphs


def _placed(root: ElementTree.Element, prefix: str) -> list[tuple[ElementTree.Element, str]]:
    """The paragraphs of one part in reading order, each with its place: a table's cells are
    named by table, row and cell (a cell holds paragraphs of its own, not the body's)."""
    placed: list[tuple[ElementTree.Element, str]] = []
    counts = {"paragraph": 0, "table": 0}

    def walk(element: ElementTree.Element, cell: str | None) -> None:
        for child in element:
            if child.tag == f"{W}p":
                if cell is None:
                    counts["paragraph"] += 1
                place = cell or f"{prefix}paragraph {counts['paragraph']}"
                placed.append((child, place))
                walk(child, f"{place}, in a text box")  # a text box's paragraphs sit inside a paragraph
            elif child.tag == f"{W}tbl" and cell is None:
                counts["table"] += 1
                rows = [row for row in child if row.tag == f"{W}tr"]
                for r, row in enumerate(rows, start=1):
                    cells = [c for c in row if c.tag == f"{W}tc"]
                    for c, each in enumerate(cells, start=1):
                        walk(each, f"{prefix}table {counts['table']}, row {r}, cell {c}")
            else:  # the body, a content control, a nested table (named by its outer cell)
                walk(child, cell)

    walk(root, None)
    return placed


def shadow_template(paragraphs: list[Paragraph]) -> str:
    """The Word file as Jinja sees it, one paragraph a line (docxtpl's {%p %} and the like
    become plain tags), so a Jinja line number is a paragraph number."""
    return "\n".join(DOCXTPL_PREFIX.sub(r"\1 ", p.text.replace("\n", " ")) for p in paragraphs)


def unbalanced(text: str) -> tuple[str, str] | None:
    """(message, the tag to quote) for a tag left open, or with its braces apart, in one
    paragraph (a tag never spans paragraphs in a letter)."""
    for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
        if text.count(opening) > text.count(closing):
            tag = text[text.rfind(opening):]
            return f"a tag is not closed: '{opening}' needs '{closing}'", tag
        if text.count(opening) < text.count(closing):
            tag = text[:text.find(closing) + 2]
            return f"a tag is not opened: '{closing}' without '{opening}' before it", tag
    spaced = re.search(r"(?<![{%#]){\s+[{%]|[}%]\s+}(?![}%#])", text)
    if spaced:
        return "a tag has a space between its braces ('{ {' or '} }'): write '{{' and '}}'", spaced.group(0)
    return None


MERGEFIELD = re.compile(r"\bMERGEFIELD\s+\"?([^\s\"\\]+)", re.IGNORECASE)


def merge_fields(paragraph: Paragraph) -> list[str]:
    """The names of Word's own mail-merge fields in a paragraph («patient_name»): Word fills them
    from a data source, appealgen never does, so the letter would print the field's placeholder."""
    root = ElementTree.fromstring(paragraph.xml)
    codes = [element.get(f"{W}instr") or "" for element in root.iter(f"{W}fldSimple")]
    codes += ["".join(element.text or "" for element in root.iter(f"{W}instrText"))]
    return [name for code in codes for name in MERGEFIELD.findall(code)]


def beside_paragraph_tag(text: str) -> str | None:
    """The text sharing a paragraph with a `{%p %}` tag, or None: docxtpl puts the tag in place
    of its whole paragraph, so that text would never reach a letter."""
    if not PARAGRAPH_TAG.search(text):
        return None
    return PARAGRAPH_TAG.sub(" ", text).strip() or None


def broken_by_formatting(paragraph: Paragraph) -> str | None:
    """The tag that reads well in Word but is cut by XML docxtpl does not remove (it would be
    dropped or mangled in the letter), or None."""
    from docxtpl import DocxTemplate

    patched = DocxTemplate.patch_xml(None, paragraph.xml)  # it uses no state of the template
    cut = [tag for tag in re.findall(r"{{.*?}}|{%.*?%}", patched, flags=re.DOTALL) if "<" in tag]
    return re.sub(r"<[^>]*>", "", cut[0]) if cut else None


def unclosed_block(paragraphs: list[Paragraph]) -> tuple[Paragraph, str] | None:
    """The paragraph whose block tag ({% if %}, {%p for %}, ...) is never closed."""
    stack: list[tuple[str, Paragraph]] = []
    for paragraph in paragraphs:
        for end, kind in BLOCK.findall(paragraph.text):
            if not end:
                stack.append((kind, paragraph))
            elif stack and stack[-1][0] == kind:
                stack.pop()
    if not stack:
        return None
    kind, opened = stack[-1]
    return opened, f"'{kind}' is opened here and never closed ('end{kind}' is missing)"
