"""Benchmark of `appealgen report` on SQLite (not a test; no timed assertions anywhere): a log of
1,000,000 remitted claims (and as many submitted) with 100,000 denials and their histories, made
with bulk inserts through the log's own tables (bench/biglog.py).

Goal: the report as JSON in under 10 s. Beside it: the HTML page (with its SVG charts) and the
PDF, the whole command in a new process, and a floor measured in the same run on the same file,
plain sqlite3 reading what the report reads (the remittances grouped by day, payer and category;
the submitted claims by day; every denial and every event), so a busy machine shows as a
busy floor rather than a slow report. Figures go to bench/results/report.json.
Run: `.venv/bin/python bench/bench_report.py [--claims N] [--denied-every N] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from biglog import make_log  # noqa: E402

from appealgen.log.api import open_log  # noqa: E402
from appealgen.reports.api import json_text, make_report  # noqa: E402
from appealgen.reports.build import Options  # noqa: E402
from appealgen.reports.period import choose  # noqa: E402
from appealgen.reports.render import html, pdf  # noqa: E402
from appealgen.settings import Settings, WorkspaceFile  # noqa: E402
from appealgen.workspace import Workspace  # noqa: E402

AS_OF = date(2026, 11, 22)  # the report: October 2026 beside September, a trend from November 2025


def settings(log: Path) -> Settings:
    return Settings(Workspace.open(REPO), AS_OF, file=WorkspaceFile(database_url=str(log)))


def timed(function: Callable[[], object], repeat: int) -> dict[str, Any]:
    """Median wall and CPU seconds of `repeat` runs (CPU time is less sensitive to other work on a
    shared machine, and blind to child processes)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"seconds": statistics.median(wall), "cpu_seconds": statistics.median(cpu), "runs": wall}


def floor(path: Path) -> None:
    """Plain sqlite3 reading what the report reads, with nothing computed on top."""
    with sqlite3.connect(path) as conn:
        conn.execute("SELECT remit_date, practice, payer_name, category, count(*), sum(denied), sum(billed), "
                     "sum(CASE WHEN denied THEN billed ELSE 0 END) FROM remits WHERE status_code NOT IN ('22', '25') "
                     "AND frequency NOT IN ('7', '8') GROUP BY remit_date, practice, payer_name, category").fetchall()
        conn.execute("SELECT submitted_on, practice, count(*), sum(charge) FROM submissions "
                     "GROUP BY submitted_on, practice").fetchall()
        conn.execute("SELECT id, practice, claim_id, payer, category, reason, denied_on, at_stake, level, level_name, "
                     "action, deadline, deadline_reason FROM log_denials ORDER BY id").fetchall()
        conn.execute("SELECT * FROM log_events ORDER BY id").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--denied-every", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sqlite"
        started = time.perf_counter()
        with open_log(settings(path)) as log:
            results["log"] = make_log(log, args.claims, args.denied_every, AS_OF)
        results["log"]["seconds_to_make"] = time.perf_counter() - started
        results["log"]["megabytes"] = round(path.stat().st_size / 1e6, 1)
        chosen = Options(choose(None, None, AS_OF))
        report = make_report(settings(path), chosen)  # warm: the file's pages in the OS cache, like the floor's
        results["floor"] = timed(lambda: floor(path), args.repeat)
        results["json"] = timed(lambda: json_text(make_report(settings(path), chosen)), args.repeat)
        results["html"] = timed(lambda: html(make_report(settings(path), chosen), settings(path)), args.repeat)
        results["pdf"] = timed(lambda: pdf(html(make_report(settings(path), chosen), settings(path)),
                                           settings(path)), args.repeat)
        out = Path(tmp) / "report.json"
        command = [str(REPO / ".venv" / "bin" / "appealgen"), "report", "--as-of", AS_OF.isoformat(), "--format",
                   "json", "--out", str(out), "--workspace", str(REPO)]
        env = {**os.environ, "APPEALGEN_DATABASE_URL": str(path)}
        results["json_command"] = timed(lambda: subprocess.run(command, env=env, capture_output=True, check=True),
                                        args.repeat)
        results["report"] = {"period": f"{chosen.period.start} to {chosen.period.end}",
                             "denials_opened": next(m.value for m in report.metrics() if m.id == "denials_opened"),
                             "open_denials": next(m.value for m in report.metrics() if m.id == "open_denials"),
                             "json_bytes": out.stat().st_size}
    base = results["floor"]["seconds"]
    for name in ("json", "html", "pdf", "json_command"):
        results[name]["ratio_to_floor"] = results[name]["seconds"] / base
    results["machine"]["load_after"] = os.getloadavg()
    target = REPO / "bench" / "results" / "report.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log = results["log"]
    print(f"log: {log['remitted_claims']:,} remitted claims, {log['denials']:,} denials, {log['events']:,} events "
          f"({log['megabytes']} MB, made in {log['seconds_to_make']:.0f} s)")
    for name in ("json", "html", "pdf", "json_command"):
        r = results[name]
        print(f"report {name}: {r['seconds']:.2f} s (CPU {r['cpu_seconds']:.2f} s), "
              f"x{r['ratio_to_floor']:.1f} the floor")
    print(f"floor (plain sqlite3 reading the same rows): {base:.2f} s; load {results['machine']['load_before']} -> "
          f"{results['machine']['load_after']}; written {target}")


if __name__ == "__main__":
    main()
