"""CSV exports and JSON Lines: what billing systems send, read as claims; every error names the
file, the row (or line) and the column, and fails only its own claim."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from appealgen.sources.claim_file import load_claim_file
from appealgen.sources.csv_claims import load_csv
from appealgen.sources.items import Loaded
from tests.conftest import claim_dict
from tests.helpers import AS_OF, run

MAPPING = """rows: line
columns:
  claim_id: Account
  payer: Payer
  patient.first_name: Pt First
  patient.last_name: Pt Last
  patient.dob: DOB
  patient.member_id: Member
  provider.name: Provider
  provider.npi: NPI
  denial.date: Denied
  denial.carc: CARC
  denial.group: Group
  service_lines.dos: DOS
  service_lines.code: HCPCS
  service_lines.modifiers: Mods
  service_lines.billed: Billed
  service_lines.carc: Line CARC
  attachments.progress_notes: Notes
"""
HEADER = ("Account,Payer,Pt First,Pt Last,DOB,Member,Provider,NPI,Denied,CARC,Group,DOS,HCPCS,Mods,Billed,Line CARC,"
          "Notes")


def row(account: str = "CSV-1", dos: str = "09/02/2026", code: str = "E0601", billed: str = '"$1,245.50"',
        first: str = "Rosa", member: str = "9XX9XX9XX99", notes: str = "docs/notes.pdf") -> str:
    return (f"{account},commercial,{first},Testcase,01/02/1950,{member},Test Supply Co,1538261953,10/14/2026,50,CO,"
            f"{dos},{code},RR KX,{billed},50,{notes}")


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8", mapping: str = MAPPING) -> tuple[Path, Path]:
    csv_file, mapping_file = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    csv_file.write_bytes("\r\n".join([HEADER, *lines]).encode(encoding) + b"\r\n")
    mapping_file.write_text(mapping)
    return csv_file, mapping_file


def test_rows_per_service_line_are_grouped_by_claim(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row(code="A7034", billed="150", notes=""), row("CSV-2")])
    loaded = load_csv(csv_file, mapping)
    assert loaded.errors == []
    [one, two] = loaded.items
    assert (one.claim_id, two.claim_id) == ("CSV-1", "CSV-2")
    assert [(line.code, line.billed, line.modifiers) for line in one.claim.service_lines] == [
        ("E0601", Decimal("1245.50"), ["RR", "KX"]), ("A7034", Decimal("150"), ["RR", "KX"])]
    assert str(one.claim.patient.dob) == "1950-01-02" and str(one.claim.denial.date) == "2026-10-14"
    assert [a.path.as_posix() for a in one.claim.attachments] == ["docs/notes.pdf"]
    assert one.origin == f"{csv_file} (claim CSV-1)"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_or_without_bom_and_windows_1252(tmp_path: Path, encoding: str) -> None:
    csv_file, mapping = write(tmp_path, [row(first="José")], encoding=encoding)
    [item] = load_csv(csv_file, mapping).items
    assert item.claim.patient.first_name == "José"


def test_a_secondary_claims_primary_balance_and_the_patients_address_are_read(tmp_path: Path) -> None:
    """A secondary claim's export carries what the primary left owing (the request after a
    coordination-of-benefits denial asks for no more), and an ALJ request names the address."""
    mapping = MAPPING + "  primary_balance: Primary Balance\n  patient.address: Pt Address\n"
    csv_file, mapping_file = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    lines = [f"{HEADER},Primary Balance,Pt Address", f'{row()},"$49.00","1 Test Lane, Testville, EX 00000"',
             f"{row('CSV-2')},(5.00),"]
    csv_file.write_text("\r\n".join(lines) + "\r\n")
    mapping_file.write_text(mapping)
    loaded = load_csv(csv_file, mapping_file)
    [item] = loaded.items
    assert (item.claim.primary_balance, item.claim.patient.address) == (Decimal("49.00"), "1 Test Lane, Testville, "
                                                                                         "EX 00000")
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 3, column 'Primary Balance': must be at least 0"]


def test_a_bad_row_fails_only_its_claim_naming_row_and_column(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row("CSV-2", dos="13/45/2026"), row("CSV-3", billed="abc"),
                                         row("CSV-4", member="x")])
    loaded = load_csv(csv_file, mapping)
    assert [item.claim_id for item in loaded.items] == ["CSV-1"]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 3, column 'DOS': not a date (use MM/DD/YYYY or YYYY-MM-DD); claim CSV-2 not built",
        f"{csv_file}: row 4, column 'Billed': not an amount; claim CSV-3 not built",
        f"{csv_file}: row 5, column 'Member': must be 3 to 30 letters, digits or '-' (no spaces)",
    ]
    assert [getattr(error, "claim_id", None) for error in loaded.errors] == ["CSV-2", "CSV-3", "CSV-4"]  # the summary's


def test_a_failed_claim_is_named_in_the_summary_only_by_a_valid_claim_id(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row("=HYPERLINK(1)", dos="13/45/2026"), row("CON", dos="13/45/2026"),
                                         row("CSV-2", dos="13/45/2026")])
    # the row errors, then what is wrong with the ids themselves
    assert [getattr(e, "claim_id", None) for e in load_csv(csv_file, mapping).errors] == [None, None, "CSV-2", None,
                                                                                          None]


def test_every_problem_of_a_claim_is_named_in_one_run_by_its_column(tmp_path: Path) -> None:
    """A bad date and a missing member ID: both named at once (fixing one row took two runs), the
    missing value by the column it is read from, not by the claim-file field."""
    csv_file, mapping = write(tmp_path, [row(dos="13/45/2026", member="", billed="abc")])
    loaded = load_csv(csv_file, mapping)
    assert loaded.items == []
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 2, column 'Billed': not an amount; claim CSV-1 not built",
        f"{csv_file}: row 2, column 'DOS': not a date (use MM/DD/YYYY or YYYY-MM-DD); claim CSV-1 not built",
        f"{csv_file}: row 2, column 'Member': Field required",
    ]


def test_a_blank_line_counts_as_a_row_as_in_a_spreadsheet(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), "", row("CSV-2", dos="13/45/2026")])
    assert [line for error in load_csv(csv_file, mapping).errors for line in error.lines()] == [
        f"{csv_file}: row 4, column 'DOS': not a date (use MM/DD/YYYY or YYYY-MM-DD); claim CSV-2 not built"]


def test_a_row_cut_short_or_shifted_by_an_unquoted_comma_fails_its_claim(tmp_path: Path) -> None:
    cut = row("CSV-2").rsplit(",", 2)[0]  # its last two cells lost
    shifted = row("CSV-3").replace("Test Supply Co", "Test Supply, Co")
    csv_file, mapping = write(tmp_path, [row(), cut, shifted, row("CSV-4") + ",,"])  # empty cells past the end: kept
    loaded = load_csv(csv_file, mapping)
    assert [item.claim_id for item in loaded.items] == ["CSV-1", "CSV-4"]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 3, column 'Line CARC': missing: the row has 15 cells where the header has 17 (a cut row, "
        "or a comma in an unquoted value); claim CSV-2 not built",
        f"{csv_file}: row 4, column 'Notes': cells past this last column: the row has 18 where the header has 17 (a "
        "comma in an unquoted value?); claim CSV-3 not built"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "row 1: no header row (the file is empty, or starts with a blank line)"),
    ("Account;Payer;DOS\nCSV-1;commercial;09/02/2026\n", "row 1: the columns are separated by ';': export the file "
     "with commas"),
])
def test_an_export_that_cannot_be_read_as_a_table_says_why(tmp_path: Path, text: str, message: str) -> None:
    csv_file = tmp_path / "export.csv"
    csv_file.write_text(text)
    loaded = load_csv(csv_file)
    lines = [line for error in loaded.errors for line in error.lines()]
    assert (loaded.items, lines) == ([], [f"{csv_file}: {message}"])


def test_rows_of_one_claim_must_agree(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row(first="Other")])
    loaded = load_csv(csv_file, mapping)
    assert loaded.items == []
    assert loaded.errors[0].lines() == [
        f"{csv_file}: row 3, column 'Pt First': differs from row 2, which has the same claim id: a claim's rows must "
        "agree (two claims with one id?); claim CSV-1 not built"]


def test_a_service_line_exported_twice_fails_its_claim_instead_of_asking_for_it_twice(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row(code="E0562"), row(code="E0562"), row("CSV-2")])
    loaded = load_csv(csv_file, mapping)
    assert [item.claim_id for item in loaded.items] == ["CSV-2"]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 4: repeats the service line of row 3 exactly (a row exported twice?): remove it, or bill a "
        "service given twice as one line with its units; claim CSV-1 not built"]


def test_one_row_per_claim_refuses_a_second_row(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row()], mapping=MAPPING.replace("rows: line", "rows: claim"))
    loaded = load_csv(csv_file, mapping)
    assert [item.claim_id for item in loaded.items] == ["CSV-1"]
    assert loaded.errors[0].lines() == [
        f"{csv_file}: row 3, column 'Account': claim CSV-1 already has a row (rows: claim)"]


def test_a_missing_claim_id_column_and_an_unknown_mapped_field(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row()], mapping=MAPPING.replace("claim_id: Account", "claim_id: Acct"))
    assert load_csv(csv_file, mapping).errors[0].lines()[0].startswith(
        f"{csv_file}: row 1: no column 'Acct' (the claim id); columns: Account, Billed")
    mapping.write_text(MAPPING + "  patient.lastname: Pt Last\n")
    assert load_csv(csv_file, mapping).errors[0].lines() == [
        f"{mapping}: columns.patient.lastname: not a claim field (did you mean patient.last_name?)"]


def test_a_mapped_column_the_export_lacks_stops_the_file_naming_the_mapping(tmp_path: Path) -> None:
    typo = MAPPING.replace("progress_notes: Notes", "progress_notes: Note")
    csv_file, mapping = write(tmp_path, [row()], mapping=typo)
    loaded = load_csv(csv_file, mapping)
    assert loaded.items == []
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{mapping}: columns.attachments.progress_notes: column 'Note' is not in export.csv (columns: Account, "
        "Billed, CARC, DOB, DOS, Denied, Group, HCPCS, Line CARC, Member, Mods, NPI, Notes, Payer, Provider, Pt First, "
        "Pt Last)"]


def test_a_document_listed_on_each_line_of_a_claim_is_enclosed_once(tmp_path: Path) -> None:
    csv_file, mapping = write(tmp_path, [row(), row(code="A7034", notes="docs/notes.pdf;docs/more.pdf")])
    [item] = load_csv(csv_file, mapping).items
    assert [(a.kind.value, a.path.as_posix()) for a in item.claim.attachments] == [
        ("progress_notes", "docs/notes.pdf"), ("progress_notes", "docs/more.pdf")]


def test_without_a_mapping_the_columns_are_the_claim_field_names(tmp_path: Path) -> None:
    header = ("claim_id,payer,patient.first_name,patient.last_name,patient.member_id,provider.name,provider.npi,"
              "denial.date,denial.carc,service_lines.dos,service_lines.code,service_lines.billed")
    csv_file = tmp_path / "plain.csv"
    csv_file.write_text(f"{header}\nP-1,commercial,Rosa,Testcase,9XX9XX9XX99,Test Supply,1538261953,2026-10-14,50,"
                        "2026-09-02,E0601,245.00\n")
    [item] = load_csv(csv_file).items
    assert (item.claim_id, item.claim.service_lines[0].billed) == ("P-1", Decimal("245.00"))


def test_json_lines_one_claim_per_line_each_alone(tmp_path: Path) -> None:
    import json

    path = tmp_path / "claims.jsonl"
    good = json.dumps(claim_dict(claim_id="J-1"))
    bad = json.dumps({**claim_dict(claim_id="J-2"), "payer": "NOT A PAYER ID"})
    path.write_text(f"{good}\n\n{bad}\n{{not json\n")
    loaded = load_claim_file(path)
    assert [item.claim_id for item in loaded.items] == ["J-1"]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{path}, line 4: invalid JSON: Expecting property name enclosed in double quotes",
        f"{path}, line 3: payer: must be a payer profile id: lower-case letters, digits, '_' or '-'",
    ]


def test_a_json_lines_line_that_nests_too_deeply_or_repeats_a_key_fails_alone(tmp_path: Path) -> None:
    """A 4 KB line of brackets once stopped the whole run with an unexpected RecursionError."""
    import json

    path = tmp_path / "claims.jsonl"
    twice = json.dumps(claim_dict(claim_id="J-3")).replace('"J-3"', '"J-3", "claim_id": "J-4"', 1)
    path.write_text("[" * 2000 + "]" * 2000 + f"\n{json.dumps(claim_dict(claim_id='J-1'))}\n{twice}\n"
                    '{"claim_id": NaN}\n')
    loaded = load_claim_file(path)
    assert [item.claim_id for item in loaded.items] == ["J-1"]
    assert sorted(line for error in loaded.errors for line in error.lines()) == [
        f"{path}, line 1: nested too deeply",
        f"{path}, line 3: invalid JSON: a key is given twice in one object",
        f"{path}, line 4: invalid JSON: NaN is not a number",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_named_pipe_given_as_a_file_of_claims_is_refused_without_waiting(tmp_path: Path, suffix: str) -> None:
    pipe = tmp_path / f"claims{suffix}"
    os.mkfifo(pipe)
    found: list[Loaded] = []
    load: Callable[[Path], Loaded] = load_csv if suffix == ".csv" else load_claim_file
    reader = threading.Thread(target=lambda: found.append(load(pipe)), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # it waits for a writer: give it one, so the thread ends, then fail
        os.close(os.open(pipe, os.O_WRONLY))
        pytest.fail("the reader waited on a named pipe")
    assert [e.lines() for e in found[0].errors] == [[f"{pipe}: is a named pipe, not a regular file"]]


def test_the_mapping_names_the_profile_each_of_the_exports_payer_names_stands_for(tmp_path: Path) -> None:
    named = row("CSV-2").replace(",commercial,", ",Example  Health Plan PPO,")
    unmapped = row("CSV-3").replace(",commercial,", ",MEDICARE DME MAC JURISDICTION B,")
    mapping = MAPPING + "payers:\n  EXAMPLE HEALTH PLAN PPO: commercial\n"
    csv_file, mapping_file = write(tmp_path, [row(), named, unmapped], mapping=mapping)
    loaded = load_csv(csv_file, mapping_file)
    # The export's own name is kept for the log and the reports (one profile, many plans).
    assert [(item.claim_id, item.claim.payer, item.claim.payer_name) for item in loaded.items] == [
        ("CSV-1", "commercial", None), ("CSV-2", "commercial", "Example Health Plan PPO")]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{csv_file}: row 4, column 'Payer': not a payer profile id (lower-case letters, digits, '_' or '-'): name the "
        "profile each of the export's payers stands for under `payers:` in the mapping file; claim CSV-3 not built"]


def test_a_column_of_its_own_may_name_the_payer_as_the_billing_system_does(tmp_path: Path) -> None:
    """The payer name column wins over the name the `payers:` mapping was found by."""
    mapping = MAPPING + "  payer_name: Plan Name\npayers:\n  NORTHWIND PPO: commercial\n"
    csv_file, mapping_file = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    csv_file.write_text(f"{HEADER},Plan Name\r\n" + row().replace(",commercial,", ",Northwind PPO,")
                        + ",Northwind Health Plan\r\n")
    mapping_file.write_text(mapping)
    [item] = load_csv(csv_file, mapping_file).items
    assert (item.claim.payer, item.claim.payer_name) == ("commercial", "Northwind Health Plan")


def test_a_missing_document_is_named_by_the_row_and_column_that_gave_it(tmp_path: Path) -> None:
    """The claim file's field (attachments[0].path) means nothing to someone holding the export."""
    csv_file, mapping = write(tmp_path, [row(notes="docs/gone.pdf")])
    code, _, stderr = run("batch", str(csv_file), "--mapping", str(mapping), "--out", str(tmp_path / "out"),
                          "--dry-run", *AS_OF)
    assert code == 1
    assert (f"{csv_file} (claim CSV-1): row 2, column 'Notes': file not found (--verbose names the file)"
            in stderr.splitlines())
