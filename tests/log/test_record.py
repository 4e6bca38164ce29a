"""`log record`: every event kind, what the tool adds (follow-up dates from the payer's decision
timeframe, the next level's deadline from a decision), corrections, and every refusal with its
exact message. The claim: ACCT-0001, denied CO-50 by a DME MAC on 2026-10-14 (as of 2026-11-22)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from appealgen.errors import InputError
from appealgen.log.api import QueueFilters, import_files, open_log, record_entry, work_queue
from appealgen.log.model import Kind
from appealgen.log.queue import GOOD_CAUSE
from appealgen.log.record import Entry, Recorded
from appealgen.log.show import history, lines
from tests.log.helpers import denied, remittance, settings_for
from tests.x12gen import ClaimSpec, LineSpec

DENIED_ON = date(2026, 10, 14)


@pytest.fixture
def url(log_url: str, tmp_path: Path) -> str:
    claims = [denied("ACCT-0001"), denied("ACCT-0002", carc="29", remarks=("N211",)),
              denied("ACCT-0004", carc="204", remarks=("N130",), group="PR"),
              denied("ACCT-0005", group="PR"),  # PR-50 without modifier GA: no advance beneficiary notice
              ClaimSpec("ACCT-0006", status="4", billed="245.00", paid="0", payer_claim_number="PCN0006", lines=[
                  LineSpec(billed="245.00", paid="0", cas=(("CO", "50", "45.00"), ("PR", "204", "200.00")),
                           remarks=("N130",))]),
              ClaimSpec("ACCT-0007", status="4", billed="445.00", paid="0", payer_claim_number="PCN0007", lines=[
                  LineSpec(billed="245.00", paid="0", cas=(("CO", "50", "245.00"),), remarks=("N115",)),
                  LineSpec(code="A7030", billed="200.00", paid="0", cas=(("PR", "204", "200.00"),),
                           remarks=("N130",))])]
    import_files(settings_for(log_url), [remittance(tmp_path / "oct.835", claims)], [], None, "pat")
    return log_url


def rec(url: str, kind: str, on: date = date(2026, 10, 20), claim: str = "ACCT-0001", practice: str | None = None,
        **fields: Any) -> Recorded:
    return record_entry(settings_for(url), claim, Entry(Kind(kind), on, fields.pop("who", "pat"), **fields), practice)


def refused(url: str, kind: str, on: date = date(2026, 10, 20), claim: str = "ACCT-0001", **fields: Any) -> str:
    with pytest.raises(InputError) as caught:
        rec(url, kind, on, claim, **fields)
    return caught.value.line()


def test_sent_sets_the_follow_up_from_the_levels_decision_timeframe(url: str) -> None:
    done = rec(url, "sent", method="fax", ref="FAX-0042")
    assert (done.event.next_date, done.event.level, done.event.ref) == (date(2026, 12, 19), "redetermination",
                                                                        "FAX-0042")
    assert done.notes == ["follow up on 2026-12-19 (Redetermination is decided within 60 days)"]
    assert (done.state.status, done.state.sent_on, done.state.method) == ("sent", date(2026, 10, 20), "fax")


def test_a_level_without_a_published_timeframe_is_followed_up_after_30_days(log_url: str, tmp_path: Path) -> None:
    commercial = remittance(tmp_path / "plan.835", [replace(denied("ACCT-0003"), filing="CI")])
    commercial.write_text(commercial.read_text().replace("EXAMPLE DME MAC", "EXAMPLE HEALTH PLAN")
                          .replace("REF*2U*17003", "REF*2U*99999"))
    import_files(settings_for(log_url), [commercial], [], None, "pat")
    done = rec(log_url, "sent", claim="ACCT-0003", method="portal")
    assert done.notes == ["follow up on 2026-11-19 (Reconsideration has no published decision timeframe: follow up "
                          "after 30 days)"]


def test_a_new_claim_is_followed_up_as_a_claim_not_as_the_level_whose_id_its_step_keeps(
        log_url: str, tmp_path: Path) -> None:
    import_files(settings_for(log_url), [remittance(tmp_path / "ma130.835", [
        denied("ACCT-0009", carc="16", remarks=("MA130",))])], [], None, "pat")
    done = rec(log_url, "sent", claim="ACCT-0009", method="electronic")
    assert done.state.step.level_name == "New claim"
    assert done.notes == ["follow up on 2026-11-19 (a new claim: follow up after 30 days if it has not been paid)"]


def test_a_request_where_the_plan_sends_nothing_is_recorded_with_a_word_that_it_overrules_the_plan(
        log_url: str, tmp_path: Path) -> None:
    import_files(settings_for(log_url), [remittance(tmp_path / "dup.835", [
        denied("ACCT-0010", carc="18", remarks=())])], [], None, "pat")
    done = rec(log_url, "sent", claim="ACCT-0010", method="fax")
    assert done.notes[1:] == ["the plan's step here is check_status (duplicate: check the original claim's status; "
                              "do not appeal), which sends nothing to the payer: recorded as a request at "
                              "Redetermination all the same"]
    assert done.state.status == "sent"  # it went out: the log says so


def test_a_follow_up_moves_the_next_follow_up(url: str) -> None:
    rec(url, "sent", method="mail")
    done = rec(url, "follow_up", on=date(2026, 11, 21), next_date=date(2026, 12, 5), note="payer: in review")
    assert (done.state.follow_up, done.state.status) == (date(2026, 12, 5), "sent")


def test_overturned_closes_the_denial_with_all_that_was_at_stake_recovered(url: str) -> None:
    rec(url, "sent", method="portal")
    done = rec(url, "decision", on=date(2026, 11, 18), outcome="overturned", ref="RD-1")
    assert done.event.amount == Decimal("245.00")
    assert (done.state.status, done.state.closed_by, done.state.recovered) == \
        ("closed", "overturned", Decimal("245.00"))


def test_upheld_opens_the_next_level_with_its_deadline_from_the_decision(url: str) -> None:
    rec(url, "sent", method="fax")
    done = rec(url, "decision", on=date(2026, 11, 10), outcome="upheld", ref="RD-2")
    assert done.notes == ["next: appeal at Reconsideration by 2027-05-14"]  # 2026-11-10 + 5 + 180 days
    step = done.state.step
    assert (done.state.status, step.level, step.deadline, step.opened_on) == \
        ("open", "reconsideration", date(2027, 5, 14), date(2026, 11, 10))
    # The next submission follows up on the QIC's timeframe.
    assert rec(url, "sent", on=date(2026, 11, 20), method="mail").state.follow_up == date(2027, 1, 19)


def test_dismissed_in_its_window_files_the_request_again_by_the_first_deadline(url: str) -> None:
    """A dismissal ends that request only: the new, complete one keeps the first one's window."""
    rec(url, "sent", method="fax")
    done = rec(url, "decision", on=date(2026, 11, 10), outcome="dismissed")
    step = done.state.step
    assert (step.level, step.level_name, step.action, step.deadline, step.deadline_reason) == (
        "redetermination", "Redetermination", "appeal", date(2027, 2, 16),
        "denial date 2026-10-14 + 5 days presumed receipt + 120 days")
    assert done.notes == [  # with the dismissal's other ways out, each by its own date
        "next: appeal at Redetermination by 2027-02-16",
        "  or, if the dismissal was wrong, ask for QIC review of the redetermination dismissal by 2027-01-09 "
        "(dismissal notice 2026-11-10 + 60 days; state appeal.level: dismissal_review)",
        "  or ask DME MAC to vacate its dismissal, showing good and sufficient cause, within 6 months of the notice "
        "(42 CFR 405.952(d)): by 2027-05-10"]


def test_dismissed_after_its_window_opens_the_review_of_the_dismissal(url: str) -> None:
    rec(url, "sent", method="fax")
    late = Entry(Kind("decision"), date(2027, 2, 20), "pat", outcome="dismissed")  # the window closed 2027-02-16
    step = record_entry(settings_for(url, date(2027, 3, 1)), "ACCT-0001", late, None).state.step
    assert (step.level, step.level_name, step.deadline, step.deadline_reason) == (
        "dismissal_review", "QIC review of the redetermination dismissal", date(2027, 4, 21),
        "dismissal notice 2027-02-20 + 60 days")


def test_partial_records_the_amount_paid_and_appeals_the_rest(url: str) -> None:
    rec(url, "sent", method="fax")
    done = rec(url, "decision", on=date(2026, 11, 10), outcome="partially_overturned", amount="100.00")
    assert (done.state.recovered, done.state.remaining, done.state.step.level) == \
        (Decimal("100.00"), Decimal("145.00"), "reconsideration")


def test_after_a_partial_decision_the_next_level_weighs_what_is_left(url: str) -> None:
    """The QIC pays 100.00 of 245.00: 145.00 is in controversy at the ALJ, below its $200 minimum
    for 2026 (405.1006(b)), so the practice decides; the 245.00 before the decision was counted."""
    rec(url, "sent", method="fax")
    rec(url, "decision", on=date(2026, 11, 10), outcome="upheld")
    rec(url, "sent", on=date(2026, 11, 12), method="fax")
    step = rec(url, "decision", on=date(2026, 11, 20), outcome="partially_overturned", amount="100.00").state.step
    assert (step.level, step.action) == ("alj_hearing", "ask_client")
    assert step.deadline_reason.startswith("amount in controversy $145.00 is below the $200.00 minimum for ALJ hearing")
    # the QIC decided 2026-11-20: claims aggregated with it are due at the ALJ 60 days after its receipt
    assert step.deadline_reason.endswith("; aggregated with other claims to reach the minimum: ALJ hearing by "
                                         "2027-01-24")


def test_when_no_level_is_left_the_practice_decides(url: str) -> None:
    day = date(2026, 10, 20)
    for level in ("redetermination", "reconsideration", "alj_hearing", "appeals_council"):
        assert rec(url, "sent", on=day, method="mail").state.step.level == level
        done = rec(url, "decision", on=day, outcome="upheld")
    step = done.state.step  # $245 is below judicial review's minimum: nothing more to file
    assert (step.action, step.deadline, step.level) == ("ask_client", None, "judicial_review")
    assert step.deadline_reason == ("amount in controversy $245.00 is below the $1,960.00 minimum for Judicial "
                                    "review; the patient is not liable; aggregated with other claims to reach the "
                                    "minimum: Judicial review by 2026-12-24")


def test_adjusted_writes_off_what_is_left_and_closes(url: str) -> None:
    done = rec(url, "adjusted", claim="ACCT-0002", on=date(2026, 11, 1), note="timely filing, no proof")
    assert (done.event.amount, done.state.written_off, done.state.closed_by) == \
        (Decimal("245.00"), Decimal("245.00"), "adjusted")


def test_billing_the_patient_for_part_leaves_the_rest_open_until_it_is_settled(url: str) -> None:
    """Closed with $200 still at stake, the rest went out of every figure: it stays to be worked
    (written off, billed, or appealed) and the denial closes once nothing is left."""
    done = rec(url, "billed_patient", claim="ACCT-0004", amount="45.00")  # PR-204: excluded by the patient's plan
    assert (done.state.patient_billed, done.state.status, done.state.remaining) == \
        (Decimal("45.00"), "open", Decimal("200.00"))
    done = rec(url, "adjusted", claim="ACCT-0004", note="courtesy discount")  # the rest, by default
    assert (done.event.amount, done.state.written_off, done.state.status, done.state.closed_by, done.state.remaining) \
        == (Decimal("200.00"), Decimal("200.00"), "closed", "adjusted", Decimal(0))


def test_a_partial_write_off_leaves_the_denial_open_for_the_rest(url: str) -> None:
    done = rec(url, "adjusted", claim="ACCT-0002", amount="100.00", note="the supply line, past its limit")
    assert (done.state.written_off, done.state.status, done.state.remaining) == \
        (Decimal("100.00"), "open", Decimal("145.00"))
    rec(url, "adjusted", claim="ACCT-0001", note="timely filing, no proof")
    # the BI view reads the same rule book
    with open_log(settings_for(url)) as log, log.reading() as conn:
        rows = conn.execute(text("SELECT claim_id, status, closed_by, written_off FROM denials ORDER BY claim_id"))
        found = {claim_id: (status, closed_by, float(written_off)) for claim_id, status, closed_by, written_off in rows}
    assert (found["ACCT-0001"], found["ACCT-0002"]) == (("closed", "adjusted", 245.0), ("open", None, 100.0))


def test_only_a_balance_the_patient_is_liable_for_is_billed_to_them(url: str) -> None:
    assert refused(url, "billed_patient", amount="45.00") == (
        "ACCT-0001: billed_patient: the patient is not liable for this denial (CO-50): a patient owes only what a PR "
        "group code assigns (a PR-50 only with an advance beneficiary notice on file, modifier GA); record adjusted "
        "to write it off")
    assert refused(url, "billed_patient", claim="ACCT-0005").startswith(
        "ACCT-0005: billed_patient: the patient is not liable for this denial (PR-50)")
    assert refused(url, "billed_patient", claim="ACCT-0004", amount="245.01") == \
        "ACCT-0004: billed_patient: amount 245.01 is more than the 245.00 still at stake"
    assert rec(url, "billed_patient", claim="ACCT-0004").event.amount == Decimal("245.00")  # all the PR amount
    # Part of the line the provider's (CO-50), part the patient's (PR-204): the patient owes the PR part only.
    assert refused(url, "billed_patient", claim="ACCT-0006") == \
        "ACCT-0006: billed_patient: amount 245.00 is more than the 200.00 the remittance's PR codes put on the patient"
    assert rec(url, "billed_patient", claim="ACCT-0006", amount="200.00").state.patient_billed == Decimal("200.00")
    # The device line (CO-50, $245) decides the claim's denial; the PR line is planned apart, as a
    # denial of its own that the import opened (ACCT-0007-L2): that one the patient owes.
    assert refused(url, "billed_patient", claim="ACCT-0007").startswith(
        "ACCT-0007: billed_patient: the patient is not liable for this denial")
    done = rec(url, "billed_patient", claim="ACCT-0007-L2")
    assert (done.event.amount, done.state.denial.category, done.state.status) == (
        Decimal("200.00"), "coverage", "closed")


def test_assigned_sets_the_owner(url: str) -> None:
    assert rec(url, "assigned", owner="sam").state.owner == "sam"
    assert rec(url, "assigned", owner="lee").state.owner == "lee"


def test_reopened_works_a_closed_denial_again(url: str) -> None:
    rec(url, "adjusted", on=date(2026, 10, 21))
    done = rec(url, "reopened", on=date(2026, 11, 2), note="payer reopened the claim")
    assert (done.state.status, done.state.step.level) == ("open", "redetermination")


def test_reopening_a_written_off_denial_says_how_to_undo_the_write_off(url: str) -> None:
    """Reopened, a denial written off still has nothing at stake (the write-off stands, and the
    report counts it): a payment after an appeal could not be recorded. The note says how to undo
    the write-off itself, and doing so puts the amount back at stake."""
    written = rec(url, "adjusted", on=date(2026, 10, 21)).event
    done = rec(url, "reopened", on=date(2026, 11, 2), note="the client wants it appealed")
    assert done.notes == [
        f"the write-off of 245.00 (#{written.id}) stays recorded, so nothing is at stake: if it was undone, void "
        f"this reopening, then the write-off (`log record ACCT-0001 correction --voids {written.id} --note ...`), "
        "which reopens the denial with its amount"]
    rec(url, "correction", on=date(2026, 11, 2), voids=done.event.id, note="the write-off is undone instead")
    undone = rec(url, "correction", on=date(2026, 11, 2), voids=written.id, note="reversed in the billing system")
    assert (undone.state.status, undone.state.remaining) == ("open", Decimal("245.00"))


def test_a_correction_voids_an_event_and_keeps_it_visible(url: str) -> None:
    sent = rec(url, "sent", method="fax").event
    done = rec(url, "correction", on=date(2026, 10, 21), voids=sent.id, note="sent for another claim")
    assert done.state.status == "open"  # the derived state drops the voided event
    assert [e.id for e in done.state.events] == [sent.id, done.event.id]  # the history keeps both
    assert done.state.voided[sent.id or 0].note == "sent for another claim"
    assert rec(url, "sent", on=date(2026, 10, 22), method="portal").state.method == "portal"


def test_refusals_out_of_order(url: str) -> None:
    assert refused(url, "decision", outcome="upheld") == \
        "ACCT-0001: decision: no request is pending for Redetermination; record sent first"
    assert refused(url, "sent", on=date(2026, 10, 1), method="fax") == \
        "ACCT-0001: sent: date 2026-10-01 is before the denial (2026-10-14)"
    rec(url, "sent", method="fax")
    assert refused(url, "sent", on=date(2026, 10, 21), method="fax") == \
        "ACCT-0001: sent: already sent on 2026-10-20 for Redetermination; record a decision or a follow-up"
    assert refused(url, "decision", on=date(2026, 10, 19), outcome="upheld") == \
        "ACCT-0001: decision: date 2026-10-19 is before the request was sent (2026-10-20)"
    assert refused(url, "reopened") == \
        "ACCT-0001: reopened: the denial is open; only a closed denial can be reopened"
    rec(url, "decision", on=date(2026, 11, 1), outcome="overturned")
    assert refused(url, "assigned", on=date(2026, 11, 2), owner="sam") == \
        "ACCT-0001: assigned: the denial is closed (overturned on 2026-11-01); record reopened first"
    assert refused(url, "sent", on=date(2026, 11, 23), method="fax") == \
        "ACCT-0001: date: 2026-11-23 is after today (2026-11-22)"


def test_refusals_of_options(url: str) -> None:
    assert refused(url, "sent") == "ACCT-0001: method: is required for sent"
    assert refused(url, "decision", outcome="upheld", method="fax") == "ACCT-0001: method: does not apply to decision"
    assert refused(url, "follow_up") == "ACCT-0001: next: is required for follow_up"
    assert refused(url, "follow_up", next_date=date(2026, 10, 20)) == \
        "ACCT-0001: next: 2026-10-20 must be after the event's date (2026-10-20)"
    assert refused(url, "assigned") == "ACCT-0001: owner: is required for assigned"
    assert refused(url, "correction", voids=1) == "ACCT-0001: note: is required for correction"
    assert refused(url, "adjusted", amount="12.345") == "ACCT-0001: amount: '12.345' is not an amount (like 120.50)"
    assert refused(url, "adjusted", amount="-5") == "ACCT-0001: amount: '-5' is not an amount (like 120.50)"
    assert refused(url, "decision", outcome="partially_overturned") == \
        "ACCT-0001: amount: is required for a partial decision (the amount paid)"
    assert refused(url, "sent", method="pigeon") == "ACCT-0001: method: must be one of fax, portal, mail, electronic"


def test_refusals_of_corrections(url: str) -> None:
    sent = rec(url, "sent", method="fax").event
    decision = rec(url, "decision", on=date(2026, 11, 10), outcome="upheld").event
    assert refused(url, "correction", voids=sent.id, note="wrong") == (
        f"ACCT-0001: correction: event #{decision.id} (decision) depends on event #{sent.id}; "
        f"correct #{decision.id} first")
    correction = rec(url, "correction", on=date(2026, 11, 11), voids=decision.id, note="typed too soon").event
    assert refused(url, "correction", voids=decision.id, note="again") == \
        f"ACCT-0001: correction: event #{decision.id} is already voided by #{correction.id}"
    assert refused(url, "correction", voids=correction.id, note="undo") == \
        f"ACCT-0001: correction: event #{correction.id} is a correction; record the event again instead"
    assert refused(url, "correction", voids=9999, note="x") == \
        "ACCT-0001: correction: event #9999 is not an event of this denial"


def test_an_unknown_claim_is_refused(url: str) -> None:
    assert refused(url, "sent", claim="ACCT-9999", method="fax") == \
        "ACCT-9999: claim: not in the log (practice default); import its remittance first " \
        "(appealgen log import FILE.835), or build its claim file, a CSV export's too, with the log in use (its " \
        "denial opens from it)"


def test_a_claim_id_in_two_practices_needs_the_practice(log_url: str, tmp_path: Path) -> None:
    file = remittance(tmp_path / "oct.835", [denied("ACCT-0001")])
    for practice in ("North", "South"):
        import_files(settings_for(log_url), [file], [], practice, "pat")
    assert refused(log_url, "sent", method="fax") == \
        "ACCT-0001: practice: the claim is in several practices (North, South); name one with --practice"
    assert rec(log_url, "sent", method="fax", practice="South").state.denial.practice == "South"


def test_a_patient_code_the_remarks_make_the_providers_to_resolve_says_so(log_url: str, tmp_path: Path) -> None:
    """PR-96 with M127 (missing medical record): the payer wants the record first; "a patient owes only
    what a PR group code assigns" said of a PR code read as a contradiction."""
    claim = denied("ACCT-0009", carc="96", remarks=("M127",), group="PR")
    import_files(settings_for(log_url), [remittance(tmp_path / "oct.835", [claim])], [], None, "pat")
    assert refused(log_url, "billed_patient", claim="ACCT-0009") == (
        "ACCT-0009: billed_patient: the patient is not liable for this denial (PR-96 with remark codes M127): the "
        "rules read it as a missing information denial for the provider to resolve with the payer first; record "
        "adjusted to write it off, or the payer's answer when it comes")


def test_a_dismissals_other_ways_out_stay_in_sight_once_the_refile_window_passes(url: str) -> None:
    """Dismissed six days before the redetermination's window closes: a new request is the step
    (decided on its merits), but once that day passes the review of the dismissal (the QIC, 60
    days from its receipt) and a request to vacate it (6 months) are still open, and the missed
    step says so instead of leaving only good cause or a write-off."""
    later = settings_for(url, date(2027, 3, 2))
    record_entry(later, "ACCT-0001", Entry(Kind.sent, date(2027, 1, 20), "pat", method="fax"), None)
    done = record_entry(later, "ACCT-0001", Entry(Kind.decision, date(2027, 2, 10), "pat", outcome="dismissed"),
                        None)
    assert done.notes[0] == "next: appeal at Redetermination by 2027-02-16"
    review = ("or, if the dismissal was wrong, ask for QIC review of the redetermination dismissal by 2027-04-11 "
              "(dismissal notice 2027-02-10 + 60 days; state appeal.level: dismissal_review)")
    vacate = ("or ask DME MAC to vacate its dismissal, showing good and sufficient cause, within 6 months of the "
              "notice (42 CFR 405.952(d)): by 2027-08-10")
    assert done.notes[1:] == [f"  {review}", f"  {vacate}"]
    queue = work_queue(later, QueueFilters())
    [missed] = [r for r in queue.missed if r.claim_id == "ACCT-0001"]
    assert missed.note == "; ".join([GOOD_CAUSE, review, vacate])
    # Once the review's own date has passed, only the request to vacate is left beside good cause
    assert done.state.options_open(date(2027, 5, 1)) == [vacate]
    # `log show` says the same: the decision's line names them, and so does the missed step
    with open_log(later) as log, log.reading() as conn:
        shown = lines(history(conn, "default", "ACCT-0001"), date(2027, 3, 2))
    assert shown[-2].endswith(f"decision       dismissed; next: appeal at Redetermination by 2027-02-16; {review}; "
                              f"{vacate} (by pat)")
    assert shown[-1] == ("    now open: appeal at Redetermination by 2027-02-16 (MISSED by 14 days: send with good "
                         f"cause, or adjust; {review}; {vacate}); owner -; 245.00 at stake")
