"""Command line: parse, call the library (`appealgen.commands`), print, set the exit code."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from appealgen import __version__
from appealgen.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, EXIT_UNEXPECTED, AppealgenError, exit_code

F = TypeVar("F", bound=Callable[..., Any])


def say(message: str) -> None:
    """A human message on stderr; terminal control characters in it are shown escaped."""
    from appealgen.output import printable

    click.echo(printable(message), err=True)


def handled(func: F) -> F:
    """A project error prints its lines and exits with its code; anything else is a bug: one
    line, exit 5, the traceback only with APPEALGEN_DEBUG=1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from appealgen.toolkit import debug

        try:
            return func(*args, **kwargs)
        except AppealgenError as error:
            for line in error.lines():
                say(line)
            sys.exit(error.exit_code)
        except Exception as error:
            if debug():
                raise
            say(f"unexpected {type(error).__name__}; nothing more was done (set APPEALGEN_DEBUG=1 for the traceback)")
            sys.exit(EXIT_UNEXPECTED)

    return wrapper  # type: ignore[return-value]


def workspace_options(func: F) -> F:
    """Options shared by every command that reads templates or payer profiles."""
    func = click.option(
        "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder whose templates/, payers/ and rules/ override the built-ins (default: "
             "$APPEALGEN_WORKSPACE, else the current folder when it has them, else the nearest "
             "parent holding appealgen.yaml).",
    )(func)
    return click.option(
        "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
        help="Compute deadlines as of this date (YYYY-MM-DD) instead of today.",
    )(func)


def _today(as_of: datetime | None) -> date:
    return as_of.date() if as_of is not None else date.today()


def _finish(started: Any, out: Path) -> list[Any]:
    """Print warnings, then each outcome as it finishes; return the outcomes."""
    for line in started.warnings:
        say(line)
    outcomes = []
    for outcome in started.outcomes:
        outcomes.append(outcome)
        for line in outcome.lines(out):
            say(line)
    return outcomes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appealgen")
def main() -> None:
    """Build appeal and reconsideration packets for denied medical claims.

    \b
    Example:
      appealgen build examples/cpap-medicare/claim.yaml --out packets
    """


@main.command()
@click.argument("claim_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("packets"),
              show_default=True, help="Output folder; each packet goes to OUT/<claim_id>/.")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Resolve attachment paths here instead of beside the claim file.")
@click.option("--json", "as_json", is_flag=True, help="Print the packet reports as JSON on stdout.")
@click.option("--ocr", is_flag=True, default=None,
              help="Read scanned pages with OCR for the identity check (also: ocr: true in appealgen.yaml).")
@click.option("--strict", is_flag=True, help="Fail a packet when a page's patient cannot be verified (a scan).")
@click.option("--verbose", is_flag=True, help="Name attachment files in messages (their names may carry patient data).")
@workspace_options
@handled
def build(claim_files: tuple[Path, ...], out: Path, attachments_root: Path | None,
          as_json: bool, ocr: bool | None, strict: bool, verbose: bool, workspace: Path | None,
          as_of: datetime | None) -> None:
    """Build one packet per claim: OUT/<claim_id>/packet.pdf and packet.json.

    CLAIM_FILES are claim files (YAML/JSON, one claim or a list), folders of them, or X12 835
    remittance files; from an 835 every denied claim is built, its remittance page rendered
    from the 835.

    \b
    Exit codes: 0 every packet passed its check; 1 bad input (nothing written
    for that claim); 3 a packet was written but fails its check; 4 a required
    program (LibreOffice) is missing; 5 an unexpected error.

    \b
    Example:
      appealgen build examples/cpap-medicare/claim.yaml --out packets
    """
    from appealgen import commands

    settings = commands.open_settings(workspace, _today(as_of), out=out, attachments_root=attachments_root,
                                      ocr=bool(ocr), strict=strict, verbose=verbose)
    outcomes = _finish(commands.build(settings, list(claim_files)), out)
    if as_json:
        click.echo(json.dumps([o.report.model_dump(mode="json") for o in outcomes if o.report], indent=2))
    sys.exit(exit_code(o.exit_code for o in outcomes))


@main.command()
@click.argument("packet_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the check result as JSON on stdout.")
@workspace_options
@handled
def check(packet_dir: Path, as_json: bool, workspace: Path | None, as_of: datetime | None) -> None:
    """Re-verify a built packet from the PDF itself against packet.json and the manifest.

    \b
    Example:
      appealgen check packets/ACCT-1001
    """
    from appealgen import commands

    verification = commands.check(commands.open_settings(workspace, _today(as_of)), packet_dir)
    result = verification.result
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    say(f"{verification.report.claim_id}: {'passed' if result.passed else 'FAILED'}, "
        f"{verification.report.pages} pages")
    for label, items in (("missing", result.missing), ("problem", result.problems), ("warning", result.warnings)):
        for item in items:
            say(f"  {label}: {item}")
    sys.exit(EXIT_OK if result.passed else EXIT_CHECK_FAILED)


@main.command()
@click.argument("claim_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plans as JSON on stdout.")
@click.option("--descriptions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of official CARC/RARC descriptions (code,description) you are licensed to use.")
@workspace_options
@handled
def plan(claim_files: tuple[Path, ...], as_json: bool, descriptions: Path | None, workspace: Path | None,
         as_of: datetime | None) -> None:
    """Show the decision for each claim: category, action, level, deadline, letter, documents.

    CLAIM_FILES are claim files, folders of them, or X12 835 files (their denied claims).

    \b
    Example:
      appealgen plan examples/cpap-medicare/claim.yaml
    """
    from appealgen import commands
    from appealgen.plan import describe
    from appealgen.rules.codes import load_descriptions

    texts = load_descriptions(descriptions) if descriptions else None
    settings = commands.open_settings(workspace, _today(as_of))
    outcomes = _finish(commands.plan(settings, list(claim_files)), settings.out)
    plans = [o.plan for o in outcomes if o.plan is not None]
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") for p in plans], indent=2))
    else:
        for item in plans:
            click.echo("\n".join(describe(item, texts)))
    sys.exit(exit_code(o.exit_code for o in outcomes))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"files": [...], "claims": [...]} on stdout.')
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write one claim file per denied claim here, ready for `appealgen build`.")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Attach <root>/<claim_id>/<kind>*.pdf files found here to the claim files.")
@workspace_options
@handled
def era(files: tuple[Path, ...], as_json: bool, out: Path | None, attachments_root: Path | None,
        workspace: Path | None, as_of: datetime | None) -> None:
    """Read X12 835 remittance files: list the claims (denied first) with their
    codes, category and action.

    \b
    Example:
      appealgen era remits/2026-10-14.835 --out claims --attachments-root records
    """
    from appealgen import commands
    from appealgen.remittances import table_lines

    settings = commands.open_settings(workspace, _today(as_of), attachments_root=attachments_root)
    done = commands.era(settings, list(files), out)
    result = done.result
    for line in [e.line() for e in result.errors] + result.warnings + done.skipped:
        say(line)
    if as_json:
        click.echo(json.dumps({"files": result.files, "claims": result.claims}, indent=2, default=str))
    elif result.claims or not result.errors:
        click.echo("\n".join(table_lines(result.claims)))
    if out:
        say(f"{len(done.written)} claim files written to {out}")
    sys.exit(exit_code([e.exit_code for e in result.errors] + [EXIT_BAD_INPUT] * len(done.skipped)))


@main.command()
@handled
def schema() -> None:
    """Print the JSON Schema of the claim file format.

    \b
    Example:
      appealgen schema > claim.schema.json
    """
    from appealgen.models import Claim

    click.echo(json.dumps(Claim.model_json_schema(), indent=2))
