"""The monthly trend of each rate (the practice against its own earlier months, no borrowed
benchmark) and the figures grouped by the dimension asked for with `--by`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from appealgen.reports import metrics as m
from appealgen.reports.inputs import Inputs
from appealgen.reports.model import DECIDED, Cell, Column, Section, Table
from appealgen.reports.period import Period
from appealgen.reports.slices import REMIT_DIMENSIONS, grouped
from appealgen.reports.values import Rate, unavailable

TREND_COLUMNS = [
    Column("month", "Month"), Column("claims_remitted", "Claims first remitted"),
    Column("remittance_denial_rate", "Remittance denial rate"),
    Column("remittance_denial_rate_dollars", "Remittance denial rate ($)"),
    Column("initial_denial_rate", "Initial denial rate (HFMA)"), Column("denials_opened", "Denials opened"),
    Column("denied_dollars", "Denied $"), Column("avoidable_share", "Avoidable"), DECIDED,
    Column("overturn_rate", "Overturn rate"), Column("recovered", "Recovered"), Column("write_offs", "Write-offs"),
]


def trend_row(data: Inputs, month: Period) -> list[Cell]:
    remitted, opened, decided = data.remits.within(month), data.opened.within(month), data.decided.within(month)
    label = f"{month.start:%Y-%m}" if month.whole_months else f"{month.start:%Y-%m} (to {month.end:%d})"
    return [label, sum(r.claims for r in remitted), m.remittance_denial_rate(remitted),
            m.remittance_denial_rate(remitted, True), data.initial_denial_rate(month, False), len(opened),
            m.denied_dollars(opened), m.avoidable_share(opened), len(decided), m.overturn_rate(decided),
            m.recovered(decided), m.write_offs(data.written_off.within(month))]


def trend_section(data: Inputs, months: Sequence[Period]) -> Section:
    """The months before the log's data begin are left out: their zeros would read as months
    without denials, not as months nobody recorded."""
    shown = [month for month in months if data.since is None or month.end >= data.since]
    note = ("each month on its own dates; a month with no remittances shows n/a, not zero; a month not over by the "
            "period's end is marked (to its last day) and has no HFMA rate")
    if data.since is not None and not shown:  # the period itself is before the data: its own month only
        shown, note = list(months[-1:]), note + f"; the log's data begin on {data.since.isoformat()}, after the period"
    elif data.since is not None and len(shown) < len(months):
        note += f"; the log's data begin on {data.since.isoformat()}, so the months before it are not shown"
    rows = [trend_row(data, month) for month in shown]
    table = Table("trend", f"Monthly trend, {shown[0].start:%B %Y} to {shown[-1].start:%B %Y}", TREND_COLUMNS, rows,
                  note, "trend")
    return Section("trend", "Trend", "Each rate month by month, so the practice is compared with its own earlier "
                   "months rather than with a borrowed benchmark.", [], [table])


# Dimensions a denial holds as of the period's end: its earlier work is counted there too.
AT_THE_END = {"owner": "Owner at the end of the period", "level": "Level"}
BY_COLUMNS = [
    Column("claims_remitted", "Claims first remitted"), Column("remittance_denial_rate", "Remittance denial rate"),
    Column("denials_opened", "Denials opened"), Column("denied_dollars", "Denied $"),
    Column("avoidable_share", "Avoidable"), DECIDED, Column("overturn_rate", "Overturn rate"),
    Column("recovered", "Recovered"), Column("open_dollars", "Open $ at the end"), Column("write_offs", "Write-offs"),
]


def _on(fact: object) -> date:
    found = getattr(fact, "on", None) or getattr(fact, "denied_on", None)
    if found is None:  # an open denial: grouped by its denial date
        found = getattr(fact, "subject").denied_on  # noqa: B009
    return found  # type: ignore[no-any-return]


def _at_the_end(dimension: str) -> str:
    """How a denial's figures are placed by a dimension it holds as of the period's end (slices.key_of)."""
    if dimension == "level":
        return ("; a decision goes to the level that made it, a denial's other figures to the level it stands at "
                "the end of the period, earlier work included ((none) for a step that sends nothing: a status "
                "check, a write-off)")
    if dimension in AT_THE_END:
        return f"; each denial's figures go to its {dimension} at the end of the period, earlier work included"
    return ""


def by_section(data: Inputs, period: Period, dimension: str) -> Section:
    remitted = grouped(dimension, data.remits.within(period), _on) if dimension in REMIT_DIMENSIONS else {}
    opened = grouped(dimension, data.opened.within(period), _on)
    decided = grouped(dimension, data.decided.within(period), _on)
    still_open = grouped(dimension, data.still_open, _on) if dimension != "month" else {}
    written = grouped(dimension, data.written_off.within(period), _on)
    names = sorted(set(remitted) | set(opened) | set(decided) | set(still_open) | set(written))
    no_remits = unavailable(f"remittances are not known by {dimension}")
    rows: list[list[Cell]] = []
    for name in names:
        days = remitted.get(name, [])
        rate: Rate = m.remittance_denial_rate(days) if dimension in REMIT_DIMENSIONS else no_remits
        rows.append([name, sum(d.claims for d in days) if dimension in REMIT_DIMENSIONS else None, rate,
                     len(opened.get(name, [])), m.denied_dollars(opened.get(name, [])),
                     m.avoidable_share(opened.get(name, [])), len(decided.get(name, [])),
                     m.overturn_rate(decided.get(name, [])), m.recovered(decided.get(name, [])),
                     m.open_dollars(still_open.get(name, [])) if dimension != "month" else None,
                     m.write_offs(written.get(name, []))])
    if dimension != "month":
        rows.sort(key=lambda r: (-_money(r[4]), str(r[0])))
    first = Column(dimension, AT_THE_END.get(dimension, dimension.capitalize()))
    note = ("each figure on its own dates (remittances, denials, decisions, write-offs); open dollars at the end of "
            "the period" + (", so not by month" if dimension == "month" else "")
            + ("" if dimension in REMIT_DIMENSIONS else f"; remittances carry no {dimension}, so the remittance "
               "denial rate is n/a")
            + _at_the_end(dimension))
    table = Table(f"by_{dimension}", f"Figures by {dimension}", [first, *BY_COLUMNS], rows, note)
    return Section("by", f"By {dimension}", f"The period's figures for each {dimension} (--by).", [], [table])


def _money(value: Cell) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(0)
