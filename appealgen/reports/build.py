"""A report from the inputs: the headline metrics of the period beside the previous period's,
then the tables behind them (`appealgen.reports.tables`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from appealgen.reports import metrics as m
from appealgen.reports import tables as t
from appealgen.reports.inputs import Inputs
from appealgen.reports.model import Metric, Report, Section
from appealgen.reports.period import Period, trend_months


@dataclass(frozen=True)
class Options:
    period: Period
    practice: str | None = None
    by: str = "payer"
    npsr: Decimal | None = None  # net patient service revenue of the period, when the user gives it
    top: int = 10  # reason codes and root causes shown before "all other"

    @property
    def window(self) -> Period:
        """From the earliest date a figure needs (the trend's first month or the previous period) to the end."""
        earliest = min(trend_months(self.period)[0].start, self.period.previous().start)
        return Period(earliest, self.period.end)


def rates(data: Inputs, now: Period, before: Period) -> Section:
    r_now, r_before = data.remits.within(now), data.remits.within(before)
    return Section("rates", "Denial rates", "How many claims the payers deny. The remittance rate comes from the 835 "
                   "files alone; the HFMA initial denial rate needs the claims as submitted, and is shown only when "
                   "they were imported.", [
                       Metric("remittance_denial_rate", m.remittance_denial_rate(r_now),
                            m.remittance_denial_rate(r_before)),
                       Metric("remittance_denial_rate_dollars", m.remittance_denial_rate(r_now, True),
                            m.remittance_denial_rate(r_before, True)),
                       Metric("initial_denial_rate", data.initial_denial_rate(now, False),
                            data.initial_denial_rate(before, False)),
                       Metric("initial_denial_rate_dollars", data.initial_denial_rate(now, True),
                            data.initial_denial_rate(before, True)),
                   ], [])


def sources(data: Inputs, now: Period, before: Period, top: int) -> Section:
    o_now, o_before = data.opened.within(now), data.opened.within(before)
    return Section("denied", "Where denials come from", "Denials opened in the period by payer, category and reason "
                   "code, and the share the practice could have prevented.", [
                       Metric("denials_opened", m.denied_count(o_now), m.denied_count(o_before)),
                       Metric("denied_dollars", m.denied_dollars(o_now), m.denied_dollars(o_before)),
                       Metric("avoidable_share", m.avoidable_share(o_now), m.avoidable_share(o_before)),
                       Metric("avoidable_share_dollars", m.avoidable_share(o_now, True),
                              m.avoidable_share(o_before, True)),
                   ], [t.denied_by(o_now, "payer", "denied_by_payer", "Denied by payer", chart="denied_by_payer"),
                       t.denied_by(o_now, "category", "denied_by_category", "Denied by category",
                                   chart="denied_by_category"),
                       t.denied_by_reason(o_now, top)])


def appeals(data: Inputs, now: Period, before: Period) -> Section:
    d_now, d_before = data.decided.within(now), data.decided.within(before)
    s_now, s_before = data.sent.within(now), data.sent.within(before)
    res_now, res_before = data.resolved.within(now), data.resolved.within(before)
    r_now, r_before = data.resubmitted.within(now), data.resubmitted.within(before)
    return Section("appeals", "Appeal results", "What the payers decided on the appeals sent, at every level, what "
                   "resubmissions (corrected and new claims, reopenings, retroactive authorizations) recovered "
                   "apart from them, and how long denials take to be worked and resolved.", [
                       Metric("overturn_rate", m.overturn_rate(d_now), m.overturn_rate(d_before)),
                       Metric("overturn_rate_dollars", m.overturn_rate(d_now, True), m.overturn_rate(d_before, True)),
                       Metric("dismissal_rate", m.dismissal_rate(d_now), m.dismissal_rate(d_before)),
                       Metric("recovered", m.recovered(d_now), m.recovered(d_before)),
                       Metric("resubmissions_paid", m.resubmissions_paid(r_now), m.resubmissions_paid(r_before)),
                       Metric("recovered_on_resubmission", m.recovered(r_now), m.recovered(r_before)),
                       Metric("days_to_appeal", m.days_to_appeal(s_now), m.days_to_appeal(s_before)),
                       Metric("days_to_resolution", m.days_to_resolution(res_now), m.days_to_resolution(res_before)),
                       Metric("last_week_appeals", m.last_week_appeals(s_now), m.last_week_appeals(s_before)),
                   ], [t.appeals_by(d_now, dim) for dim in ("payer", "category", "level")])


def backlog(data: Inputs, now: Period, before: Period) -> Section:
    missed_now, missed_before = m.deadlines_missed(data.missed.within(now)), m.deadlines_missed(
        data.missed.within(before))
    return Section("backlog", "Backlog and deadlines", f"Denials still open on {data.end} by days since the denial, "
                   "and the filing deadlines of the period.", [
                       Metric("open_denials", len(data.still_open), len(data.open_before)),
                       Metric("open_denial_dollars", m.open_dollars(data.still_open), m.open_dollars(data.open_before)),
                       Metric("deadlines_missed", missed_now[0], missed_before[0]),
                       Metric("deadlines_missed_dollars", missed_now[1], missed_before[1]),
                   ], [t.aging(data.still_open, data.end), t.missed_table(data.missed.within(now))])


def write_offs(data: Inputs, now: Period, before: Period, npsr: Decimal | None) -> Section:
    w_now, w_before = data.written_off.within(now), data.written_off.within(before)
    b_now, b_before = data.billed_patient.within(now), data.billed_patient.within(before)
    return Section("write_offs", "Denial write-offs", "What was adjusted (written off) after a denial, by category, "
                   "and what was moved to the patient's bill.", [
        Metric("write_offs", m.write_offs(w_now), m.write_offs(w_before)),
        Metric("write_off_share", m.write_off_share(w_now, npsr)),
        Metric("billed_to_patients", m.billed_to_patients(b_now), m.billed_to_patients(b_before)),
    ], [t.write_offs_by_category(w_now)])


def build(data: Inputs, options: Options, today: date, log: str, causes: str, labels: dict[str, str]) -> Report:
    now, before = options.period, options.period.previous()
    report = Report(options.practice, now.start, now.end, before.start, before.end, now.label(), today, options.by,
                    log, causes)
    report.sections = [
        rates(data, now, before), sources(data, now, before, options.top), appeals(data, now, before),
        backlog(data, now, before), write_offs(data, now, before, options.npsr),
        t.trend_section(data, trend_months(now)), t.by_section(data, now, options.by),
        t.prevention_section(data, now, before, options.top, causes, labels),
    ]
    if now.end > today:
        report.notes.append(f"the period ends after today ({today}): its last days have no remittances yet, and "
                            "the backlog and the deadlines missed are as of today")
    return report
