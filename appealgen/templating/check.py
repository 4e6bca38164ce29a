"""Checking templates before any letter is made: syntax, names, sandbox rules, and Word tags
that formatting broke. One message per template problem, each naming the template and the
line (HTML) or the paragraph number and text (Word); names that do not exist get a "did you
mean". The renderers use the same Word reading, so a broken tag is never silently dropped."""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import jinja2
from jinja2 import nodes

from appealgen.render.context import describe

W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NAMESPACE}}}"
WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
DOCXTPL_PREFIX = re.compile(r"({%-?|{{-?)\s*(tr|tc|p|r)\s")
JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "caller", "varargs", "kwargs"}
DATE_ATTRIBUTES = {"year", "month", "day", "isoformat", "strftime", "weekday", "isoweekday"}
SHOWN = 80  # characters of a Word paragraph quoted in a message


@dataclass(frozen=True)
class Problem:
    template: str  # the template's name, as the loader knows it
    where: str  # "line 12", "paragraph 7 (\"Dear {{ to.name }\")", or ""
    message: str
    position: int = 0  # the line or paragraph number, for ordering

    def line(self) -> str:
        return f"{self.template}: {self.where}: {self.message}" if self.where else f"{self.template}: {self.message}"


# --- the names a template may use -----------------------------------------------------------


def known_names() -> dict[str, str]:
    """Every dotted name templates can reach ("lines[].code") with its type."""
    return {doc.name: doc.type for doc in describe()}


def suggestion(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class _NameChecker:
    """Walks a template's syntax tree with the names in scope; reports names that do not exist,
    unknown filters and what the sandbox refuses."""

    def __init__(self, known: dict[str, str], filters: set[str], report: list[tuple[int, str]]) -> None:
        self.known = known
        self.filters = filters
        self.report = report

    def path(self, node: nodes.Node, scope: dict[str, str | None]) -> str | None:
        """The dotted name an expression stands for ("patient.last_name"), None when unknowable."""
        if isinstance(node, nodes.Name):
            return scope.get(node.name, node.name) if node.name in scope else node.name
        if isinstance(node, nodes.Getattr):
            base = self.path(node.node, scope)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, nodes.Getitem):
            base = self.path(node.node, scope)
            return None if base is None else f"{base}[]"
        return None

    def check_path(self, node: nodes.Node, dotted: str) -> None:
        if dotted in self.known or "." not in dotted:
            return
        parent, _, attr = dotted.rpartition(".")
        kind = self.known.get(parent, "")
        if attr.startswith("_"):
            self.report.append((node.lineno, f"{dotted}: refused by the sandbox (names starting with '_')"))
            return
        if parent not in self.known:
            return  # the parent itself was reported (or is a local the checker cannot follow)
        base = kind.split(" ")[0]
        if (base in ("text", "choice") and hasattr(str, attr)) or (base == "date" and attr in DATE_ATTRIBUTES):
            return
        if base == "choice" and attr in ("value", "name"):
            return
        if base.startswith("list") and hasattr(list, attr):
            return
        siblings = [n.rpartition(".")[2] for n in self.known if n.rpartition(".")[0] == parent]
        self.report.append((node.lineno, f"{dotted} does not exist{suggestion(attr, siblings)}"))

    def visit(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            inner = dict(scope)
            items = self.path(node.iter, scope)
            for target in _names(node.target):
                inner[target] = f"{items}[]" if items else None
            for child in [*node.body, *node.else_, *([node.test] if node.test else [])]:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in getattr(node, "args", []):
                inner[arg.name] = None
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            for target in _names(node.target):
                scope[target] = self.path(node.node, scope)
            return
        if isinstance(node, nodes.Import | nodes.FromImport):
            names = [node.target] if isinstance(node, nodes.Import) else \
                [n if isinstance(n, str) else n[1] for n in node.names]
            for name in names:
                scope[name] = None
            return
        if isinstance(node, nodes.Filter):  # noqa: SIM102 - one test per kind of node
            if node.name not in self.filters:
                self.report.append((node.lineno, f"filter {node.name!r} does not exist"
                                    f"{suggestion(node.name, sorted(self.filters))}"))
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name not in scope and node.name not in self.known and node.name not in JINJA_GLOBALS:
                tops = [n for n in self.known if "." not in n and "[" not in n]
                self.report.append((node.lineno, f"{node.name} does not exist{suggestion(node.name, tops)}"))
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            dotted = self.path(node, scope)
            if dotted is not None and not _local_root(dotted, scope):
                self.check_path(node, dotted)
            elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
                self.report.append((node.lineno, f"{node.attr}: refused by the sandbox (names starting with '_')"))
        for child in node.iter_child_nodes():
            self.visit(child, scope)


def _names(target: nodes.Node) -> list[str]:
    """The names a `for` or `set` binds (one name, or a tuple of them)."""
    if isinstance(target, nodes.Name):
        return [target.name]
    return [name.name for name in target.find_all(nodes.Name)]


def _local_root(dotted: str, scope: dict[str, str | None]) -> bool:
    root = re.split(r"[.\[]", dotted, maxsplit=1)[0]
    return root in scope and scope[root] is None


def check_source(env: jinja2.Environment, name: str, source: str) -> list[tuple[int, str]]:
    """(line, message) for every problem of one template's text."""
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        # Jinja counts " at N" from the start of the file, which helps nobody: the line is given.
        return [(exc.lineno or 0, re.sub(r" at \d+$", "", exc.message or "syntax error"))]
    found: list[tuple[int, str]] = []
    macros: dict[str, str | None] = {m.name: None for m in tree.find_all(nodes.Macro)}  # callable from each other
    _NameChecker(known_names(), set(env.filters), found).visit(tree, macros)
    return found


# --- Word templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    number: int  # from 1, in reading order over the document, its headers and footers
    text: str
    xml: str


def word_paragraphs(path: Path) -> list[Paragraph]:
    """Every paragraph of a Word file with its text as Word shows it (all runs joined)."""
    paragraphs: list[Paragraph] = []
    ElementTree.register_namespace("w", W_NAMESPACE)  # docxtpl's clean-up expects the w: prefix
    with zipfile.ZipFile(path) as archive:
        for part in sorted(n for n in archive.namelist() if WORD_PARTS.fullmatch(n)):
            root = ElementTree.fromstring(archive.read(part))
            for element in root.iter(f"{W}p"):
                text = "".join(t.text or "" for t in element.iter(f"{W}t"))
                xml = ElementTree.tostring(element, encoding="unicode")
                paragraphs.append(Paragraph(len(paragraphs) + 1, text, xml))
    return paragraphs


def shown(paragraph: Paragraph) -> str:
    text = paragraph.text if len(paragraph.text) <= SHOWN else paragraph.text[: SHOWN - 3] + "..."
    return f"paragraph {paragraph.number} ({text!r})"


def shadow_template(paragraphs: list[Paragraph]) -> str:
    """The Word file as Jinja sees it, one paragraph a line (docxtpl's {%p %} and the like
    become plain tags), so a Jinja line number is a paragraph number."""
    return "\n".join(DOCXTPL_PREFIX.sub(r"\1 ", p.text.replace("\n", " ")) for p in paragraphs)


def unbalanced(text: str) -> str | None:
    """A tag opened and not closed (or closed and not opened) inside one paragraph."""
    for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
        if text.count(opening) != text.count(closing):
            return f"a tag is not closed: {text.count(opening)} '{opening}' and {text.count(closing)} '{closing}'"
    if re.search(r"(?<![{%#]){\s+[{%]|[}%]\s+}(?![}%#])", text):
        return "a tag has a space between its braces"
    return None


def broken_by_formatting(paragraph: Paragraph) -> bool:
    """True when a tag that reads well in Word is cut by XML docxtpl does not remove (the tag
    would be dropped or mangled in the letter)."""
    from docxtpl import DocxTemplate

    patched = DocxTemplate.patch_xml(None, paragraph.xml)  # it uses no state of the template
    return any("<" in tag for tag in re.findall(r"{{.*?}}|{%.*?%}", patched, flags=re.DOTALL))


def check_word(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    try:
        paragraphs = word_paragraphs(path)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return [Problem(name, "", "not a Word .docx file (or a damaged one)")]
    problems, readable = [], []
    for paragraph in paragraphs:
        wrong = unbalanced(paragraph.text)
        if wrong is None and ("{" in paragraph.text) and broken_by_formatting(paragraph):
            wrong = "a tag is split by formatting Word added; retype the whole tag in one go"
        if wrong:
            problems.append(Problem(name, shown(paragraph), wrong, paragraph.number))
        # a broken paragraph is left out of the next checks (they would only repeat its problem)
        readable.append(Paragraph(paragraph.number, "" if wrong else paragraph.text, paragraph.xml))
    by_line = {p.number: p for p in paragraphs}
    for line, message in check_source(env, name, shadow_template(readable)):
        where = by_line.get(line)
        opened = unclosed_block(paragraphs) if message.startswith("Unexpected end of template") else None
        if opened is not None:  # point at the tag left open, not at the end of the document
            where, message = opened
        problems.append(Problem(name, shown(where) if where else "", message, where.number if where else 0))
    return sorted(problems, key=lambda p: p.position)


BLOCK = re.compile(r"{%-?\s*(?:tr|tc|p|r)?\s*(end)?(if|for|macro|call|filter|with|raw|block)\b")


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


def check_html(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    source = path.read_text(encoding="utf-8", errors="replace")
    return [Problem(name, f"line {line}", message, line) for line, message in check_source(env, name, source)]


def check_template(env: jinja2.Environment, name: str, path: Path) -> list[Problem]:
    """Every problem of one template file (Word or HTML; stylesheets are not templates)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return check_word(env, name, path)
    if suffix in (".html", ".htm"):
        return check_html(env, name, path)
    return []


def check_files(env: jinja2.Environment, files: dict[str, Path]) -> list[Problem]:
    """Every problem of the named template files, each file checked once."""
    return [problem for name, path in sorted(files.items()) for problem in check_template(env, name, path)]
