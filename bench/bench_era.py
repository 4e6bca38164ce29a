"""Benchmark: read a synthetic 835 with 10,000 claims (goal: under 2 s on a 2-core machine).

Not a test: prints timings. Measures the reader alone (tokenize + envelope checks + 835
semantics) and the full `era` pass (plus denial rules and plans for every denied claim).
Run: `.venv/bin/python bench/bench_era.py [--claims N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

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


def timed(function: object, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


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
        reader = timed(lambda: read_era(path), args.repeat)
        full = timed(lambda: read_eras([path], profiles, codes, date(2026, 11, 22)), args.repeat)
    print(f"835 with {args.claims} claims ({size:.1f} MB)")
    print(f"  read_era (parse):                 {reader:.2f} s median of {args.repeat}")
    print(f"  read_eras (parse + rules + plan): {full:.2f} s median of {args.repeat}")


if __name__ == "__main__":
    main()
