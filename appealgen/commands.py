"""What each command does, as library calls: the CLI parses options, calls one of these,
prints what comes back and sets the exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from appealgen.build import build_one, plan_item
from appealgen.check import Verification, verify_packet
from appealgen.executors.base import Executor, Work
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.log.recorder import recording
from appealgen.outcome import Outcome
from appealgen.remittances import EraResult, read_eras, write_claim_files
from appealgen.run import run
from appealgen.settings import Settings
from appealgen.settings import open_settings as settings_for_command
from appealgen.sources import load
from appealgen.sources.items import Item, Loaded
from appealgen.toolkit import Toolkit

ExecutorFactory = Callable[[Settings, Work], Executor]


def open_settings(workspace: Path | None, today: date | None = None, **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read."""
    return settings_for_command(workspace, today, **options)


def load_items(settings: Settings, paths: list[Path]) -> Loaded:
    with Toolkit(settings) as tools:
        return load(paths, tools.profiles(), tools.codes(), settings.today, settings.attachments_root)


@dataclass
class Started:
    """A run whose inputs are loaded: its warnings now, its outcomes as they finish."""

    warnings: list[str]
    outcomes: Iterator[Outcome]


def start(settings: Settings, paths: list[Path], work: Work,
          executor: ExecutorFactory = InProcessExecutor) -> Started:
    loaded = load_items(settings, paths)

    def outcomes() -> Iterator[Outcome]:
        # The coordinator records what was built in the tracking log (when one is in use).
        with executor(settings, work) as running, recording(settings, loaded.items) as record:
            for outcome in run(loaded, running):
                record(outcome)
                yield outcome

    return Started(loaded.warnings, outcomes())


def plan_work(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    return Outcome(item.origin, item.claim_id, plan=plan_item(settings, tools, item).plan)


def build(settings: Settings, paths: list[Path], executor: ExecutorFactory = InProcessExecutor) -> Started:
    return start(settings, paths, build_one, executor)


def plan(settings: Settings, paths: list[Path]) -> Started:
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
