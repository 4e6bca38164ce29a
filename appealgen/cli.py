"""Command line: parse, call the library, print, set the exit code. Nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from appealgen import __version__
from appealgen.errors import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_MISSING_TOOL,
    EXIT_OK,
    AppealgenError,
    InputErrors,
)

F = TypeVar("F", bound=Callable[..., Any])


def workspace_options(func: F) -> F:
    """Options shared by every command that reads templates or payer profiles."""
    func = click.option(
        "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder whose templates/ and payers/ override the built-ins "
             "(default: the current folder when it has them).",
    )(func)
    return click.option(
        "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
        help="Compute deadlines as of this date (YYYY-MM-DD) instead of today.",
    )(func)


def say(message: str) -> None:
    click.echo(message, err=True)


def report_error(error: AppealgenError) -> int:
    lines = [e.line() for e in error.errors] if isinstance(error, InputErrors) else [str(error)]
    for line in lines:
        say(line)
    return error.exit_code


def _today(as_of: Any) -> date:
    return as_of.date() if as_of is not None else date.today()


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
@workspace_options
def build(claim_files: tuple[Path, ...], out: Path, attachments_root: Path | None,
          as_json: bool, workspace: Path | None, as_of: Any) -> None:
    """Build one packet per claim: OUT/<claim_id>/packet.pdf and packet.json.

    CLAIM_FILES are claim files (YAML/JSON) or X12 835 remittance files; from an
    835 every denied claim is built, its remittance page rendered from the 835.

    \b
    Exit codes: 0 every packet passed its check; 1 bad input (nothing written
    for that claim); 3 a packet was written but fails its check; 4 a required
    program (LibreOffice) is missing.

    \b
    Example:
      appealgen build examples/cpap-medicare/claim.yaml --out packets
    """
    from appealgen.build import Builder
    from appealgen.remittances import claims_from_file
    from appealgen.workspace import Workspace

    codes, reports = [EXIT_OK], []
    try:
        builder = Builder(Workspace.open(workspace), attachments_root, _today(as_of))
    except AppealgenError as error:
        sys.exit(report_error(error))
    for claim_file in claim_files:
        try:
            loaded = claims_from_file(claim_file, builder.workspace, attachments_root, builder.today)
        except AppealgenError as error:
            codes.append(report_error(error))
            continue
        for line in loaded.warnings + loaded.errors:
            say(line)
        codes += [EXIT_BAD_INPUT] * len(loaded.errors)
        for item in loaded.claims:
            try:
                report = builder.build(item, out)
            except AppealgenError as error:
                codes.append(report_error(error))
                continue
            except Exception as error:  # a bug must not stop the batch, nor print claim data
                if os.environ.get("APPEALGEN_DEBUG"):
                    raise
                say(f"{item.source}: claim {item.claim.claim_id}: unexpected {type(error).__name__}; nothing "
                    "written for this claim (set APPEALGEN_DEBUG=1 for the traceback)")
                codes.append(EXIT_BAD_INPUT)
                continue
            reports.append(report)
            codes.append(EXIT_OK if report.check.passed else EXIT_CHECK_FAILED)
            say(summary_line(report, out))
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in reports], indent=2))
    sys.exit(exit_code(codes))


def exit_code(codes: list[int]) -> int:
    """Errors outrank failing checks, which outrank success; a missing tool outranks all."""
    for code in (EXIT_MISSING_TOOL, EXIT_BAD_INPUT, EXIT_CHECK_FAILED):
        if code in codes:
            return code
    return EXIT_OK


def summary_line(report: Any, out: Path) -> str:
    status = "passed" if report.check.passed else "FAILED"
    detail = "; ".join([f"missing {m}" for m in report.check.missing] + report.check.problems)
    where = out / report.claim_id / "packet.pdf"
    line = f"{report.claim_id}: {status}, {report.pages} pages, {report.category} -> {report.action} " \
           f"({report.level}, due {report.deadline.isoformat()}) -> {where}"
    return f"{line}: {detail}" if detail else line


@main.command()
@click.argument("packet_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the check result as JSON on stdout.")
@workspace_options
def check(packet_dir: Path, as_json: bool, workspace: Path | None, as_of: Any) -> None:
    """Re-verify a built packet from the PDF itself against packet.json and the manifest.

    \b
    Example:
      appealgen check packets/ACCT-1001
    """
    from appealgen.check import verify_packet
    from appealgen.report import CheckResult
    from appealgen.workspace import Workspace

    try:
        verification = verify_packet(packet_dir, Workspace.open(workspace), _today(as_of))
    except AppealgenError as error:
        sys.exit(report_error(error))
    result: CheckResult = verification.result
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    status = "passed" if result.passed else "FAILED"
    say(f"{verification.report.claim_id}: {status}, {verification.report.pages} pages")
    for item in result.missing:
        say(f"  missing: {item}")
    for item in result.problems:
        say(f"  problem: {item}")
    for item in result.warnings:
        say(f"  warning: {item}")
    sys.exit(EXIT_OK if result.passed else EXIT_CHECK_FAILED)


@main.command()
@click.argument("claim_file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option("--descriptions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of official CARC/RARC descriptions (code,description) you are licensed to use.")
@workspace_options
def plan(claim_file: Path, as_json: bool, descriptions: Path | None, workspace: Path | None,
         as_of: Any) -> None:
    """Show the decision for a claim: category, action, level, deadline, letter, documents.

    \b
    Example:
      appealgen plan examples/cpap-medicare/claim.yaml
    """
    from appealgen.build import Builder
    from appealgen.plan import describe
    from appealgen.rules.codes import load_descriptions
    from appealgen.sources.claim_file import load_claims
    from appealgen.workspace import Workspace

    try:
        texts = load_descriptions(descriptions) if descriptions else None
        builder = Builder(Workspace.open(workspace), today=_today(as_of))
        plans = [builder.plan(item)[1] for item in load_claims(claim_file)]
    except AppealgenError as error:
        sys.exit(report_error(error))
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") for p in plans], indent=2))
        return
    for item in plans:
        click.echo("\n".join(describe(item, texts)))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"files": [...], "claims": [...]} on stdout.')
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write one claim file per denied claim here, ready for `appealgen build`.")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Attach <root>/<claim_id>/<kind>*.pdf files found here to the claim files.")
@workspace_options
def era(files: tuple[Path, ...], as_json: bool, out: Path | None, attachments_root: Path | None,
        workspace: Path | None, as_of: Any) -> None:
    """Read X12 835 remittance files: list the claims (denied first) with their
    codes, category and action.

    \b
    Example:
      appealgen era remits/2026-10-14.835 --out claims --attachments-root records
    """
    from appealgen.remittances import read_eras, table_lines, write_claim_files
    from appealgen.workspace import Workspace

    today = _today(as_of)
    try:
        result = read_eras(list(files), Workspace.open(workspace), today)
        written, skipped = write_claim_files(result, out, attachments_root, today) if out else ([], [])
    except AppealgenError as error:
        sys.exit(report_error(error))
    for line in result.warnings + skipped:
        say(line)
    if as_json:
        click.echo(json.dumps({"files": result.files, "claims": result.claims}, indent=2, default=str))
    else:
        click.echo("\n".join(table_lines(result.claims)))
    if out:
        say(f"{len(written)} claim files written to {out}")
    if skipped:
        sys.exit(EXIT_BAD_INPUT)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the claim file format.

    \b
    Example:
      appealgen schema > claim.schema.json
    """
    from appealgen.models import Claim

    click.echo(json.dumps(Claim.model_json_schema(), indent=2))
