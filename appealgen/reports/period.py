"""Reporting periods: the dates a report covers (both ends included, the payer's dates), the
period before it (to compare a practice with itself), and calendar months (for the trend and
for the HFMA initial denial rate, which is defined per month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from appealgen.errors import InputError

TREND_MONTHS = 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError("--from", None, f"{self.start} is after --to {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def previous(self) -> Period:
        """The period just before, as long: the same number of whole months when this one is
        whole months (October's previous is September, not the 31 days before)."""
        if self.whole_months:
            count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            return Period(add_months(self.start, -count), self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def months(self) -> list[Period]:
        """The calendar months wholly inside this period."""
        found, first = [], self.start if self.start.day == 1 else add_months(self.start, 1)
        while month_end(first) <= self.end:
            found.append(Period(first, month_end(first)))
            first = add_months(first, 1)
        return found

    def label(self) -> str:
        if self.whole_months and self.start.month == self.end.month and self.start.year == self.end.year:
            return f"{self.start:%B %Y}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def month_of(day: date) -> Period:
    return Period(month_start(day), month_end(day))


def trend_months(period: Period, count: int = TREND_MONTHS) -> list[Period]:
    """The `count` calendar months ending with the period's last month, oldest first; the last
    one ends with the period (a month not yet over is shown as far as the period goes)."""
    last = month_start(period.end)
    months = [month_of(add_months(last, -n)) for n in range(count - 1, -1, -1)]
    return [*months[:-1], Period(last, period.end)]


def choose(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for. Neither date: the last whole calendar month before `today` (the
    month-end report). Only --from: up to today. Only --to: from the first of --to's month."""
    if start is None and end is None:
        return month_of(month_start(today) - timedelta(days=1))
    if end is None:
        end = today
    if start is None:
        start = month_start(end)
    return Period(start, end)
