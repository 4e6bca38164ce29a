"""What each command does, as library calls: the CLI parses options, calls one of these,
prints what comes back and sets the exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from appealgen import storage
from appealgen.attachments import read_attachment
from appealgen.batch import Batch, start_batch
from appealgen.build import build_one
from appealgen.check import Verification, verify_packet
from appealgen.errors import EXIT_BAD_INPUT, exit_code
from appealgen.executors.base import Executor, Work
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.executors.pool import PoolExecutor
from appealgen.letters import Format, LetterWork
from appealgen.log.recorder import recorded
from appealgen.outcome import Outcome
from appealgen.planned import plan_item
from appealgen.remittances import EraResult, Written, read_eras, write_claim_files
from appealgen.render.office import CommandLineConverter
from appealgen.run import placed_by_practice, run
from appealgen.settings import Settings
from appealgen.settings import open_settings as settings_for_command
from appealgen.sources import load, needs_profiles
from appealgen.sources.items import Item, Loaded
from appealgen.templating.tools import check_templates_first
from appealgen.toolkit import Toolkit, debug

ExecutorFactory = Callable[[Settings, Work], Executor]


def open_settings(workspace: Path | None, today: date | None = None, **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read."""
    return settings_for_command(workspace, today, **options)  # type: ignore[arg-type]


def load_items(settings: Settings, paths: list[Path]) -> Loaded:
    """The items of `paths`; payer profiles are read only when an 835 needs them."""
    with Toolkit(settings) as tools:
        profiles = tools.profiles() if needs_profiles(paths) else {}
        loaded = load(paths, profiles, tools.codes(), settings.today, settings.attachments_root,
                      settings.csv_mapping, settings.file.attachment_names, settings.verbose)
    out = storage.label(settings, settings.out).rstrip("/")
    return placed_by_practice(loaded, out, storage.children(settings, settings.out))


@dataclass
class Started:
    """A run whose inputs are loaded: its warnings now, its outcomes as they finish."""

    warnings: list[str]
    outcomes: Iterator[Outcome]


def start(settings: Settings, paths: list[Path], work: Work,
          executor: ExecutorFactory = InProcessExecutor, check_first: bool = True) -> Started:
    loaded = load_items(settings, paths)
    running = executor(settings, work)
    try:
        # a single build's worker imports its libraries while the templates are checked
        running.warm_up(len(loaded.items))
        if check_first:
            check_templates_first(settings, loaded)
    except BaseException:
        running.close()
        raise

    def outcomes() -> Iterator[Outcome]:
        with running:
            # The coordinator records what was built in the tracking log (when one is in use).
            yield from recorded(settings, loaded.items, run(loaded, running))

    return Started(loaded.warnings, outcomes())


def plan_work(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    return Outcome(item.origin, item.claim_id, plan=plan_item(settings, tools, item).plan)


def isolated(settings: Settings, work: Work) -> Executor:
    """Each packet of `build` in a worker process under the address-space and time limits (a
    hostile file stuck inside a C library is killed with its worker); in this process with
    APPEALGEN_DEBUG=1, so tracebacks show."""
    if debug():
        return InProcessExecutor(settings, work)
    return PoolExecutor(settings, work, jobs=1, converter=CommandLineConverter)


def build(settings: Settings, paths: list[Path], executor: ExecutorFactory = isolated) -> Started:
    return start(settings, paths, build_one, executor)


def plan(settings: Settings, paths: list[Path]) -> Started:
    """Each claim's plan, once the documents it lists are found and readable: a plan that
    counted a listed file that is not there as present would mislead whoever sorts the work."""
    return start(settings, paths, plan_and_find, check_first=False)


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
    check_templates_first(settings, loaded)
    if cluster:
        from appealgen.executors.dask import DaskExecutor  # without the extra: a MissingToolError now

        started = start_batch(settings, loaded, lambda s, w: DaskExecutor(s, w, cluster), force)
    else:
        work = storage.Stored(build_one) if settings.mounts else build_one
        started = start_batch(settings, loaded, lambda s, w: PoolExecutor(s, w, jobs), force, work)
    if settings.mounts:
        started.outcomes = (storage.relabel_outcome(settings, o) for o in started.outcomes)
    return replace(started, outcomes=recorded(settings, loaded.items, started.outcomes))


def letters(settings: Settings, paths: list[Path], form: Format, jobs: int | None) -> Started:
    """Each claim's letter alone (no packet), through a pool of `jobs` workers."""
    return start(settings, paths, LetterWork(form), lambda s, w: PoolExecutor(s, w, jobs))


def dry_run(settings: Settings, paths: list[Path]) -> Started:
    """Validate and plan every claim of `paths`, check their templates and find the files the
    packets would enclose, building nothing."""
    return start(settings, paths, plan_and_find)


def plan_and_find(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """The plan, once every document it would enclose is found, readable and of a type the packet
    takes (what a build would refuse first); nothing is converted."""
    outcome = plan_work(settings, tools, item)
    plan = outcome.plan
    if plan is not None and plan.packet:
        root = settings.attachments_root or item.base
        for index in plan.attachment_order:
            read_attachment(item.claim.attachments[index], index, root, Path(item.origin), verbose=settings.verbose)
    return outcome


def packet_folders(paths: list[Path]) -> list[Path]:
    """Each path that holds a packet.json (or names no folder: checking it says what is wrong),
    else the folders under it that hold one, in order; a folder holding none is itself checked
    (and reported)."""
    found: list[Path] = []
    for path in paths:
        if (path / "packet.json").exists() or not path.is_dir():
            found.append(path)
            continue
        found += sorted(p.parent for p in path.rglob("packet.json")) or [path]
    return found


def check(settings: Settings, folder: Path) -> Verification:
    with Toolkit(settings) as tools:
        return verify_packet(folder, tools.profile, settings.today)


@dataclass
class EraRun:
    result: EraResult
    files: Written

    @property
    def exit_code(self) -> int:
        """A file or claim that could not be read, or a claim file not written, is bad input."""
        return exit_code([e.exit_code for e in self.result.errors] + [EXIT_BAD_INPUT] * len(self.files.skipped))


def era(settings: Settings, paths: list[Path], out: Path | None, force: bool = False,
        descriptions: dict[str, str] | None = None) -> EraRun:
    with Toolkit(settings) as tools:
        codes = tools.codes()
        result = read_eras(paths, tools.profiles(), codes, settings.today, descriptions)
        files = Written()
        if out is not None:
            files = write_claim_files(result, out, settings.attachments_root, settings.today, codes, force,
                                      settings.file.attachment_names, settings.verbose, settings.workspace.user)
    return EraRun(result, files)
