"""The sandboxed Jinja environment shared by the HTML and Word renderers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, TypeVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import object_type_repr
from pydantic import BaseModel

from appealgen.errors import TemplateError

T = TypeVar("T")


def money(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    return f"${Decimal(value):,.2f}"


def long_date(value: date | None) -> str:
    return "" if value is None else f"{value:%B} {value.day}, {value.year}"


def us_date(value: date | None) -> str:
    return "" if value is None else f"{value:%m/%d/%Y}"


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

    def getitem(self, obj: Any, argument: Any) -> Any:
        result = super().getitem(obj, argument)
        if isinstance(result, jinja2.Undefined) and not _is_security_error(result):
            return self.undefined(obj=obj, hint=f"{object_type_repr(obj)} has no such item")
        return result


def _is_security_error(value: jinja2.Undefined) -> bool:
    return value._undefined_exception is jinja2.exceptions.SecurityError


def make_env(template_dirs: list[Path], builtin_templates: Path) -> SandboxedEnvironment:
    """Loader: user folders first; `builtin:NAME` reaches the shipped template under NAME.

    Autoescape is always on: HTML needs it and docxtpl needs it for Word XML, so the two
    renderers share this one environment.
    """
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader(
            {"builtin": jinja2.FileSystemLoader(str(builtin_templates))}, delimiter=":"
        ),
        jinja2.FileSystemLoader([str(d) for d in template_dirs]),
    ])
    env = ClaimSandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=money, long_date=long_date, us_date=us_date)
    return env


def template_errors(name: str, call: Callable[[], T]) -> T:
    """Run a render call; turn Jinja failures into one-line TemplateErrors.

    Messages come from Jinja about the template (missing names, unsafe attributes), never
    the render context, which is patient data.
    """
    try:
        return call()
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateError(where, f"line {exc.lineno}", exc.message or "syntax error") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(name, None, f"template {exc.name!r} not found") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(name, None, f"undefined variable: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(name, None, f"refused by the sandbox: {exc}") from None
    except jinja2.TemplateRuntimeError as exc:
        raise TemplateError(name, None, exc.message or "render failed") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateError(name, None, f"render failed ({type(exc).__name__})") from None


def render_string(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    return template_errors(name, lambda: env.get_template(name).render(context))
