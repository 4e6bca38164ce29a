"""The sandboxed Jinja environment shared by the HTML and Word renderers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, TypeVar

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat, EvalContextModifier, Template
from jinja2.sandbox import SandboxedEnvironment, safe_range
from jinja2.utils import object_type_repr
from markupsafe import Markup
from pydantic import BaseModel

from appealgen.caches import BoundedCache
from appealgen.errors import TemplateError

T = TypeVar("T")
MAX_VALUE = 1_000_000  # characters or items of any one value a template builds
MAX_OUTPUT = 20_000_000  # characters of one rendered template
MAX_LOOPS = 1_000_000  # iterations over range() in one render
MAX_POWER_BITS = 4_096  # size of an integer built with **
# Control characters other than tab and newline: invalid in Word's XML, and in a PDF they hide text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_loops: ContextVar[list[int]] = ContextVar("template_loops")
# A value in a letter is claim data (from a CSV export, an 835): left unescaped it would be markup,
# HTML in an HTML letter and Word's XML in a Word one, not text. So escaping cannot be undone.
UNESCAPED = "letters escape every value, and a template cannot turn that off"
SAFE_FILTER = ("'|safe' would put the value into the letter as markup (HTML or Word's XML), not text: "
               f"remove it ({UNESCAPED})")
AUTOESCAPE_OFF = f"an 'autoescape' block is refused ({UNESCAPED})"
_SAFE_SECURITY_MESSAGE = re.compile(r"access to attribute '[^']{1,64}' of '[\w.]{1,64}' object is unsafe\.")


class TooBig(jinja2.exceptions.SecurityError):
    """A template built a value or an output over the limits (a string of a billion x)."""


class LimitedTemplate(jinja2.Template):
    """A template whose every render stops past MAX_OUTPUT characters: an HTML letter, and each
    XML part docxtpl renders of a Word letter (a million loops of a million-character value would
    otherwise fill the memory before any other limit is met)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        chunks, size = [], 0
        for chunk in self.generate(*args, **kwargs):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TooBig(f"output over {MAX_OUTPUT:,} characters (a template limit)")
            chunks.append(chunk)
        return "".join(chunks)


def capitalize(value: object) -> str:
    """The first letter in capitals, the rest as written: "ALJ hearing", not Jinja's "Alj hearing"
    (its own filter lowercases the rest, which mangles acronyms and proper names in letters)."""
    text = str(value)
    return text[:1].upper() + text[1:]


# The formatting filters: the field types each takes (the template check reads this) and, in words, what.
FILTER_INPUTS = {"money": ({"money", "number"}, "an amount"), "us_date": ({"date"}, "a date"),
                 "long_date": ({"date"}, "a date")}


class FilterInputError(ValueError):
    """A formatting filter given a value of another kind; the message never shows the value."""

    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' formats {FILTER_INPUTS[name][1]}, and it was given something else")


def money(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"${Decimal(value):,.2f}"
    except (ArithmeticError, TypeError, ValueError):
        raise FilterInputError("money") from None


def _a_date(value: object, name: str) -> date:
    if not isinstance(value, date):
        raise FilterInputError(name)
    return value


def long_date(value: date | None) -> str:
    return "" if value is None else f"{_a_date(value, 'long_date'):%B} {value.day}, {value.year}"


def us_date(value: date | None) -> str:
    return "" if value is None else f"{_a_date(value, 'us_date'):%m/%d/%Y}"


def _is_security_error(value: jinja2.Undefined) -> bool:
    return value._undefined_exception is jinja2.exceptions.SecurityError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple | bytes)


def _check_numbers(values: tuple[Any, ...]) -> None:
    if any(_is_int(v) and abs(v) > MAX_VALUE for v in values):
        raise TooBig(f"a number over {MAX_VALUE:,} given to a function (a template limit)")


def checked_size(value: T) -> T:
    """`value`, unless it is a string or list over the limit (or a count that would be)."""
    size = value if _is_int(value) else len(value) if _sized(value) else 0  # type: ignore[arg-type]
    if size > MAX_VALUE:  # type: ignore[operator]
        raise TooBig(f"a value over {MAX_VALUE:,} characters (a template limit)")
    return value


def bounded_range(*args: int) -> Iterator[int]:
    """range(), with all loops over ranges in one render sharing MAX_LOOPS iterations."""
    counter = _loops.get(None)
    for number in safe_range(*args):
        if counter is not None:
            counter[0] += 1
            if counter[0] > MAX_LOOPS:
                raise TooBig(f"more than {MAX_LOOPS:,} loop iterations (a template limit)")
        yield number


class BoundedCodeGenerator(CodeGenerator):
    """Template code whose `~` concatenations are size-checked like `+`."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.checked_size(")
        super().visit_Concat(node, frame)
        self.write(")")


def without_controls(value: Any) -> Any:
    """Every `{{ }}` output: control characters removed, size checked; an empty optional field
    prints nothing, never the word "None" (`templates check` names such a field left unguarded)."""
    if value is None:
        return ""
    if isinstance(value, str) and CONTROL.search(value):
        cleaned = CONTROL.sub("", value)
        value = type(value)(cleaned) if isinstance(value, Markup) else cleaned  # Markup stays Markup
    return checked_size(value) if isinstance(value, str) else value


class ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template which resolves outside its folders (a symlink
    out of the template folder, say)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(folder).resolve()) for folder in self.searchpath):
            raise TemplateError(template, None, "resolves outside the template folders (a link); refused")
        return source, filename, uptodate


class ClaimSandbox(SandboxedEnvironment):
    """The sandbox, tightened for claim data.

    Paths in the data expose only their name (a Path's methods read and write files), pydantic
    models expose no `model_*` methods, and a failed item lookup never quotes its key (the key
    may be patient data, and Jinja would put it in the error message).
    """

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PurePath):
            return attr in {"name", "stem", "suffix"}
        if isinstance(obj, BaseModel) and attr.startswith("model_"):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = BoundedCodeGenerator

    COMPILED_KEPT = 64  # distinct sources; a Word template has about seven XML parts
    template_class = LimitedTemplate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range
        self.compiled: BoundedCache[tuple[str, Any], jinja2.Template] = BoundedCache(self.COMPILED_KEPT)

    def _parse(self, source: str, name: str | None, filename: str | None) -> Template:
        """Every template, as it is compiled or checked: escaping cannot be turned off."""
        tree = super()._parse(source, name, filename)
        for modifier in tree.find_all(EvalContextModifier):  # {% autoescape %} blocks
            if any(option.key == "autoescape" for option in modifier.options):
                raise jinja2.TemplateSyntaxError(AUTOESCAPE_OFF, modifier.lineno, name, filename)
        return tree

    def from_string(self, source: str | jinja2.nodes.Template, globals: MutableMapping[str, Any] | None = None,
                    template_class: type[jinja2.Template] | None = None) -> jinja2.Template:
        """Each distinct source is compiled once: docxtpl hands every XML part of a Word template
        to `from_string` on every render (about 25 ms of compiling a letter). Keyed by the source
        and the escaping in force, which the compiled code depends on."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = (source, self.autoescape)
        if key in self.compiled:
            return self.compiled[key]  # indexing: a hit becomes the most recently used
        template = self.compiled[key] = super().from_string(source)
        return template

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse `'x' * 10**9` and friends before Python allocates them."""
        if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1 \
                and right * max(abs(left), 2).bit_length() > MAX_POWER_BITS:
            raise TooBig("a number too large (a template limit)")
        if operator == "*" and ((_sized(left) and _is_int(right)) or (_sized(right) and _is_int(left))):
            count, item = (right, left) if _is_int(right) else (left, right)
            checked_size(count * len(item))
        if operator == "+" and _sized(left) and _sized(right):
            checked_size(len(left) + len(right))
        if operator == "%" and isinstance(left, str):
            _check_numbers(right if isinstance(right, tuple) else (right,))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Calls with huge numbers (`'x'.ljust(10**9)`, `'{:>1000000000}'.format(1)`) are refused."""
        _check_numbers((*args, *kwargs.values()))
        return checked_size(super().call(__context, __obj, *args, **kwargs))

    def getitem(self, obj: Any, argument: Any) -> Any:
        result = super().getitem(obj, argument)
        if isinstance(result, jinja2.Undefined) and not _is_security_error(result):
            return self.undefined(obj=obj, hint=f"{object_type_repr(obj)} has no such item")
        return result


def make_env(template_dirs: list[Path], builtin_templates: Path) -> SandboxedEnvironment:
    """Loader: user folders first; `builtin:NAME` reaches the shipped template under NAME.

    Autoescape is always on: HTML needs it and docxtpl needs it for Word XML, so the two
    renderers share this one environment.
    """
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader(
            {"builtin": ConfinedLoader(str(builtin_templates))}, delimiter=":"
        ),
        ConfinedLoader([str(d) for d in template_dirs]),
    ])
    env = ClaimSandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=without_controls,
    )
    env.filters.update(money=money, long_date=long_date, us_date=us_date, capitalize=capitalize)
    del env.filters["safe"]  # see UNESCAPED
    env.globals["checked_size"] = checked_size
    env.checked_size = checked_size  # type: ignore[attr-defined]  # called by BoundedCodeGenerator's code
    for name in ("center", "indent", "wordwrap", "truncate", "format", "join", "batch", "slice", "filesizeformat"):
        env.filters[name] = _bounded_filter(env.filters[name])
    return env


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that refuses huge numbers and results (`'x'|center(10**9)`)."""

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers((*args[1:], *kwargs.values()))
        values = [a for a in args if isinstance(a, list | tuple | range)]
        separators = [a for a in (*args[1:], *kwargs.values()) if isinstance(a, str)]
        if values and separators:  # join: the separator repeats once per item
            checked_size(len(values[0]) * max(len(s) for s in separators))
        return checked_size(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):  # keep @pass_environment / @pass_eval_context markers
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


def _shown_name(name: str | None, sources: Callable[[], str] | None) -> str:
    """A missing template's name as written in the template, or `<expression>` when it was
    computed (it may be built from patient data)."""
    try:
        literal = name is not None and sources is not None and name in sources()
    except Exception:
        literal = False
    return repr(name) if literal else "<expression>"


def _explained(message: str | None) -> str | None:
    """Jinja's words for the missing safe filter ("No filter named 'safe'.", or "... found." in a
    branch it checks only when it runs), as the template check says them."""
    return SAFE_FILTER if (message or "").startswith("No filter named 'safe'") else message


def template_errors(name: str, call: Callable[[], T], sources: Callable[[], str] | None = None) -> T:
    """Run a render call; turn Jinja failures into one-line TemplateErrors.

    Messages come from Jinja about the template (missing names, unsafe attributes), never
    the render context, which is patient data. `sources` gives the template's text, to tell
    a written template name from a computed one.
    """
    token = _loops.set([0])
    try:
        return call()
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateError(where, f"line {exc.lineno}", _explained(exc.message) or "syntax error") from None
    except jinja2.TemplateNotFound as exc:
        missing = exc.name if isinstance(exc.name, str) else None
        raise TemplateError(name, None, f"template {_shown_name(missing, sources)} not found") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(name, None, f"undefined variable: {exc.message}") from None
    except TooBig as exc:
        raise TemplateError(name, None, f"stopped: {exc}") from None
    except jinja2.exceptions.SecurityError as exc:
        shown = str(exc) if _SAFE_SECURITY_MESSAGE.fullmatch(str(exc)) else "an operation it does not allow"
        raise TemplateError(name, None, f"refused by the sandbox: {shown}") from None
    except jinja2.TemplateRuntimeError as exc:
        raise TemplateError(name, None, _explained(exc.message) or "render failed") from None
    except FilterInputError as exc:
        raise TemplateError(name, None, str(exc)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, MemoryError, RecursionError) as exc:
        raise TemplateError(name, None, f"render failed ({type(exc).__name__})") from None
    finally:
        _loops.reset(token)


def render_string(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    def render() -> str:
        return env.get_template(name).render(context)

    def sources() -> str:
        assert env.loader is not None
        return env.loader.get_source(env, name)[0]

    return template_errors(name, render, sources)
