"""The log's commands on real files: exact messages, exit codes, the calendar parsed back, and no
patient name anywhere in what they print or write (the remittances name Nora Synthetic)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date
from pathlib import Path

import icalendar
import pytest
import yaml
from click.testing import CliRunner

from appealgen.cli import main
from appealgen.log.recorder import recorded
from appealgen.outcome import Outcome
from appealgen.report import PacketReport
from appealgen.sources.claim_file import load_claims
from tests.conftest import PATIENT as CLAIM_PATIENT
from tests.conftest import PLAN_POLICY, REPO, WriteClaim, claim_dict
from tests.log.helpers import denied, paid, remittance, settings_for
from tests.pdfs import make_pdf
from tests.x12gen import ClaimSpec, LineSpec

AS_OF = ["--as-of", "2026-11-22", "--workspace", str(REPO)]
PATIENT = ("Nora", "Synthetic")


def run(log: Path | str, *args: str) -> tuple[int, str, str]:
    env = {"APPEALGEN_DATABASE_URL": str(log), "APPEALGEN_USER": "pat"}
    result = CliRunner().invoke(main, [*args, *AS_OF], env=env, catch_exceptions=False)
    for name in PATIENT:
        assert name not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def log(log_url: str, tmp_path: Path) -> str:
    """A log (SQLite, then PostgreSQL) with October's remittance imported: ACCT-0001 (CO-50),
    ACCT-0002 (CO-197), one paid claim."""
    path = log_url
    october = remittance(tmp_path / "oct.835", [denied("ACCT-0001"), denied("ACCT-0002", carc="197", remarks=()),
                                                paid("ACCT-0003")])
    assert run(path, "log", "import", str(october))[0] == 0
    return path


def test_import_says_what_it_recorded_and_records_nothing_twice(tmp_path: Path) -> None:
    path, october = tmp_path / "log.sqlite", remittance(tmp_path / "oct.835", [denied("ACCT-0001"), paid("ACCT-0003")])
    code, stdout, stderr = run(path, "log", "import", str(october))
    assert (code, stdout) == (0, "")
    assert stderr.splitlines() == [f"new tracking log: {path}; workspace: none (built-in templates and payer profiles)",
                                   "oct.835: 2 claims, 2 recorded, 1 denial opened, 0 outcomes of open denials"]
    assert run(path, "log", "import", str(october)) == \
        (0, "", "oct.835: already in the log (2 claims): nothing recorded\n")
    later = remittance(tmp_path / "nov.835", [paid("ACCT-0001")], paid_on="20261120", trace="E2")
    code, stdout, stderr = run(path, "log", "import", str(later), "--json")
    assert (code, stderr) == (0, "nov.835: 1 claim, 1 recorded, 0 denials opened, 1 outcome of open denials\n")
    assert json.loads(stdout) == {"files": [{"file": "nov.835", "claims": 1, "new": 1, "denials": 0, "outcomes": 1}],
                                  "errors": []}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_import_needs_something_to_import(tmp_path: Path) -> None:
    code, _, stderr = run(tmp_path / "log.sqlite", "log", "import")
    assert code == 2
    assert "give FILE.835 arguments, --submitted CLAIMS.csv, or both" in stderr


def test_import_of_submitted_claims_and_a_bad_file(tmp_path: Path) -> None:
    claims = tmp_path / "claims.csv"
    claims.write_text("claim_id,payer,date,charge\nACCT-0001,medicare-dme,2026-09-05,245.00\n")
    missing = tmp_path / "missing.835"
    code, _, stderr = run(tmp_path / "log.sqlite", "log", "import", "--submitted", str(claims), str(missing))
    assert code == 1
    assert stderr.splitlines()[1:] == ["claims.csv: 1 claim, 1 recorded, 0 denials opened, 0 outcomes of open denials",
                                       f"{missing}: file not found"]


def test_a_remittance_without_a_date_records_nothing_and_says_no_claim_was_read(tmp_path: Path) -> None:
    undated = remittance(tmp_path / "undated.835", [denied("ACCT-0001")], paid_on="20261399")
    code, _, stderr = run(tmp_path / "log.sqlite", "log", "import", str(undated))
    assert code == 1
    assert stderr.splitlines()[-2:] == [
        "undated.835: no claim read: nothing recorded",
        f"{undated}: segment 3 (ST): no remittance date: BPR16 and DTM*405 are both missing or not valid dates, and "
        "every deadline counts from them; transaction set 0001 skipped"]


def test_a_denial_dates_from_the_remittance_not_from_a_later_eft_date(tmp_path: Path) -> None:
    later = remittance(tmp_path / "eft.835", [denied("ACCT-0001")], paid_on="20261019", produced_on="20261014")
    assert run(tmp_path / "log.sqlite", "log", "import", str(later))[0] == 0
    shown = json.loads(run(tmp_path / "log.sqlite", "log", "show", "ACCT-0001", "--json")[1])["denials"][0]
    assert (shown["denied_on"], shown["first_step"]["deadline"]) == ("2026-10-14", "2027-02-16")
    assert "  remitted 2026-10-14 by EXAMPLE DME MAC" in run(tmp_path / "log.sqlite", "log", "show", "ACCT-0001")[1]


def test_a_remittance_dated_after_today_records_nothing(tmp_path: Path) -> None:
    """Its denials' deadlines would count from a day not yet come (a wrong --as-of, or a wrong file)."""
    ahead = remittance(tmp_path / "jan.835", [denied("ACCT-0001")], paid_on="20270114")
    code, _, stderr = run(tmp_path / "log.sqlite", "log", "import", str(ahead))
    assert (code, stderr.splitlines()[-1]) == (1, f"{ahead}: the remittance is dated 2027-01-14, after today "
                                                  "(2026-11-22): nothing recorded; check the file's dates (BPR16, "
                                                  "DTM*405) or --as-of")
    assert run(tmp_path / "log.sqlite", "log", "show", "ACCT-0001")[0] == 1


def test_record_says_what_the_tool_added(log: str) -> None:
    assert run(log, "log", "record", "ACCT-0001", "sent", "--method", "fax", "--ref", "FAX-1", "--date",
               "2026-10-20") == (0, "", (
                   "ACCT-0001: sent recorded as #1 (2026-10-20, by pat)\n"
                   "  follow up on 2026-12-19 (Redetermination is decided within 60 days)\n"
                   "  now open: sent 2026-10-20 for Redetermination, follow up 2026-12-19; owner -; 245.00 at stake\n"))
    code, stdout, stderr = run(log, "log", "record", "ACCT-0001", "decision", "--outcome", "upheld", "--date",
                               "2026-11-10", "--by", "sam", "--json")
    assert code == 0
    assert stderr.splitlines()[:2] == ["ACCT-0001: decision recorded as #2 (2026-11-10, by sam)",
                                       "  next: appeal at Reconsideration by 2027-05-14"]
    event = json.loads(stdout)["event"]
    assert (event["kind"], event["outcome"], event["level"], event["details"]["next"]["deadline"]) == \
        ("decision", "upheld", "redetermination", "2027-05-14")


def test_record_refusals_exit_1_with_one_line(log: str) -> None:
    assert run(log, "log", "record", "ACCT-0001", "decision", "--outcome", "upheld") == \
        (1, "", "ACCT-0001: decision: no request is pending for Redetermination; record sent first\n")
    assert run(log, "log", "record", "ACCT-0404", "follow-up", "--next", "2026-12-01") == \
        (1, "", "ACCT-0404: claim: not in the log (practice default); import its remittance first "
                "(appealgen log import FILE.835), or build its claim file, a CSV export's too, with the log in use "
                "(its denial opens from it)\n")
    code, _, stderr = run(log, "log", "record", "ACCT-0001", "lost")
    assert code == 2 and "'lost' is not one of" in stderr
    assert "log record [OPTIONS] CLAIM_ID EVENT\n" in stderr  # not every kind, cut mid-word
    code, _, stderr = run(log, "log", "record", "ACCT-0001", "sent", "--date", "2026-13-01")
    assert code == 2 and stderr.splitlines()[-1] == ("Error: Invalid value for '--date': '2026-13-01' does not match "
                                                     "the formats '%Y-%m-%d', '%m/%d/%Y'.")


def test_dates_may_be_written_as_billing_systems_print_them(log: str) -> None:
    code, _, stderr = run(log, "log", "record", "ACCT-0001", "sent", "--method", "mail", "--date", "10/20/2026")
    assert code == 0 and stderr.splitlines()[0] == "ACCT-0001: sent recorded as #1 (2026-10-20, by pat)"


def test_show_prints_the_whole_history(log: str) -> None:
    run(log, "log", "record", "ACCT-0001", "sent", "--method", "fax", "--date", "2026-10-20")
    run(log, "log", "record", "ACCT-0001", "correction", "--voids", "1", "--note", "wrong claim")
    run(log, "log", "record", "ACCT-0001", "assigned", "--owner", "sam")
    code, stdout, _ = run(log, "log", "show", "ACCT-0001")
    assert code == 0
    assert stdout.splitlines() == [
        "ACCT-0001 (practice default)",
        "  remitted 2026-10-14 by EXAMPLE DME MAC (medicare-dme): denied (status 4), billed 245.00, paid 0.00; CO-50 "
        "N115 [oct.835]",
        "  denial 2026-10-14 (835): medical_necessity (CO-50), 245.00 at stake; appeal at Redetermination by "
        "2027-02-16",
        "    #1    2026-10-20  sent           fax; follow up 2026-12-19 (by pat)  [voided by #2: wrong claim]",
        "    #2    2026-11-22  correction     voids #1 \u2014 wrong claim (by pat)",
        "    #3    2026-11-22  assigned       to sam (by pat)",
        "    now open: appeal at Redetermination by 2027-02-16 (86 days left); owner sam; 245.00 at stake",
    ]
    data = json.loads(run(log, "log", "show", "ACCT-0001", "--json")[1])
    assert [(e["id"], e["voided_by"]) for e in data["denials"][0]["events"]] == [(1, 2), (2, None), (3, None)]
    assert (data["denials"][0]["payer"], data["denials"][0]["payer_name"]) == ("medicare-dme", "EXAMPLE DME MAC")


def test_queue_table_json_and_csv(log: str) -> None:
    code, stdout, stderr = run(log, "queue")
    assert (code, stderr) == (0, "queue as of 2026-11-22: 2 open denials ranked, 0 past their filing deadline\n")
    header, _, first, second = stdout.splitlines()
    assert header.split() == ["#", "claim", "payer", "category", "level", "next", "action", "deadline", "days",
                              "follow-up", "owner", "amount", "likely", "urg", "priority"]
    # CO-197 at Medicare: no retroactive authorization, so a person reviews it, by the date an
    # appeal could still be filed
    # the payer as its remittance names it; --payer, JSON and CSV also give its profile
    assert first.split() == ["1", "ACCT-0002", "EXAMPLE", "DME", "MAC", "authorization", "Redetermination",
                             "review", "2027-02-16", "86", "-", "-", "245.00", "75%", "1.0", "183.75"]
    assert second.split()[:2] == ["2", "ACCT-0001"]
    data = json.loads(run(log, "queue", "--json")[1])
    assert [(r["claim_id"], r["payer"], r["payer_name"]) for r in data["rows"]] == [
        ("ACCT-0002", "medicare-dme", "EXAMPLE DME MAC"), ("ACCT-0001", "medicare-dme", "EXAMPLE DME MAC")]
    assert data["ranking"]["priority"] == "amount x likelihood x urgency"
    rows = list(csv.DictReader(io.StringIO(run(log, "queue", "--csv", "--limit", "1")[1])))
    assert [(r["rank"], r["claim_id"], r["payer_name"], r["likelihood"], r["urgency"], r["priority"])
            for r in rows] == [("1", "ACCT-0002", "EXAMPLE DME MAC", "0.75", "1.0", "183.75")]


def test_a_correction_sent_as_a_new_claim_is_named_so_in_the_queue(tmp_path: Path) -> None:
    """MA130 at Medicare: the claim was never processed, so it is billed again as a new claim
    (frequency 1); "corrected_claim" read as a replacement (frequency 7) of it."""
    path = tmp_path / "log.sqlite"
    ma130 = denied("ACCT-0003", carc="16", remarks=("MA130",))
    assert run(path, "log", "import", str(remittance(tmp_path / "oct.835", [ma130])))[0] == 0
    [row] = json.loads(run(path, "queue", "--json")[1])["rows"]
    assert row["next_action"] == "new_claim"


def test_queue_of_an_unknown_payer_profile_is_refused_not_empty(log: str) -> None:
    """The report names payers as their remittances do; the queue filters by profile. A name
    there must not read as an empty queue."""
    assert run(log, "queue", "--payer", "ACME HEALTH PLAN") == (
        1, "", "--payer: unknown payer profile 'ACME HEALTH PLAN' (known: commercial, medicaid-caresource, "
               "medicare-dme, medicare-part-b); the queue filters by payer profile, the report names payers as their "
               "remittances do\n")
    assert run(log, "queue", "--payer", "medicare-dme")[0] == 0


def test_queue_without_a_log_says_how_to_start_one(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite"
    assert run(path, "queue") == (1, "", f"{path}: no tracking log here yet; start one with "
                                         "`appealgen log import FILE.835`\n")
    assert not path.exists()


def test_a_request_sent_in_time_is_not_counted_past_its_deadline_in_the_queue(log: str) -> None:
    """Sent on 10/20 within the window, looked at after the window closed: "-53" days beside the
    deadline read as a missed appeal."""
    run(log, "log", "record", "ACCT-0001", "sent", "--method", "fax", "--date", "2026-10-20")
    table = run(log, "queue", "--as-of", "2027-04-10")[1].splitlines()
    [sent] = [line.split() for line in table if "ACCT-0001" in line]
    assert sent[7:12] == ["follow_up", "2027-02-16", "sent", "2026-12-19", "-"]


def test_deadlines_list_write_a_calendar_and_exit_3_when_overdue(log: str, tmp_path: Path) -> None:
    run(log, "log", "record", "ACCT-0001", "sent", "--method", "fax", "--date", "2026-10-20")
    calendar = tmp_path / "appeals.ics"
    code, stdout, stderr = run(log, "deadlines", "--within", "30", "--ics", str(calendar))
    assert code == 0
    assert stdout == ("2026-12-19  follow-up  in 27 days              ACCT-0001: follow up on the Redetermination "
                      "request (medicare-dme) on 2026-12-19\n")
    assert stderr == f"2 deadlines and follow-ups written to {calendar}\n1 due within 30 days, 0 overdue\n"
    assert stat.S_IMODE(os.stat(calendar).st_mode) == 0o600
    text = calendar.read_bytes().decode()  # as written: CRLF line ends
    assert not any(name in text for name in PATIENT)
    parsed = icalendar.Calendar.from_ical(text)
    events = [(str(e["SUMMARY"]), e.decoded("DTSTART"), [a.decoded("TRIGGER").days for a in e.walk("VALARM")])
              for e in parsed.walk("VEVENT")]
    assert events == [
        ("ACCT-0001: follow up on the Redetermination request (medicare-dme) on 2026-12-19", date(2026, 12, 19),
         [-14, -7, -1]),
        ("ACCT-0002: review and decide (Redetermination, medicare-dme) by 2027-02-16", date(2027, 2, 16),
         [-14, -7, -1]),
    ]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    # As of the day after the follow-up date it is overdue: exit 3 for the scheduled job.
    env = {"APPEALGEN_DATABASE_URL": log}
    result = CliRunner().invoke(main, ["deadlines", "--as-of", "2026-12-20", "--workspace", str(REPO)], env=env)
    assert result.exit_code == 3
    assert result.stdout.startswith("2026-12-19  follow-up  OVERDUE by 1 day  ")
    assert result.stderr == "1 due within 30 days, 1 overdue\n"


def test_a_new_claims_deadline_is_its_filing_limit_not_an_appeal_level(tmp_path: Path) -> None:
    """MA130: the claim is corrected and sent as a new claim, through claim submission; its
    deadline is the claim filing limit and no appeal level is named."""
    path = tmp_path / "log.sqlite"
    october = remittance(tmp_path / "oct.835", [denied("ACCT-0004", carc="16", remarks=("MA130",))])
    assert run(path, "log", "import", str(october))[0] == 0
    code, stdout, _ = run(path, "deadlines", "--within", "400")
    # sent by fax (a day's transit), as the plan says it: a day before the deadline it must arrive by
    assert (code, stdout) == (0, "2027-09-01  deadline   in 283 days             ACCT-0004: send corrected claim (New "
                                 "claim, medicare-dme) by 2027-09-01 (it must arrive by 2027-09-02)\n")


def test_a_new_claim_recorded_from_its_codes_alone_keeps_its_filing_limit(tmp_path: Path) -> None:
    """A claim that cannot become a claim file (its member ID is refused) is recorded from its
    codes alone: the same new claim, named so, with the same filing-limit deadline."""
    path = tmp_path / "log.sqlite"
    spec = denied("ACCT-0005", carc="16", remarks=("MA130",))
    spec = ClaimSpec(**{**spec.__dict__, "member_id": "Z9"})
    october = remittance(tmp_path / "oct.835", [spec])
    code, _, stderr = run(path, "log", "import", str(october))
    assert code == 0 and "its denial is recorded from its codes alone" in stderr
    code, stdout, _ = run(path, "deadlines", "--within", "400")
    assert (code, stdout) == (0, "2027-09-01  deadline   in 283 days             ACCT-0005: send corrected claim (New "
                                 "claim, medicare-dme) by 2027-09-01 (it must arrive by 2027-09-02)\n")


def test_a_new_claim_recorded_from_its_codes_alone_past_its_filing_limit_is_written_off(tmp_path: Path) -> None:
    """As the plan decides it: a new claim for a service more than 12 months old would be refused
    (42 CFR 424.44(a)(1)), so the denial's step is `adjust`, with nothing to send by any date."""
    path = tmp_path / "log.sqlite"
    spec = denied("ACCT-0006", carc="16", remarks=("MA130",))
    spec = ClaimSpec(**{**spec.__dict__, "member_id": "Z9",
                        "lines": [LineSpec(**{**spec.lines[0].__dict__, "dos": "20251001"})]})
    october = remittance(tmp_path / "oct.835", [spec])
    code, _, stderr = run(path, "log", "import", str(october))
    assert code == 0 and "its denial is recorded from its codes alone" in stderr
    code, stdout, _ = run(path, "log", "show", "ACCT-0006")
    assert code == 0
    assert stdout.splitlines()[2] == ("  denial 2026-10-14 (835): missing_information (CO-16), 245.00 at stake; "
                                      "adjust")  # no level takes a write-off
    assert stdout.splitlines()[3] == (
        "    now open: adjust (a remark code says the claim must be corrected, but the claim filing limit passed on "
        "2026-10-01: a new claim would be refused; write the balance off); owner -; 245.00 at stake")


def test_a_write_off_larger_than_what_is_still_at_stake_is_refused(tmp_path: Path) -> None:
    """A write-off beyond the amount at stake would count money twice in the report."""
    path = tmp_path / "log.sqlite"
    assert run(path, "log", "import", str(remittance(tmp_path / "oct.835", [denied("ACCT-0007")])))[0] == 0
    code, _, stderr = run(path, "log", "record", "ACCT-0007", "adjusted", "--amount", "5000", "--date", "2026-11-01")
    assert (code, stderr) == (1, "ACCT-0007: adjusted: amount 5,000.00 is more than the 245.00 still at stake\n")
    assert run(path, "log", "record", "ACCT-0007", "adjusted", "--amount", "245.00", "--date", "2026-11-01")[0] == 0


def test_a_recovery_larger_than_what_is_still_at_stake_is_refused(tmp_path: Path) -> None:
    """An overturn that 'recovers' more than was denied would put the overturn rate over 100%."""
    path = tmp_path / "log.sqlite"
    assert run(path, "log", "import", str(remittance(tmp_path / "oct.835", [denied("ACCT-0007")])))[0] == 0
    assert run(path, "log", "record", "ACCT-0007", "sent", "--method", "fax", "--date", "2026-10-20")[0] == 0
    code, _, stderr = run(path, "log", "record", "ACCT-0007", "decision", "--outcome", "overturned", "--amount",
                          "300", "--date", "2026-11-01")
    assert (code, stderr) == (1, "ACCT-0007: decision: amount 300.00 is more than the 245.00 still at stake\n")


def test_build_records_what_it_built_once_per_packet(write_claim: WriteClaim, tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "The records support the claim.",
                                "policy": dict(PLAN_POLICY)}, payer_name="Northwind Health Plan")
    out = tmp_path / "out"
    for _ in range(2):  # the same packet built twice on one day is recorded once
        assert run(path, "build", str(claim), "--out", str(out))[0] == 0
    code, stdout, _ = run(path, "log", "show", "TEST-1")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[1] == ("  denial 2026-10-14 (claim file): medical_necessity (CO-50), 245.00 at stake; "
                        "reconsideration at Reconsideration by 2027-10-14")
    assert lines[2] == f"    #1    2026-11-22  built          {out / 'TEST-1' / 'packet.pdf'}, 5 pages, check passed " \
                       "(by pat)"
    assert len(lines) == 4
    # The claim file's payer name, not its profile's, is the payer the reports count it under.
    assert json.loads(run(path, "log", "show", "TEST-1", "--json")[1])["denials"][0]["payer_name"] == \
        "Northwind Health Plan"


def test_a_claim_whose_codes_are_on_its_lines_records_the_code_that_chose_its_category(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    """A CSV export puts the CARC on each service line, none on the denial: the report's "denied by
    reason code" once counted such claims under "?"."""
    path = tmp_path / "log.sqlite"
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "The records support the claim.",
                                "policy": dict(PLAN_POLICY)}, denial={"date": "2026-10-14"})
    assert run(path, "build", str(claim), "--out", str(tmp_path / "out"))[0] == 0
    lines = run(path, "log", "show", "TEST-1")[1].splitlines()
    assert lines[1].startswith("  denial 2026-10-14 (claim file): medical_necessity (CO-50), 245.00 at stake")


def test_a_balance_the_patient_owes_opens_no_denial(write_claim: WriteClaim, tmp_path: Path) -> None:
    """A deductible on an unpaid line is the patient's to pay, not a denial (as `log import` reads an
    835): recording it would count it in the denial rates and the open dollars."""
    path = tmp_path / "log.sqlite"
    claim = write_claim(service_lines=[{"dos": "2026-09-02", "code": "99213", "billed": "150.00", "paid": 0,
                                        "carc": ["1"], "group": "PR"}], denial={"date": "2026-10-14"})
    code, _, stderr = run(path, "build", str(claim), "--out", str(tmp_path / "out"))
    assert code == 0
    assert stderr.splitlines()[-1] == ("  warning: not a denial (patient_responsibility); the tracking log keeps "
                                       "denials, so nothing was recorded")
    assert run(path, "log", "show", "TEST-1")[0] == 1


def test_sending_after_a_failed_build_is_recorded_with_a_word_about_it(write_claim: WriteClaim,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "The records support the claim.",
                                "policy": dict(PLAN_POLICY)},
                        attachments=[{"kind": "remittance_advice", "path": "docs/ra.pdf"}])
    assert run(path, "build", str(claim), "--out", str(tmp_path / "out"))[0] == 3  # no notes: INCOMPLETE
    code, _, stderr = run(path, "log", "record", "TEST-1", "sent", "--method", "fax", "--date", "2026-11-22")
    assert code == 0  # the request did go out: recorded
    assert ("  the last packet built for this claim, on 2026-11-22, failed its check (missing progress notes or "
            "medical records): make sure what was sent is complete, or send what is missing now") in stderr.splitlines()


def test_build_writes_no_log_when_none_is_in_use(write_claim: WriteClaim, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "The records support the claim.",
                                "policy": dict(PLAN_POLICY)})
    result = CliRunner().invoke(main, ["build", str(claim), "--out", str(tmp_path / "out"), *AS_OF], env={})
    assert result.exit_code == 0
    assert not list(tmp_path.rglob("*.sqlite"))


def claims_file(folder: Path, count: int) -> Path:
    """A list of `count` claims TEST-1.. with an HTML letter (fast) and their attachments."""
    (folder / "docs").mkdir(parents=True)
    for name in ("ra.pdf", "notes.pdf"):
        (folder / "docs" / name).write_bytes(make_pdf())
    claims = [claim_dict(claim_id=f"TEST-{n}", appeal={"letter": "reconsideration.html", "argument": "Records.",
                                           "policy": dict(PLAN_POLICY)})
              for n in range(1, count + 1)]
    path = folder / "claims.yaml"
    path.write_text(yaml.safe_dump(claims, sort_keys=False))
    return path


def built_events(log: Path, claim_id: str) -> list[str]:
    return [line for line in run(log, "log", "show", claim_id)[1].splitlines() if " built " in line]


def test_batch_records_what_it_built_not_what_it_kept(tmp_path: Path) -> None:
    path, claims, out = tmp_path / "log.sqlite", claims_file(tmp_path / "in", 2), tmp_path / "out"
    path.touch(mode=0o600)  # an empty file: a log is in use (it is made on first use)
    assert run(path, "batch", str(claims), "--out", str(out), "--jobs", "1")[0] == 0
    assert built_events(path, "TEST-2") == [
        f"    #2    2026-11-22  built          {out / 'TEST-2' / 'packet.pdf'}, 5 pages, check passed (by pat)"]
    assert run(path, "batch", str(claims), "--out", str(out), "--jobs", "1")[0] == 0  # up to date: kept
    assert len(built_events(path, "TEST-1")) == len(built_events(path, "TEST-2")) == 1


def test_a_packet_kept_up_to_date_is_not_recorded_again(tmp_path: Path) -> None:
    path, claims, out = tmp_path / "log.sqlite", claims_file(tmp_path / "in", 1), tmp_path / "out"
    path.touch(mode=0o600)
    assert run(path, "batch", str(claims), "--out", str(out), "--jobs", "1")[0] == 0
    report = PacketReport.model_validate_json((out / "TEST-1" / "packet.json").read_text())
    kept = Outcome(str(claims), "TEST-1", report=report, folder=out / "TEST-1", skipped=True)
    next_day = settings_for(str(path), today=date(2026, 11, 23)).with_(out=out)  # a new day: a new dedupe key
    assert list(recorded(next_day, load_claims(claims), iter([kept]))) == [kept]
    assert len(built_events(path, "TEST-1")) == 1


def test_letters_records_the_letters_it_wrote(tmp_path: Path) -> None:
    path, claims, out = tmp_path / "log.sqlite", claims_file(tmp_path / "in", 1), tmp_path / "letters"
    path.touch(mode=0o600)
    assert run(path, "letters", str(claims), "--out", str(out), "--jobs", "1")[0] == 0
    assert built_events(path, "TEST-1") == [
        f"    #1    2026-11-22  built          letter {out / 'TEST-1.pdf'} (by pat)"]


@pytest.mark.parametrize("command", [["log"], ["log", "import"], ["log", "record"], ["log", "show"], ["queue"],
                                     ["deadlines"]])
def test_every_log_command_has_help_with_an_example_and_is_in_the_readme(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"appealgen {' '.join(command)}" in (REPO / "README.md").read_text()


def test_the_command_line_offers_every_event_people_record() -> None:
    from appealgen.cli_log import KINDS
    from appealgen.log.model import RECORDED_BY_PEOPLE

    assert tuple(kind.value for kind in RECORDED_BY_PEOPLE) == KINDS


def test_a_claim_file_written_from_an_835_opens_its_denial_under_the_remittances_payer(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    remit = remittance(tmp_path / "oct.835", [denied("ACCT-0001")])
    env = {"APPEALGEN_USER": "pat"}  # `era --out` writes claim files; the log is not in use for it
    assert CliRunner().invoke(main, ["era", str(remit), "--out", str(tmp_path / "claims"), *AS_OF],
                              env=env).exit_code == 0
    assert run(path, "build", str(tmp_path / "claims" / "ACCT-0001.yaml"), "--out", str(tmp_path / "out"))[0] == 3
    shown = json.loads(run(path, "log", "show", "ACCT-0001", "--json")[1])["denials"][0]
    assert (shown["source"], shown["payer"], shown["payer_name"]) == ("claim file", "medicare-dme", "EXAMPLE DME MAC")


def test_a_build_the_log_knows_better_than_is_named_and_not_recorded(write_claim: WriteClaim, tmp_path: Path) -> None:
    """Built from a claim file without its appeal history, a packet asks for the first level again:
    the log, where the payer's decision moved the denial on, or closed it, says so."""
    path = tmp_path / "log.sqlite"
    claim = write_claim(appeal={"letter": "reconsideration.html", "argument": "The records support the claim.",
                                "policy": dict(PLAN_POLICY)})
    assert run(path, "build", str(claim), "--out", str(tmp_path / "first"))[0] == 0
    run(path, "log", "record", "TEST-1", "sent", "--method", "fax", "--date", "2026-10-20")
    run(path, "log", "record", "TEST-1", "decision", "--outcome", "upheld", "--date", "2026-11-10")
    code, _, stderr = run(path, "build", str(claim), "--out", str(tmp_path / "again"))
    assert code == 0
    step = json.loads(run(path, "log", "show", "TEST-1", "--json")[1])["denials"][0]["now"]["step"]
    assert stderr.splitlines()[-1] == (
        f"  warning: the tracking log has this denial at {step['level_name']} ({step['action']} by {step['deadline']}) "
        "after the decisions recorded; this packet asks for another level and was not recorded: build it from a "
        "claim file with its appeal history (`log show TEST-1`)")
    run(path, "log", "record", "TEST-1", "adjusted", "--date", "2026-11-15")
    code, _, stderr = run(path, "build", str(claim), "--out", str(tmp_path / "closed"))
    assert stderr.splitlines()[-1] == (
        "  warning: the tracking log has this denial closed (adjusted on 2026-11-15): this packet is not needed and "
        "was not recorded; if it is, record `log record TEST-1 reopened` first")
    built = [e for e in json.loads(run(path, "log", "show", "TEST-1", "--json")[1])["denials"][0]["events"]
             if e["kind"] == "built"]
    assert len(built) == 1  # the first build only


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--category", "medical-necessity", "--category: unknown category 'medical-necessity' (did you mean "
     "medical_necessity?) (known: medical_necessity, coverage, authorization, missing_information, coding, bundling, "
     "eligibility, timely_filing, duplicate, coordination_of_benefits, benefit_maximum, contractual, "
     "patient_responsibility, other)"),
    ("--practice", "North Clinic", "--practice: the log holds no denials of practice 'North Clinic' (it holds: "
     "default)"),
], ids=["category", "practice"])
def test_a_queue_filter_that_matches_nothing_it_could_is_refused_not_empty(log: str, option: str, value: str,
                                                                           said: str) -> None:
    """"no open denials to work" would read as a queue worked to the end."""
    assert run(log, "queue", option, value) == (1, "", said + "\n")


def test_a_reopening_built_in_place_of_the_appeal_is_what_was_sent(write_claim: WriteClaim, tmp_path: Path) -> None:
    """The plan named a redetermination; the specialist built a reopening (--action) and sent it.
    The decision answers the reopening: refused, it leaves the redetermination open, counted from
    the denial (42 CFR 405.980(a)(5)), never the QIC's next level."""
    path = tmp_path / "log.sqlite"
    line = {"dos": "2026-09-02", "code": "E0601", "modifiers": ["RR"], "units": 1, "billed": "245.00", "paid": 0,
            "diagnosis": ["G47.33"], "carc": ["4"], "group": "CO"}
    claim = write_claim(payer="medicare-dme", patient={**CLAIM_PATIENT, "member_id": "1EG4TE5MK73"},
                        service_lines=[line], denial={"date": "2026-10-14", "carc": ["4"], "group": "CO"},
                        appeal={"correction": "modifier KX added to line 1", "argument": "A clerical error."},
                        attachments=[{"kind": "remittance_advice", "path": "docs/ra.pdf"}])
    assert run(path, "build", str(claim), "--out", str(tmp_path / "out"), "--action", "reopening",
               "--reason", "the modifier was left off")[0] in (0, 3)
    code, _, stderr = run(path, "log", "record", "TEST-1", "sent", "--method", "fax", "--date", "2026-10-26")
    assert code == 0, stderr
    assert "  sent as built: reopening at Reopening (clerical error), not appeal at Redetermination by 2027-02-16" \
        in stderr.splitlines()
    code, _, stderr = run(path, "log", "record", "TEST-1", "decision", "--outcome", "upheld", "--date", "2026-11-20")
    assert code == 0, stderr
    assert "  next: appeal at Redetermination by 2027-02-16" in stderr.splitlines()
