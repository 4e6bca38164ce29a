"""Every name and filter a template may use, from the context classes and the template
environment themselves (so the list cannot drift from the code), with actual values for one
claim when asked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import jinja2

from appealgen.render.context import FieldDoc, FrontContext, LetterContext, describe

# The project's own filters; Jinja's built-in ones are described by their own documentation.
OWN_FILTERS = {
    "money": ("$1,245.00 from a number", "{{ line.billed | money }} -> $245.00"),
    "long_date": ("a date written out", "{{ today | long_date }} -> November 22, 2026"),
    "us_date": ("a date as MM/DD/YYYY", "{{ denial.date | us_date }} -> 10/14/2026"),
}


# Jinja's filters a letter is likely to need; `--all-filters` lists the others.
COMMON_FILTERS = {"money", "long_date", "us_date", "default", "lower", "upper", "title", "capitalize", "replace",
                  "join", "length", "first", "last", "round", "trim", "truncate", "sort", "unique", "sum"}
LIST_NOTE = """Names with [] are the items of a list. Use them inside a loop, naming each item:
  {%p for line in lines %} ... {{ line.code }} ... {%p endfor %}
  (in a Word table row: {%tr for line in lines %} ... {%tr endfor %})
Names marked "cover sheets only" are for cover sheets and the index page, not letters.
"""


@dataclass(frozen=True)
class FilterDoc:
    name: str
    description: str
    example: str = ""


def filters(env: jinja2.Environment) -> list[FilterDoc]:
    found = []
    for name, function in sorted(env.filters.items()):
        if name in OWN_FILTERS:
            found.append(FilterDoc(name, *OWN_FILTERS[name]))
        else:
            found.append(FilterDoc(name, _first_sentence(function.__doc__ or "")))
    return found


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def fields() -> list[FieldDoc]:
    """Every name, the ones only cover sheets see marked so."""
    letter = {doc.name for doc in describe(LetterContext)}
    return [doc if doc.name in letter else replace(doc, description=f"(cover sheets only) {doc.description}")
            for doc in describe(FrontContext)]


def _lookup(root: Any, dotted: str) -> Any:
    """The value of a dotted name in a context ("lines[].code" takes the first line)."""
    value = root
    for part in dotted.replace("[]", ".0").split("."):
        if part == "0":
            value = value[0] if isinstance(value, list) and value else None
        else:
            value = getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
        if value is None:
            return None
    return value


def shown(value: Any) -> str:
    """A value as a template would print it, short."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str | bool):
        text = str(value)
        return text if len(text) <= 70 else text[:67] + "..."
    if isinstance(value, list):
        return f"({len(value)} items)"
    return f"({type(value).__name__})"


def values_for(context: Any) -> dict[str, str]:
    """Each field's value for one claim's context (first item of lists)."""
    return {doc.name: shown(_lookup(context, doc.name)) for doc in fields()}
