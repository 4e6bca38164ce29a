"""Benchmark: `appealgen batch` on synthetic claims (not a test; no assertions; never run in CI).

Each packet has about 31 pages (cover, index, a 2-page letter, five PDF attachments of 23
dense pages, a 5-page G4 fax TIFF). Measured in one run, so ratios hold while this machine's
speed drifts:
- the floor: CPU time `qpdf --empty --pages` takes merely to concatenate the same PDF inputs,
  measured just before and just after each batch run (the ratio uses their mean);
- batch with 1 and 2 jobs, HTML and Word letters: packets a minute, wall ms a packet, warm CPU
  ms a packet (workers and their LibreOffice included), the ratio of that CPU to the floor, the
  2-vs-1 speed-up, the highest peak memory of any Python worker and of any LibreOffice after
  the first 100 packets and at the end (workers are retired every `--recycle-after` packets);
- the coordinator's own CPU a packet (this process, with the benchmark's sampler of the
  workers' CPU);
- a rerun where every packet is up to date; one cold `appealgen build` of an HTML-letter and a
  Word-letter example (process start included).
Figures go to bench/results/batch-<timestamp>.json.

Runs as the command line runs it (the collector thresholds of a command).
Run: `.venv/bin/python bench/bench_batch.py [--claims 100] [--jobs 1,2] [--letters html,word]
[--recycle-after N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import make_claims, qpdf_inputs  # noqa: E402

from appealgen.batch import start_batch  # noqa: E402
from appealgen.collector import for_a_command  # noqa: E402
from appealgen.commands import load_items  # noqa: E402
from appealgen.executors.base import Work  # noqa: E402
from appealgen.executors.pool import RECYCLE_AFTER, PoolExecutor  # noqa: E402
from appealgen.settings import Settings  # noqa: E402
from appealgen.workspace import Workspace  # noqa: E402

LETTERS = {"html": "reconsideration.html", "word": "medical_necessity.docx"}
TODAY = date(2026, 11, 22)
CLK_TCK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.5


def proc_stat(pid: int) -> tuple[int, float, int] | None:
    """(parent pid, CPU seconds, start time in clock ticks) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK, int(fields[19])


def peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, pending = [], [root]
    while pending:
        current = pending.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        pending += children
    return found


def office_pids(pids: list[int]) -> list[int]:
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if "soffice" in Path(f"/proc/{pid}/comm").read_text(errors="replace"):
                found.append(pid)
    return found


class MeasuredPool(PoolExecutor):
    """The real pool; it records the CPU and the peak memory of its workers and of everything
    they start. Workers are retired every few hundred packets and LibreOffice restarts as often,
    and a process can only be read while it lives: the process tree is sampled every SAMPLE_S
    seconds, keeping each process's latest figure (a process that ends loses at most its last
    SAMPLE_S seconds of CPU; a worker is read once more as it is retired)."""

    def __init__(self, settings: Settings, work: Work, jobs: int, recycle_after: int = RECYCLE_AFTER) -> None:
        super().__init__(settings, work, jobs, recycle_after=recycle_after)
        self.cpu = 0.0
        self.seen: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds
        self.worker_mb: dict[tuple[int, int], float] = {}  # (pid, start time) -> peak resident MB
        self.office_mb: dict[tuple[int, int], float] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.sampler = threading.Thread(target=self._sample_cpu, daemon=True)
        self.sampler.start()

    def _sample_cpu(self) -> None:
        while not self.stopped.wait(SAMPLE_S):
            self.record()

    def record(self) -> None:
        with self.lock:
            workers = [pid for pid in [*(slot.process.pid for slot in list(self.slots)),
                                       *(process.pid for process, _ in list(self.retiring))] if pid]
            for pid in workers:
                children = tree(pid)
                offices = set(office_pids(children))
                for each in [pid, *children]:
                    stat = proc_stat(each)
                    if stat is None:
                        continue
                    key = (each, stat[2])
                    self.seen[key] = stat[1]
                    peaks = self.worker_mb if each == pid else self.office_mb if each in offices else None
                    if peaks is not None:
                        peaks[key] = max(peaks.get(key, 0.0), peak_mb(each))

    def _retire(self, slot: Any) -> None:
        self.record()
        super()._retire(slot)

    def peaks(self) -> tuple[float | None, float | None]:
        """The highest peak of any worker and of any LibreOffice so far."""
        self.record()
        return max(self.worker_mb.values(), default=None), max(self.office_mb.values(), default=None)

    def close(self) -> None:
        self.stopped.set()
        self.sampler.join()
        self.record()
        self.cpu = sum(self.seen.values())
        super().close()


def run_batch(claims: Path, out: Path, jobs: int, force: bool = True, recycle_after: int = RECYCLE_AFTER
              ) -> dict[str, Any]:
    settings = Settings(Workspace.open(REPO), TODAY, out=out)
    loaded = load_items(settings, [claims])
    pools: list[MeasuredPool] = []

    def factory(s: Settings, work: Work) -> MeasuredPool:
        pools.append(MeasuredPool(s, work, jobs, recycle_after))
        return pools[-1]

    started, coordinator = time.perf_counter(), time.process_time()
    batch = start_batch(settings, loaded, factory, force=force)
    outcomes, at_100 = [], None
    for outcome in batch.outcomes:
        outcomes.append(outcome)
        if len(outcomes) == 100 and pools:
            at_100 = pools[0].peaks()
    wall, coordinator = time.perf_counter() - started, time.process_time() - coordinator
    built = [o for o in outcomes if o.status == "built"]
    pool = pools[0] if pools else None
    result: dict[str, Any] = {
        "jobs": jobs, "packets": len(outcomes), "built": len(built),
        "failed": sum(o.status == "failed" for o in outcomes), "wall_s": round(wall, 2),
        "packets_per_minute": round(len(outcomes) / wall * 60, 1),
        "wall_ms_per_packet": round(wall / max(len(outcomes), 1) * 1000, 1),
        "pages": statistics.median([o.report.pages for o in built if o.report]) if built else None,
        "coordinator_cpu_ms_per_packet": round(coordinator / max(len(outcomes), 1) * 1000, 1),
    }
    if pool is not None and built:
        result["cpu_ms_per_packet"] = round(pool.cpu / len(built) * 1000, 1)
        result["peak_worker_mb_at_100"], result["peak_office_mb_at_100"] = at_100 or (None, None)
        result["peak_worker_mb_at_end"] = max(pool.worker_mb.values(), default=None)
        result["peak_office_mb_at_end"] = max(pool.office_mb.values(), default=None)
        result["workers_started"] = len(pool.worker_mb)
    return result


def qpdf_floor(folder: Path, count: int, fax_pdf: Path) -> float:
    """CPU ms a packet that qpdf needs to concatenate the same PDF inputs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            inputs = [str(p) for p in qpdf_inputs(folder, n)] + [str(fax_pdf)]
            subprocess.run(["qpdf", "--empty", "--pages", *inputs, "--", f"{tmp}/out.pdf"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / count * 1000


def cold_build(example: str, repeat: int = 3) -> float:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "appealgen", "build", f"examples/{example}/claim.yaml", "--out", tmp,
                            "--as-of", TODAY.isoformat()], cwd=REPO, capture_output=True, check=False)
            runs.append(time.perf_counter() - started)
    return round(statistics.median(runs), 2)


def main() -> None:
    for_a_command()  # `appealgen batch` runs with these; its workers inherit them
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--letters", default="html,word")
    parser.add_argument("--recycle-after", type=int, default=RECYCLE_AFTER, help="packets a worker builds")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    figures: dict[str, Any] = {"date": datetime.now().isoformat(timespec="seconds"), "claims": args.claims,
                               "recycle_after": args.recycle_after,
                               "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                               "runs": {}}
    from appealgen.fax import g4_to_pdf, read_g4

    with tempfile.TemporaryDirectory(prefix="appealgen-bench-") as tmp:
        root = Path(tmp)
        for kind in args.letters.split(","):
            folder = root / kind
            print(f"generating {args.claims} claims with {kind} letters ...", file=sys.stderr)
            claims = make_claims(folder, args.claims, LETTERS[kind])
            if not (root / "fax.pdf").exists():
                pages = read_g4((folder / "docs" / "fax.tif").read_bytes())
                assert pages is not None
                (root / "fax.pdf").write_bytes(g4_to_pdf(pages))
            for count in jobs:
                print(f"batch: {kind} letters, {count} job(s) ...", file=sys.stderr)
                # The floor just before and just after the run: the machine's speed drifts within minutes.
                before = qpdf_floor(folder, min(args.claims, 100), root / "fax.pdf")
                result = run_batch(claims, root / f"out-{kind}-{count}", count, recycle_after=args.recycle_after)
                after = qpdf_floor(folder, min(args.claims, 100), root / "fax.pdf")
                result["floor_cpu_ms"] = [round(before, 1), round(after, 1)]
                result["cpu_ratio_to_floor"] = round(
                    result.get("cpu_ms_per_packet", 0) / statistics.mean(result["floor_cpu_ms"]), 2)
                figures["runs"][f"{kind}-{count}"] = result
            if len(jobs) > 1:
                one, two = figures["runs"][f"{kind}-{jobs[0]}"], figures["runs"][f"{kind}-{jobs[-1]}"]
                figures[f"{kind}_speedup"] = round(one["wall_s"] / two["wall_s"], 2)
            started = time.perf_counter()
            rerun = run_batch(claims, root / f"out-{kind}-{jobs[-1]}", jobs[-1], force=False)
            figures[f"{kind}_up_to_date_rerun_s"] = round(time.perf_counter() - started, 2)
            figures[f"{kind}_up_to_date_skipped"] = rerun["packets"] - rerun["built"]
    figures["cold_build_html_s"] = cold_build("auth-commercial")
    figures["cold_build_word_s"] = cold_build("cpap-medicare")
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"batch-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
