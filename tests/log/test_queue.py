"""The work queue's ranking: priority = amount at stake x likelihood of recovery x urgency, on an
example worked out by hand; the urgency curve; the beta prior moving to observed outcomes; missed
deadlines listed apart; filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from appealgen.log.api import QueueFilters, import_files, live_outcomes, open_log, record_entry, work_queue
from appealgen.log.model import Denial, Event, Facts, Kind, Step
from appealgen.log.queue import build_queue, likelihood, outcome_table, urgency
from appealgen.log.record import Entry
from appealgen.log.state import State, derive
from appealgen.log.views import queue_lines
from tests.log.helpers import denied, remittance, settings_for

TODAY = date(2026, 11, 22)


def denial(claim_id: str, payer: str, category: str, at_stake: str, action: str, days_left: int | None,
           denial_id: int) -> Denial:
    deadline = TODAY + timedelta(days=days_left) if days_left is not None else None
    step = Step("reconsideration", "Reconsideration", action, deadline, "", date(2026, 10, 1))
    return Denial("default", claim_id, payer, category, date(2026, 10, 1), Decimal(at_stake), step, id=denial_id)


def example() -> list[State]:
    sent = Event(Kind.sent, date(2026, 10, 5), "pat", method="fax", next_date=TODAY + timedelta(days=10), id=1)
    written_off = Event(Kind.adjusted, date(2026, 10, 6), "pat", amount=Decimal("80.00"), id=2)
    return [
        derive(denial("ACCT-A", "commercial", "coding", "1000.00", "reconsideration", 33, 1), []),
        derive(denial("ACCT-B", "medicare-dme", "medical_necessity", "3000.00", "appeal", 99, 2), []),
        derive(denial("ACCT-C", "medicare-dme", "medical_necessity", "500.00", "appeal", 5, 3), []),
        derive(denial("ACCT-D", "medicare-dme", "timely_filing", "95.00", "adjust", None, 4), []),
        derive(denial("ACCT-E", "medicare-dme", "authorization", "1180.00", "appeal", -21, 5), []),
        derive(denial("ACCT-F", "medicare-dme", "medical_necessity", "200.00", "appeal", 40, 6), [sent]),
        derive(denial("ACCT-G", "medicare-dme", "coding", "80.00", "appeal", 40, 7), [written_off]),
    ]


def test_the_ranking_worked_by_hand() -> None:
    # The log has decided three coding appeals with the commercial payer: overturned, partial, upheld.
    outcomes = outcome_table([("commercial", "coding", "overturned", 1),
                              ("commercial", "coding", "partially_overturned", 1),
                              ("commercial", "coding", "upheld", 1)])
    queue = build_queue(example(), TODAY, outcomes)
    ranked = [(r.claim_id, r.amount, round(r.likelihood, 6), round(r.urgency, 6), r.priority) for r in queue.rows]
    assert ranked == [
        # 1000 x (0.90 x 20 + 1.5) / (20 + 3) x (1 + 9 x (60 - 33) / 53) = 5,772,000 / 1,219 = 4,735.03
        ("ACCT-A", Decimal("1000.00"), round(19.5 / 23, 6), round(1 + 9 * 27 / 53, 6), 4735.03),
        ("ACCT-C", Decimal("500.00"), 0.25, 10.0, 1250.00),  # 5 days left: most urgent
        ("ACCT-B", Decimal("3000.00"), 0.25, 1.0, 750.00),  # 99 days left: not urgent yet
        # sent: due is its follow-up, 10 days away: 200 x 0.25 x (1 + 9 x 50 / 53)
        ("ACCT-F", Decimal("200.00"), 0.25, round(1 + 9 * 50 / 53, 6), 474.53),
        ("ACCT-D", Decimal("95.00"), 0.0, 1.0, 0.0),  # adjust: nothing to recover from the payer
    ]
    assert [r.next_action for r in queue.rows] == ["reconsideration", "appeal", "appeal", "follow_up", "adjust"]
    # a step that files nothing is taken at no level
    assert [r.level for r in queue.rows] == ["Reconsideration"] * 4 + [""]
    assert queue_lines(queue, 10)[-1].startswith("     ACCT-E           medicare-dme             authorization        "
                                                 "Reconsideration  appeal")
    assert queue_lines(queue, 10)[6].startswith("   5 ACCT-D           medicare-dme             timely_filing        "
                                                "-                adjust ")
    assert queue.rows[0].why == "prior 90% (coding denials, about 90% (published)) with 3 decided here, 1.5 won"
    assert queue.rows[3].follow_up == TODAY + timedelta(days=10)
    # the request went before its deadline: the table says so beside it, not the days to (or past) it;
    # the row is due at its follow-up
    sent = queue.rows[3]
    assert sent.deadline is not None and sent.days_left == 10
    assert f"{sent.deadline}  sent {sent.follow_up} " in queue_lines(queue, 10)[5]
    [missed] = queue.missed  # ACCT-G is closed: not in the queue at all
    assert (missed.claim_id, missed.days_left, missed.note) == \
        ("ACCT-E", -21, "deadline passed: send it late with a statement of good cause, or record adjusted")


@pytest.mark.parametrize(("days", "expected"), [
    (None, 1.0), (120, 1.0), (60, 1.0), (59, 1 + 9 / 53), (33, 1 + 9 * 27 / 53), (8, 1 + 9 * 52 / 53),
    (7, 10.0), (0, 10.0), (-3, 10.0),
])
def test_urgency_is_1_at_60_days_or_more_rising_straight_to_10_at_7(days: int | None, expected: float) -> None:
    assert urgency(days) == pytest.approx(expected)


def test_the_prior_weighs_as_much_as_twenty_decided_appeals() -> None:
    assert likelihood("p", "medical_necessity", "appeal", {}).rate == 0.25
    # 20 upheld with this payer: the prior and the log weigh the same, so the rate halves.
    assert likelihood("p", "medical_necessity", "appeal", {("p", "medical_necessity"): (0.0, 20)}).rate == 0.125
    # Many overturned: the observed rate takes over.
    assert likelihood("p", "medical_necessity", "appeal", {("p", "medical_necessity"): (980.0, 1000)}).rate == \
        pytest.approx((5 + 980) / 1020)
    assert likelihood("p", "other", "appeal", {}).rate == 0.5
    # A duplicate denial is mostly of a claim already paid: it must not rank with the billing errors.
    assert likelihood("p", "duplicate", "check_status", {}).rate == 0.10
    assert likelihood("p", "coding", "bill_patient", {}).reason == "bill_patient: nothing to recover from the payer"


def test_filters_by_owner_and_due_date() -> None:
    states = example()
    states[1] = derive(states[1].denial, [Event(Kind.assigned, date(2026, 10, 2), "pat", owner="sam", id=9)])
    assert [r.claim_id for r in build_queue(states, TODAY, {}, owner="sam").rows] == ["ACCT-B"]
    due = build_queue(states, TODAY, {}, due_within=30)
    assert ([r.claim_id for r in due.rows], [r.claim_id for r in due.missed]) == (["ACCT-C", "ACCT-F"], ["ACCT-E"])


def test_the_log_learns_from_decisions_that_were_not_voided(log_url: str, tmp_path: Path) -> None:
    """Decisions on the merits, made by the day the queue is for: a voided one, a dismissal (it
    decides nothing about the claim) and one after --as-of are not learnt from."""
    claims = [denied(f"ACCT-000{n}") for n in range(1, 6)]
    settings = settings_for(log_url)
    import_files(settings, [remittance(tmp_path / "oct.835", claims)], [], None, "pat")
    for n, outcome, on in ((4, "dismissed", date(2026, 11, 10)), (5, "overturned", date(2026, 11, 23))):
        record_entry(settings_for(log_url, on), f"ACCT-000{n}",
                     Entry(Kind.sent, date(2026, 10, 20), "pat", method="fax"), None)
        record_entry(settings_for(log_url, on), f"ACCT-000{n}", Entry(Kind.decision, on, "pat", outcome=outcome),
                     None)
    ids = []
    for n, outcome in ((1, "overturned"), (2, "upheld"), (3, "overturned")):
        record_entry(settings, f"ACCT-000{n}", Entry(Kind.sent, date(2026, 10, 20), "pat", method="fax"), None)
        done = record_entry(settings, f"ACCT-000{n}", Entry(Kind.decision, date(2026, 11, 10), "pat",
                                                            outcome=outcome), None)
        ids.append(done.event.id)
    record_entry(settings, "ACCT-0003", Entry(Kind.correction, date(2026, 11, 11), "pat", voids=ids[2],
                                              note="another claim's letter"), None)
    with open_log(settings) as log, log.reading() as conn:
        assert sorted(live_outcomes(conn, settings.today)) == [("medicare-dme", "medical_necessity", "overturned", 1),
                                                               ("medicare-dme", "medical_necessity", "upheld", 1)]
    queue = work_queue(settings, QueueFilters())
    # ACCT-0002 is at reconsideration now, ACCT-0003 awaits its decision again: (0.25 x 20 + 1) / 22.
    likely = {r.claim_id: round(r.likelihood, 6) for r in queue.rows}
    assert (likely["ACCT-0002"], likely["ACCT-0003"]) == (round(6 / 22, 6), round(6 / 22, 6))


def test_the_queue_filters_by_practice_payer_and_category(tmp_path: Path) -> None:
    settings = settings_for(str(tmp_path / "log.sqlite"))
    oct_file = remittance(tmp_path / "oct.835", [denied("ACCT-0001"), denied("ACCT-0002", carc="197", remarks=())])
    import_files(settings, [oct_file], [], "North", "pat")
    import_files(settings, [oct_file], [], "South", "pat")
    assert len(work_queue(settings, QueueFilters()).rows) == 4
    assert [(r.practice, r.claim_id) for r in work_queue(settings, QueueFilters(practice="South")).rows] == \
        [("South", "ACCT-0002"), ("South", "ACCT-0001")]
    assert [r.category for r in work_queue(settings, QueueFilters(category="authorization")).rows] == \
        ["authorization", "authorization"]
    assert work_queue(settings, QueueFilters(payer="commercial")).rows == []


def test_the_deadline_day_itself_is_still_in_time() -> None:
    today = derive(denial("ACCT-T", "medicare-dme", "coding", "100.00", "appeal", 0, 1), [])
    yesterday = derive(denial("ACCT-Y", "medicare-dme", "coding", "100.00", "appeal", -1, 2), [])
    queue = build_queue([today, yesterday], TODAY, {})
    assert ([r.claim_id for r in queue.rows], [r.claim_id for r in queue.missed]) == (["ACCT-T"], ["ACCT-Y"])
    assert queue.rows[0].urgency == 10.0


def test_states_not_stored_in_a_log_are_each_a_row() -> None:
    unsaved = [State(d, d.first) for d in (denial("ACCT-X", "commercial", "coding", "100.00", "appeal", 30, 0),
                                            denial("ACCT-Y", "commercial", "coding", "200.00", "appeal", 30, 0))]
    for state in unsaved:
        state.denial.id = None
    assert [r.claim_id for r in build_queue(unsaved, TODAY, {}).rows] == ["ACCT-Y", "ACCT-X"]


def test_a_row_names_the_payer_as_its_remittance_did_written_one_way() -> None:
    """The queue filters by payer profile; its rows also name the payer itself, as the report does."""
    opened = denial("ACCT-N", "commercial", "coding", "100.00", "reconsideration", 30, 1)
    opened.facts = Facts("835", "Northwind Health Plan, Inc.", "CO-97", (), (), (), False, date(2026, 9, 2),
                         Decimal("100.00"), Decimal(0), "key")
    unnamed = denial("ACCT-M", "commercial", "coding", "90.00", "reconsideration", 30, 2)  # read without its facts
    rows = build_queue([derive(opened, []), derive(unnamed, [])], TODAY, {}).rows
    assert [(r.claim_id, r.payer, r.payer_name) for r in rows] == [
        ("ACCT-N", "commercial", "NORTHWIND HEALTH PLAN"), ("ACCT-M", "commercial", "")]
    assert [line.split()[2] for line in queue_lines(build_queue([derive(unnamed, [])], TODAY, {}), 5)[2:]] == [
        "commercial"]
