"""Which names a template uses, and whether each exists: a walk over the template's syntax tree
with the names in scope (loop variables stand for the items of their list), against the names
the template context describes."""

from __future__ import annotations

import re

from jinja2 import nodes

from appealgen.documents import did_you_mean
from appealgen.render.context import FrontContext, LetterContext, describe
from appealgen.render.env import FILTER_INPUTS, SAFE_FILTER

JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "caller", "varargs", "kwargs"}
DATE_ATTRIBUTES = {"year", "month", "day", "isoformat", "strftime", "weekday", "isoweekday"}
# Methods a value of these kinds has: allowed when called ({{ name.upper() }}), never printed.
METHODS = {"text": str, "choice": str, "list": list}

Report = list[tuple[int, str, str]]  # (line, message, the text to quote around)
# Optional fields no packet goes without: the plan fails a request that lacks one, so a letter may
# print it unguarded.
PRESENT_WHEN_SENT = {"claim.payer_claim_number"}  # readiness: claim.payer_claim_number_missing


def known_names(cover: bool) -> dict[str, str]:
    """Every dotted name a letter (or, with `cover`, a cover sheet) can reach, with its type."""
    return {doc.name: doc.type for doc in describe(FrontContext if cover else LetterContext)}


def hidden_attribute(node: nodes.Node) -> str | None:
    """The first name starting with '_' along an attribute chain (`cycler.__init__.__globals__`
    gives `__init__`), which the sandbox refuses."""
    chain = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            chain.append(node.attr)
        node = node.node
    return next((attr for attr in reversed(chain) if attr.startswith("_")), None)


def bound_names(target: nodes.Node) -> list[str]:
    """The names a `for` or `set` binds (one name, or a tuple of them)."""
    if isinstance(target, nodes.Name):
        return [target.name]
    return [name.name for name in target.find_all(nodes.Name)]


class NameChecker:
    """Reports names that do not exist, unknown filters, what the sandbox refuses, and a
    method printed instead of called (`{{ e.title }}` would print "<built-in method ...>")."""

    def __init__(self, known: dict[str, str], filters: set[str], cover: bool, report: Report) -> None:
        self.known = known
        self.filters = filters
        self.cover = cover
        self.report = report
        self.called: set[int] = set()  # Getattr nodes that are the callee of a call
        self.tested: list[set[str]] = []  # the names each enclosing {% if %} tests

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

    def kind(self, dotted: str) -> str | None:
        """The type of a known name; "lines[]" is the type of the items of lines."""
        if dotted in self.known:
            return self.known[dotted]
        if dotted.endswith("[]") and dotted[:-2] in self.known:
            return self.known[dotted[:-2]].removeprefix("list of ")
        return None

    def check_path(self, node: nodes.Getattr | nodes.Getitem, dotted: str, shown: str) -> None:
        if dotted in self.known or "." not in dotted or dotted.endswith("[]"):
            return
        parent, _, attr = dotted.rpartition(".")
        kind = self.kind(parent)
        if kind is None:
            return  # the parent itself was reported (or is a local the checker cannot follow)
        base = kind.split(" ")[0]
        method_of = METHODS.get(base)
        if (method_of is not None and hasattr(method_of, attr)) or (base == "date" and attr in DATE_ATTRIBUTES):
            if id(node) not in self.called and not (base == "date" and attr in ("year", "month", "day")):
                self.report.append((node.lineno, f"{shown} is not a field: {shown.rpartition('.')[0]} is {kind}; "
                                    f"write {{{{ {shown.rpartition('.')[0]} }}}}", shown))
            return
        if base == "choice" and attr in ("value", "name"):
            return
        siblings = [n.rpartition(".")[2] for n in self.known if n.rpartition(".")[0] in (parent, parent + "[]")]
        if parent.endswith("[]"):
            siblings += [n.rpartition(".")[2] for n in self.known if n.startswith(parent + ".")]
        self.report.append((node.lineno, f"{shown} does not exist{did_you_mean(attr, sorted(set(siblings)))}", shown))

    def visit(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        if isinstance(node, nodes.Template):
            self.called = {id(call.node) for call in node.find_all(nodes.Call) if isinstance(call.node, nodes.Getattr)}
        if isinstance(node, nodes.If):
            self.visit(node.test, scope)
            tests = [node.test, *node.test.find_all((nodes.Getattr, nodes.Name))]
            self.tested.append({p for n in tests if (p := self.path(n, scope)) is not None})
            for child in [*node.body, *node.elif_, *node.else_]:
                self.visit(child, scope)
            self.tested.pop()
            return
        if isinstance(node, nodes.Output):
            for printed in node.nodes:
                self.check_printed(printed, scope)
        if isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            inner = dict(scope)
            items = self.path(node.iter, scope)
            for target in bound_names(node.target):
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
            for target in bound_names(node.target):
                scope[target] = self.path(node.node, scope)
            return
        if isinstance(node, nodes.Import | nodes.FromImport):
            names = [node.target] if isinstance(node, nodes.Import) else \
                [n if isinstance(n, str) else n[1] for n in node.names]
            for name in names:
                scope[name] = None
            return
        if isinstance(node, nodes.Filter) and node.name in FILTER_INPUTS and node.node is not None:
            self.check_filter_input(node, scope)
        if isinstance(node, nodes.Filter) and node.name == "safe":
            self.report.append((node.lineno, SAFE_FILTER, "safe"))
        elif isinstance(node, nodes.Filter) and node.name not in self.filters:
            self.report.append((node.lineno, f"filter {node.name!r} does not exist"
                                f"{did_you_mean(node.name, sorted(self.filters))}", node.name))
        if isinstance(node, nodes.Name) and node.ctx == "load":
            self.check_name(node, scope)
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            hidden = hidden_attribute(node)
            if hidden is not None:  # reported once, for the outermost name of the chain
                self.report.append((node.lineno, f"{hidden}: refused by the sandbox (names starting with '_')",
                                    hidden))
                return
            dotted = self.path(node, scope)
            if dotted is not None and not local_root(dotted, scope):
                self.check_path(node, dotted, shown_name(node) or dotted)
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def check_printed(self, node: nodes.Node, scope: dict[str, str | None]) -> None:
        """An optional field printed as it is, outside an {% if %} that tests it: on a claim
        without it the letter reads "Patient address: ." (the renderer prints nothing, never
        "None"). A field given a default (`or`, `default`) or a formatting filter is the author's
        choice."""
        if not isinstance(node, nodes.Name | nodes.Getattr):
            return
        dotted = self.path(node, scope)
        kind = self.kind(dotted) if dotted is not None and not local_root(dotted, scope) else None
        if dotted is None or kind is None or not kind.endswith("(optional)") or dotted in PRESENT_WHEN_SENT or \
                any(dotted in names for names in self.tested):
            return
        shown = shown_name(node) or dotted
        self.report.append((node.lineno, f"{shown} is optional: on a claim without it the letter would print nothing "
                            f"there; wrap it in {{% if {shown} %}}...{{% endif %}}, or write "
                            f"{{{{ {shown} or 'text for none' }}}}", shown))

    def check_filter_input(self, node: nodes.Filter, scope: dict[str, str | None]) -> None:
        """A formatting filter given a field of another type (`patient.last_name | money`) would
        fail on every claim: reported here, where the check can name the field."""
        dotted = self.path(node.node, scope) if node.node is not None else None
        kind = self.kind(dotted) if dotted is not None and not local_root(dotted, scope) else None
        wanted, what = FILTER_INPUTS[node.name]
        if kind is not None and kind.split(" ")[0] not in wanted:
            shown = shown_name(node.node) if node.node is not None else None
            self.report.append((node.lineno, f"'{node.name}' formats {what}, and {shown or dotted} is {kind}",
                                node.name))

    def check_name(self, node: nodes.Name, scope: dict[str, str | None]) -> None:
        if node.name in scope or node.name in self.known or node.name in JINJA_GLOBALS:
            return
        if not self.cover and node.name in known_names(cover=True):
            self.report.append((node.lineno, f"{node.name} is for cover sheets and the index page only, not "
                                "letters", node.name))
            return
        tops = [n for n in self.known if "." not in n and "[" not in n]
        self.report.append((node.lineno, f"{node.name} does not exist{did_you_mean(node.name, tops)}", node.name))


def shown_name(node: nodes.Node) -> str | None:
    """An expression as the template writes it ("line.bild", "lines[0].code")."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = shown_name(node.node)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        base = shown_name(node.node)
        index = node.arg.value if isinstance(node.arg, nodes.Const) else "..."
        return None if base is None else f"{base}[{index}]"
    return None


def local_root(dotted: str, scope: dict[str, str | None]) -> bool:
    root = re.split(r"[.\[]", dotted, maxsplit=1)[0]
    return root in scope and scope[root] is None
