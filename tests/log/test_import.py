"""`log import`: every remitted claim recorded once, denials opened with the plan's first step,
outcomes read from later remittances; submitted claims from a CSV. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from appealgen.errors import InputErrors
from appealgen.log.api import import_files, open_log, record_entry
from appealgen.log.importer import FileResult
from appealgen.log.model import Kind
from appealgen.log.record import Entry
from appealgen.log.state import State
from appealgen.log.store import Filters, load_current, load_states
from appealgen.log.tables import denials, events, imports, remits, submissions
from tests.conftest import TODAY
from tests.log.helpers import denied, paid, partly, remittance, reversal, settings_for, submitted_csv
from tests.x12gen import ClaimSpec, LineSpec

DECEMBER = date(2026, 12, 31)  # a day after the December remittances: a log refuses one dated after today


def counts(url: str) -> dict[str, int]:
    with open_log(settings_for(url)) as log, log.reading() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (imports, remits, submissions, denials, events)}


def states(url: str, claim_id: str, practice: str = "default") -> list[State]:
    with open_log(settings_for(url)) as log, log.reading() as conn:
        return load_states(conn, Filters(practice=practice, claim_ids=(claim_id,)))


def import_835(url: str, path: Path, practice: str | None = None, today: date = TODAY) -> list[FileResult]:
    result = import_files(settings_for(url, today), [path], [], practice, "pat")
    assert result.errors == []
    return result.files


def test_every_claim_is_recorded_paid_or_denied_and_each_denial_opened(log_url: str, tmp_path: Path) -> None:
    file = remittance(tmp_path / "oct.835", [denied("ACCT-0001"), paid("ACCT-0002"), reversal("ACCT-0003")])
    assert import_835(log_url, file) == [FileResult("oct.835", claims=3, new=3, denials=1, outcomes=0)]
    with open_log(settings_for(log_url)) as log, log.reading() as conn:
        rows = conn.execute(select(remits.c.claim_id, remits.c.denied, remits.c.reversal, remits.c.billed,
                                   remits.c.paid, remits.c.remit_date).order_by(remits.c.segment)).all()
    assert [tuple(r) for r in rows] == [
        ("ACCT-0001", True, False, Decimal("245.00"), Decimal("0.00"), date(2026, 10, 14)),
        ("ACCT-0002", False, False, Decimal("245.00"), Decimal("180.00"), date(2026, 10, 14)),
        ("ACCT-0003", False, True, Decimal("-245.00"), Decimal("0.00"), date(2026, 10, 14)),
    ]
    [opened] = states(log_url, "ACCT-0001")
    denial = opened.denial
    assert (denial.payer, denial.category, denial.recorded.reason, denial.recorded.codes) == \
        ("medicare-dme", "medical_necessity", "CO-50", ("CO-50", "N115"))
    assert (denial.at_stake, denial.denied_on, denial.recorded.first_dos) == (Decimal("245.00"), date(2026, 10, 14),
                                                                              date(2026, 9, 2))
    # The plan's first step: a redetermination within 120 days of receipt (5 days after the notice).
    first = opened.step
    assert (first.level, first.action, first.deadline) == ("redetermination", "appeal", date(2027, 2, 16))
    assert first.deadline_reason == "denial date 2026-10-14 + 5 days presumed receipt + 120 days"


def test_a_line_paid_with_a_contractual_write_off_puts_nothing_at_stake(log_url: str, tmp_path: Path) -> None:
    """A claim paid on one line (its CO-45 write-off is no one's to recover) and denied on the
    other: only the denied line is at stake, as the queue ranks it and the report counts it."""
    mixed = ClaimSpec("ACCT-0009", status="1", billed="395.00", paid="150.00", payer_claim_number="PCN0009", lines=[
        LineSpec(billed="245.00", paid="150.00", cas=(("CO", "45", "95.00"),), remarks=()),
        LineSpec(code="A7034", billed="150.00", paid="0", cas=(("CO", "50", "150.00"),), remarks=("N115",))])
    import_835(log_url, remittance(tmp_path / "oct.835", [mixed]))
    [opened] = states(log_url, "ACCT-0009")
    assert opened.denial.at_stake == Decimal("150.00")


def test_a_contractual_write_off_on_the_denied_line_itself_is_not_at_stake(log_url: str, tmp_path: Path) -> None:
    """One line reduced by contract (CO-45) and denied for the rest (CO-50): what is at stake is
    what the denial took, as `era` shows it and the letter asks for; the write-off would keep the
    denial open after the payer paid all it denied."""
    reduced = ClaimSpec("ACCT-0010", status="1", billed="300.00", paid="95.00", payer_claim_number="PCN0010", lines=[
        LineSpec(billed="300.00", paid="95.00", cas=(("CO", "45", "20.00"), ("CO", "50", "185.00")),
                 remarks=("N115",))])
    import_835(log_url, remittance(tmp_path / "oct.835", [reduced]))
    [opened] = states(log_url, "ACCT-0010")
    assert opened.denial.at_stake == Decimal("185.00")


def test_importing_the_same_remittance_again_records_nothing(log_url: str, tmp_path: Path) -> None:
    file = remittance(tmp_path / "oct.835", [denied("ACCT-0001"), paid("ACCT-0002")])
    import_835(log_url, file)
    before = counts(log_url)
    assert import_835(log_url, file) == [FileResult("oct.835", claims=2, new=0, denials=0, outcomes=0)]
    copy = tmp_path / "copy-of-oct.835"  # the same payment downloaded twice under another name
    copy.write_bytes(file.read_bytes())
    assert import_835(log_url, copy)[0].new == 0
    assert counts(log_url) == before


def test_a_later_payment_overturns_the_open_denial_with_the_amount_recovered(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    later = remittance(tmp_path / "nov.835", [reversal("ACCT-0001"), paid("ACCT-0001", amount="180.00")],
                       paid_on="20261120", trace="EFT0002")
    assert import_835(log_url, later) == [FileResult("nov.835", claims=2, new=2, denials=0, outcomes=1)]
    [state] = states(log_url, "ACCT-0001")
    [decision] = state.decisions
    assert (decision.outcome, decision.amount, decision.on, decision.level) == \
        ("overturned", Decimal("180.00"), date(2026, 11, 20), "redetermination")
    assert decision.details["file"] == "nov.835"
    assert (state.status, state.closed_by, state.recovered) == ("closed", "overturned", Decimal("180.00"))


def sent(url: str, claim_id: str, on: date = date(2026, 10, 20)) -> None:
    record_entry(settings_for(url), claim_id, Entry(Kind.sent, on, "pat", method="fax"), None)


def test_denied_again_is_upheld_and_the_next_level_counts_from_that_remittance(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001")
    import_835(log_url, remittance(tmp_path / "dec.835", [denied("ACCT-0001")], paid_on="20261201", trace="E2"),
               today=DECEMBER)
    [state] = states(log_url, "ACCT-0001")
    assert [(d.outcome, d.on) for d in state.decisions] == [("upheld", date(2026, 12, 1))]
    step = state.step
    assert (state.status, step.level, step.action) == ("open", "reconsideration", "appeal")
    assert (step.deadline, step.opened_on) == (date(2027, 6, 4), date(2026, 12, 1))  # 2026-12-01 + 5 + 180
    assert step.deadline_reason == "previous decision 2026-12-01 + 5 days presumed receipt + 180 days"


def test_denied_again_with_nothing_sent_is_a_resubmission_not_a_decision(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    again = remittance(tmp_path / "dec.835", [denied("ACCT-0001")], paid_on="20261201", trace="E2")
    assert import_835(log_url, again, today=DECEMBER) == [FileResult("dec.835", claims=1, new=1, denials=0,
                                                                      outcomes=0)]
    [state] = states(log_url, "ACCT-0001")
    assert (state.status, state.step.level, state.decisions) == ("open", "redetermination", ())


def test_paid_in_part_and_denied_for_the_rest_is_partial(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001")
    import_835(log_url, remittance(tmp_path / "nov.835", [partly("ACCT-0001", amount="100.00")],
                                   paid_on="20261120", trace="E2"))
    [state] = states(log_url, "ACCT-0001")
    assert [(d.outcome, d.amount) for d in state.decisions] == [("partially_overturned", Decimal("100.00"))]
    assert (state.status, state.step.level, state.remaining) == ("open", "reconsideration", Decimal("145.00"))


def test_a_remittance_paying_less_than_the_log_records_recovered_is_named(log_url: str, tmp_path: Path) -> None:
    """A partial decision typed with the amount asked for (245.00), then the remittance that pays
    100.00: the figures disagree, and a remittance cannot correct a person's entry."""
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001")
    typed = Entry(Kind.decision, date(2026, 11, 10), "pat", outcome="partially_overturned", amount="245.00")
    record_entry(settings_for(log_url), "ACCT-0001", typed, None)
    result = import_files(settings_for(log_url), [remittance(tmp_path / "nov.835", [partly("ACCT-0001")],
                                                            paid_on="20261120", trace="E2")], [], None, "pat")
    assert [w for w in result.warnings if "ACCT-0001" in w] == [
        "nov.835: segment 13 (CLP): pays ACCT-0001 100.00 since its denial, but the log records 245.00 recovered: "
        "check the decision recorded by hand (`log show ACCT-0001`), and correct its amount if the payer paid what "
        "the remittance says"]


def test_a_remittance_of_the_denial_day_is_the_denial_itself_not_its_outcome(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001", date(2026, 10, 14))  # sent the day it was denied: a request is pending
    again = remittance(tmp_path / "oct-resent.835", [denied("ACCT-0001")], trace="EFT-RESENT")
    assert import_835(log_url, again) == [FileResult("oct-resent.835", claims=1, new=1, denials=0, outcomes=0)]
    [state] = states(log_url, "ACCT-0001")
    assert (state.status, state.decisions) == ("sent", ())


def test_a_claim_denied_after_its_denial_was_closed_opens_a_new_denial(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    import_835(log_url, remittance(tmp_path / "nov.835", [paid("ACCT-0001")], paid_on="20261120", trace="E2"))
    import_835(log_url, remittance(tmp_path / "dec.835", [denied("ACCT-0001", carc="18", remarks=("N522",))],
                                   paid_on="20261215", trace="E3"), today=DECEMBER)
    first, second = states(log_url, "ACCT-0001")
    assert (first.status, second.status) == ("closed", "open")
    assert (second.denial.category, second.step.action) == ("duplicate", "check_status")


def test_a_claim_the_rules_cannot_plan_is_recorded_from_its_codes(log_url: str, tmp_path: Path) -> None:
    odd_code = ClaimSpec("ACCT-0009", status="4", billed="310.00", paid="0", payer_claim_number="PCN0009",
                         lines=[LineSpec(code="12", billed="310.00", cas=(("CO", "50", "310.00"),))])
    result = import_files(settings_for(log_url), [remittance(tmp_path / "oct.835", [odd_code])], [], None, "pat")
    assert result.warnings == [f"{tmp_path / 'oct.835'}: segment 13 (CLP): service_lines[0].code: String should "
                               "match pattern '^[A-Z0-9]{4,5}$'; its denial is recorded from its codes alone"]
    [state] = states(log_url, "ACCT-0009")
    assert (state.denial.category, state.denial.at_stake, state.step.action) == \
        ("medical_necessity", Decimal("310.00"), "appeal")


def test_practices_keep_their_own_denials_of_the_same_claim_id(log_url: str, tmp_path: Path) -> None:
    file = remittance(tmp_path / "oct.835", [denied("ACCT-0001")])
    import_835(log_url, file, practice="North Clinic")
    assert import_835(log_url, file, practice="South Clinic")[0].denials == 1  # another practice's payment
    assert [s.denial.practice for s in states(log_url, "ACCT-0001", "North Clinic")] == ["North Clinic"]
    assert [s.denial.practice for s in states(log_url, "ACCT-0001", "South Clinic")] == ["South Clinic"]


def test_submitted_claims_are_recorded_once(log_url: str, tmp_path: Path) -> None:
    rows = [("ACCT-0001", "medicare-dme", "2026-09-05", "245.00"),
            ("ACCT-0002", "commercial", "09/06/2026", "$1,180.00")]  # US forms, as claim exports write them
    csv_file = submitted_csv(tmp_path / "september.csv", rows)
    settings = settings_for(log_url)
    assert import_files(settings, [], [csv_file], None, "pat").files == [FileResult("september.csv", claims=2, new=2)]
    assert import_files(settings, [], [csv_file], None, "pat").files == [FileResult("september.csv", claims=2, new=0)]
    with open_log(settings) as log, log.reading() as conn:
        found = conn.execute(select(submissions.c.claim_id, submissions.c.payer, submissions.c.submitted_on,
                                    submissions.c.charge).order_by(submissions.c.id)).all()
    assert [tuple(r) for r in found] == [("ACCT-0001", "medicare-dme", date(2026, 9, 5), Decimal("245.00")),
                                         ("ACCT-0002", "commercial", date(2026, 9, 6), Decimal("1180.00"))]


def test_a_submitted_claims_file_with_bad_rows_records_nothing_and_names_each(log_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,payer,date,charge,notes\nACCT-0001,medicare-dme,2026-09-05,245.00,ok\n"
                   "ACCT 2,medicare-dme,2026-09-05,10,x\nACCT-0003,acme,2026-09-05,10,x\n"
                   "ACCT-0004,commercial,09/31/2026,10,x\nACCT-0005,commercial,2026-09-05,12.345,x\n"
                   "ACCT-0006,commercial,09/05/2026,\"$1,180.00\",x\n")  # US forms, as claim exports write them
    result = import_files(settings_for(log_url), [], [bad], None, "pat")
    [errors] = result.errors
    assert isinstance(errors, InputErrors)
    known = "commercial, medicaid-caresource, medicare-dme, medicare-part-b"
    assert errors.lines() == [
        f"{bad}: row 3: claim_id: must be 1-64 letters, digits, '.', '_' or '-'",
        f"{bad}: row 4: payer: unknown payer profile 'acme' (known: {known})",
        f"{bad}: row 5: date: must be a date (MM/DD/YYYY or YYYY-MM-DD)",
        f"{bad}: row 6: charge: must be an amount like 245.00",
        f"{bad}: nothing recorded: 4 bad rows; fix them and import the file again",
    ]
    assert counts(log_url)["submissions"] == 0


def test_a_file_without_the_needed_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("claim,payer,date\nACCT-0001,medicare-dme,2026-09-05\n")
    result = import_files(settings_for(str(tmp_path / "log.sqlite")), [], [bad], None, "pat")
    assert [e.lines() for e in result.errors] == [
        [f"{bad}: header: missing column(s) claim_id, charge (needs claim_id,payer,date,charge)"]]


def test_an_unreadable_remittance_is_reported_and_the_others_imported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.835"
    broken.write_text("this is not an 835")
    good = remittance(tmp_path / "good.835", [denied("ACCT-0001")])
    result = import_files(settings_for(str(tmp_path / "log.sqlite")), [broken, good], [], None, "pat")
    assert [f.file for f in result.files] == ["good.835"]
    assert len(result.errors) == 1 and result.errors[0].lines()[0].startswith(f"{broken}: ")


def test_who_imported_what_is_kept(tmp_path: Path) -> None:
    url = str(tmp_path / "log.sqlite")
    import_files(settings_for(url), [remittance(tmp_path / "oct.835", [denied("ACCT-0001")])], [], "North", "sam")
    with open_log(settings_for(url)) as log, log.reading() as conn:
        row: Any = conn.execute(select(imports.c.practice, imports.c.kind, imports.c.file_name, imports.c.rows,
                                       imports.c.who)).one()
    assert tuple(row) == ("North", "835", "oct.835", 1, "sam")


@pytest.mark.parametrize("practice", [None, "North Clinic"])
def test_the_workspace_practice_is_the_default(tmp_path: Path, practice: str | None) -> None:
    url = str(tmp_path / "log.sqlite")
    settings = settings_for(url, practice="West")
    import_files(settings, [remittance(tmp_path / "oct.835", [denied("ACCT-0001")])], [], practice, "pat")
    assert [s.denial.practice for s in states(url, "ACCT-0001", practice or "West")] == [practice or "West"]


def test_a_claim_paid_in_part_then_in_full_recovers_only_the_new_payment(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [partly("ACCT-0001", amount="100.00")]))
    [opened] = states(log_url, "ACCT-0001")
    assert opened.denial.at_stake == Decimal("145.00")
    later = remittance(tmp_path / "nov.835", [paid("ACCT-0001", amount="240.00")], paid_on="20261120",
                       trace="EFT0002")
    import_835(log_url, later)
    [state] = states(log_url, "ACCT-0001")
    assert [(d.outcome, d.amount) for d in state.decisions] == [("overturned", Decimal("140.00"))]
    assert (state.status, state.recovered) == ("closed", Decimal("140.00"))


def test_a_later_remittance_that_pays_nothing_more_is_not_an_overturn(log_url: str, tmp_path: Path) -> None:
    # The payer moved the denied rest to a contractual adjustment: no longer "denied", nothing
    # recovered. Counting it as overturned would close the denial as a win of $0.
    for claim_id in ("ACCT-0001", "ACCT-0002"):
        import_835(log_url, remittance(tmp_path / f"oct-{claim_id}.835", [partly(claim_id, amount="100.00")]))
    sent(log_url, "ACCT-0001")  # a request pending: this is the payer's answer
    later = remittance(tmp_path / "nov.835", [paid(c, amount="100.00") for c in ("ACCT-0001", "ACCT-0002")],
                       paid_on="20261120", trace="EFT0002")
    import_835(log_url, later)
    [answered] = states(log_url, "ACCT-0001")
    assert [(d.outcome, d.amount) for d in answered.decisions] == [("upheld", None)]
    assert (answered.is_open, answered.recovered) == (True, Decimal("0"))
    [unasked] = states(log_url, "ACCT-0002")  # nothing was asked: no decision, still open
    assert (unasked.decisions, unasked.is_open) == ((), True)


def two_reasons(claim_id: str, device: tuple[str, tuple[tuple[str, str, str], ...]],
                supply: tuple[str, tuple[tuple[str, str, str], ...]]) -> ClaimSpec:
    """A CPAP device line (245.00) and a supply line (200.00), each (paid, adjustments)."""
    paid_total = f"{Decimal(device[0]) + Decimal(supply[0]):.2f}"
    return ClaimSpec(claim_id, status="1" if Decimal(paid_total) else "4", billed="445.00", paid=paid_total,
                     payer_claim_number="PCN0007", lines=[
                         LineSpec(billed="245.00", paid=device[0], cas=device[1], remarks=("N115",)),
                         LineSpec(code="A7030", billed="200.00", paid=supply[0], cas=supply[1], remarks=("N130",))])


DEVICE_DENIED = ("0", (("CO", "50", "245.00"),))
SUPPLY_DENIED = ("0", (("PR", "204", "200.00"),))


def test_each_part_of_a_claim_is_answered_on_its_own_lines(log_url: str, tmp_path: Path) -> None:
    """The device line was denied as not medically necessary, the supply line as not covered
    (tracked apart as ACCT-0007-L2). The payer then pays the supply line: that is the part's
    recovery, not a partial win on the device, whose denial stands as it was."""
    import_835(log_url, remittance(tmp_path / "oct.835", [two_reasons("ACCT-0007", DEVICE_DENIED, SUPPLY_DENIED)]))
    sent(log_url, "ACCT-0007")
    supply_paid = two_reasons("ACCT-0007", DEVICE_DENIED, ("200.00", ()))
    assert import_835(log_url, remittance(tmp_path / "nov.835", [supply_paid], paid_on="20261120", trace="E2")) == [
        FileResult("nov.835", claims=1, new=1, denials=0, outcomes=2)]
    [device] = states(log_url, "ACCT-0007")
    [supply] = states(log_url, "ACCT-0007-L2")
    assert [(d.outcome, d.amount) for d in supply.decisions] == [("overturned", Decimal("200.00"))]
    assert (supply.status, supply.recovered) == ("closed", Decimal("200.00"))
    # The device's pending request is upheld: denied again, nothing more paid on its line.
    assert [(d.outcome, d.amount) for d in device.decisions] == [("upheld", None)]
    assert (device.status, device.recovered, device.step.level) == ("open", Decimal("0"), "reconsideration")


def test_a_parts_line_is_known_by_its_charge_and_date_in_any_order(log_url: str, tmp_path: Path) -> None:
    """Reprocessed with its lines in another order, each line still answers its own part."""
    import_835(log_url, remittance(tmp_path / "oct.835", [two_reasons("ACCT-0007", DEVICE_DENIED, SUPPLY_DENIED)]))
    swapped = ClaimSpec("ACCT-0007", status="1", billed="445.00", paid="445.00", payer_claim_number="PCN0007", lines=[
        LineSpec(code="A7030", billed="200.00", paid="200.00", cas=(), remarks=()),
        LineSpec(billed="245.00", paid="245.00", cas=(), remarks=())])
    import_835(log_url, remittance(tmp_path / "nov.835", [swapped], paid_on="20261120", trace="E2"))
    assert [(s.status, s.recovered) for claim in ("ACCT-0007", "ACCT-0007-L2") for s in states(log_url, claim)] == [
        ("closed", Decimal("245.00")), ("closed", Decimal("200.00"))]


def test_a_remittance_of_one_line_answers_only_that_lines_denial(log_url: str, tmp_path: Path) -> None:
    """Only the supply line, paid 140.00 (60.00 by contract): the supply's part is won; the
    device's denial, of which this remittance says nothing, stays as it was."""
    import_835(log_url, remittance(tmp_path / "oct.835", [two_reasons("ACCT-0007", DEVICE_DENIED, SUPPLY_DENIED)]))
    sent(log_url, "ACCT-0007")
    supply_only = ClaimSpec("ACCT-0007", status="1", billed="200.00", paid="140.00", payer_claim_number="PCN0007",
                            lines=[LineSpec(code="A7030", billed="200.00", paid="140.00", cas=(("CO", "45", "60.00"),),
                                            remarks=())])
    import_835(log_url, remittance(tmp_path / "nov.835", [supply_only], paid_on="20261120", trace="E2"))
    [device] = states(log_url, "ACCT-0007")
    [supply] = states(log_url, "ACCT-0007-L2")
    assert (device.status, device.decisions) == ("sent", ())
    assert (supply.status, supply.recovered) == ("closed", Decimal("140.00"))


def test_a_line_billed_again_at_other_charges_is_left_to_a_person(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [two_reasons("ACCT-0007", DEVICE_DENIED, SUPPLY_DENIED)]))
    rebilled = ClaimSpec("ACCT-0007", status="1", billed="250.00", paid="250.00", payer_claim_number="PCN0007",
                         lines=[LineSpec(billed="250.00", paid="250.00", cas=(), remarks=())])
    result = import_files(settings_for(log_url), [remittance(tmp_path / "nov.835", [rebilled], paid_on="20261120",
                                                             trace="E2")], [], None, "pat")
    assert result.warnings == ["nov.835: segment 13 (CLP): its lines are not those ACCT-0007 was opened for; record "
                               "that denial's outcome by hand"]
    assert [s.status for claim in ("ACCT-0007", "ACCT-0007-L2") for s in states(log_url, claim)] == ["open", "open"]


def test_a_part_whose_line_the_payer_no_longer_reports_stays_open(log_url: str, tmp_path: Path) -> None:
    import_835(log_url, remittance(tmp_path / "oct.835", [two_reasons("ACCT-0007", DEVICE_DENIED, SUPPLY_DENIED)]))
    device_only = ClaimSpec("ACCT-0007", status="1", billed="245.00", paid="245.00", payer_claim_number="PCN0007",
                            lines=[LineSpec(billed="245.00", paid="245.00", cas=(), remarks=())])
    import_835(log_url, remittance(tmp_path / "nov.835", [device_only], paid_on="20261120", trace="E2"))
    assert [(s.status, s.recovered) for s in states(log_url, "ACCT-0007")] == [("closed", Decimal("245.00"))]
    assert [s.status for s in states(log_url, "ACCT-0007-L2")] == ["open"]


def test_a_partial_payment_with_a_contractual_write_off_leaves_only_the_denied_rest_at_stake(
        log_url: str, tmp_path: Path) -> None:
    """Paid 100.00 of 245.00 on reprocessing, 45.00 moved to a contractual write-off (CO-45),
    100.00 still denied (CO-50): 100.00 is at stake, not 145.00, in the replayed history and in
    the stored state the queue reads."""
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001")
    reprocessed = ClaimSpec("ACCT-0001", status="1", billed="245.00", paid="100.00", payer_claim_number="PCN0001",
                            lines=[LineSpec(billed="245.00", paid="100.00",
                                            cas=(("CO", "45", "45.00"), ("CO", "50", "100.00")), remarks=("N115",))])
    import_835(log_url, remittance(tmp_path / "nov.835", [reprocessed], paid_on="20261120", trace="E2"))
    [state] = states(log_url, "ACCT-0001")
    assert [(d.outcome, d.amount) for d in state.decisions] == [("partially_overturned", Decimal("100.00"))]
    assert (state.recovered, state.remaining) == (Decimal("100.00"), Decimal("100.00"))
    with open_log(settings_for(log_url)) as log, log.reading() as conn:
        [current] = load_current(conn, Filters(practice="default", claim_ids=("ACCT-0001",)))
    assert current.remaining == Decimal("100.00")


def test_a_partial_payment_read_from_a_remittance_weighs_only_what_is_left_at_the_next_level(
        log_url: str, tmp_path: Path) -> None:
    """Paid 100.00 of 245.00 while the reconsideration is pending: the ALJ would weigh 145.00,
    under its $200 minimum (405.1006(b)), so the practice decides."""
    import_835(log_url, remittance(tmp_path / "oct.835", [denied("ACCT-0001")]))
    sent(log_url, "ACCT-0001")
    record_entry(settings_for(log_url), "ACCT-0001", Entry(Kind.decision, date(2026, 11, 10), "pat",
                                                           outcome="upheld"), None)
    sent(log_url, "ACCT-0001", date(2026, 11, 12))
    import_835(log_url, remittance(tmp_path / "nov.835", [partly("ACCT-0001", amount="100.00")],
                                   paid_on="20261120", trace="E2"))
    [state] = states(log_url, "ACCT-0001")
    assert (state.step.level, state.step.action, state.remaining) == ("alj_hearing", "ask_client", Decimal("145.00"))
