"""Hostile claim files (YAML, JSON), CSV exports and 835 remittances: refused with one clear
line, or read within time and memory, never anything but the project's own errors. Fuzzed with
hypothesis.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appealgen.errors import AppealgenError, InputError, InputErrors
from appealgen.sources.claim_file import load_claim_file
from appealgen.sources.csv_claims import default_fields, load_csv
from appealgen.sources.era import read_era
from tests.helpers import run
from tests.x12gen import ClaimSpec, interchange

AS_OF = ["--as-of", "2026-11-22"]


def plan(path: Path) -> tuple[int, str]:
    code, _, stderr = run("plan", str(path), *AS_OF)
    return code, stderr


# --- claim files ----------------------------------------------------------------------------


def alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 12):
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [{','.join(['*' + chr(96 + n)] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("claim.yaml", "claim_id: !!python/object/apply:os.system ['touch /tmp/owned']\n",
     "line 1: invalid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("claim.yaml", alias_bomb(), "holds more than 200,000 values once its aliases are expanded (an alias bomb?)"),
    ("claim.json", '{"claim_id": "A-1", "claim_id": "A-2"}', "invalid JSON: a key is given twice in one object"),
    ("claim.yaml", "claim_id: A-1\nclaim_id: A-2\n", "line 2: invalid YAML: a key is given twice"),
    ("claim.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("claim.json", '{"claim_id": NaN}', "invalid JSON: NaN is not a number"),
    ("claim.yaml", "\ufeffclaim_id: A\n".encode("utf-16").decode("latin-1"), "cannot read file: not UTF-8 text"),
], ids=["python-tag", "alias-bomb", "json-duplicate-keys", "yaml-duplicate-keys", "deep-json", "nan",
        "utf-16"])
def test_hostile_claim_files_are_refused_with_a_clear_message(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1") if "utf-16" in message or "UTF-8" in message else text.encode())
    started = time.monotonic()
    assert plan(path) == (1, f"{path}: {message}\n")
    assert time.monotonic() - started < 10
    assert not Path("/tmp/owned").exists()


def test_a_claim_file_given_through_a_symlink_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("claim_id: A-1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert [str(e).replace("link.yaml", "real.yaml") for e in load_claim_file(tmp_path / "link.yaml").errors] == \
        [str(e) for e in load_claim_file(tmp_path / "real.yaml").errors]
    assert "cannot be opened" not in plan(tmp_path / "link.yaml")[1]


def test_a_50_mb_claim_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "claim.yaml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: nothing is written, and nothing must be read
    assert plan(path) == (1, f"{path}: is 50 MB; the limit is 10 MB\n")


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_fuzzed_claim_files_give_only_the_projects_errors(tmp_path: Path, data: bytes) -> None:
    for name in ("fuzz.yaml", "fuzz.json"):
        path = tmp_path / name
        path.write_bytes(data)
        loaded = load_claim_file(path)  # anything else escaping is a bug
        assert all(isinstance(e, AppealgenError) for e in loaded.errors)


YAML_PIECES = st.sampled_from(["claim_id: A-1\n", "patient:\n", "  first_name: Rosa\n", "- ", "&a ", "*a ", "!!str ",
                               "{", "}", "[", "]", ": ", "\n", "  ", "'", '"', "<<: *a\n", "service_lines: []\n",
                               "!!python/name:os.system ", "2026-02-30", ".inf", "~"])


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_fuzzed_yaml_structure_gives_only_the_projects_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text)
    assert all(isinstance(e, AppealgenError) for e in load_claim_file(path).errors)


# --- CSV exports -----------------------------------------------------------------------------

MARKER = "Zq7Marker"  # seeded into every cell but the claim id: a cell's text must never reach a message
CSV_COLUMNS = {"claim_id": "Account", "payer": "Payer", "patient.first_name": "Pt First", "patient.dob": "DOB",
               "patient.member_id": "Member", "provider.npi": "NPI", "denial.date": "Denied", "denial.carc": "CARC",
               "service_lines.dos": "DOS", "service_lines.code": "HCPCS", "service_lines.modifiers": "Mods",
               "service_lines.billed": "Billed", "attachments.progress_notes": "Notes"}
CSV_MAPPING = "columns:\n" + "".join(f"  {field}: {column}\n" for field, column in CSV_COLUMNS.items())
CLAIM_IDS = st.sampled_from(["A-1", "A-1", "B-7", "", "  ", "CON", "A-1.", "x" * 70, "\x00", "\ufeffA-1"])
VALUES = st.sampled_from(["09/02/2026", "2026-09-02", "9/2/26", "02/30/2026", "13/45/2026", "$1,234.50", "(12.00)",
                          "NaN", "sNaN", "-Infinity", "1e999999999", "0.001", "E0601", "RR KX", "50;45", "1538261953",
                          "9XX9XX9XX99", "commercial", "CO", "docs/notes.pdf", "", " "])
JUNK = st.sampled_from(['"', '""', ",", ";", "\r", "\n", "\r\n", "\x00", "\ufeff", "\u2028", "é", "€", "\x81", " ",
                        "$", "/", "%s", "{0}", "../"])
SEEDED = st.one_of(
    st.tuples(st.lists(JUNK | VALUES, max_size=3), st.lists(JUNK | VALUES, max_size=3)).map(
        lambda parts: "".join(parts[0]) + MARKER + "".join(parts[1])),
    st.text(max_size=12).map(lambda text: text + MARKER),
    st.sampled_from([MARKER, f"docs/{MARKER}.pdf", f"$1,{MARKER}.00", f"09/02/{MARKER}", f"{MARKER} KX",
                     MARKER * 15_000]),  # the last is larger than the csv module's field limit
)
CELLS = VALUES | SEEDED


@st.composite
def csv_exports(draw: st.DrawFn) -> tuple[str, bool, str]:
    """(text, with the mapping or not, encoding): headers from the mapping's columns plus junk,
    rows of random length, blank rows, cells with quotes, NULs, BOMs, huge fields and money and
    dates in US forms; the claim id column never holds the marker (claim ids are named in
    messages on purpose)."""
    mapped = draw(st.booleans())
    columns = list(CSV_COLUMNS.values()) if mapped else default_fields()
    id_column = CSV_COLUMNS["claim_id"] if mapped else "claim_id"
    if mapped and draw(st.integers(0, 9)):  # mostly every column the mapping names, so the rows are read
        header = [*draw(st.permutations(columns[1:])), *draw(st.lists(st.text(max_size=8), max_size=3))]
    else:  # else some of them, or of the field names: a mapped column missing stops the file
        header = draw(st.lists(st.sampled_from(columns[1:]) | st.text(max_size=8), max_size=8))
    if draw(st.integers(0, 9)):
        header.insert(draw(st.integers(0, len(header))), id_column)
    rows: list[list[str]] = [header]
    for _ in range(draw(st.integers(0, 8))):
        length = draw(st.sampled_from([0, len(header), len(header), draw(st.integers(0, len(header) + 2))]))
        rows.append([draw(CLAIM_IDS) if i < len(header) and header[i] == id_column else draw(CELLS)
                     for i in range(length)])
    out = io.StringIO()
    csv.writer(out, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))).writerows(rows)
    return out.getvalue(), mapped, draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))


def spreadsheet_rows(data: bytes) -> list[list[str]] | None:
    """The file's records as a spreadsheet numbers them (blank lines count; a quoted line break
    does not): row N is records[N - 1]. None when the csv module refuses the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None


ROW = re.compile(r"row (\d+)(?:, column '(.*?)'|, field (\S+))?: ")


def check_csv_errors(path: Path, loaded_errors: list[AppealgenError], records: list[list[str]] | None,
                     mapping: Path | None = None) -> None:
    """Only the InputError family; each line names the file (or, for a column the export lacks,
    the mapping's field), and the row and column (or field) when it names a row, a row that
    holds data (a row exported twice is the whole row's problem); no cell's text in any message."""
    for error in loaded_errors:
        assert isinstance(error, (InputError, InputErrors)), repr(error)
        for line in error.lines():
            assert MARKER not in line, line
            if mapping is not None and line.startswith(f"{mapping}: columns."):
                continue
            assert line.startswith(f"{path}: "), line
            where = line.removeprefix(f"{path}: ")
            if not where.startswith("row "):
                continue
            match = ROW.match(where)
            assert match, line
            number = int(match.group(1))
            whole_row = where.removeprefix(match.group(0)).startswith("repeats the service line of row")
            assert number == 1 or match.group(2) is not None or match.group(3) is not None or whole_row, line
            if records is not None and number > 1:
                assert number <= len(records) and records[number - 1] != [], f"{line}\nrows: {records}"


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode),
                 st.binary(max_size=2000).map(lambda data: b"claim_id,patient.dob\r\n" + data)))
def test_fuzzed_csv_bytes_give_only_the_projects_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    check_csv_errors(path, load_csv(path).errors, spreadsheet_rows(data))  # anything else escaping is a bug


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csv_exports())
def test_fuzzed_csv_exports_name_row_and_column_and_never_a_cell(tmp_path: Path, export: tuple[str, bool, str]) -> None:
    text, mapped, encoding = export
    path, mapping = tmp_path / "fuzz.csv", tmp_path / "mapping.yaml"
    path.write_bytes(text.encode(encoding, errors="replace"))
    mapping.write_text(CSV_MAPPING)
    loaded = load_csv(path, mapping if mapped else None)
    check_csv_errors(path, loaded.errors, spreadsheet_rows(path.read_bytes()), mapping)
    assert not any(MARKER in warning for warning in loaded.warnings)
    assert not any(MARKER in item.origin or MARKER in item.claim_id for item in loaded.items)


# --- 835 remittances ------------------------------------------------------------------------


def many_adjustments(triplets: int) -> str:
    text = interchange([ClaimSpec("ACCT-9001")])
    cas = "CAS*CO*45*0.01*1*253*0.01*1~" * (triplets // 2)  # two triplets per segment
    assert "NM1*QC" in text
    text = text.replace("NM1*QC", f"{cas}NM1*QC", 1)
    return re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m.group(1)) + triplets // 2}*", text, count=1)


@pytest.mark.parametrize(("data", "message"), [
    (b"ISA*00*", "segment 1 (ISA): ISA segment is incomplete: truncated, or not X12"),
    (interchange([ClaimSpec("A-1")]).replace("~", "*").encode(), "segment 1 (ISA): no segment terminator after ISA16"),
    (interchange([ClaimSpec("A-1")]).encode("utf-16"), "file is UTF-16 text; save it as ASCII or UTF-8"),
    (bytes(range(256)) * 40, "file is binary data, not text"),
], ids=["short-isa", "separator-equals-terminator", "utf-16", "binary-garbage"])
def test_hostile_835_files_are_refused_with_a_clear_message(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "remit.835"
    path.write_bytes(data)
    code, _, stderr = run("era", str(path), *AS_OF)
    assert (code, stderr) == (1, f"{path}: {message}\n")


def test_a_200_mb_835_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "remit.835"
    with path.open("wb") as handle:
        handle.truncate(200_000_000)
    code, _, stderr = run("era", str(path), *AS_OF)
    assert (code, stderr) == (1, f"{path}: is 200 MB; the limit is 100 MB\n")


def test_100000_adjustments_on_one_claim_are_read_within_time(tmp_path: Path) -> None:
    path = tmp_path / "remit.835"
    path.write_text(many_adjustments(100_000))
    started = time.monotonic()
    code, stdout, stderr = run("era", str(path), *AS_OF)
    assert time.monotonic() - started < 60
    assert code in (0, 1), stderr
    assert "ACCT-9001" in stdout or "ACCT-9001" in stderr


@settings(max_examples=200, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzzed_835_files_give_only_the_projects_errors(tmp_path: Path, data: st.DataObject) -> None:
    base = interchange([ClaimSpec("ACCT-1"), ClaimSpec("ACCT-2")])
    cut = data.draw(st.integers(0, len(base)))
    noise = data.draw(st.text(alphabet="*~:^|\r\n ISACLPNM1QCDTM0123456789", max_size=40))
    path = tmp_path / "fuzz.835"
    path.write_text(base[:cut] + noise + base[cut:][: data.draw(st.integers(0, 400))])
    with contextlib.suppress(AppealgenError):  # anything else escaping is a bug
        read_era(path)


def test_the_fuzz_files_leave_nothing_behind(tmp_path: Path) -> None:
    assert not os.listdir(tmp_path)
