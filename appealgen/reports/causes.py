"""The root-cause table (rules/root_causes.yaml): denial category or reason code -> root cause,
and each root cause -> whether the practice controls it (avoidable) and which team owns the
fix. A workspace replaces the shipped table with its own `rules/root_causes.yaml`; a report
names the table it used, because no standard body defines "avoidable"."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field, model_validator

from appealgen.documents import read_model
from appealgen.models import Category, Strict
from appealgen.workspace import Workspace

CAUSES_FILE = "root_causes.yaml"


class Cause(Strict):
    label: str = Field(min_length=1, max_length=120)
    team: str
    avoidable: bool


class CauseTable(Strict):
    name: str = Field(min_length=1, max_length=120)
    teams: list[str] = Field(min_length=1)
    causes: dict[str, Cause] = Field(min_length=1)
    categories: dict[Category, str]
    codes: dict[str, str] = Field(default_factory=dict)
    default: str

    @model_validator(mode="after")
    def _known_names(self) -> CauseTable:
        for cause_id, cause in self.causes.items():
            if cause.team not in self.teams:
                raise ValueError(f"causes.{cause_id}.team: {cause.team!r} is not one of teams "
                                 f"({', '.join(self.teams)})")
        named = [("default", self.default)] + [(f"categories.{k.value}", v) for k, v in self.categories.items()]
        named += [(f"codes.{k}", v) for k, v in self.codes.items()]
        for where, cause_id in named:
            if cause_id not in self.causes:
                raise ValueError(f"{where}: {cause_id!r} is not a cause of this table")
        return self

    def cause_id(self, category: str, reason: str, own: Mapping[str, str] | None = None) -> str:
        """A reason code's own cause first (CO-16, then 16), then its category's. `own`: the category
        each code gives by itself (the code table's); where a remark moved the denial out of it, the
        category's cause is the more precise (CO-16 with M51, an invalid procedure code: a coding
        error, not missing claim data)."""
        carc = reason.split("-", 1)[-1]
        by_category = {k.value: v for k, v in self.categories.items()}
        by_code = self.codes.get(reason) or self.codes.get(carc)
        if by_code and (own is None or own.get(carc, category) == category):
            return by_code
        return by_category.get(category, self.default)


@dataclass(frozen=True)
class Causes:
    """A loaded table and where it came from."""

    table: CauseTable
    source: str  # "built-in rules/root_causes.yaml" or "workspace rules/root_causes.yaml"
    fingerprint: str  # the first 12 hex digits of the file's SHA-256

    def describe(self) -> str:
        return f"{self.table.name} ({self.source}, sha256 {self.fingerprint})"


def load_causes(workspace: Workspace) -> Causes:
    path = workspace.rules_file(CAUSES_FILE)
    source = "workspace" if workspace.user is not None and path.is_relative_to(workspace.user) else "built-in"
    table = read_model(path, CauseTable, "the root-cause table")
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return Causes(table, f"{source} rules/{CAUSES_FILE}", fingerprint)

