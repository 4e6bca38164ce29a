"""Every metric of the report on the seeded log (tests/reports/seed.py), each figure worked out
by hand below from the seed's story, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from appealgen.log.api import import_files, open_log, record_entry
from appealgen.log.model import Kind
from appealgen.log.record import Entry
from appealgen.reports.api import csv_text, make_report
from appealgen.reports.build import Options
from appealgen.reports.model import Metric, Report, csv_cell
from appealgen.reports.period import Period
from appealgen.reports.remits import first_remittances
from appealgen.reports.values import Days, Rate
from tests.log.helpers import denied, paid, remittance, settings_for
from tests.reports.seed import settings
from tests.x12gen import ClaimSpec, LineSpec, interchange

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
D = Decimal


def report(url: str, period: Period = OCTOBER, **options: object) -> Report:
    return make_report(settings(url), Options(period, **{"practice": "default", **options}))  # type: ignore[arg-type]


def metric(found: Report, metric_id: str) -> Metric:
    return next(m for m in found.metrics() if m.id == metric_id)


def fraction(value: object) -> tuple[object, object] | str:
    """A rate as (numerator, denominator), or its reason when it has none."""
    assert isinstance(value, Rate)
    return (value.numerator, value.denominator) if value.value is not None else value.reason


def rows(found: Report, table: str) -> list[list[str]]:
    return [line.split(",") for line in csv_text(found, table).strip().splitlines()[1:]]


@pytest.fixture(scope="module")
def october(seeded: str) -> Report:
    return report(seeded)


def test_remittance_denial_rate_counts_each_claim_once_at_its_first_remittance(october: Report) -> None:
    # October's first remittances: B1 300 denied, B2 400, B3 100, B4 500 denied, C1 120 denied (10-05), M1 250
    # denied, M2 600, R2 250 (10-20: paid again after a reversal, its first payment older than the log). Not
    # counted: A1's and C1's second remittances, B4's partial payment, the reversals, R1's payment again (R1 was
    # first remitted in September), B5 (a replacement claim, CLP09 7).
    rate = metric(october, "remittance_denial_rate")
    assert fraction(rate.value) == (4, 8)
    assert rate.value.text() == "50.0%"  # type: ignore[union-attr]
    assert fraction(metric(october, "remittance_denial_rate_dollars").value) == (D("1170.00"), D("2520.00"))
    # September: A1 200 denied, A2 100, A3 150 denied, R1 250.
    assert fraction(rate.previous) == (2, 4)
    assert fraction(metric(october, "remittance_denial_rate_dollars").previous) == (D("350.00"), D("700.00"))


def test_the_hfma_initial_denial_rate_uses_the_three_months_before_and_only_with_submitted_claims(
        october: Report) -> None:
    # October: 4 claims initially denied / average of July 6, August 3 and September 6 submitted = 5.
    rate = metric(october, "initial_denial_rate")
    assert fraction(rate.value) == (4, D(5))
    assert rate.value.text() == "80.0%"  # type: ignore[union-attr]
    # Charges: 1,170.00 denied / average of 3,000.00, 2,400.00 and 3,600.00 = 3,000.00.
    assert fraction(metric(october, "initial_denial_rate_dollars").value) == (D("1170.00"), D("3000.00"))
    # September would need June, July and August: no claims were imported for June.
    assert fraction(rate.previous) == ("September 2026: submitted claims were imported for 2 of the 3 months "
                                       "before the month, not for June 2026 (log import --submitted)")
    assert rate.previous.text().startswith("n/a (September 2026: submitted claims")  # type: ignore[union-attr]


def test_denials_opened_denied_dollars_and_the_avoidable_share(october: Report) -> None:
    # B1 300 (authorization), B4 500 (medical necessity), C1 120 (coding), M1 250 (eligibility) and C1 again
    # 120 (its first denial was written off, so the second remittance opened a second denial).
    assert (metric(october, "denials_opened").value, metric(october, "denials_opened").previous) == (5, 2)
    assert metric(october, "denied_dollars").value == D("1290.00")
    assert metric(october, "denied_dollars").previous == D("350.00")  # A1 200, A3 150
    # Avoidable (the shipped table): all but B4, clinical judgment; 790.00 of 1,290.00.
    assert fraction(metric(october, "avoidable_share").value) == (4, 5)
    assert fraction(metric(october, "avoidable_share_dollars").value) == (D("790.00"), D("1290.00"))
    # September: A3's CO-16 is claim data (billing, avoidable); A1's CO-50 is not.
    assert fraction(metric(october, "avoidable_share").previous) == (1, 2)


def test_denied_dollars_by_payer_category_and_reason(october: Report) -> None:
    assert rows(october, "denied_by_payer") == [["EXAMPLE DME MAC", "4", "1040.00", "0.8062"],
                                                ["CARESOURCE EXAMPLE", "1", "250.00", "0.1938"]]
    assert rows(october, "denied_by_category") == [
        ["medical_necessity", "1", "500.00", "0.3876"], ["authorization", "1", "300.00", "0.2326"],
        ["eligibility", "1", "250.00", "0.1938"], ["coding", "2", "240.00", "0.1860"]]
    assert [r[:3] for r in rows(october, "denied_by_reason")] == [
        ["CO-50", "1", "500.00"], ["CO-197", "1", "300.00"], ["CO-27", "1", "250.00"], ["CO-4", "2", "240.00"]]


def test_the_top_reasons_are_listed_and_the_rest_grouped(seeded: str) -> None:
    assert rows(report(seeded, top=2), "denied_by_reason") == [
        ["CO-50", "1", "500.00", "0.3876"], ["CO-197", "1", "300.00", "0.2326"],
        ["all other (2 codes)", "3", "490.00", "0.3798"]]


def test_appeal_results_with_a_partial_overturn_and_a_voided_decision(october: Report) -> None:
    # Decisions in October: A1 upheld 10-05 (the remittance denied it again while its request was pending; 200.00
    # in dispute), A3 overturned 10-15 (150.00 of 150.00), B4 partly overturned 10-25 (200.00 paid of 500.00),
    # B1 overturned 10-28 (300.00 of 300.00), B4 upheld 10-29 at reconsideration (the 300.00 still at stake),
    # A1 upheld 10-30 at reconsideration (200.00). B1's upheld of 10-20 was voided by a correction.
    assert fraction(metric(october, "overturn_rate").value) == (3, 6)
    assert fraction(metric(october, "overturn_rate_dollars").value) == (D("650.00"), D("1650.00"))
    assert metric(october, "recovered").value == D("650.00")
    assert fraction(metric(october, "overturn_rate").previous) == "no cases in the denominator"  # none in September
    assert rows(october, "appeals_by_level") == [
        ["Reconsideration", "2", "0", "0", "2", "0", "0.0000", "0.0000", "0.00"],
        ["Redetermination", "4", "2", "1", "1", "0", "0.7500", "0.5652", "650.00"]]
    assert rows(october, "appeals_by_payer") == [
        ["EXAMPLE DME MAC", "6", "2", "1", "3", "0", "0.5000", "0.3939", "650.00"]]


def test_days_from_denial_to_appeal_and_to_resolution(october: Report) -> None:
    # First appeals sent in October: B1 10-07 (denied 10-05: 2 days), B4 10-08 (3). K2's retroactive
    # authorization request of 10-06 is a resubmission, not an appeal; A1's request of 10-14 is its second.
    # Median 2.5; 90th percentile, nearest rank ceil(0.9 x 2) = 2nd: 3.
    appeal = metric(october, "days_to_appeal")
    assert isinstance(appeal.value, Days)
    assert (sorted(appeal.value.values), appeal.value.median, appeal.value.p90) == ([2, 3], D("2.5"), 3)
    # September: A1 5 days, A3 10 days: median 7.5.
    assert isinstance(appeal.previous, Days) and appeal.previous.median == D("7.5")
    # Closed in October: C1 written off 10-10 (5 days), A3 overturned 10-15 (30), B1 overturned 10-28 (23).
    resolution = metric(october, "days_to_resolution")
    assert isinstance(resolution.value, Days)
    assert (sorted(resolution.value.values), resolution.value.median, resolution.value.p90) == ([5, 23, 30], D(23), 30)
    assert resolution.previous is not None and resolution.previous.text() == "n/a (no denial resolved)"  # type: ignore[union-attr]


def test_open_denial_dollars_and_the_aged_backlog_at_the_end_of_the_period(october: Report) -> None:
    # Open on 10-31: A1 200.00 (46 days), B4 300.00 left after 200.00 recovered (26), M1 250.00 (11; written
    # off only on 11-10), C1's second denial 120.00 (6), K1 80.00 (82), K2 90.00 (80).
    assert metric(october, "open_denials").value == 6
    assert metric(october, "open_denial_dollars").value == D("1040.00")
    # And at the previous period's end, 09-30, the backlog it grew from: K1 80.00, K2 90.00, A1 200.00
    # (sent 09-20) and A3 150.00 (sent 09-25, overturned only on 10-15).
    assert (metric(october, "open_denials").previous, metric(october, "open_denial_dollars").previous) == \
        (4, D("520.00"))
    assert rows(october, "aging") == [["0-30", "3", "670.00"], ["31-60", "1", "200.00"], ["61-90", "2", "170.00"],
                                      ["91-120", "0", "0.00"], ["over 120", "0", "0.00"]]


def test_deadlines_missed_and_appeals_sent_in_the_last_week(october: Report) -> None:
    # K1's retroactive authorization request was due 10-09 (60 days from 08-10) and was never sent;
    # K2's was due 10-11 and went 10-06.
    assert (metric(october, "deadlines_missed").value, metric(october, "deadlines_missed_dollars").value) == \
        (1, D("80.00"))
    assert rows(october, "deadlines_missed") == [
        ["K1", "CARESOURCE EXAMPLE", "Retroactive authorization", "2026-10-09", "80.00", "not sent"]]
    # Requests sent in October with a deadline: B1, B4 twice, A1 (reconsideration), K2; only K2 in its last 7 days.
    assert fraction(metric(october, "last_week_appeals").value) == (1, 5)


def test_a_request_sent_after_its_deadline_is_a_missed_deadline(seeded: str) -> None:
    # K1 went on 11-05 with a statement of good cause: to 11-20, its deadline was missed all the same.
    assert rows(report(seeded, Period(date(2026, 10, 1), date(2026, 11, 20))), "deadlines_missed") == [
        ["K1", "CARESOURCE EXAMPLE", "Retroactive authorization", "2026-10-09", "80.00", "2026-11-05"]]


def test_a_period_ending_after_today_counts_no_deadline_still_ahead_as_missed(seeded: str) -> None:
    """Today is 2026-11-20. A1's and B4's ALJ requests are due in the new year and not sent yet: a
    report to 2027-01-31 must not call them missed, nor age the backlog to a day not yet come."""
    ahead = report(seeded, Period(date(2026, 11, 1), date(2027, 1, 31)))
    assert rows(ahead, "deadlines_missed") == []
    assert "Denials still open on 2026-11-20" in next(s.intro for s in ahead.sections if s.id == "backlog")
    assert ahead.notes[-1].endswith("the backlog and the deadlines missed are as of today")


def test_write_offs_are_dated_by_the_write_off(seeded: str) -> None:
    november = report(seeded, Period(date(2026, 11, 1), date(2026, 11, 20)))
    assert metric(november, "write_offs").value == D("250.00")  # M1 (denied 10-20), written off 11-10


def test_write_offs_and_their_share_of_net_patient_service_revenue(seeded: str, october: Report) -> None:
    assert metric(october, "write_offs").value == D("120.00")  # C1, 10-10; M1's of 11-10 is after October
    assert rows(october, "write_offs_by_category") == [["coding", "1", "120.00"]]
    assert fraction(metric(october, "write_off_share").value) == \
        "give the period's net patient service revenue with --npsr"
    assert fraction(metric(report(seeded, npsr=D("10000.00")), "write_off_share").value) == \
        (D("120.00"), D("10000.00"))


def test_the_monthly_trend_begins_with_the_logs_data(october: Report) -> None:
    """Twelve months end with October, but the log's first remittance is of 2026-08-10: the months
    before it would read as months without denials, so they are left out, and the note says why."""
    trend = {r[0]: r for r in rows(october, "trend")}
    assert list(trend) == ["2026-08", "2026-09", "2026-10"]
    assert october.tables()["trend"].note.endswith(
        "; the log's data begin on 2026-08-10, so the months before it are not shown")
    # August: K1 and K2, both denied at their first remittance; no submitted claims for May to July.
    assert trend["2026-08"][:6] == ["2026-08", "2", "1.0000", "1.0000", "n/a", "2"]
    assert trend["2026-10"] == ["2026-10", "8", "0.5000", "0.4643", "0.8000", "5", "1290.00", "0.8000", "6",
                                "0.5000", "650.00", "120.00"]


def test_a_period_with_no_remittances_shows_every_rate_as_not_available(seeded: str) -> None:
    july = report(seeded, Period(date(2026, 7, 1), date(2026, 7, 31)))
    # Its trend month: nothing remitted, denied or decided: rates n/a, never 0%.
    assert rows(july, "trend") == [["2026-07", "0", "n/a", "n/a", "n/a", "0", "0.00", "n/a", "0", "n/a", "0.00",
                                    "0.00"]]
    assert july.tables()["trend"].note.endswith("; the log's data begin on 2026-08-10, after the period")
    assert metric(july, "remittance_denial_rate").value.text() == "n/a (no cases in the denominator)"  # type: ignore[union-attr]
    assert metric(july, "remittance_denial_rate_dollars").value.text() == "n/a (no dollars in the denominator)"  # type: ignore[union-attr]
    assert metric(july, "overturn_rate").value.text() == "n/a (no cases in the denominator)"  # type: ignore[union-attr]
    assert metric(july, "denials_opened").value == 0
    assert metric(july, "open_denial_dollars").value == D("0.00")


def test_the_prevention_view_names_each_cause_its_team_the_change_and_the_claims(october: Report) -> None:
    assert rows(october, "prevention") == [
        ["payer's clinical judgment (medical necessity)", "clinical documentation", "no", "1", "500.00", "1",
         "200.00", "+0", "+$300.00", "B4"],
        ["authorization not obtained or not on the claim", "front desk", "yes", "1", "300.00", "0", "0.00", "+1",
         "+$300.00", "B1"],
        ["eligibility or registration not verified", "front desk", "yes", "1", "250.00", "0", "0.00", "+1",
         "+$250.00", "M1"],
        ["\"code", " modifier or diagnosis error\"", "coding", "yes", "2", "240.00", "0", "0.00", "+2", "+$240.00",
         "C1"],
        ["claim data missing or invalid", "billing", "yes", "0", "0.00", "1", "150.00", "-1", "-$150.00", ""]]
    assert october.causes.startswith("appealgen default root causes (2026-11) (built-in rules/root_causes.yaml")


def test_figures_by_payer_and_by_practice(seeded: str, october: Report) -> None:
    assert rows(october, "by_payer") == [
        ["EXAMPLE DME MAC", "5", "0.6000", "4", "1040.00", "0.7500", "6", "0.5000", "650.00", "620.00", "120.00"],
        ["CARESOURCE EXAMPLE", "3", "0.3333", "1", "250.00", "1.0000", "0", "n/a", "0.00", "420.00", "0.00"]]
    everyone = report(seeded, practice=None, by="practice")
    assert rows(everyone, "by_practice") == [  # the largest denied dollars first
        ["default", "8", "0.5000", "5", "1290.00", "0.8000", "6", "0.5000", "650.00", "1040.00", "120.00"],
        ["north", "1", "1.0000", "1", "1000.00", "0.0000", "0", "n/a", "0.00", "1000.00", "0.00"]]
    by_owner = rows(report(seeded, by="owner"), "by_owner")
    [table] = [t for s in report(seeded, by="owner").sections for t in s.tables if t.id == "by_owner"]
    assert table.columns[0].label == "Owner at the end of the period"  # B1's work counts under kim, its owner now
    assert table.note.endswith("each denial's figures go to its owner at the end of the period, earlier work included")
    assert [(r[0], r[1], r[2]) for r in by_owner][:1] == [("(none)", "", "n/a")]
    assert {r[0]: r[4] for r in by_owner} == {"(none)": "740.00", "kim": "300.00", "lee": "250.00"}


def test_the_aging_buckets_and_the_last_week_at_their_edges() -> None:
    from appealgen.reports import metrics
    from appealgen.reports.history import Open, Sent, Subject

    end = date(2026, 10, 31)

    def aged(days: int) -> Open:
        subject = Subject(days, "default", f"E{days}", "medicare-dme", "coding", "CO-4", "coding_error", True, "coding",
                          end - timedelta(days=days), D("1.00"))
        return Open(subject, D("1.00"))

    counts = [count for _, count, _ in metrics.aged_backlog([aged(n) for n in (0, 30, 31, 60, 61, 90, 91, 120, 121)],
                                                            end)]
    assert counts == [2, 2, 2, 2, 1]
    subject = aged(0).subject
    sent = [Sent(end - timedelta(days=n), subject, "Redetermination", end, True) for n in (0, 6, 7)]
    late = Sent(end + timedelta(days=1), subject, "Redetermination", end, True)
    # 0 and 6 days before the deadline are in the last week; 7 is not; a late request is a missed deadline.
    assert fraction(metrics.last_week_appeals([*sent, late])) == (2, 3)


def test_the_90th_percentile_is_the_nearest_rank() -> None:
    # Ten cases: ceil(0.9 x 10) = the 9th smallest.
    assert Days(tuple(range(1, 11))).p90 == 9


def test_days_with_no_cases_read_n_a_in_csv_as_a_rate_with_no_basis_does() -> None:
    assert (csv_cell(Days(())), csv_cell(Rate(Decimal(0), Decimal(0)))) == ("n/a", "n/a")
    assert csv_cell(Days((3, 5, 8))) == "5 (p90 8)"


def test_remitted_dollars_stay_exact_to_the_cent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    claims = [denied("ACCT-0001", billed="245.10"), paid("ACCT-0002", billed="100.20", amount="80.05")]
    import_files(settings(url), [remittance(tmp_path / "oct.835", claims)], [], None, "pat")
    dollars = metric(report(url), "remittance_denial_rate_dollars").value
    assert fraction(dollars) == (D("245.10"), D("345.30"))


def test_a_denial_billed_to_the_patient_is_not_a_write_off(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    excluded = denied("ACCT-0001", carc="204", remarks=("N130",), group="PR")  # the patient's plan excludes it
    import_files(settings(url), [remittance(tmp_path / "oct.835", [excluded])], [], None, "pat")
    billed = Entry(Kind.billed_patient, date(2026, 10, 20), "pat", amount="45.00")
    record_entry(settings(url), "ACCT-0001", billed, None)
    assert metric(report(url), "write_offs").value == D("0.00")
    assert metric(report(url), "billed_to_patients").value == D("45.00")  # shown apart, not lost


def test_a_request_sent_on_its_deadline_day_is_in_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    later = settings_for(url, date(2027, 3, 1))
    import_files(later, [remittance(tmp_path / "oct.835", [denied("ACCT-0001")])], [], None, "pat")
    # Denied 2026-10-14: the redetermination is due 2027-02-16 (5 days' receipt + 120 days).
    record_entry(later, "ACCT-0001", Entry(Kind.sent, date(2027, 2, 16), "pat", method="fax"), None)
    february = make_report(later, Options(Period(date(2027, 2, 1), date(2027, 2, 28)), practice="default"))
    assert metric(february, "deadlines_missed").value == 0


def test_only_decisions_on_requests_sent_count_and_a_dismissal_is_not_one_on_the_merits(tmp_path: Path) -> None:
    """ACCT-0001 sent and dismissed (not a decision on the merits), ACCT-0002 never sent and paid
    when the payer reprocessed it (no appeal won it), ACCT-0003 sent and overturned: 1 of 1."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    september = [denied("ACCT-0001"), denied("ACCT-0002"), denied("ACCT-0003")]
    import_files(settings(url), [remittance(tmp_path / "sep.835", september, paid_on="20260915")], [], None, "pat")
    for claim_id, outcome, amount in (("ACCT-0001", "dismissed", None), ("ACCT-0003", "overturned", "245.00")):
        record_entry(settings(url), claim_id, Entry(Kind.sent, date(2026, 9, 20), "pat", method="fax"), None)
        decision = Entry(Kind.decision, date(2026, 10, 12), "pat", outcome=outcome, amount=amount)
        record_entry(settings(url), claim_id, decision, None)
    reprocessed = [paid("ACCT-0002", billed="245.00", amount="200.00")]
    assert not import_files(settings(url), [remittance(tmp_path / "oct.835", reprocessed, paid_on="20261020")], [],
                            None, "pat").errors
    october = report(url)
    assert fraction(metric(october, "overturn_rate").value) == (1, 1)
    assert fraction(metric(october, "dismissal_rate").value) == (1, 2)  # the one lost before it was read
    assert fraction(metric(october, "overturn_rate_dollars").value) == (D("245.00"), D("245.00"))
    assert metric(october, "recovered").value == D("245.00")
    assert metric(october, "days_to_resolution").value.count == 2  # type: ignore[union-attr]  # 0002, 0003 closed


def test_a_claim_paid_in_part_with_a_line_denied_is_not_a_denied_remit(tmp_path: Path) -> None:
    """DOMAIN.md: the remittance rate counts zero-pay or denied remits. A $9,000 claim paid $6,500 with a
    $40 line denied would count as $9,000 denied; it is a denial opened at $40, and HFMA's initial rate
    (in full or on a line) still counts it."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    partly = ClaimSpec("ACCT-0005", status="1", billed="9000.00", paid="6500.00", payer_claim_number="PCN0005", lines=[
        LineSpec(billed="8960.00", paid="6500.00", cas=(("CO", "45", "2460.00"),), remarks=()),
        LineSpec(code="A7034", billed="40.00", paid="0", cas=(("CO", "97", "40.00"),), remarks=("M15",))])
    claims = [partly, denied("ACCT-0006", billed="1000.00"), paid("ACCT-0007", billed="1000.00")]
    import_files(settings(url), [remittance(tmp_path / "oct.835", claims, paid_on="20261014")], [], None, "pat")
    october = report(url)
    assert fraction(metric(october, "remittance_denial_rate").value) == (1, 3)
    assert fraction(metric(october, "remittance_denial_rate_dollars").value) == (D("1000.00"), D("11000.00"))
    assert (metric(october, "denials_opened").value, metric(october, "denied_dollars").value) == (2, D("1040.00"))


def test_a_resubmission_paid_is_not_an_appeal_won(tmp_path: Path) -> None:
    """ACCT-0004 was unprocessable (MA130): sent again as a new claim and paid. That is a claim, not
    an appeal: it is counted apart, and neither the overturn rate nor the days to appeal see it."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    september = [denied("ACCT-0003"), denied("ACCT-0004", carc="16", remarks=("MA130", "M20"))]
    import_files(settings(url), [remittance(tmp_path / "sep.835", september, paid_on="20260915")], [], None, "pat")
    for claim_id, outcome, amount in (("ACCT-0003", "upheld", None), ("ACCT-0004", "overturned", "200.00")):
        record_entry(settings(url), claim_id, Entry(Kind.sent, date(2026, 9, 20), "pat", method="fax"), None)
        decision = Entry(Kind.decision, date(2026, 10, 12), "pat", outcome=outcome, amount=amount)
        record_entry(settings(url), claim_id, decision, None)
    october = report(url)
    assert fraction(metric(october, "overturn_rate").value) == (0, 1)
    assert metric(october, "recovered").value == D("0.00")
    assert fraction(metric(october, "resubmissions_paid").value) == (1, 1)
    assert metric(october, "recovered_on_resubmission").value == D("200.00")
    assert rows(october, "appeals_by_level") == [["Redetermination", "1", "0", "0", "1", "0", "0.0000", "0.0000",
                                                  "0.00"]]
    september_report = report(url, Period(date(2026, 9, 1), date(2026, 9, 30)))
    assert metric(september_report, "days_to_appeal").value.values == (5,)  # type: ignore[union-attr]  # 0003 only


def test_a_denial_written_off_in_two_parts_has_one_endpoint_when_nothing_is_left(tmp_path: Path) -> None:
    """Written off in part on 10-05 (the rest still open), for the rest on 10-20: one resolution
    (20 days after the 09-30 denial), and the two write-offs add up to what was at stake."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    import_files(settings(url), [remittance(tmp_path / "sep.835", [denied("ACCT-0001")], paid_on="20260930")], [],
                 None, "pat")
    for kind, day, amount in ((Kind.adjusted, 5, "100.00"), (Kind.adjusted, 20, None)):
        record_entry(settings(url), "ACCT-0001", Entry(kind, date(2026, 10, day), "pat", amount=amount), None)
    october = report(url)
    assert metric(october, "days_to_resolution").value.values == (20,)  # type: ignore[union-attr]
    assert metric(october, "write_offs").value == D("245.00")


def test_a_month_not_over_by_the_periods_end_is_marked_and_has_no_hfma_rate(seeded: str) -> None:
    """To 10-20: October is shown as far as the 20th (its 10-05 and 10-20 remittances), with no
    HFMA rate (a calendar month's measure); September stays whole. By month, open dollars (at the
    end of the period) are not split by month."""
    partial = report(seeded, Period(date(2026, 9, 1), date(2026, 10, 20)), by="month")
    trend = {row[0]: row for row in rows(partial, "trend")}
    assert list(trend)[-2:] == ["2026-09", "2026-10 (to 20)"]
    assert trend["2026-10 (to 20)"][1:5] == ["8", "0.5000", "0.4643", "n/a"]  # the whole of October: 0.8000
    assert {row[0]: row[9] for row in rows(partial, "by_month")} == {"2026-09": "", "2026-10": ""}


def test_a_claim_denied_as_a_duplicate_is_not_counted_in_the_remittance_denial_rate(tmp_path: Path) -> None:
    """CARC 18: a second submission of a claim already counted (DOMAIN.md: duplicates excluded)."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    claims = [denied("ACCT-0001"), denied("ACCT-0002", carc="18", remarks=("N522",)),
              paid("ACCT-0003", billed="100.00", amount="80.00")]
    import_files(settings(url), [remittance(tmp_path / "oct.835", claims)], [], None, "pat")
    october = report(url)
    assert fraction(metric(october, "remittance_denial_rate").value) == (1, 2)
    assert fraction(metric(october, "remittance_denial_rate_dollars").value) == (D("245.00"), D("345.00"))


def test_first_remittances_are_read_from_the_covering_index_alone(tmp_path: Path) -> None:
    """A log holds millions of remitted claims: the report sums them from `remits_report` without
    reading a table row (the zero-pay rate's `paid` is in it since revision 0005)."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    import_files(settings(url), [remittance(tmp_path / "oct.835", [denied("ACCT-0001"), paid("ACCT-0002")])], [],
                 None, "pat")
    executed: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        executed.append((statement, parameters))

    with open_log(settings(url)) as log, log.reading() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        first_remittances(conn, OCTOBER, None)
        event.remove(conn, "before_cursor_execute", capture)
        statement, parameters = executed[-1]
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    assert plan[0] == "SCAN remits USING COVERING INDEX remits_report", plan
    assert "SEARCH earlier USING COVERING INDEX remits_report (practice=? AND claim_id=?)" in plan


def test_payers_that_share_a_profile_are_reported_apart(tmp_path: Path) -> None:
    """The commercial profile matches any "... HEALTH PLAN" or "... INSURANCE": a billing company's
    many commercial plans. The report names each payer as its remittance does, so each plan's
    denial rate, denials and backlog are its own."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    files = [(tmp_path / name, claims, payer) for name, claims, payer in (
        ("northwind.835", [denied("P1", "100.00")], "NORTHWIND HEALTH PLAN"),
        # The same payer, written otherwise on another file: one row all the same.
        ("northwind-inc.835", [paid("P2", "100.00", "80.00")], "Northwind Health Plan, Inc."),
        ("contoso.835", [denied("Q1", "300.00")], "CONTOSO INSURANCE"))]
    for path, claims, payer in files:
        path.write_text(interchange(claims, paid_on="20261014", trace=f"EFT-{path.stem}", payer=payer,
                                    payer_id="99999"))
    assert not import_files(settings_for(url, date(2026, 11, 20)), [f[0] for f in files], [], "default", "pat").errors
    found = make_report(settings_for(url, date(2026, 11, 20)), Options(OCTOBER, practice="default"))
    assert rows(found, "denied_by_payer") == [["CONTOSO INSURANCE", "1", "300.00", "0.7500"],
                                              ["NORTHWIND HEALTH PLAN", "1", "100.00", "0.2500"]]
    assert [row[:5] for row in rows(found, "by_payer")] == [["CONTOSO INSURANCE", "1", "1.0000", "1", "300.00"],
                                                           ["NORTHWIND HEALTH PLAN", "2", "0.5000", "1", "100.00"]]


def test_the_dollar_overturn_rate_counts_the_denied_dollars_a_decision_overturned_not_what_was_paid(
        tmp_path: Path) -> None:
    """ACCT-0001 overturned in full, paid 180.00 at the allowed amount of its 245.00 (65.00 contractual):
    245.00 overturned. ACCT-0002 overturned in part by a remittance paying 100.00 and still denying
    100.00 (45.00 contractual): 145.00 overturned. 390.00 of 490.00; 280.00 recovered."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    september = [denied("ACCT-0001"), denied("ACCT-0002")]
    import_files(settings(url), [remittance(tmp_path / "sep.835", september, paid_on="20260915")], [], None, "pat")
    for claim_id in ("ACCT-0001", "ACCT-0002"):
        record_entry(settings(url), claim_id, Entry(Kind.sent, date(2026, 9, 20), "pat", method="fax"), None)
    rest = (("CO", "45", "45.00"), ("CO", "50", "100.00"))  # contractual, and still not medically necessary
    partly = ClaimSpec("ACCT-0002", status="1", billed="245.00", paid="100.00", payer_claim_number="PCN0002",
                       lines=[LineSpec(billed="245.00", paid="100.00", cas=rest, remarks=("N115",))])
    reprocessed = [paid("ACCT-0001", billed="245.00", amount="180.00"), partly]
    partial = remittance(tmp_path / "oct.835", reprocessed, paid_on="20261020")
    assert not import_files(settings(url), [partial], [], None, "pat").errors
    october = report(url)
    assert fraction(metric(october, "overturn_rate").value) == (2, 2)
    assert fraction(metric(october, "overturn_rate_dollars").value) == (D("390.00"), D("490.00"))
    assert metric(october, "recovered").value == D("280.00")


@pytest.mark.parametrize(("remarks", "cause"), [
    (("M51",), "code, modifier or diagnosis error"),  # the remark makes CO-16 a coding denial: the coders' fix
    (("MA130",), "claim data missing or invalid"),  # CO-16 as it reads by itself: the claim lacked information
], ids=["refined-to-coding", "as-the-code-reads"])
def test_a_reason_code_a_remark_refines_takes_the_root_cause_of_the_category_it_made(
        tmp_path: Path, remarks: tuple[str, ...], cause: str) -> None:
    """CO-16 (claim lacks information) maps to claim data (billing) before its category; with M51
    (procedure code missing or invalid) the rules make it a coding denial, and its cause follows."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    october = [denied("ACCT-0001", carc="16", remarks=remarks)]
    assert not import_files(settings(url), [remittance(tmp_path / "oct.835", october)], [], None, "pat").errors
    [row] = rows(report(url), "prevention")
    assert cause.startswith(row[0].strip('"'))  # `rows` splits at every comma, a quoted label's too


def test_figures_by_level_place_a_decision_at_the_level_that_made_it(seeded: str) -> None:
    """A decision counts at the level that decided it (as appeals_by_level counts it: A1's and B4's
    upheld reconsiderations under Reconsideration, though both denials stand elsewhere now); a
    denial's other figures at the level it stands at the end of the period."""
    by_level = report(seeded, by="level")
    [table] = [t for s in by_level.sections for t in s.tables if t.id == "by_level"]
    assert table.columns[0].label == "Level"
    assert table.note.endswith("a decision goes to the level that made it, a denial's other figures to the level "
                               "it stands at the end of the period, earlier work included ((none) for a step that "
                               "sends nothing: a status check, a write-off)")
    assert {r[0]: (r[6], r[7]) for r in rows(by_level, "by_level")} == {
        "Redetermination": ("4", "0.7500"), "Reconsideration": ("2", "0.0000"), "ALJ hearing": ("0", "n/a"),
        "New claim": ("0", "n/a"), "Retroactive authorization": ("0", "n/a")}


def test_a_denial_whose_step_sends_nothing_stands_at_no_level(tmp_path: Path) -> None:
    """A duplicate's status check goes to no level, as the queue shows it (it counted under the
    redetermination whose id its step keeps)."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    claims = [denied("ACCT-0001"), denied("ACCT-0002", carc="18", remarks=("N522",))]
    import_files(settings(url), [remittance(tmp_path / "oct.835", claims)], [], None, "pat")
    assert {r[0]: r[3] for r in rows(report(url, by="level"), "by_level")} == {"Redetermination": "1", "(none)": "1"}
