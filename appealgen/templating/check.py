"""Checking templates before any letter is made: syntax, names, sandbox rules, and Word tags
that formatting broke. Every problem of a file is reported in one run, each naming the
template and the line (HTML) or the paragraph (Word) with the text around it, in words a
billing lead can act on; names that do not exist get a "did you mean". The Word renderer runs
the same check, so a broken tag is never silently dropped."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

import jinja2
from jinja2 import nodes

from appealgen.errors import EXIT_BAD_INPUT
from appealgen.render.env import AUTOESCAPE_OFF
from appealgen.templating.names import NameChecker, Report, known_names
from appealgen.templating.word import (
    Paragraph,
    beside_paragraph_tag,
    broken_by_formatting,
    merge_fields,
    shadow_template,
    unbalanced,
    unclosed_block,
    word_paragraphs,
)

SHOWN = 70  # characters of text quoted around a problem
MAX_SYNTAX_ERRORS = 25
CURLY = "\u201c\u201d\u2018\u2019"
SKIPPED = ("~$", ".~lock.")  # Word's and LibreOffice's lock files, beside a document open in them
MERGE_FIELD = ("\u00ab{field}\u00bb is a Word mail-merge field, which appealgen does not fill (the letter would print "
               "it as it is): delete it and type the field in braces, such as {{{{ patient.first_name }}}} "
               "{{{{ patient.last_name }}}} (`appealgen templates fields` lists them)")
BESIDE_PARAGRAPH_TAG = ("this text would never reach the letter: a '{%p %}' tag takes the place of its whole "
                        "paragraph; move the text to a paragraph of its own")


@dataclass(frozen=True)
class Problem:
    template: str  # the template's name, as the loader knows it
    where: str  # "line 12", "paragraph 7, at '{{ payer.name }'", "table 1, row 3, cell 2, at ...", or ""
    message: str
    position: int = 0  # the line or paragraph number, for ordering
    exit_code: ClassVar[int] = EXIT_BAD_INPUT  # a broken template is bad input

    def line(self) -> str:
        return f"{self.template}: {self.where}: {self.message}" if self.where else f"{self.template}: {self.message}"


def is_template(path: Path) -> bool:
    return not path.name.startswith(SKIPPED) and path.suffix.lower() in (".docx", ".html", ".htm")


def friendly(message: str) -> tuple[str, str]:
    """A Jinja syntax message in words a template author can act on, and the text to quote."""
    message = re.sub(r" at \d+$", "", message)  # Jinja counts from the start of the file: no help
    if message == AUTOESCAPE_OFF:
        return message, "autoescape"
    char = re.match(r"unexpected char '(.)'", message)
    if char and char.group(1) in CURLY:
        return (f"curly quotes ({CURLY}) cannot be used inside a tag: retype them as straight quotes "
                "(' or \"), or turn off Word's smart quotes", char.group(1))
    if message in ("unexpected '}'", "unexpected '%'"):
        return "a tag is not closed properly: '{{' needs '}}' and '{%' needs '%}'", "}"
    unknown = re.match(r"Encountered unknown tag '(\w+)'", message)
    if unknown and unknown.group(1).startswith("end"):
        return f"'{unknown.group(1)}' has no matching opening tag above it", unknown.group(1)
    return f"cannot read this tag: {message}", ""


def syntax_problems(env: jinja2.Environment, lines: list[str]) -> tuple[Report, list[str]]:
    """Every syntax error, not only the first: the failing line is set aside and the rest read
    again. Returns the problems and the lines that parse."""
    found: Report = []
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            env.parse("\n".join(lines))
            return found, lines
        except jinja2.TemplateSyntaxError as exc:
            number = exc.lineno or len(lines)
            text, token = friendly(exc.message or "syntax error")
            found.append((number, text, token))
            if exc.message and exc.message.startswith("Unexpected end of template"):
                return found, []
            if 0 < number <= len(lines) and lines[number - 1]:
                lines = [*lines[: number - 1], "", *lines[number:]]
            else:
                return found, []
    return found, []


def check_source(env: jinja2.Environment, lines: list[str], cover: bool) -> Report:
    """(line, message, quoted text) for every problem of one template's text."""
    found, readable = syntax_problems(env, list(lines))
    if readable:
        tree = env.parse("\n".join(readable))
        macros: dict[str, str | None] = {m.name: None for m in tree.find_all(nodes.Macro)}  # callable from each other
        NameChecker(known_names(cover), set(env.filters), cover, found).visit(tree, macros)
    return found


def excerpt(text: str, token: str) -> str:
    """The text around `token` (the start of the text when there is none), as a message quotes it."""
    at = text.find(token) if token else 0
    start = max(0, at - SHOWN // 3) if at >= 0 else 0
    cut = text[start:start + SHOWN]
    return ("..." if start else "") + cut + ("..." if start + SHOWN < len(text) else "")


def check_word(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    try:
        paragraphs = word_paragraphs(path)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return [Problem(name, "", "not a Word .docx file (or a damaged one)")]
    problems, readable = [], []
    for paragraph in paragraphs:
        wrong = unbalanced(paragraph.text)
        cut = broken_by_formatting(paragraph) if wrong is None and "{" in paragraph.text else None
        if cut is not None:
            wrong = ("a tag is split by formatting Word added; select the whole tag, clear its formatting and retype "
                     "it in one go", cut)
        beside = beside_paragraph_tag(paragraph.text) if wrong is None else None
        if wrong:
            problems.append(_at(name, paragraph, *wrong))
        elif beside is not None:
            problems.append(_at(name, paragraph, BESIDE_PARAGRAPH_TAG, beside))
        problems += [_at(name, paragraph, MERGE_FIELD.format(field=field), field) for field in merge_fields(paragraph)]
        # a broken paragraph is left out of the next checks (they would only repeat its problem)
        readable.append(Paragraph(paragraph.number, "" if wrong else paragraph.text, paragraph.xml, paragraph.place))
    by_line = {p.number: p for p in paragraphs}
    for line, message, token in check_source(env, shadow_template(readable).split("\n"), _is_cover(name)):
        where = by_line.get(line)
        opened = unclosed_block(paragraphs) if message.startswith("cannot read this tag: Unexpected end") else None
        if opened is not None:  # point at the tag left open, not at the end of the document
            where, message, token = opened[0], opened[1], "{%"
        problems.append(_at(name, where, message, token) if where else Problem(name, "", message))
    return sorted(problems, key=lambda p: p.position)


def _at(name: str, paragraph: Paragraph, message: str, token: str) -> Problem:
    return Problem(name, f"{paragraph.place}, at {excerpt(paragraph.text, token)!r}", message, paragraph.number)


def _is_cover(name: str) -> bool:
    return name.removeprefix("builtin:").startswith("cover_sheets/")


def check_html(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    problems = []
    for line, message, token in check_source(env, lines, _is_cover(name)):
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        where = f"line {line}, at {excerpt(text, token)!r}" if text else f"line {line}"
        problems.append(Problem(name, where, message, line))
    return sorted(problems, key=lambda p: p.position)


def check_template(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    """Every problem of one template file (Word or HTML; stylesheets and lock files are skipped)."""
    if not is_template(path):
        return []
    if path.suffix.lower() == ".docx":
        return check_word(env, name, path)
    return check_html(env, name, path)


def check_files(env: jinja2.Environment, files: dict[str, Path]) -> list[Problem]:
    """Every problem of the named template files, each file checked once."""
    return [problem for name, path in sorted(files.items()) for problem in check_template(env, name, path)]
