"""Benchmark: wall time of `appealgen build` per example packet (not a test; no assertions).

Measures the command line as a user runs it (process start, imports, LibreOffice for Word
letters) and the in-process build with warm caches, as a batch worker would see it.
Run: `make bench` or `.venv/bin/python bench/bench_build.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appealgen.build import build_one  # noqa: E402
from appealgen.settings import Settings  # noqa: E402
from appealgen.sources.claim_file import load_claims  # noqa: E402
from appealgen.toolkit import Toolkit  # noqa: E402
from appealgen.workspace import Workspace  # noqa: E402


def cli_seconds(claim: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "appealgen", "build", str(claim), "--out", str(out)],
                   capture_output=True, check=False, cwd=REPO)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'example':28} {'letter':24} {'pages':>5} {'cli median s':>13} {'in-process s':>13}")
    with tempfile.TemporaryDirectory() as tmp, Toolkit(Settings(Workspace.open(REPO), date.today())) as tools:
        out = Path(tmp)
        settings = tools.settings.with_(out=out)
        for claim_file in sorted((REPO / "examples").glob("*/claim.yaml")):
            item = load_claims(claim_file)[0]
            build_one(settings, tools, item)  # warm-up: fonts, templates
            warm = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                report = build_one(settings, tools, item).report
                warm.append(time.perf_counter() - start)
            assert report is not None
            cli = [cli_seconds(claim_file, out) for _ in range(args.repeat)]
            print(f"{claim_file.parent.name:28} {report.letter:24} {report.pages:5d} "
                  f"{statistics.median(cli):13.2f} {statistics.median(warm):13.2f}")


if __name__ == "__main__":
    main()
