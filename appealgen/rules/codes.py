"""The reason-code table (codes.yaml): CARC and RARC -> category, label, refinements."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError

from appealgen.documents import read_document, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Action, AttachmentKind, Category, Strict

CODES_FILE = "codes.yaml"


class GroupRule(Strict):
    category: Category | None = None
    action: Action | None = None
    denial: bool | None = None
    note: str | None = None
    # The rule applies only when a line carrying the code has this modifier (PR-50 with GA: an
    # advance beneficiary notice is on file); `otherwise` is the note when it does not.
    modifier: str | None = None
    otherwise: str | None = None
    # The program whose rule it is (the advance beneficiary notice and its modifiers GA and GZ
    # are Medicare's): at another payer the plan's contract decides who pays, and the rule is left out.
    program: str | None = None


class CarcRule(Strict):
    category: Category
    label: str
    denial: bool = True
    pended: bool = False  # the payer holds the line for a later decision: follow it up
    refinable: bool = False
    groups: dict[str, GroupRule] = Field(default_factory=dict)


class RarcRule(Strict):
    label: str
    category: Category | None = None
    action: Action | None = None
    appeal_rights: bool = True
    documents: list[AttachmentKind] = Field(default_factory=list)
    cite_lcd: bool = False


class CodeTable(Strict):
    precedence: list[Category]
    carc: dict[str, CarcRule]
    rarc: dict[str, RarcRule]

    # The payer kind whose group rules apply (None: all of them); the tables made for each kind.
    # A table made for a kind keeps every rule and holds no reference back to the one it was made
    # from: a reference cycle would wait for the cyclic collector, which commands run rarely.
    _program: str | None = PrivateAttr(default=None)
    _by_program: dict[str, CodeTable] = PrivateAttr(default_factory=dict)

    def rank(self, category: Category) -> int:
        return self.precedence.index(category)

    def for_program(self, kind: str) -> CodeTable:
        """The table as a payer of this kind (a profile's `kind`) applies it: without the group
        rules of another program (`applies`). Made once per kind."""
        private = self._private()
        if private["_program"] == kind:
            return self
        tables: dict[str, CodeTable] = private["_by_program"]
        if kind not in tables:
            table = self.model_copy()  # the rules are shared, not copied
            table._program, table._by_program = kind, {}
            tables[kind] = table
        return tables[kind]

    def applies(self, rule: GroupRule) -> bool:
        """Whether a group rule is this table's payer kind's (a rule of no program is everyone's)."""
        program = self._private()["_program"]
        return rule.program is None or program is None or rule.program == program

    def _private(self) -> dict[str, Any]:
        """The private values as pydantic keeps them: read a claim at a time, pydantic's own
        lookup of a private attribute cost more than the rest of `for_program`."""
        private = self.__pydantic_private__
        assert private is not None  # a model with private attributes always has them
        return private

    def is_known(self, carc: str) -> bool:
        return carc in self.carc


def load_code_table(path: Path) -> CodeTable:
    """Read a code table; a workspace may ship its own `rules/codes.yaml`. Callers hold the
    result (the toolkit caches it per file version), never a module-level cache."""
    data = read_document(path)
    try:
        return CodeTable.model_validate(data)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, exc, model=CodeTable)) from None


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
