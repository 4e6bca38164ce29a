"""The values a report shows, exact: money is Decimal (from the log's integer cents), a rate
keeps its numerator and denominator and is "n/a" with the reason when the denominator is zero,
days are whole days with a stated percentile method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")


def money_text(value: Decimal) -> str:
    return f"${value:,.2f}" if value >= 0 else f"-${-value:,.2f}"


@dataclass(frozen=True)
class Rate:
    """numerator / denominator; `missing` says why there is no rate (a zero denominator, or a
    figure the log cannot give), and is then shown as "n/a (reason)"."""

    numerator: Decimal | int
    denominator: Decimal | int
    missing: str = ""
    dollars: bool = False

    @property
    def value(self) -> Decimal | None:
        if self.missing or not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def reason(self) -> str:
        return self.missing or ("" if self.denominator else "no " + ("dollars" if self.dollars else "cases")
                                + " in the denominator")

    def text(self) -> str:
        value = self.value
        return f"n/a ({self.reason})" if value is None else f"{value * 100:.1f}%"

    def short(self) -> str:
        value = self.value
        return "n/a" if value is None else f"{value * 100:.1f}%"

    def parts(self) -> str:
        """The fraction behind the rate, as people check it: "12 / 48" or "$1,200.00 / $4,800.00"."""
        if self.dollars:
            return f"{money_text(Decimal(self.numerator))} / {money_text(Decimal(self.denominator))}"
        if isinstance(self.denominator, int) or self.denominator == self.denominator.to_integral_value():
            return f"{self.numerator:,} / {int(self.denominator):,}"
        return f"{self.numerator:,} / {self.denominator:,.1f}"  # an average (the HFMA denominator)

    def json(self) -> dict[str, Any]:
        value = self.value
        return {"rate": None if value is None else str(value.quantize(RATE_PLACES)),
                "numerator": str(self.numerator), "denominator": str(self.denominator),
                "na": None if value is not None else self.reason}


def unavailable(why: str, dollars: bool = False) -> Rate:
    return Rate(0, 0, why, dollars)


def change_points(now: Rate, before: Rate) -> str:
    """The change of a rate in percentage points, or "n/a" when either side has none."""
    a, b = now.value, before.value
    if a is None or b is None:
        return "n/a"
    return f"{(a - b) * 100:+.1f} pts"


@dataclass(frozen=True)
class Days:
    """Median and 90th percentile of whole days (nearest-rank: the smallest value with at
    least 90% of the cases at or below it)."""

    values: tuple[int, ...]
    empty_reason: str = "no cases in the period"

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def median(self) -> Decimal | None:
        if not self.values:
            return None
        ordered, middle = sorted(self.values), len(self.values) // 2
        if len(ordered) % 2:
            return Decimal(ordered[middle])
        return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2

    @property
    def p90(self) -> int | None:
        if not self.values:
            return None
        return sorted(self.values)[math.ceil(0.9 * len(self.values)) - 1]

    def text(self) -> str:
        if not self.values:
            return f"n/a ({self.empty_reason})"
        return f"median {self.median:g} days, 90th percentile {self.p90} days (n = {self.count:,})"

    def json(self) -> dict[str, Any]:
        return {"median": None if self.median is None else str(self.median), "p90": self.p90, "count": self.count,
                "na": None if self.values else self.empty_reason}


def total(amounts: Sequence[Decimal]) -> Decimal:
    return sum(amounts, ZERO)
