"""Command line of the tools for billing leads: `init`, `templates list|copy|fields|check|preview`,
`payers copy`. Parse, call `appealgen.templating.tools`, print, set the exit code. Importing
this module registers the commands on `appealgen.cli.main`."""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from appealgen.cli import _today, handled, main, say, workspace_options
from appealgen.errors import AppealgenError, exit_code
from appealgen.output import counted

if TYPE_CHECKING:
    from appealgen.settings import Settings


def _settings(workspace: Path | None, as_of: datetime | None) -> Settings:
    from appealgen import commands

    settings = commands.open_settings(workspace, _today(as_of))
    say(settings.workspace.describe())
    return settings


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@handled
def init(folder: Path) -> None:
    """Create a team workspace in FOLDER: templates/letters/, templates/cover_sheets/, payers/,
    the settings file appealgen.yaml, sample claims, previews/ and a README for billing leads.

    \b
    Example:
      appealgen init appeals-team && cd appeals-team && appealgen templates list
    """
    from appealgen.templating.workspace_init import init_workspace

    init_workspace(folder)
    click.echo(f"workspace created in {folder}: templates/letters/, templates/cover_sheets/, payers/, claims/ "
               "(two sample claims), previews/, appealgen.yaml and README.md")
    click.echo(f"next: cd {folder} && appealgen templates list")


@main.group()
def templates() -> None:
    """List, copy, check and preview letter and cover templates, and the fields they may use.

    \b
    Example:
      appealgen templates check
    """


@templates.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@workspace_options
@handled
def templates_list(as_json: bool, workspace: Path | None, as_of: datetime | None) -> None:
    """Every template: Word or HTML, from the workspace or built in (and which built-in it
    overrides), and which payers, categories, actions and levels use it.

    \b
    Example:
      appealgen templates list
    """
    from appealgen.templating.catalog import summarize
    from appealgen.templating.tools import templates_list as listing

    found = listing(_settings(workspace, as_of))
    for line in found.profile_problems:
        say(f"warning: {line} (its uses are not shown; `appealgen templates check` lists every problem)")
    if as_json:
        click.echo(json.dumps([{"name": t.name, "format": t.format, "origin": t.origin, "overrides": t.overrides,
                                "path": str(t.path), "used_by": summarize(t.uses)} for t in found.templates],
                              indent=2))
        return
    for info in found.templates:
        click.echo(f"{info.name}  [{info.format}, {info.describe_origin()}]")
        for line in summarize(info.uses) or ["not chosen by any plan (name it in appeal.letter or a profile)"]:
            click.echo(f"    {line}")


@templates.command("copy")
@click.argument("name")
@click.option("--payer", default=None, help="Copy into the folder of one payer profile (its own version).")
@workspace_options
@handled
def templates_copy(name: str, payer: str | None, workspace: Path | None, as_of: datetime | None) -> None:
    """Copy a template into the workspace to edit it (in Word for .docx files): the built-in
    one, or with --payer the letter that payer gets today (your shared version if you have one).

    \b
    Example:
      appealgen templates copy letters/medical_necessity.docx --payer medicare-dme
    """
    from appealgen.templating.tools import templates_copy as copy

    done = copy(_settings(workspace, as_of), name, payer)
    say(f"copied {done.source} to {done.target}")
    if payer:
        say(f"from now on {payer}'s claims get this copy; your shared letter still serves every other payer")


@templates.command("fields")
@click.option("--claim", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Show each field's value for this claim (its first item for lists).")
@click.option("--all-filters", is_flag=True, help="List every filter, not only the common ones.")
@click.option("--json", "as_json", is_flag=True, help="Print fields and filters as JSON on stdout.")
@workspace_options
@handled
def templates_fields(claim: Path | None, all_filters: bool, as_json: bool, workspace: Path | None,
                     as_of: datetime | None) -> None:
    """Every name a template may use (claim, patient, provider, payer, recipient, lines,
    denial, plan, enclosures, index, ...) and the filters, with type, description and example.

    \b
    Example:
      appealgen templates fields --claim claims/cpap-medicare/claim.yaml
    """
    from appealgen.templating.fields import COMMON_FILTERS, LIST_NOTE
    from appealgen.templating.tools import templates_fields as describe_fields

    found, filters, values = describe_fields(_settings(workspace, as_of), claim)
    if as_json:
        click.echo(json.dumps({
            "fields": [{"name": f.name, "type": f.type, "description": f.description, "example": f.example,
                        **({"value": values.get(f.name, "")} if values is not None else {})} for f in found],
            "filters": [{"name": f.name, "description": f.description, "example": f.example} for f in filters],
        }, indent=2))
        return
    click.echo(LIST_NOTE)
    for doc in found:
        value = f"  = {values.get(doc.name, '')}" if values is not None else ""
        example = f"  e.g. {doc.example}" if doc.example and values is None else ""
        click.echo(f"{doc.name}  ({doc.type}){'  ' + doc.description if doc.description else ''}{example}{value}")
    click.echo("\nFilters, written {{ value | filter }}:")
    for item in filters:
        if all_filters or item.name in COMMON_FILTERS:
            click.echo(f"{item.name}  {item.description}{'  e.g. ' + item.example if item.example else ''}")
    if not all_filters:
        click.echo("(the common ones; --all-filters lists every filter)")


@templates.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@workspace_options
@handled
def templates_check(paths: tuple[Path, ...], workspace: Path | None, as_of: datetime | None) -> None:
    """Check templates (all of the workspace and the built-ins, and every payer profile, or the
    templates named): syntax, names that do not exist, what the sandbox forbids, Word tags broken
    by formatting. Each problem once, with where. Exit 1 when anything is wrong.

    PATHS are files, or template names as `templates list` shows them (letters/x.docx).

    \b
    Example:
      appealgen templates check letters/medical_necessity.docx
    """
    from appealgen.templating.tools import templates_check as check

    problems = check(_settings(workspace, as_of), list(paths))
    for problem in problems:
        say(problem.line())
    say(counted(len(problems), "problem") if problems else "templates: no problems")
    sys.exit(exit_code(p.exit_code for p in problems))


@templates.command("preview")
@click.argument("name")
@click.option("--claim", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The claim to fill the template with.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to write (default: previews/NAME.pdf in the workspace, else preview-NAME.pdf here).")
@click.option("--png", is_flag=True, help="Also write PNG pages beside the PDF.")
@click.option("--resolution", type=click.IntRange(30, 300), default=80, show_default=True,
              help="Dots per inch of the PNG pages.")
@click.option("--watch", is_flag=True,
              help="Render again each time the template, the claim or a workspace file is saved.")
@workspace_options
@handled
def templates_preview(name: str, claim: Path, out: Path | None, png: bool, resolution: int, watch: bool,
                      workspace: Path | None, as_of: datetime | None) -> None:
    """Render one template (a letter, or a cover sheet with its index) for one claim.

    NAME is a template such as letters/medical_necessity.docx or cover_sheets/fax_cover.html;
    a payer's own version (templates/letters/<payer>/) is used for that payer's claims.

    \b
    Example:
      appealgen templates preview letters/medical_necessity.docx --claim claims/cpap-medicare/claim.yaml --png
    """
    from appealgen.templating.preview import changes, split_name, until_interrupted, watched
    from appealgen.templating.tools import one_item, preview, preview_target

    settings = _settings(workspace, as_of)
    target = preview_target(settings, name, out)

    def render() -> None:
        done = preview(settings, claim, name, target, png, resolution)
        say(f"template: {done.template}")
        if done.note:
            say(f"note: {done.note}")
        for path in done.files:
            say(f"wrote {path}")

    if not watch:
        render()
        return
    folder, relative = split_name(settings, name)
    payer = one_item(settings, claim).claim.payer
    template = settings.workspace.template(folder, relative, payer)
    say(f"watching {template}, {claim} and the workspace's templates, payers, rules and settings; "
        "press Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt), until_interrupted() as interrupted:
        for _ in changes(watched(settings, claim, template), stop=interrupted):
            say(f"{datetime.now():%H:%M:%S}")
            try:
                render()
            except AppealgenError as error:
                for line in error.lines():
                    say(line)
                say("(the last preview was kept; fix the template and save again)")
    say("stopped")


@main.group()
def payers() -> None:
    """Copy payer profiles into the workspace to edit them.

    \b
    Example:
      appealgen payers copy commercial acme-health
    """


@payers.command("copy")
@click.argument("source")
@click.argument("new_id")
@workspace_options
@handled
def payers_copy(source: str, new_id: str, workspace: Path | None, as_of: datetime | None) -> None:
    """Copy payer profile SOURCE into the workspace as NEW_ID (payers/NEW_ID.yaml), to edit.

    Its `match` section starts empty: fill in which 835 payers (IDs, name patterns) use it.

    \b
    Example:
      appealgen payers copy commercial acme-health
    """
    from appealgen.templating.tools import payers_copy as copy

    done = copy(_settings(workspace, as_of), source, new_id)
    say(f"copied {done.source} to {done.target}; edit its name, addresses, levels and match, then try it with "
        "`appealgen plan` on a claim that names it")
