"""The template commands as library calls (list, copy, fields, check, preview), and the check
that build, batch and letters run on the templates their claims use before the first claim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from appealgen.documents import did_you_mean
from appealgen.errors import AppealgenError, InputError, InputErrors, TemplateError, TemplatesBroken
from appealgen.payers import profile_ids
from appealgen.plan import Plan
from appealgen.planned import plan_item
from appealgen.render.context import FieldDoc
from appealgen.settings import Settings
from appealgen.sources import load, needs_profiles
from appealgen.sources.items import Item, Loaded
from appealgen.templating.catalog import FRONT, REMITTANCE, TemplateInfo, all_templates, catalog, referenced
from appealgen.templating.check import Problem, check_files, is_template
from appealgen.templating.fields import FilterDoc, fields, filters, values_for
from appealgen.templating.preview import front_context_for, render_preview, split_name, write_preview
from appealgen.toolkit import Toolkit
from appealgen.workspace import BUILTIN_PREFIX


def problems_as_errors(problems: list[Problem]) -> InputErrors:
    return InputErrors([TemplateError(p.template, p.where or None, p.message) for p in problems])


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
    return with_parts(settings, used)


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


def check_templates_first(settings: Settings, loaded: Loaded) -> None:
    """Stop a run before its first letter when a template it will use is broken (one message
    per template problem, not one per claim)."""
    with Toolkit(settings) as tools:
        problems = check_files(tools.env, templates_in_use(settings, tools, loaded.items))
    if problems:
        raise TemplatesBroken(problems_as_errors(problems).errors)


def one_item(settings: Settings, claim: Path) -> Item:
    """The first claim of a file, for previews and field values."""
    with Toolkit(settings) as tools:
        profiles = tools.profiles() if needs_profiles([claim]) else {}
        loaded = load([claim], profiles, tools.codes(), settings.today, settings.attachments_root,
                      verbose=settings.verbose)
    if loaded.errors:
        raise loaded.errors[0]
    if not loaded.items:
        raise InputError(claim, None, "holds no claim to use")
    return loaded.items[0]


@dataclass
class Listing:
    templates: list[TemplateInfo]
    profile_problems: list[str]  # profiles that could not be read: their uses are not shown


def templates_list(settings: Settings) -> Listing:
    with Toolkit(settings) as tools:
        profiles, problems = {}, []
        for payer in profile_ids(settings.workspace):
            try:
                profiles[payer] = tools.profile(payer)
            except AppealgenError as error:
                problems += error.lines()
        return Listing(catalog(settings.workspace, profiles), problems)


def resolve_template(settings: Settings, path: Path) -> tuple[str, Path]:
    """(loader name, file) of a path, or of a template name as `list` shows it."""
    if path.is_file():
        resolved = path.resolve()
        for root in settings.workspace.template_dirs():
            if resolved.is_relative_to(root.resolve()):
                return resolved.relative_to(root.resolve()).as_posix(), path
        return path.name, path
    folder, relative = split_name(settings, path.as_posix())
    try:
        return f"{folder}/{relative}", settings.workspace.find(f"templates/{folder}", relative)
    except InputError:
        known = [f"{folder}/{name}" for name in settings.workspace.list(f"templates/{folder}", "**/*")]
        raise InputError(path, None, f"no such file or template{did_you_mean(path.as_posix(), known)}") from None


def templates_check(settings: Settings, files: list[Path]) -> list[Problem]:
    """Problems of the given templates, or of every template and payer profile the workspace and
    the built-ins hold (a profile naming a template that is not there is a template problem too)."""
    with Toolkit(settings) as tools:
        if files:
            return check_files(tools.env, dict(resolve_template(settings, file) for file in files))
        named = {info.name: info.path for info in all_templates(settings.workspace).values() if is_template(info.path)}
        problems = check_files(tools.env, named)
        payers = profile_ids(settings.workspace)
        for payer in payers:
            try:
                tools.profile(payer)
            except AppealgenError as error:
                problems += [Problem(f"payers/{payer}.yaml", "", _without_file(line)) for line in error.lines()]
        return problems + stray_payer_folders(settings, payers)


def stray_payer_folders(settings: Settings, payers: list[str]) -> list[Problem]:
    """A payer's own templates go in a folder named by its profile id: one named otherwise (a
    typing error) is never used, and edits made there would be lost without a word."""
    problems = []
    for templates in settings.workspace.template_dirs():
        for kind in ("letters", "cover_sheets"):
            folder = templates / kind
            for sub in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
                if sub.name not in payers:
                    problems.append(Problem(f"{kind}/{sub.name}/", "", f"no payer profile is called {sub.name!r}"
                                            f"{did_you_mean(sub.name, payers)}: the templates in this folder are "
                                            "never used"))
    return problems


def _without_file(line: str) -> str:
    """An error line about a profile, without the file (the problem names it already)."""
    return re.sub(r"^.*?payers/[^:]+\.yaml: ", "", line)


def templates_fields(settings: Settings, claim: Path | None) -> tuple[list[FieldDoc], list[FilterDoc],
                                                                     dict[str, str] | None]:
    with Toolkit(settings) as tools:
        values = values_for(front_context_for(settings, tools, one_item(settings, claim))) if claim else None
        return fields(), filters(tools.env), values


@dataclass
class Previewed:
    template: str  # the file used, as people read it: "workspace templates/letters/x.docx"
    files: list[Path]
    note: str = ""  # the claim's plan sends another letter (or none): the preview is not what it would get


def preview_target(settings: Settings, name: str, out: Path | None) -> Path:
    """Where a preview goes: `out`, else the workspace's previews/ folder, else here."""
    if out is not None:
        return out
    stem = Path(name).stem
    if settings.workspace.user is not None:
        return settings.workspace.user / "previews" / f"{stem}.pdf"
    return Path(f"preview-{stem}.pdf")


def preview(settings: Settings, claim: Path, name: str, out: Path, png: bool, resolution: int = 80) -> Previewed:
    with Toolkit(settings) as tools:
        item = one_item(settings, claim)
        folder, relative = split_name(settings, name)
        path = settings.workspace.template(folder, relative, item.claim.payer)
        problems = check_files(tools.env, with_parts(settings, {f"{folder}/{relative}": path}))
        if problems:
            raise problems_as_errors(problems)
        pdf = render_preview(settings, tools, item, name)
        note = letter_note(plan_item(settings, tools, item).plan, relative) if folder == "letters" else ""
        return Previewed(settings.workspace.describe_file(path), write_preview(pdf, out, png, resolution), note)


def letter_note(plan: Plan, letter: str) -> str:
    """A letter previewed with a claim its plan would not send it for reads as written for another
    denial ("the codes billed were correct" for an authorization denial): say which it would get."""
    if not plan.packet:
        return (f"this claim's plan sends nothing ({plan.action.value}): the preview shows the letter with a claim "
                "it is not sent for; preview it with a claim of the denials it answers")
    if plan.letter != letter:
        return (f"this claim's plan sends {plan.letter} ({plan.category.value} -> {plan.action.value}), not "
                f"{letter}: the preview shows the letter with a claim it is not sent for; preview it with a claim of "
                "the denials it answers")
    return ""


@dataclass
class Copied:
    source: str
    target: Path


def templates_copy(settings: Settings, name: str, payer: str | None) -> Copied:
    """Copy a template into the workspace to edit it: into the shared folder from the built-in,
    or into one payer's folder from the letter that payer gets today (the workspace's shared
    version when there is one, else the built-in)."""
    workspace = settings.workspace
    if workspace.user is None:
        raise InputError(name, None, "no workspace in use: run `appealgen init DIR` first, or give --workspace")
    if payer is not None and payer not in profile_ids(workspace):
        raise InputError(payer, "--payer", f"no payer profile {payer!r}{did_you_mean(payer, profile_ids(workspace))}")
    folder, relative = split_name(settings, name)
    source = workspace.find(f"templates/{folder}", relative if payer else f"{BUILTIN_PREFIX}{relative}")
    target = workspace.user / "templates" / folder / (payer or "") / relative
    if target.exists():
        raise InputError(target, None, "already exists in the workspace; nothing copied")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())  # a template, not patient data: the team may share it
    return Copied(workspace.describe_file(source), target)


@dataclass
class ProfileCopy:
    source: str
    target: Path


def payers_copy(settings: Settings, source_id: str, new_id: str) -> ProfileCopy:
    """A payer profile copied into the workspace under a new id, with its `match` emptied (two
    profiles must not claim the same 835 payers)."""
    workspace = settings.workspace
    if workspace.user is None:
        raise InputError(new_id, None, "no workspace in use: run `appealgen init DIR` first, or give --workspace")
    known = profile_ids(workspace)
    if source_id not in known:
        raise InputError(source_id, None, f"no payer profile {source_id!r}{did_you_mean(source_id, known)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", new_id):
        raise InputError(new_id, None, "a profile id is lower-case letters, digits, '-' and '_'")
    source = workspace.find("payers", f"{source_id}.yaml")
    target = workspace.user / "payers" / f"{new_id}.yaml"
    if target.exists():
        raise InputError(target, None, "already exists in the workspace; nothing copied")
    text = re.sub(r"(?m)^id: .*$", f"id: {new_id}", source.read_text(encoding="utf-8"), count=1)
    text = re.sub(r"(?ms)^match:.*?(?=^\S|\Z)", "match: {payer_ids: [], names: []}  # the 835 payers of this "
                  "profile: their IDs and name patterns\n", text)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return ProfileCopy(workspace.describe_file(source), target)

