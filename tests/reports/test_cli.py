"""`appealgen report` on the seeded log (SQLite): every format, exact messages and exit codes,
a workspace's own root-cause table, and no patient name in anything it writes."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner

from appealgen import cli_report
from appealgen.cli import main
from appealgen.reports import api, slices
from appealgen.reports.definitions import DEFINITIONS
from tests.conftest import REPO
from tests.reports.seed import seed

PATIENT = ("Nora", "Synthetic")  # the seed's remittances name this (synthetic) patient
OCTOBER = ["--from", "2026-10-01", "--to", "2026-10-31", "--practice", "default", "--as-of", "2026-11-20"]


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "appealgen-log.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APPEALGEN_USER", "pat")
        seed(f"sqlite:///{path}", folder)
    yield path


def run(log: Path, *args: str, workspace: Path = REPO) -> tuple[int, bytes, str]:
    env = {"APPEALGEN_DATABASE_URL": str(log), "APPEALGEN_USER": "pat"}
    result = CliRunner().invoke(main, ["report", *args, "--workspace", str(workspace)], env=env,
                                catch_exceptions=False)
    for name in PATIENT:
        assert name.encode() not in result.stdout_bytes and name not in result.stderr
    return result.exit_code, result.stdout_bytes, result.stderr


def test_json_carries_every_number_with_its_definition_and_basis_and_the_chart_specs(log: Path) -> None:
    code, out, err = run(log, *OCTOBER, "--format", "json")
    assert code == 0
    assert err.startswith("report 2026-10-01 to 2026-10-31, practice default: appealgen default root causes")
    data = json.loads(out)
    assert data["period"] == {"from": "2026-10-01", "to": "2026-10-31", "label": "October 2026",
                              "previous": {"from": "2026-09-01", "to": "2026-09-30"}}
    metrics = {m["id"]: m for s in data["sections"] for m in s["metrics"]}
    assert set(metrics) == set(DEFINITIONS)
    assert all(m["definition"] and m["basis"] for m in metrics.values())
    assert metrics["remittance_denial_rate"]["value"] == {"rate": "0.5000", "numerator": "4", "denominator": "8",
                                                          "na": None}
    assert metrics["denied_dollars"]["value"] == "1290.00"
    assert metrics["write_off_share"]["value"]["na"] == "give the period's net patient service revenue with --npsr"
    assert set(data["charts"]) == {"denied_by_payer", "denied_by_category", "aging", "trend", "prevention"}
    for spec in data["charts"].values():
        assert spec["$schema"].endswith("vega-lite/v5.json") and "values" in spec["data"]
    assert data["tables"]["aging"]["rows"][0] == ["0-30", 3, "670.00"]
    assert data["sources"]["root_causes"].startswith("appealgen default root causes (2026-11) (built-in")


def test_csv_of_any_table(log: Path) -> None:
    code, out, _ = run(log, *OCTOBER, "--format", "csv")
    lines = out.decode().splitlines()
    assert lines[0] == "section,id,title,value,previous,change,definition,basis"
    assert lines[1].startswith("rates,remittance_denial_rate,Remittance denial rate (count),0.5000,0.5000,+0.0 pts,")
    ids = [row[1] for row in csv.reader(lines[1:])]
    assert len(ids) == len(set(ids)) and "avoidable_share" in ids  # a figure the page repeats is one row
    code, out, _ = run(log, *OCTOBER, "--format", "csv", "--table", "deadlines_missed")
    assert (code, out.decode().splitlines()) == (0, [
        "claim_id,payer,level,deadline,at_stake,sent_on",
        "K1,CARESOURCE EXAMPLE,Retroactive authorization,2026-10-09,80.00,not sent"])


def test_an_unknown_table_names_the_tables_there_are(log: Path) -> None:
    code, out, err = run(log, *OCTOBER, "--format", "csv", "--table", "nope")
    assert code == 1 and out == b""
    assert err.splitlines()[-1].startswith("--table: no table 'nope' (tables: metrics, denied_by_payer, ")


def test_html_is_one_self_contained_page_with_charts_tables_and_definitions(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "october.html"
    code, _, err = run(log, *OCTOBER, "--out", str(out))
    assert code == 0 and err.splitlines()[-1].startswith(f"written {out} (")
    page = out.read_text()
    assert page.count("<svg") == 5 and page.count('<figure class="chart"') == 5
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert " src=" not in page and 'href="http' not in page and "url(" not in page
    assert "Content-Security-Policy" in page
    assert ("zero-pay denials at their first remittance (denied, nothing paid; a claim paid in part with a line "
            "denied is not a denied remit: its denial is under Denials opened) / claims first remitted") in page
    assert "Basis: 835" in page
    assert ">Denied dollars by payer</text>" in page or "Denied dollars by payer" in page
    assert "appealgen default root causes (2026-11)" in page
    # Categories in words for people, beside the chart and in it; their ids stay in CSV and JSON.
    assert "<td>medical necessity</td>" in page and "medical_necessity" not in page
    assert "medical_necessity" in run(log, *OCTOBER, "--format", "csv", "--table", "denied_by_category")[1].decode()


def test_a_named_output_leaves_its_folder_as_it_was_and_a_pipe_a_pipe(log: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-reports"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    code, _, _ = run(log, *OCTOBER, "--format", "csv", "--out", str(shared / "october.csv"))
    assert code == 0 and (shared / "october.csv").read_text().startswith("section,id,title,")
    assert shared.stat().st_mode & 0o777 == 0o755  # a team's shared folder is not made private
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    code, _, _ = run(log, *OCTOBER, "--format", "csv", "--out", str(pipe))
    reader.join(timeout=30)
    assert code == 0 and received and received[0].startswith(b"section,id,title,")
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # written through, not replaced by a file (as /dev/null would be)
    code, _, err = run(log, *OCTOBER, "--format", "csv", "--out", str(pipe))  # nobody reads it now: no wait
    assert (code, err.splitlines()[-1]) == (1, f"{pipe}: cannot write: no program is reading the pipe; nothing written")
    redirected = tmp_path / "redirected.csv"  # /dev/stdout is a link like this one, to where the shell sends it
    redirected.write_text("old, longer than nothing " * 1000)
    (tmp_path / "stdout").symlink_to(redirected)
    code, _, _ = run(log, *OCTOBER, "--format", "csv", "--out", str(tmp_path / "stdout"))
    assert code == 0 and (tmp_path / "stdout").is_symlink()
    assert redirected.read_text().startswith("section,id,title,") and "old, longer" not in redirected.read_text()
    (shared / "october.csv").chmod(0o644)
    run(log, *OCTOBER, "--format", "csv", "--out", str(shared / "october.csv"))
    assert stat.S_IMODE((shared / "october.csv").stat().st_mode) == 0o644  # replaced, still readable by the team
    sock = tmp_path / "socket"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(sock))
        code, _, err = run(log, *OCTOBER, "--format", "csv", "--out", str(sock))
    assert code == 1 and err.splitlines()[-1] == f"{sock}: cannot write: not a regular file; nothing written"


def test_pdf_is_the_same_report(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "october.pdf"
    code, _, _ = run(log, *OCTOBER, "--out", str(out))  # the format the name ends in: it wrote HTML under it
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    document = pypdfium2.PdfDocument(out)
    try:
        text = " ".join(" ".join(page.get_textpage().get_text_range() for page in document).split())
    finally:
        document.close()
    for expected in ("Denial report", "Remittance denial rate (count)", "50.0%", "Basis:", "Denied dollars by payer",
                     "Root causes to fix", "Aged backlog on 2026-10-31"):
        assert expected in text
    for name in PATIENT:
        assert name not in text


def test_without_a_log_one_line_says_how_to_start_one(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "none.sqlite", *OCTOBER)
    assert (code, out) == (1, b"")
    assert err.splitlines()[-1] == f"{tmp_path / 'none.sqlite'}: no tracking log here yet; start one with " \
                                   "`appealgen log import FILE.835`"


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-10-31", "--to", "2026-10-01"], "--from: 2026-10-31 is after --to 2026-10-01"),
    (["--npsr", "lots"], "--npsr: 'lots' is not an amount (like 1250000.00)"),
])
def test_bad_options_are_one_line(log: Path, args: list[str], message: str) -> None:
    code, _, err = run(log, *args, "--as-of", "2026-11-20", "--format", "json")
    assert (code, err.splitlines()[-1]) == (1, message)


def test_a_format_the_output_name_contradicts_is_refused_and_nothing_written(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "october.pdf"
    code, _, err = run(log, *OCTOBER, "--format", "html", "--out", str(out))
    assert (code, err.splitlines()[-1], out.exists()) == (1, "--out: the name ends in .pdf, but --format is html",
                                                          False)


def test_a_workspace_root_cause_table_is_used_and_named(log: Path, tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    table = (REPO / "appealgen" / "rules" / "root_causes.yaml").read_text()
    table = table.replace("name: appealgen default root causes (2026-11)", "name: North Clinic causes")
    table = table.replace("team: clinical documentation,\n                      avoidable: false}",
                          "team: clinical documentation,\n                      avoidable: true}")
    (tmp_path / "rules" / "root_causes.yaml").write_text(table)
    code, out, _ = run(log, *OCTOBER, "--format", "json", workspace=tmp_path)
    assert code == 0
    data = json.loads(out)
    assert data["sources"]["root_causes"].startswith("North Clinic causes (workspace rules/root_causes.yaml, sha256 ")
    shares = {m["id"]: m["value"] for s in data["sections"] for m in s["metrics"]}
    assert (shares["avoidable_share"]["numerator"], shares["avoidable_share"]["denominator"]) == ("5", "5")


def test_a_broken_root_cause_table_is_named_with_the_field(log: Path, tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    shutil.copy(REPO / "appealgen" / "rules" / "root_causes.yaml", tmp_path / "rules" / "root_causes.yaml")
    path = tmp_path / "rules" / "root_causes.yaml"
    path.write_text(path.read_text().replace("coding: coding_error", "coding: typo_cause"))
    code, _, err = run(log, *OCTOBER, "--format", "json", workspace=tmp_path)
    assert (code, err.splitlines()[-1]) == (1, f"{path}: categories.coding: 'typo_cause' is not a cause "
                                               "of this table")


def test_the_command_line_choices_are_the_librarys() -> None:
    assert cli_report.DIMENSIONS == slices.DIMENSIONS
    assert cli_report.FORMATS == api.FORMATS


def test_a_money_change_keeps_its_sign_and_a_change_in_words_may_wrap(log: Path, tmp_path: Path) -> None:
    """"+$17,300.99" stays on one line (its "+" wrapped alone); "+0.0 days (median)" wraps between its
    words (kept on one line, it ran into the definition beside it)."""
    out = tmp_path / "october.html"
    assert run(log, *OCTOBER, "--out", str(out))[0] == 0
    cells = dict(re.findall(r'<tr id="metric-\w+-(\w+)">.*?<td class="(num[^"]*)">[^<]*</td>\s*<td class="about">',
                            out.read_text(), re.S))
    assert (cells["denied_dollars"], cells["days_to_appeal"]) == ("num change", "num")


def test_a_figure_that_cannot_be_given_reads_n_a_with_its_reason_in_small_print(log: Path, tmp_path: Path) -> None:
    """The reason was printed in bold in the figure's column, twelve lines tall beside the others."""
    out = tmp_path / "october.html"
    assert run(log, *OCTOBER, "--out", str(out))[0] == 0
    rows = re.findall(r'<tr id="metric-.*?</tr>', out.read_text(), re.S)  # the headline metrics' rows
    missing = [note for row in rows for note in re.findall(r'<td class="num(?: value)?">n/a(.*?)</td>', row, re.S)]
    assert missing and all(re.fullmatch(r'<div class="parts">[^<]+</div>', note) for note in missing)
    assert not any(">n/a (" in row for row in rows)
