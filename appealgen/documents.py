"""Reading the project's YAML and JSON documents (claims, payer profiles, settings, code
tables) and turning pydantic errors into `FILE: field.path: message` lines."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from appealgen.errors import InputError, InputErrors
from appealgen.models import PATTERN_WORDS
from appealgen.preflight import LIMITS, Refused, read_regular

MAX_NODES = 200_000  # values in one document once aliases are expanded (an alias bomb has billions)


# libyaml's parser when PyYAML was built with it (the wheels are): about eight times faster than
# the pure-Python one, which cost a cold build half a second on the code table alone. The nodes,
# the constructors below and the errors' line marks are the same with either parser.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DecimalLoader(_SAFE_LOADER):  # type: ignore[valid-type,misc]
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


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping; a key given twice is an error (YAML would keep the last one silently)."""
    seen: set[str] = set()
    for key_node, _ in node.value:  # the mapping's own keys; a merge (<<) may override them
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(None, None, "a key is given twice", key_node.start_mark)
            seen.add(key_node.value)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=True)


def expanded_size(node: yaml.Node, limit: int) -> int:
    """How many values the document holds once every alias is expanded, stopping past `limit`.
    Aliases are shared nodes, so sizes are counted once per node and added per use."""
    sizes: dict[int, int] = {}
    order: list[tuple[yaml.Node, bool]] = [(node, False)]
    while order:
        current, children_done = order.pop()
        if id(current) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        if children_done or not children:
            sizes[id(current)] = min(1 + sum(sizes.get(id(c), 0) for c in children), limit + 1)
            continue
        order.append((current, True))
        order.extend((c, False) for c in children if id(c) not in sizes and c is not current)
    return sizes[id(node)]


class _BoundedLoader(_DecimalLoader):
    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[no-untyped-call]
        if node is None:
            return None
        if expanded_size(node, MAX_NODES) > MAX_NODES:
            raise Refused(f"holds more than {MAX_NODES:,} values once its aliases are expanded (an alias bomb?)")
        return self.construct_document(node)  # type: ignore[no-untyped-call]


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_DecimalLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise Refused("invalid JSON: a key is given twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise Refused(f"invalid JSON: {name} is not a number")


def field_path(loc: tuple[int | str, ...]) -> str:
    """('service_lines', 0, 'code') -> 'service_lines[0].code'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# Pydantic's errors for a date it could not read; the message then says how to write one.
UNREAD_DATES = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
DATE_FORM = "write dates as YYYY-MM-DD, e.g. 2026-09-02"


# pydantic's bounds, as a billing lead says them
BOUND_WORDS = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
               "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}


def error_message(err: Mapping[str, Any]) -> str:
    """Pydantic's message for one error, in the words a billing lead reads."""
    message = str(err["msg"]).removeprefix("Value error, ")
    context = err.get("ctx") or {}
    if err["type"] == "string_pattern_mismatch":
        return PATTERN_WORDS.get(str(context.get("pattern", "")), message)
    if err["type"] in BOUND_WORDS:  # "Input should be greater than or equal to 0"
        words, key = BOUND_WORDS[err["type"]]
        return f"must be {words} {context[key]}"
    return message


def validation_errors(source: Path, exc: ValidationError, prefix: str = "",
                      model: type[BaseModel] | None = None) -> list[InputError]:
    """Turn a pydantic error into `FILE: field.path: message` lines (no input values). With
    the `model`, a misspelled key gets the closest real one: "(did you mean window_months?)"."""
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = field_path(tuple(err["loc"]))
        field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        message = error_message(err)
        if err["type"] == "extra_forbidden":  # pydantic's words are for programmers
            message = "unknown key"
            if model is not None and err["loc"]:
                message += did_you_mean(str(err["loc"][-1]), fields_at(model, tuple(err["loc"][:-1])))
        elif err["type"] in UNREAD_DATES and "outside expected range" not in message:  # 2026-02-30 is well written
            message += f" ({DATE_FORM})"  # "09/02/2026" is read as a year that goes wrong
        errors.append(InputError(source, field or None, message))
    return errors


Model = TypeVar("Model", bound=BaseModel)


def read_model(path: Path, model: type[Model], what: str) -> Model:
    """A YAML or JSON file that holds one `model` (a payer profile, a policy table, ...); every
    problem named by file and field, a misspelled key with the closest real one."""
    data = read_document(path)
    if not isinstance(data, dict):
        raise InputError(path, None, f"{what} must be a mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, exc, model=model)) from None


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


def _is_mapping(annotation: Any) -> bool:
    """Whether an annotation is (or, as `X | None`, holds) a dict: its keys are data, not fields."""
    if get_origin(annotation) in (dict, Mapping):
        return True
    return any(_is_mapping(argument) for argument in get_args(annotation))


def fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model` (list indexes and the keys of
    a mapping such as `practices.<NPI>` skipped)."""
    current: type[BaseModel] | None = model
    keyed = False
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        info = current.model_fields.get(part)
        current = _model_in(info.annotation) if info is not None else None
        keyed = info is not None and _is_mapping(info.annotation)
    return list(current.model_fields) if current is not None else []


def read_document(path: Path, limit: int = LIMITS.document_bytes) -> Any:
    """Parse a YAML or JSON file of at most `limit` bytes; a syntax error names the line. Only
    plain data comes out: no Python tags, no alias bombs, no key given twice, no deep nesting."""
    try:
        text = read_regular(path, limit).decode("utf-8")
    except Refused as refused:
        raise InputError(path, None, str(refused)) from None
    except UnicodeDecodeError:
        raise InputError(path, None, "cannot read file: not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json":
            return _read_json(path, text)
        return _read_yaml(path, text)
    except Refused as refused:
        raise InputError(path, None, str(refused)) from None
    except RecursionError:
        raise InputError(path, None, "nested too deeply") from None


def strict_json(text: str) -> Any:
    """JSON as plain data: amounts as Decimal; a key given twice, NaN or Infinity refused (Refused)."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _read_json(path: Path, text: str) -> Any:
    try:
        return strict_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None


def _read_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(path, f"line {line}" if line else None, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError:
        raise InputError(path, None, "invalid YAML") from None
