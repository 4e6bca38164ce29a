"""Benchmark: read a synthetic 835 with 10,000 claims (not a test; never run in CI).

Measures, in one run, the reader alone (tokenize + envelope checks + 835 semantics, with the
cyclic collector paused as `era` runs it) as the floor, and the full `era` pass (plus denial
rules and plans for every denied claim); the goal is the full pass at most 1.5 times the reader.
Wall and CPU medians; figures go to bench/results/era-<timestamp>.json.
Run: `.venv/bin/python bench/bench_era.py [--claims N] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appealgen.collector import gc_paused  # noqa: E402
from appealgen.remittances import read_eras  # noqa: E402
from appealgen.settings import Settings  # noqa: E402
from appealgen.sources.era import read_era  # noqa: E402
from appealgen.toolkit import Toolkit  # noqa: E402
from appealgen.workspace import Workspace  # noqa: E402
from tests.x12gen import ClaimSpec, denial_mix, interchange  # noqa: E402


def synthetic(claims: int) -> str:
    mix = denial_mix()
    specs = []
    for n in range(claims):
        base = mix[n % len(mix)]
        specs.append(ClaimSpec(**{**base.__dict__, "claim_id": f"ACCT-{n:06d}",
                                  "payer_claim_number": f"2628{n:010d}"}))
    return interchange(specs)


def timed(function: object, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `repeat` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        function()  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def paused_read(path: Path) -> None:
    """The reader as `era` runs it: with the cyclic collector paused (read_remittances does)."""
    with gc_paused():
        read_era(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.835"
        path.write_text(synthetic(args.claims))
        size = path.stat().st_size / 1e6
        tools = Toolkit(Settings(Workspace.open(REPO), date(2026, 11, 22)))
        profiles, codes = tools.profiles(), tools.codes()
        reader = timed(lambda: paused_read(path), args.repeat)
        full = timed(lambda: read_eras([path], profiles, codes, date(2026, 11, 22)), args.repeat)
    ratio = full[1] / reader[1]
    print(f"835 with {args.claims} claims ({size:.1f} MB), medians of {args.repeat}")
    print(f"  read_era (parse):                 {reader[0]:.2f} s wall, {reader[1]:.2f} s CPU")
    print(f"  read_eras (parse + rules + plan): {full[0]:.2f} s wall, {full[1]:.2f} s CPU")
    print(f"  CPU ratio to the reader: {ratio:.2f} (goal at most 1.5)")
    results = {"date": datetime.now().isoformat(timespec="seconds"), "claims": args.claims, "mb": round(size, 2),
               "load_before": os.getloadavg(),
               "reader_wall_s": round(reader[0], 3), "reader_cpu_s": round(reader[1], 3),
               "era_wall_s": round(full[0], 3), "era_cpu_s": round(full[1], 3), "cpu_ratio_to_reader": round(ratio, 2)}
    out = REPO / "bench" / "results" / f"era-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
