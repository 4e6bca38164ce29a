"""The reason-code table (codes.yaml): CARC and RARC -> category, label, refinements."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from appealgen.errors import InputError
from appealgen.models import Action, AttachmentKind, Category

TABLE = Path(__file__).with_name("codes.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupRule(_Strict):
    category: Category | None = None
    action: Action | None = None
    denial: bool | None = None
    note: str | None = None


class CarcRule(_Strict):
    category: Category
    label: str
    denial: bool = True
    refinable: bool = False
    groups: dict[str, GroupRule] = Field(default_factory=dict)


class RarcRule(_Strict):
    label: str
    category: Category | None = None
    action: Action | None = None
    appeal_rights: bool = True
    documents: list[AttachmentKind] = Field(default_factory=list)
    cite_lcd: bool = False


class CodeTable(_Strict):
    precedence: list[Category]
    carc: dict[str, CarcRule]
    rarc: dict[str, RarcRule]

    def rank(self, category: Category) -> int:
        return self.precedence.index(category)


@cache
def code_table() -> CodeTable:
    return CodeTable.model_validate(yaml.safe_load(TABLE.read_text(encoding="utf-8")))


def load_descriptions(path: Path) -> dict[str, str]:
    """Official descriptions from a CSV the user is licensed to use: `code,description` rows."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error):
        raise InputError(path, None, "cannot read as CSV (code,description)") from None
    descriptions: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if not row or (number == 1 and row[0].strip().lower() == "code"):
            continue
        if len(row) < 2 or not row[0].strip():
            raise InputError(path, f"line {number}", "expected two columns: code,description")
        descriptions[row[0].strip().upper()] = row[1].strip()
    return descriptions
