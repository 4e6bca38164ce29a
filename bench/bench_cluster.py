"""Benchmark: the 31-page batch on the local pool and on a Dask LocalCluster (not a test; no
assertions; never run in CI).

Measured in one run, on the same synthetic claims (bench/synthetic.py):
- the batch on the pool with 1 and 2 jobs and on a LocalCluster with 1 and 2 workers: packets a
  minute and CPU ms a packet in steady state (after the first packets, so starting workers is
  left out), all processes counted (coordinator, scheduler, workers, build processes);
- the per-task overhead: the same claims *planned* (a few ms of work each) through Dask and in
  this process; the difference per task is what Dask and the build-process hand-off add, with
  one packet per task and with chunks of 4;
- peak memory of each Dask worker process and of its build process;
- the bytes each packet reads and writes (for the storage-bandwidth limit);
- from those, the expected throughput on 8 and 32 workers, with the arithmetic.
Figures go to bench/results/cluster-<timestamp>.json.

Run: `.venv/bin/python bench/bench_cluster.py [--claims 100]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_batch import LETTERS, REPO, TODAY, peak_mb, proc_stat, tree
from synthetic import make_claims

from appealgen.batch import ExecutorFactory, start_batch
from appealgen.build import build_one
from appealgen.commands import load_items, plan_work
from appealgen.executors.base import Work
from appealgen.executors.dask import DaskExecutor
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.executors.pool import PoolExecutor
from appealgen.settings import Settings
from appealgen.workspace import Workspace

STORAGE_MB_S = {"1 GbE NFS": 110, "10 GbE NFS": 1100}  # assumed shared-storage bandwidths, MB/s


def cpu_now() -> tuple[float, dict[int, float]]:
    """CPU seconds of this process (exactly) and all its descendants (in clock ticks), and per
    descendant."""
    per = {pid: stat[1] for pid in tree(os.getpid()) if (stat := proc_stat(pid)) is not None}
    return time.process_time() + sum(per.values()), per


def role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "appealgen.executors.host" in command:
        return "build process"
    if "soffice" in command:
        return "LibreOffice"
    return "dask worker" if "multiprocessing" in command else "pool worker"


@dataclass
class Snapshot:
    wall: float
    cpu: float
    client_cpu: float
    count: int
    roles: dict[str, float]


def snapshot(count: int) -> Snapshot:
    """Now: wall time, CPU of everything, CPU of this process alone (its every thread, the
    LocalCluster's scheduler and nannies included), exactly, and CPU by kind of process."""
    total, per = cpu_now()
    roles = {"client, scheduler, nannies": time.process_time()}
    for pid, seconds in per.items():
        roles[role(pid)] = roles.get(role(pid), 0.0) + seconds
    return Snapshot(time.perf_counter(), total, time.process_time(), count, roles)


def measure(settings: Settings, claims: Path, factory: ExecutorFactory, work: Work, warm: int) -> dict[str, Any]:
    """Run one batch; figures over the packets after the first `warm` ones."""
    batch = start_batch(settings, load_items(settings, [claims]), factory, force=True, work=work)
    first: Snapshot | None = None
    done, failed, memory = 0, 0, {}
    started = time.perf_counter()
    for outcome in batch.outcomes:
        done += 1
        failed += outcome.status == "failed"
        if done == warm:
            first = snapshot(done)
        if done == batch.total:
            last = snapshot(done)
            memory = {f"{role(pid)} {pid}": round(peak_mb(pid), 1) for pid in tree(os.getpid())}
    assert first is not None
    count = last.count - first.count
    return {
        "packets": done, "failed": failed, "wall_s_total": round(time.perf_counter() - started, 2),
        "steady_packets": count,
        "packets_per_minute": round(count / (last.wall - first.wall) * 60, 1),
        "cpu_ms_per_packet": round((last.cpu - first.cpu) / count * 1000, 1),
        "client_cpu_ms_per_packet": round((last.client_cpu - first.client_cpu) / count * 1000, 2),
        "cpu_ms_per_packet_by_process": {name: round((seconds - first.roles.get(name, 0.0)) / count * 1000, 1)
                                         for name, seconds in last.roles.items()},
        "peak_mb": memory,
    }


def per_task_overhead(settings: Settings, claims: Path, workers: int, chunk: int, warm: int) -> dict[str, Any]:
    on_dask = measure(settings, claims, lambda s, w: DaskExecutor(s, w, f"local:{workers}", chunk=chunk), plan_work,
                      warm)
    here = measure(settings, claims, InProcessExecutor, plan_work, warm)
    return {"chunk": chunk, "dask_cpu_ms_per_task": on_dask["cpu_ms_per_packet"],
            "in_process_cpu_ms_per_task": here["cpu_ms_per_packet"],
            "overhead_cpu_ms_per_task": round(on_dask["cpu_ms_per_packet"] - here["cpu_ms_per_packet"], 2),
            "client_and_scheduler_cpu_ms_per_task": on_dask["client_cpu_ms_per_packet"],
            "dask_wall_ms_per_task": round(60000 / on_dask["packets_per_minute"], 2)}


def io_bytes(claims: Path, out: Path) -> dict[str, float]:
    folder = claims.parent
    inputs = sum(p.stat().st_size for p in (folder / "docs").rglob("*") if p.is_file())
    outputs = sum(p.stat().st_size for p in out.rglob("packet.*"))
    count = len(list(out.rglob("packet.json")))
    return {"input_mb_per_packet": round(inputs / count / 1e6, 3),
            "output_mb_per_packet": round(outputs / count / 1e6, 3)}


def projection(figures: dict[str, Any]) -> dict[str, Any]:
    """Expected throughput on W workers, each on a core of its own, from the measured figures."""
    worker_ms = figures["runs"]["dask-1"]["cpu_ms_per_packet"]  # one worker's CPU per packet, overhead included
    scheduler_ms = max(figures["overhead"]["chunk-1"]["client_and_scheduler_cpu_ms_per_task"], 0.01)
    io_mb = figures["io"]["input_mb_per_packet"] + figures["io"]["output_mb_per_packet"]
    scheduler_cap = 60000 / scheduler_ms
    lines = [f"one worker: 60000 / {worker_ms} ms = {60000 / worker_ms:.0f} packets/min",
             f"scheduler and client: 60000 / {scheduler_ms} ms a task = {scheduler_cap:.0f} tasks/min "
             f"(one core); with chunks of 4: {scheduler_cap * 4:.0f} packets/min"]
    for name, bandwidth in STORAGE_MB_S.items():
        lines.append(f"{name}: {bandwidth} MB/s / {io_mb:.2f} MB a packet x 60 = {bandwidth / io_mb * 60:.0f} "
                     "packets/min")
    expected = {}
    for workers in (8, 32):
        limits = {"workers": workers * 60000 / worker_ms, "scheduler": scheduler_cap,
                  "storage (1 GbE)": STORAGE_MB_S["1 GbE NFS"] / io_mb * 60,
                  "storage (10 GbE)": STORAGE_MB_S["10 GbE NFS"] / io_mb * 60}
        bound = min(limits, key=lambda k: limits[k])
        expected[str(workers)] = {"packets_per_minute": round(limits[bound]), "bound_by": bound,
                                  "limits": {k: round(v) for k, v in limits.items()}}
        lines.append(f"{workers} workers: {workers} x {60000 / worker_ms:.0f} = {limits['workers']:.0f} packets/min, "
                     f"capped by {bound} at {limits[bound]:.0f}")
    return {"arithmetic": lines, "expected": expected,
            "workers_until_scheduler_bound": round(scheduler_cap / (60000 / worker_ms), 1),
            "workers_until_1gbe_bound": round(limits["storage (1 GbE)"] / (60000 / worker_ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--letter", default="html", choices=sorted(LETTERS))
    args = parser.parse_args()
    warm = 8
    figures: dict[str, Any] = {"date": datetime.now().isoformat(timespec="seconds"), "claims": args.claims,
                               "letter": args.letter, "machine": {"cores": os.cpu_count(),
                                                                   "python": platform.python_version(),
                                                                   "shared": "yes: other work ran beside it"},
                               "runs": {}, "overhead": {}}
    with tempfile.TemporaryDirectory(prefix="appealgen-bench-") as tmp:
        root = Path(tmp)
        claims = make_claims(root / "in", args.claims, LETTERS[args.letter])
        settings = Settings(Workspace.open(REPO), TODAY)
        engines: dict[str, ExecutorFactory] = {
            "pool-1": lambda s, w: PoolExecutor(s, w, 1), "pool-2": lambda s, w: PoolExecutor(s, w, 2),
            "dask-1": lambda s, w: DaskExecutor(s, w, "local:1"), "dask-2": lambda s, w: DaskExecutor(s, w, "local:2")}
        for name, factory in engines.items():
            print(f"batch on {name} ...", flush=True)
            out = root / f"out-{name}"
            figures["runs"][name] = measure(settings.with_(out=out), claims, factory, build_one, warm)
        figures["io"] = io_bytes(claims, root / "out-dask-2")
        for chunk in (1, 4):
            print(f"per-task overhead, chunk {chunk} ...", flush=True)
            figures["overhead"][f"chunk-{chunk}"] = per_task_overhead(settings, claims, 2, chunk, warm)
    runs = figures["runs"]
    figures["dask_speedup_2_vs_1"] = round(runs["dask-2"]["packets_per_minute"] / runs["dask-1"]["packets_per_minute"],
                                           2)
    figures["overhead_share_of_warm_build"] = {
        key: round(value["overhead_cpu_ms_per_task"] / runs["pool-1"]["cpu_ms_per_packet"], 3)
        for key, value in figures["overhead"].items()}
    figures["dask_vs_pool_cpu_per_packet"] = round(runs["dask-2"]["cpu_ms_per_packet"]
                                                   / runs["pool-2"]["cpu_ms_per_packet"], 3)
    figures["scaling"] = projection(figures)
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"cluster-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
