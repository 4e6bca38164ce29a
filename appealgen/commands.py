"""What each command does, as library calls: the CLI parses options, calls one of these,
prints what comes back and sets the exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from appealgen.batch import Batch, start_batch
from appealgen.build import build_one, plan_item
from appealgen.check import Verification, verify_packet
from appealgen.errors import AppealgenError, InputError, InputErrors, TemplateError
from appealgen.executors.base import Executor, Work
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.executors.pool import PoolExecutor
from appealgen.letters import Format, LetterWork
from appealgen.outcome import Outcome
from appealgen.output import write_atomic
from appealgen.remittances import EraResult, Written, read_eras, write_claim_files
from appealgen.render.context import FieldDoc
from appealgen.run import run
from appealgen.settings import Settings, read_workspace_file
from appealgen.sources import load
from appealgen.sources.items import Item, Loaded
from appealgen.templating.catalog import FRONT, REMITTANCE, TemplateInfo, all_templates, catalog, referenced
from appealgen.templating.check import Problem, check_files
from appealgen.templating.fields import FilterDoc, fields, filters, values_for
from appealgen.templating.preview import front_context_for, render_preview, split_name, write_preview
from appealgen.templating.workspace_init import init_workspace
from appealgen.toolkit import Toolkit
from appealgen.workspace import BUILTIN_PREFIX, Workspace

ExecutorFactory = Callable[[Settings, Work], Executor]


def open_settings(workspace: Path | None, today: date | None = None, **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read."""
    opened = Workspace.open(workspace)
    return Settings(opened, today or date.today(), file=read_workspace_file(opened), **options)  # type: ignore[arg-type]


def load_items(settings: Settings, paths: list[Path]) -> Loaded:
    with Toolkit(settings) as tools:
        return load(paths, tools.profiles(), tools.codes(), settings.today, settings.attachments_root,
                    settings.csv_mapping, settings.file.attachment_names)


@dataclass
class Started:
    """A run whose inputs are loaded: its warnings now, its outcomes as they finish."""

    warnings: list[str]
    outcomes: Iterator[Outcome]


def templates_in_use(settings: Settings, tools: Toolkit, items: list[Item]) -> dict[str, Path]:
    """The templates the items' plans use (letters, covers, the front page and what they
    include), by loader name. An item that cannot be planned is skipped: its own error comes
    when it is built."""
    used: dict[str, Path] = {}
    workspace = settings.workspace
    for name in (FRONT, REMITTANCE):
        used[name] = workspace.find("templates", name)
    for item in items:
        try:
            plan = plan_item(settings, tools, item).plan
        except AppealgenError:
            continue
        for folder, name in (("letters", plan.letter), ("cover_sheets", plan.cover)):
            path = workspace.template(folder, name, item.claim.payer)
            used[workspace.template_name(path).removeprefix(BUILTIN_PREFIX)] = path
    return used


def check_templates_first(settings: Settings, loaded: Loaded) -> None:
    """Stop a run before its first letter when a template it will use is broken (one message
    per template problem, not one per claim)."""
    with Toolkit(settings) as tools:
        problems = check_files(tools.env, with_parts(settings, templates_in_use(settings, tools, loaded.items)))
    if problems:
        raise InputErrors([TemplateError(p.template, p.where or None, p.message) for p in problems])


def with_parts(settings: Settings, used: dict[str, Path]) -> dict[str, Path]:
    """`used` and the templates they include or import, found through the workspace."""
    found = dict(used)
    pending = list(used.items())
    while pending:
        name, path = pending.pop()
        info = TemplateInfo(name, path, "HTML" if path.suffix.lower() in (".html", ".htm") else "other", "")
        for part in referenced(info):
            if part not in found:
                try:
                    found[part] = settings.workspace.find("templates", part)
                except InputError:
                    continue  # the checker reports a missing include where it is used
                pending.append((part, found[part]))
    return found


def start(settings: Settings, paths: list[Path], work: Work,
          executor: ExecutorFactory = InProcessExecutor, check_first: bool = True) -> Started:
    loaded = load_items(settings, paths)
    if check_first:
        check_templates_first(settings, loaded)

    def outcomes() -> Iterator[Outcome]:
        with executor(settings, work) as running:
            yield from run(loaded, running)

    return Started(loaded.warnings, outcomes())


def plan_work(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    return Outcome(item.origin, item.claim_id, plan=plan_item(settings, tools, item).plan)


def build(settings: Settings, paths: list[Path], executor: ExecutorFactory = InProcessExecutor) -> Started:
    return start(settings, paths, build_one, executor)


def plan(settings: Settings, paths: list[Path]) -> Started:
    return start(settings, paths, plan_work, check_first=False)


def batch(settings: Settings, paths: list[Path], jobs: int | None, force: bool) -> Batch:
    """Every claim of `paths` through a pool of `jobs` workers; up-to-date packets are kept."""
    loaded = load_items(settings, paths)
    check_templates_first(settings, loaded)
    return start_batch(settings, loaded, lambda s, w: PoolExecutor(s, w, jobs), force)


def letters(settings: Settings, paths: list[Path], form: Format, jobs: int | None) -> Started:
    """Each claim's letter alone (no packet), through a pool of `jobs` workers."""
    return start(settings, paths, LetterWork(form), lambda s, w: PoolExecutor(s, w, jobs))


def dry_run(settings: Settings, paths: list[Path]) -> Started:
    """Validate and plan every claim of `paths` and check their templates, building nothing."""
    return start(settings, paths, plan_work)


def templates_list(settings: Settings) -> list[TemplateInfo]:
    with Toolkit(settings) as tools:
        return catalog(settings.workspace, tools.profiles())


def templates_check(settings: Settings, files: list[Path]) -> list[Problem]:
    """Problems of the given template files, or of every template the workspace and the
    built-ins hold."""
    with Toolkit(settings) as tools:
        if not files:
            named = {info.name: info.path for info in all_templates(settings.workspace).values()
                     if info.format in ("Word", "HTML")}
        else:
            named = {template_name(settings, path): path for path in files}
        return check_files(tools.env, named)


def template_name(settings: Settings, path: Path) -> str:
    """A file's loader name when it lies in a template folder, else its own name."""
    resolved = path.resolve()
    for folder in settings.workspace.template_dirs():
        if resolved.is_relative_to(folder.resolve()):
            return resolved.relative_to(folder.resolve()).as_posix()
    if not path.is_file():
        raise InputError(path, None, "file not found")
    return path.name


def one_item(settings: Settings, claim: Path) -> Item:
    loaded = load_items(settings, [claim])
    if loaded.errors:
        raise loaded.errors[0]
    if not loaded.items:
        raise InputError(claim, None, "holds no claim to use")
    return loaded.items[0]


def templates_fields(settings: Settings, claim: Path | None) -> tuple[list[FieldDoc], list[FilterDoc],
                                                                     dict[str, str] | None]:
    with Toolkit(settings) as tools:
        values = values_for(front_context_for(settings, tools, one_item(settings, claim))) if claim else None
        return fields(), filters(tools.env), values


def preview(settings: Settings, claim: Path, name: str, out: Path, png: bool) -> list[Path]:
    with Toolkit(settings) as tools:
        item = one_item(settings, claim)
        folder, relative = split_name(settings, name)
        path = settings.workspace.template(folder, relative, item.claim.payer)
        problems = check_files(tools.env, with_parts(settings, {f"{folder}/{relative}": path}))
        if problems:
            raise InputErrors([TemplateError(p.template, p.where or None, p.message) for p in problems])
        return write_preview(render_preview(settings, tools, item, name), out, png)


def init(folder: Path) -> list[Path]:
    return init_workspace(folder)


def templates_copy(settings: Settings, name: str, payer: str | None) -> Path:
    """Copy a built-in template into the workspace (for one payer's folder with `payer`), to edit."""
    if settings.workspace.user is None:
        raise InputError(name, None, "no workspace in use: run `appealgen init DIR` first, or give --workspace")
    folder, relative = split_name(settings, name)
    source = settings.workspace.find(f"templates/{folder}", f"{BUILTIN_PREFIX}{relative}")
    target = settings.workspace.user / "templates" / folder / (payer or "") / relative
    if target.exists():
        raise InputError(target, None, "already exists in the workspace; nothing copied")
    write_atomic(target, source.read_bytes())
    return target


def check(settings: Settings, folder: Path) -> Verification:
    with Toolkit(settings) as tools:
        return verify_packet(folder, tools.profile, settings.today)


@dataclass
class EraRun:
    result: EraResult
    files: Written


def era(settings: Settings, paths: list[Path], out: Path | None, force: bool = False,
        descriptions: dict[str, str] | None = None) -> EraRun:
    with Toolkit(settings) as tools:
        codes = tools.codes()
        result = read_eras(paths, tools.profiles(), codes, settings.today, descriptions)
        files = Written()
        if out is not None:
            files = write_claim_files(result, out, settings.attachments_root, settings.today, force,
                                      settings.file.attachment_names)
    return EraRun(result, files)
