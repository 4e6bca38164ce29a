"""A report as plain data: headline metrics (each with its definition, basis, the previous
period's value and the change), tables, and the facts of where it came from. Every output
format (HTML, PDF, CSV, JSON) is made from this one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from appealgen.reports.definitions import DEFINITIONS, Definition
from appealgen.reports.values import Days, Rate, change_points, money_text

Value = Rate | Decimal | int | Days
Cell = Rate | Decimal | int | str | Days | date | None


def text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Rate):
        return value.short()
    if isinstance(value, Days):
        return value.text()
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def count_of(value: Cell) -> int:
    return value if isinstance(value, int) else 0


def money_of(value: Cell) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(0)


def plain(value: Cell) -> Any:
    """A cell as JSON and CSV carry it: money as an exact string, a rate as its fraction."""
    if isinstance(value, Rate | Days):
        return value.json()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Rate):
        rate = value.value
        return "n/a" if rate is None else str(rate.quantize(Decimal("0.0001")))
    if isinstance(value, Days):
        return "n/a" if value.median is None else f"{value.median} (p90 {value.p90})"  # as a rate with no basis
    return str(value)


@dataclass(frozen=True)
class Metric:
    id: str
    value: Value
    previous: Value | None = None

    @property
    def about(self) -> Definition:
        return DEFINITIONS[self.id]

    def change(self) -> str:
        now, before = self.value, self.previous
        if isinstance(now, Rate) and isinstance(before, Rate):
            return change_points(now, before)
        if isinstance(now, Decimal) and isinstance(before, Decimal):
            return ("+" if now >= before else "-") + money_text(abs(now - before))
        if isinstance(now, int) and isinstance(before, int):
            return f"{now - before:+,}"
        if isinstance(now, Days) and isinstance(before, Days) and now.median is not None and before.median is not None:
            return f"{now.median - before.median:+g} days (median)"
        return ""

    def shown(self) -> str:
        return self.value.text() if isinstance(self.value, Rate) else text(self.value)

    def json(self) -> dict[str, Any]:
        about = self.about
        return {"id": self.id, "title": about.title, "definition": about.definition, "basis": about.basis,
                "value": plain(self.value), "shown": self.shown(),
                "previous": plain(self.previous), "change": self.change() or None}


@dataclass(frozen=True)
class Column:
    name: str
    label: str


# Decisions counted with the dismissals, while the overturn rate beside them is of the merits alone
DECIDED = Column("decided", "Decided (dismissals too)")


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""
    chart: str | None = None  # the id of the chart drawn from this table

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "note": self.note, "columns": [c.name for c in self.columns],
                "labels": [c.label for c in self.columns],
                "rows": [[plain(v) for v in row] for row in self.rows], "chart": self.chart}


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    metrics: list[Metric]
    tables: list[Table]


@dataclass
class Report:
    practice: str | None
    start: date
    end: date
    previous_start: date
    previous_end: date
    period_label: str
    as_of: date
    by: str
    log: str  # where the log is (a file name or a database without its password)
    causes: str  # the root-cause table used
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        return {t.id: t for s in self.sections for t in s.tables}

    def metrics(self) -> list[Metric]:
        return [m for s in self.sections for m in s.metrics]
