"""Reading the project's YAML and JSON documents (claims, payer profiles, settings, code
tables) and turning pydantic errors into `FILE: field.path: message` lines."""

from __future__ import annotations

import difflib
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from appealgen.errors import InputError


class _DecimalLoader(yaml.SafeLoader):
    """Safe YAML loader that reads numbers with a fraction as Decimal, never float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # .inf, .nan
        raise yaml.constructor.ConstructorError(None, None, "not a number", node.start_mark) from exc
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(None, None, "not a finite number", node.start_mark)
    return value


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A date YAML cannot build (2026-02-30) stays text, so validation names its field."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def field_path(loc: tuple[int | str, ...]) -> str:
    """('service_lines', 0, 'code') -> 'service_lines[0].code'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_errors(source: Path, exc: ValidationError, prefix: str = "",
                      model: type[BaseModel] | None = None) -> list[InputError]:
    """Turn a pydantic error into `FILE: field.path: message` lines (no input values). With
    the `model`, a misspelled key gets the closest real one: "(did you mean window_months?)"."""
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = field_path(tuple(err["loc"]))
        field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and model is not None and err["loc"]:
            message += did_you_mean(str(err["loc"][-1]), fields_at(model, tuple(err["loc"][:-1])))
        errors.append(InputError(source, field or None, message))
    return errors


def did_you_mean(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation (`Level`, `list[Level]`, `Level | None`, `dict[str, X]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model` (list indexes skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _model_in(info.annotation) if info is not None else None
    return list(current.model_fields) if current is not None else []


def read_document(path: Path) -> Any:
    """Parse a YAML or JSON file; a syntax error names the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read file ({type(exc).__name__})") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    try:
        return yaml.load(text, Loader=_DecimalLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(path, f"line {line}" if line else None, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError:
        raise InputError(path, None, "invalid YAML") from None
