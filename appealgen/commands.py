"""What each command does, as library calls: the CLI parses options, calls one of these,
prints what comes back and sets the exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from appealgen import storage
from appealgen.batch import Batch, start_batch
from appealgen.build import build_one, plan_item
from appealgen.check import Verification, verify_packet
from appealgen.executors.base import Executor, Work
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.executors.pool import PoolExecutor
from appealgen.letters import Format, LetterWork
from appealgen.outcome import Outcome
from appealgen.remittances import EraResult, read_eras, write_claim_files
from appealgen.run import run
from appealgen.settings import Settings, read_workspace_file
from appealgen.sources import load
from appealgen.sources.items import Item, Loaded
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace

ExecutorFactory = Callable[[Settings, Work], Executor]


def open_settings(workspace: Path | None, today: date | None = None, **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read."""
    opened = Workspace.open(workspace)
    return Settings(opened, today or date.today(), file=read_workspace_file(opened), **options)  # type: ignore[arg-type]


def load_items(settings: Settings, paths: list[Path]) -> Loaded:
    with Toolkit(settings) as tools:
        return load(paths, tools.profiles(), tools.codes(), settings.today, settings.attachments_root,
                    settings.csv_mapping)


@dataclass
class Started:
    """A run whose inputs are loaded: its warnings now, its outcomes as they finish."""

    warnings: list[str]
    outcomes: Iterator[Outcome]


def start(settings: Settings, paths: list[Path], work: Work,
          executor: ExecutorFactory = InProcessExecutor) -> Started:
    loaded = load_items(settings, paths)

    def outcomes() -> Iterator[Outcome]:
        with executor(settings, work) as running:
            yield from run(loaded, running)

    return Started(loaded.warnings, outcomes())


def plan_work(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    return Outcome(item.origin, item.claim_id, plan=plan_item(settings, tools, item).plan)


def build(settings: Settings, paths: list[Path], executor: ExecutorFactory = InProcessExecutor) -> Started:
    return start(settings, paths, build_one, executor)


def plan(settings: Settings, paths: list[Path]) -> Started:
    return start(settings, paths, plan_work)


@contextmanager
def placed(settings: Settings, inputs: list[str], out: str, attachments_root: str | None = None,
           ) -> Iterator[tuple[Settings, list[Path]]]:
    """Settings and local input paths for a batch whose inputs, output folder or attachments
    root may be storage URLs (each becomes a mount: see appealgen.storage), removed after."""
    mounts: list[storage.Mount] = []
    try:
        paths, mounts = storage.stage_inputs(inputs)
        out_path, out_mount = storage.mount_folder(out)
        root, root_mount = storage.mount_folder(attachments_root)
        mounts += [m for m in (out_mount, root_mount) if m is not None]
        assert out_path is not None
        yield settings.with_(out=out_path, attachments_root=root, mounts=tuple(mounts)), paths
    finally:
        storage.unmount(settings.with_(mounts=tuple(mounts)))


def batch(settings: Settings, paths: list[Path], jobs: int | None, force: bool, cluster: str | None = None) -> Batch:
    """Every claim of `paths` through a pool of `jobs` workers, or on the Dask cluster at
    `cluster` (`local:N` starts one here); up-to-date packets are kept."""
    loaded = load_items(settings, paths)
    if cluster:
        from appealgen.executors.dask import DaskExecutor  # without the extra: a MissingToolError now

        started = start_batch(settings, loaded, lambda s, w: DaskExecutor(s, w, cluster), force)
    else:
        work = storage.Stored(build_one) if settings.mounts else build_one
        started = start_batch(settings, loaded, lambda s, w: PoolExecutor(s, w, jobs), force, work)
    if settings.mounts:
        started.outcomes = (storage.relabel_outcome(settings, o) for o in started.outcomes)
    return started


def letters(settings: Settings, paths: list[Path], form: Format, jobs: int | None) -> Started:
    """Each claim's letter alone (no packet), through a pool of `jobs` workers."""
    return start(settings, paths, LetterWork(form), lambda s, w: PoolExecutor(s, w, jobs))


def dry_run(settings: Settings, paths: list[Path]) -> Started:
    """Validate and plan every claim of `paths`, building nothing."""
    return start(settings, paths, plan_work)


def check(settings: Settings, folder: Path) -> Verification:
    with Toolkit(settings) as tools:
        return verify_packet(folder, tools.profile, settings.today)


@dataclass
class EraRun:
    result: EraResult
    written: list[Path]
    skipped: list[str]


def era(settings: Settings, paths: list[Path], out: Path | None) -> EraRun:
    with Toolkit(settings) as tools:
        codes = tools.codes()
        result = read_eras(paths, tools.profiles(), codes, settings.today)
        written: list[Path] = []
        skipped: list[str] = []
        if out is not None:
            written, skipped = write_claim_files(result, out, settings.attachments_root, settings.today, codes)
    return EraRun(result, written, skipped)
