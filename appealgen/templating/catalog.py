"""Which templates exist, where each comes from, and who uses it: worked out from the payer
profiles and the same letter choice the plan makes, so the list never drifts from the code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import meta

from appealgen.errors import InputError
from appealgen.models import Appeal, Category, Claim
from appealgen.payers import PayerProfile
from appealgen.plan import SUBMITTED, choose_letter
from appealgen.workspace import BUILTIN_PREFIX, Workspace

FOLDERS = ("letters", "cover_sheets")
FORMATS = {".docx": "Word", ".html": "HTML", ".htm": "HTML", ".css": "stylesheet"}
FRONT = "cover_sheets/packet_front.html"
REMITTANCE = "cover_sheets/remittance_advice.html"


@dataclass
class TemplateInfo:
    name: str  # as the loader knows it: "letters/medical_necessity.docx", "letters/commercial/x.html"
    path: Path
    format: str
    origin: str  # "workspace" or "built-in"
    overrides: str | None = None  # the built-in this workspace file replaces
    uses: set[tuple[str, ...]] = field(default_factory=set)  # see `Use`

    def describe_origin(self) -> str:
        if self.origin == "workspace" and self.overrides:
            return f"workspace, overrides built-in {self.overrides}"
        return self.origin


def all_templates(workspace: Workspace) -> dict[Path, TemplateInfo]:
    """Every template file, the workspace's first (they shadow built-ins of the same name)."""
    found: dict[Path, TemplateInfo] = {}
    for folder in FOLDERS:
        for relative, path in workspace.list(f"templates/{folder}", "**/*").items():
            if not path.is_file() or path.name.startswith((".", "~$")) or path.suffix.lower() not in FORMATS:
                continue  # lock files beside a document open in Word, previews, notes: not templates
            origin = "workspace" if workspace.user and path.is_relative_to(workspace.user) else "built-in"
            shadowed = workspace.builtin / "templates" / folder / relative
            overrides = f"{folder}/{relative}" if origin == "workspace" and shadowed.is_file() else None
            found[path] = TemplateInfo(f"{folder}/{relative}", path, FORMATS.get(path.suffix.lower(), "other"),
                                       origin, overrides)
    return found


Use = tuple[str, ...]  # ("letter", payer, category, action, level) | ("cover", payer, level) | ("part", by)


def _use(catalog: dict[Path, TemplateInfo], workspace: Workspace, folder: str, name: str, payer: str,
         use: Use) -> None:
    try:
        path = workspace.template(folder, name, payer)
    except InputError:
        return  # a profile naming a missing template is reported when the profile loads
    if path in catalog:
        catalog[path].uses.add(use)


def record_uses(catalog: dict[Path, TemplateInfo], workspace: Workspace, profiles: dict[str, PayerProfile]) -> None:
    """Mark each template with the payers, categories, levels and actions whose plan picks it."""
    claim = Claim.model_construct(appeal=Appeal())  # the choice reads only appeal.letter, unset here
    for payer, profile in profiles.items():
        for level in profile.levels:
            _use(catalog, workspace, "cover_sheets", profile.cover_for(level)[0], payer, ("cover", payer, level.id))
            for category in Category:
                for action in sorted(SUBMITTED, key=lambda a: a.value):
                    letter, _ = choose_letter(claim, profile, category, action, level.letter)
                    _use(catalog, workspace, "letters", letter.removeprefix(BUILTIN_PREFIX), payer,
                         ("letter", payer, category.value, action.value, level.id))
    by_name = {info.name: info for info in catalog.values()}
    for info in list(catalog.values()):
        for part in referenced(info):
            if part in by_name:
                by_name[part].uses.add(("part", info.name))
    if FRONT in by_name:
        by_name[FRONT].uses.add(("part", "every packet (cover sheet and index)"))
    if REMITTANCE in by_name:
        by_name[REMITTANCE].uses.add(("part", "packets of claims from an 835 (remittance page)"))


def referenced(info: TemplateInfo) -> set[str]:
    """The templates an HTML template includes or imports by a fixed name."""
    if info.format != "HTML":
        return set()
    try:
        tree = jinja2.Environment().parse(info.path.read_text(encoding="utf-8", errors="replace"))
    except jinja2.TemplateSyntaxError:
        return set()
    return {name.removeprefix(BUILTIN_PREFIX) for name in meta.find_referenced_templates(tree) if name}


def summarize(uses: set[Use]) -> list[str]:
    """Who uses a template, one line per payer: its categories, or the action that picks it
    whatever the category, and the levels whose cover it is."""
    lines = sorted(f"included by {use[1]}" if not use[1].startswith(("every", "packets")) else f"used for {use[1]}"
                   for use in uses if use[0] == "part")
    payers = sorted({use[1] for use in uses if use[0] in ("letter", "cover")})
    for payer in payers:
        letters = [use for use in uses if use[0] == "letter" and use[1] == payer]
        covers = sorted(use[2] for use in uses if use[0] == "cover" and use[1] == payer)
        parts = []
        actions = {use[3] for use in letters}
        categories = sorted({use[2] for use in letters})
        if len(actions) == 1 and len(categories) == len(Category):
            parts.append(f"action {actions.pop()} (any category)")
        elif categories:
            parts.append(f"categories {', '.join(categories)}")
        if covers:
            parts.append(f"cover at {', '.join(covers)}")
        lines.append(f"{payer}: {'; '.join(parts)}")
    return lines


def catalog(workspace: Workspace, profiles: dict[str, PayerProfile]) -> list[TemplateInfo]:
    found = all_templates(workspace)
    record_uses(found, workspace, profiles)
    return sorted(found.values(), key=lambda t: (t.name, t.origin))
