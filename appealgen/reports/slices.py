"""Facts cut by date (a sorted list and a binary search: a trend of 12 months reads each fact
about once) and grouped by a dimension of the report (`--by`)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from appealgen.reports.period import Period

T = TypeVar("T")
DIMENSIONS = ("payer", "category", "reason", "month", "owner", "level", "practice")
REMIT_DIMENSIONS = ("payer", "month", "practice")  # what a remittance row is known by


@dataclass(frozen=True)
class Dated(Generic[T]):
    """Facts sorted by date, cut to any period without a scan."""

    items: Sequence[T]
    days: Sequence[date]

    @classmethod
    def of(cls, items: Iterable[T], on: Callable[[T], date]) -> Dated[T]:
        ordered = sorted(items, key=on)
        return cls(ordered, [on(i) for i in ordered])

    def within(self, period: Period) -> Sequence[T]:
        low = bisect.bisect_left(self.days, period.start)
        high = bisect.bisect_right(self.days, period.end)
        return self.items[low:high]


def key_of(dimension: str, fact: Any, on: date) -> str:
    """The group a fact belongs to. Month: of the fact's own date. Level: the level a request or
    decision concerned, else the level the denial stands at. Others: the denial's."""
    if dimension == "month":
        return f"{on:%Y-%m}"
    if dimension == "level" and hasattr(fact, "level") and hasattr(fact, "subject"):
        return str(fact.level)
    subject = getattr(fact, "subject", fact)
    value = getattr(subject, dimension, None)
    return str(value) if value else "(none)"


def grouped(dimension: str, facts: Iterable[T], on: Callable[[T], date]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for fact in facts:
        groups.setdefault(key_of(dimension, fact, on(fact)), []).append(fact)
    return groups
