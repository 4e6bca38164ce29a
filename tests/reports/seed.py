"""A small log whose every report figure is worked out by hand in tests/reports/test_metrics.py.
Everything goes in the way a real log fills: 835 files imported, events recorded by people.

Practice "default", payers medicare-dme (payer ID 17003) and medicaid-caresource (EXMCD1):

    2026-08-10 caresource  K1 denied CO-197 80.00   (never worked: its retro-authorization deadline passes)
    2026-08-12 caresource  K2 denied CO-197 90.00   (sent in the last week of its window)
    2026-09-15 dme         A1 denied CO-50 200.00, A2 paid 100.00, A3 denied CO-16 150.00, R1 paid 250.00
    2026-10-05 dme         B1 denied CO-197 300.00, B2 paid 400.00, B3 paid 100.00, B4 denied CO-50 500.00,
                           C1 denied CO-4 120.00, A1 denied again (its request pending: upheld),
                           R1 reversed (status 22) and paid again, B5 a replacement claim (CLP09 7) paid
    2026-10-20 caresource  M1 denied CO-27 250.00, M2 paid 600.00, R2 reversed and paid again 250.00 (its
                           first payment came before the log: the payment again is its first remittance)
    2026-10-25 dme         C1 denied again CO-4 120.00 (its first denial was written off: a second denial),
                           B4 paid 200.00 of 500.00 (a partial overturn, read from the remittance)
    (no remittance in July 2026: a period with no remittances)

Submitted claims (the HFMA denominator): July 6 claims 3,000.00; August 3 claims 2,400.00;
September 6 claims 3,600.00 (none in June).

Events: A1 sent 09-20 (upheld by the 10-05 remittance), sent again (reconsideration) 10-14, upheld 10-30.
A3 sent 09-25, overturned 10-15 (150.00). B1 assigned kim 10-06, sent 10-07, upheld 10-20 by
mistake and voided by a correction, overturned 10-28 (300.00). B4 sent 10-08 (partly overturned by the
10-25 remittance), sent again 10-27 (reconsideration), upheld 10-29. C1 written off
10-10 (120.00). K2 sent 10-06 (its deadline 10-11). M1 assigned lee 10-21 and written off 11-10 (after
October). K1 sent 11-05, late (its deadline was 10-09).

Practice "north": N1 denied CO-50 1,000.00 on 2026-10-05 (left out when --practice default).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from appealgen.log.api import import_files, open_log, record_entry
from appealgen.log.model import Kind
from appealgen.log.record import Entry
from appealgen.log.store import Filters, load_states
from appealgen.settings import Settings
from tests.log.helpers import denied, paid, partly, reversal, settings_for, submitted_csv
from tests.x12gen import ClaimSpec, interchange

TODAY = date(2026, 11, 20)
DME, CARESOURCE = ("EXAMPLE DME MAC", "17003"), ("CARESOURCE EXAMPLE", "EXMCD1")


def settings(url: str, practice: str | None = None) -> Settings:
    return settings_for(url, TODAY, practice)


def _file(folder: Path, name: str, claims: list[ClaimSpec], on: str, payer: tuple[str, str]) -> Path:
    path = folder / name
    path.write_text(interchange(claims, paid_on=on, trace=f"EFT-{name}", payer=payer[0], payer_id=payer[1]))
    return path


def _paid_as(claim: ClaimSpec, **changes: object) -> ClaimSpec:
    return ClaimSpec(**{**claim.__dict__, **changes})


def _import(url: str, practice: str, *files: Path) -> None:
    result = import_files(settings(url), list(files), [], practice, "pat")
    assert result.errors == [], result.errors


def _record(url: str, claim_id: str, kind: Kind, on: str, **fields: str) -> int:
    entry = Entry(kind, date.fromisoformat(on), "pat", **fields)  # type: ignore[arg-type]
    done = record_entry(settings(url), claim_id, entry, "default")
    assert done.event.id is not None
    return done.event.id


def submissions(folder: Path) -> Path:
    rows = [(f"S-07{n}", "medicare-dme", "2026-07-15", "500.00") for n in range(6)]  # 3,000.00
    rows += [(f"S-08{n}", "medicare-dme", "2026-08-15", "800.00") for n in range(3)]  # 2,400.00
    rows += [(f"S-09{n}", "medicare-dme", "2026-09-15", "600.00") for n in range(6)]  # 3,600.00
    return submitted_csv(folder / "submitted.csv", rows)


def seed(url: str, folder: Path) -> None:
    aug = [_file(folder, "aug10.835", [denied("K1", "80.00", "197", ())], "20260810", CARESOURCE),
           _file(folder, "aug12.835", [denied("K2", "90.00", "197", ())], "20260812", CARESOURCE)]
    sep = _file(folder, "sep15.835", [denied("A1", "200.00"), paid("A2", "100.00", "80.00"),
                                      denied("A3", "150.00", "16", ("M127",)), paid("R1", "250.00", "200.00")],
                "20260915", DME)
    replacement = _paid_as(paid("B5", "75.00", "60.00"), frequency="7")
    oct5 = _file(folder, "oct05.835", [
        denied("B1", "300.00", "197", ()), paid("B2", "400.00", "320.00"), paid("B3", "100.00", "90.00"),
        denied("B4", "500.00"), denied("C1", "120.00", "4", ()), denied("A1", "200.00"),
        reversal("R1", "250.00"), paid("R1", "250.00", "150.00"), replacement], "20261005", DME)
    oct20 = _file(folder, "oct20.835", [denied("M1", "250.00", "27", ()), paid("M2", "600.00", "500.00"),
                                        reversal("R2", "250.00"), paid("R2", "250.00", "200.00")],
                  "20261020", CARESOURCE)
    oct25 = _file(folder, "oct25.835", [denied("C1", "120.00", "4", ()), partly("B4", "500.00", "200.00")],
                  "20261025", DME)
    _import(url, "default", *aug, sep)
    assert not import_files(settings(url), [], [submissions(folder)], "default", "pat").errors
    _record(url, "A1", Kind.sent, "2026-09-20", method="fax")
    _record(url, "A3", Kind.sent, "2026-09-25", method="portal")
    _import(url, "default", oct5)
    _record(url, "B1", Kind.assigned, "2026-10-06", owner="kim")
    _record(url, "B1", Kind.sent, "2026-10-07", method="fax")
    _record(url, "B4", Kind.sent, "2026-10-08", method="fax")
    _record(url, "C1", Kind.adjusted, "2026-10-10")
    _record(url, "K2", Kind.sent, "2026-10-06", method="mail")
    _record(url, "A1", Kind.sent, "2026-10-14", method="fax")
    _record(url, "A3", Kind.decision, "2026-10-15", outcome="overturned", amount="150.00")
    mistake = _record(url, "B1", Kind.decision, "2026-10-20", outcome="upheld")
    _record(url, "B1", Kind.correction, "2026-10-21", voids=mistake, note="recorded on the wrong claim")  # type: ignore[arg-type]
    _import(url, "default", oct20)
    _record(url, "M1", Kind.assigned, "2026-10-21", owner="lee")
    _import(url, "default", oct25)
    _record(url, "B4", Kind.sent, "2026-10-27", method="fax")
    _record(url, "B1", Kind.decision, "2026-10-28", outcome="overturned")
    _record(url, "B4", Kind.decision, "2026-10-29", outcome="upheld")
    _record(url, "A1", Kind.decision, "2026-10-30", outcome="upheld", ref="QIC-1")
    _record(url, "K1", Kind.sent, "2026-11-05", method="mail")
    _record(url, "M1", Kind.adjusted, "2026-11-10")
    north = _file(folder, "north.835", [denied("N1", "1000.00")], "20261005", DME)
    _import(url, "north", north)


def first_steps(url: str) -> dict[str, tuple[str, str, date | None]]:
    """Each denial's first step as the plan made it: (level name, action, deadline)."""
    with open_log(settings(url)) as log, log.reading() as conn:
        return {f"{s.denial.claim_id}@{s.denial.denied_on}": (s.denial.first.level_name, s.denial.first.action,
                                                                 s.denial.first.deadline)
                for s in load_states(conn, Filters(practice="default"))}
