"""Benchmark of the tracking log on SQLite (not a test; no timed assertions anywhere):

- `log import` of an 835 with 10,000 claims (goal: under 5 s), into an empty log and into a
  log of 100,000 denials where 1,000 of the file's claims settle open denials;
- `queue` on a log of 100,000 denials (goal: under 1 s): the library call with the table the
  command prints, the whole command in a new process, and the full CSV export.

Each figure comes with a floor measured in the same run, so a busy machine shows as a busy
floor rather than a slow log: plain sqlite3 inserting the same rows (import) and reading the
same columns (queue). Figures go to bench/results/log.json.
Run: `.venv/bin/python bench/bench_log.py [--claims N] [--denials N] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appealgen.log.api import QueueFilters, import_files, open_log, work_queue  # noqa: E402
from appealgen.log.model import Denial, Event, Facts, Kind, Step  # noqa: E402
from appealgen.log.store import insert_denials, insert_events  # noqa: E402
from appealgen.log.views import queue_lines  # noqa: E402
from appealgen.rules.classify import CodeUse  # noqa: E402
from appealgen.settings import Settings, WorkspaceFile  # noqa: E402
from appealgen.workspace import Workspace  # noqa: E402
from tests.x12gen import ClaimSpec, LineSpec, denial_mix, interchange  # noqa: E402

AS_OF = date(2026, 11, 22)
PAYERS = ["medicare-dme", "medicare-part-b", "medicaid-caresource", "commercial"]
CATEGORIES = ["medical_necessity", "authorization", "coding", "missing_information", "eligibility",
              "timely_filing", "duplicate", "coverage"]


def settings(log: Path) -> Settings:
    return Settings(Workspace.open(REPO), AS_OF, file=WorkspaceFile(database_url=str(log)))


CPU: dict[str, float] = {}  # the median CPU time of each figure (this process), beside the wall time


def timed(function: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None,
          name: str = "") -> float:
    """The median wall time; the median CPU time goes to CPU[name] (less sensitive to other work on
    a shared machine, blind to time spent in child processes)."""
    runs, cpu = [], []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(runs)


def remittance_file(path: Path, claims: int, settle: int) -> None:
    """`claims` claims of the usual mix; the first `settle` pay claims the big log has open."""
    mix, specs = denial_mix(), []
    for n in range(claims):
        if n < settle:
            specs.append(ClaimSpec(f"BIG-{n:06d}", status="1", billed="245.00", paid="180.00",
                                   payer_claim_number=f"9{n:013d}",
                                   lines=[LineSpec(billed="245.00", paid="180.00", cas=(("CO", "45", "65.00"),),
                                                   remarks=())]))
            continue
        base = mix[n % len(mix)]
        specs.append(ClaimSpec(**{**base.__dict__, "claim_id": f"ACCT-{n:06d}", "payer_claim_number": f"2628{n:010d}"}))
    path.write_text(interchange(specs, paid_on="20261201", trace="EFT-BENCH"))


def big_log(path: Path, count: int) -> dict[str, int]:
    """`count` denials over a year: 40% sent (awaiting a decision), 5% upheld and at the next
    level, 20% closed (overturned or written off), the rest due; a tenth assigned."""
    rng = random.Random(13)
    made: list[tuple[Denial, list[Event]]] = []
    closed = 0
    for n in range(count):
        denied_on = AS_OF - timedelta(days=rng.randint(5, 360))
        deadline = denied_on + timedelta(days=125)
        step = Step("redetermination", "Redetermination", rng.choice(["appeal", "appeal", "reconsideration",
                                                                       "adjust", "check_status"]),
                    deadline, "denial date + 5 + 120 days", denied_on)
        amount = Decimal(rng.randint(2000, 500000)).scaleb(-2)
        codes = (CodeUse("CO", "50", amount),)
        facts = Facts("835", "EXAMPLE PAYER", "CO-50", ("CO-50", "N115"), codes, ("N115",), False,
                      denied_on - timedelta(days=30), amount, Decimal(0), f"bench-{n}")
        denial = Denial("default", f"BIG-{n:06d}", rng.choice(PAYERS), rng.choice(CATEGORIES), denied_on, amount,
                        step, facts)
        events: list[Event] = []
        roll = rng.random()
        sent_on = denied_on + timedelta(days=3)
        if roll < 0.60 and n >= 1000:  # the first thousand stay open for the import's outcomes
            events.append(Event(Kind.sent, sent_on, "bench", method="fax", level="redetermination",
                                next_date=sent_on + timedelta(days=60)))
            if roll < 0.20:
                closed += 1
                events.append(Event(Kind.decision, sent_on + timedelta(days=1), "bench", amount=amount,
                                    level="redetermination", outcome="overturned"))
            elif roll < 0.25:
                later = Step("reconsideration", "Reconsideration", "appeal", sent_on + timedelta(days=186), "", sent_on)
                events.append(Event(Kind.decision, sent_on + timedelta(days=1), "bench", level="redetermination",
                                    outcome="upheld", details={"next": later.to_json()}))
        if rng.random() < 0.1:
            events.append(Event(Kind.assigned, denied_on, "bench", owner=f"user{n % 7}"))
        made.append((denial, events))
    with open_log(settings(path)) as log, log.writing() as conn:
        insert_denials(conn, [d for d, _ in made])
        insert_events(conn, [(d, e) for d, events in made for e in events])
    return {"denials": count, "closed": closed, "events": sum(len(e) for _, e in made)}


def import_floor(rows: int, workdir: Path) -> float:
    """Plain sqlite3 inserting as many rows of the same width in one transaction."""
    path = workdir / "floor-import.sqlite"
    values = [tuple([n, f"ACCT-{n:06d}", "medicare-dme", "2026-12-01"] + [str(n)] * 17) for n in range(rows)]

    def insert() -> None:
        path.unlink(missing_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, claim TEXT, payer TEXT, day TEXT, "
                         + ", ".join(f"c{i} TEXT" for i in range(17)) + ")")
            conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * 21)})", values)
    return timed(insert, 3)


def queue_floor(path: Path) -> float:
    """Plain sqlite3 reading the columns the queue reads, every row."""
    def read() -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("SELECT id, practice, claim_id, payer, category, denied_on, at_stake, level, level_name, "
                         "action, deadline, deadline_reason FROM log_denials ORDER BY id").fetchall()
            conn.execute("SELECT * FROM log_events ORDER BY id").fetchall()
    return timed(read, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--denials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        remit = work / "big.835"
        remittance_file(remit, args.claims, settle=min(1000, args.claims // 10))
        empty = work / "empty.sqlite"

        def fresh() -> None:
            for leftover in work.glob("empty.sqlite*"):
                leftover.unlink()

        def import_into(log: Path) -> Callable[[], object]:
            return lambda: import_files(settings(log), [remit], [], None, "bench")

        into_empty = timed(import_into(empty), args.repeat, fresh, "import_into_empty_log")
        floor = import_floor(args.claims * 2, work)  # a remit row and (mostly) a denial row per claim
        results["import_into_empty_log"] = {"claims": args.claims, "seconds": into_empty,
                                            "floor_seconds": floor, "ratio": into_empty / floor}

        big = work / "big.sqlite"
        started = time.perf_counter()
        results["log"] = big_log(big, args.denials)
        results["log"]["seconds_to_make"] = time.perf_counter() - started
        snapshot = (work / "big-snapshot.sqlite")
        with sqlite3.connect(big) as source, sqlite3.connect(snapshot) as copy:
            source.backup(copy)

        def table() -> None:
            queue_lines(work_queue(settings(big), QueueFilters(), 50), 50)

        library = timed(table, args.repeat + 2, name="queue")
        export = timed(lambda: work_queue(settings(big), QueueFilters()), args.repeat)
        env = {**os.environ, "APPEALGEN_DATABASE_URL": str(big)}
        command = [str(REPO / ".venv" / "bin" / "appealgen"), "queue", "--as-of", AS_OF.isoformat(), "--workspace",
                   str(REPO)]
        whole = timed(lambda: subprocess.run(command, env=env, capture_output=True, check=True), args.repeat)
        startup = timed(lambda: subprocess.run([command[0], "--version"], capture_output=True, check=True),
                        args.repeat)
        floor = queue_floor(big)
        ranked = work_queue(settings(big), QueueFilters(), 50)
        results["queue"] = {"denials": args.denials, "open_ranked": ranked.total, "missed": ranked.total_missed,
                            "seconds": library, "floor_seconds": floor, "ratio": library / floor,
                            "command_seconds": whole, "process_start_seconds": startup,
                            "all_rows_seconds": export}

        def restore() -> None:
            with sqlite3.connect(snapshot) as source, sqlite3.connect(big) as copy:
                source.backup(copy)

        into_big = timed(import_into(big), args.repeat, restore, "import_into_big_log")
        results["import_into_big_log"] = {"claims": args.claims, "open_denials_settled": min(1000, args.claims // 10),
                                          "seconds": into_big, "floor_seconds": results["import_into_empty_log"][
                                              "floor_seconds"], "ratio": into_big / results[
                                              "import_into_empty_log"]["floor_seconds"]}
    results["machine"]["load_after"] = os.getloadavg()
    for name, seconds in CPU.items():
        results[name]["cpu_seconds"] = seconds
    out = REPO / "bench" / "results" / "log.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    q, e, b = results["queue"], results["import_into_empty_log"], results["import_into_big_log"]
    print(f"queue, {q['denials']:,} denials ({q['open_ranked']:,} ranked, {q['missed']:,} missed): "
          f"{q['seconds']:.2f} s (floor {q['floor_seconds']:.2f} s, x{q['ratio']:.1f}); whole command "
          f"{q['command_seconds']:.2f} s of which process start {q['process_start_seconds']:.2f} s; every row "
          f"{q['all_rows_seconds']:.2f} s")
    print(f"log import, {e['claims']:,} claims: {e['seconds']:.2f} s into an empty log, {b['seconds']:.2f} s into "
          f"the log of {q['denials']:,} denials (floor {e['floor_seconds']:.2f} s)")
    print(f"CPU time: queue {q['cpu_seconds']:.2f} s, import {e['cpu_seconds']:.2f} s and {b['cpu_seconds']:.2f} s")
    print(f"load average {results['machine']['load_before']} -> {results['machine']['load_after']}; written {out}")


if __name__ == "__main__":
    main()
