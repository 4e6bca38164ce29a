"""The prevention view, for the monthly denial review: the root causes behind the period's
denials, largest dollars first, each with its owning team, the change since the previous
period, and the claims behind it, so the team can choose the next fix."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from appealgen.reports import metrics as m
from appealgen.reports.history import Subject
from appealgen.reports.inputs import Inputs
from appealgen.reports.model import Cell, Column, Metric, Section, Table, count_of, money_of
from appealgen.reports.period import Period
from appealgen.reports.slices import grouped

CLAIMS_SHOWN = 25  # claim IDs printed per cause in HTML and PDF; CSV and JSON carry them all

COLUMNS = [Column("cause", "Root cause"), Column("team", "Owning team"), Column("avoidable", "Avoidable"),
           Column("denials", "Denials"), Column("denied_dollars", "Denied $"),
           Column("previous_denials", "Previous period"), Column("previous_dollars", "Previous $"),
           Column("change", "Change in denials"), Column("change_dollars", "Change in $"),
           Column("claims", "Claims behind it")]


def _claims(group: Sequence[Subject]) -> list[str]:
    """The claim IDs, the largest amount first (a claim denied twice is listed once)."""
    ordered = sorted(group, key=lambda s: (-s.at_stake, s.claim_id))
    return list(dict.fromkeys(s.claim_id for s in ordered))


def prevention_table(now: Sequence[Subject], before: Sequence[Subject], top: int, label: dict[str, str]) -> Table:
    current = grouped("cause", now, lambda s: s.denied_on)
    earlier = grouped("cause", before, lambda s: s.denied_on)
    rows: list[list[Cell]] = []
    for cause in sorted(set(current) | set(earlier), key=lambda c: (-m.denied_dollars(current.get(c, [])), c)):
        group, prior = current.get(cause, []), earlier.get(cause, [])
        example = (group or prior)[0]
        dollars, prior_dollars = m.denied_dollars(group), m.denied_dollars(prior)
        rows.append([label.get(cause, cause), example.team, "yes" if example.avoidable else "no", len(group), dollars,
                     len(prior), prior_dollars, f"{len(group) - len(prior):+d}",
                     ("+" if dollars >= prior_dollars else "-") + f"${abs(dollars - prior_dollars):,.2f}",
                     " ".join(_claims(group))])
    shown = rows[:top]
    if len(rows) > top:
        rest = rows[top:]
        shown.append([f"all other ({len(rest)} causes)", "", "", sum(count_of(r[3]) for r in rest),
                      sum((money_of(r[4]) for r in rest), Decimal(0)), sum(count_of(r[5]) for r in rest),
                      sum((money_of(r[6]) for r in rest), Decimal(0)), "", "", ""])
    return Table("prevention", "Root causes to fix", COLUMNS, shown,
                 "denials opened in the period by root cause (largest dollars first) against the previous period; "
                 "claims listed largest first", "prevention")


def prevention_section(data: Inputs, now: Period, before: Period, top: int, causes: str,
                       labels: dict[str, str] | None = None) -> Section:
    table = prevention_table(data.opened.within(now), data.opened.within(before), top, labels or {})
    teams = teams_table(data.opened.within(now))
    return Section("prevention", "Prevention: root causes to fix",
                   f"For the monthly denial review: what caused the period's denials, who owns the fix, whether it "
                   f"grew or shrank since {before.label()}, and the claims behind each cause. Root causes and teams "
                   f"from {causes}.", [Metric("avoidable_share", m.avoidable_share(data.opened.within(now)),
                                              m.avoidable_share(data.opened.within(before)))], [table, teams])


def teams_table(opened: Sequence[Subject]) -> Table:
    rows: list[list[Cell]] = []
    for team, group in sorted(grouped("team", opened, lambda s: s.denied_on).items()):
        avoidable = [s for s in group if s.avoidable]
        rows.append([team, len(group), m.denied_dollars(group), len(avoidable), m.denied_dollars(avoidable)])
    return Table("teams", "Denials by owning team", [
        Column("team", "Owning team"), Column("denials", "Denials"), Column("denied_dollars", "Denied $"),
        Column("avoidable", "Avoidable denials"), Column("avoidable_dollars", "Avoidable $")], rows,
        "denials opened in the period, by the team that owns their root cause")
