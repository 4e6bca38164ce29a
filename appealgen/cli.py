"""Command line: parse, call the library (`appealgen.commands`), print, set the exit code."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from appealgen import __version__
from appealgen.collector import for_a_command
from appealgen.errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_UNEXPECTED, AppealgenError, exit_code
from appealgen.output import counted

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
        try:
            return func(*args, **kwargs)
        except click.ClickException:  # a usage error found in the command's body: click reports it (exit 2)
            raise
        except AppealgenError as error:
            for line in error.lines():
                say(line)
            sys.exit(error.exit_code)
        except Exception as error:
            from appealgen.toolkit import debug  # here: the toolkit loads the PDF stack, slow to import

            if debug():
                raise
            say(f"unexpected {type(error).__name__}; nothing more was done (set APPEALGEN_DEBUG=1 for the traceback)")
            sys.exit(EXIT_UNEXPECTED)

    return wrapper  # type: ignore[return-value]


# Dates on the command line: ISO, or as US billing systems print them (the CSV reader takes both).
DATE = click.DateTime(["%Y-%m-%d", "%m/%d/%Y"])


def workspace_options(func: F) -> F:
    """Options shared by every command that reads templates or payer profiles."""
    func = click.option(
        "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder whose templates/, payers/ and rules/ override the built-ins (default: "
             "$APPEALGEN_WORKSPACE, else the current folder when it has them, else the nearest "
             "parent holding appealgen.yaml).",
    )(func)
    return click.option(
        "--as-of", "as_of", type=DATE, default=None,
        help="Compute deadlines as of this date (YYYY-MM-DD or MM/DD/YYYY) instead of today.",
    )(func)


def _today(as_of: datetime | None) -> date:
    return as_of.date() if as_of is not None else date.today()


def action_options(func: F) -> F:
    """--action and --reason: a specialist overrules the plan's action (both or neither)."""
    func = click.option("--reason", default=None, help="Why the plan is overruled (required with --action; "
                        "recorded in packet.json).")(func)
    return click.option("--action", "action", default=None, metavar="ACTION",
                        help="Overrule the plan's action: appeal, reconsideration, reopening, corrected_claim, "
                             "request_authorization, or one that sends nothing (adjust, check_status, ...).")(func)


def _override(action: str | None, reason: str | None) -> dict[str, Any]:
    """Settings for --action/--reason, checked here (a usage error, exit 2)."""
    from appealgen.models import Action

    if action is None:
        if reason is not None:
            raise click.UsageError("--reason goes with --action")
        return {}
    known = [a.value for a in Action]
    if action not in known:
        raise click.UsageError(f"--action {action!r} is not an action (one of: {', '.join(known)})")
    if not reason or not reason.strip():
        raise click.UsageError("--action needs --reason: say why the plan is overruled")
    return {"action": Action(action), "action_reason": reason.strip()}


def identity_options(func: F) -> F:
    """--ocr and --strict: how the identity check reads scanned pages, and whether one it cannot
    verify fails the packet (build and batch make the same packet); --verbose: messages name
    attachment files."""
    func = click.option("--verbose", is_flag=True,
                        help="Name attachment files in messages (their names may carry patient data).")(func)
    func = click.option("--strict", is_flag=True,
                        help="Fail a packet when a page's patient cannot be verified (a scan).")(func)
    return click.option("--ocr", is_flag=True, default=None,
                        help="Read scanned pages with OCR for the identity check (also: ocr: true in "
                             "appealgen.yaml).")(func)


def delivery_option(func: F) -> F:
    return click.option("--delivery", type=click.Choice(["fax", "mail", "portal"]), default=None,
                        help="Send every request of this run so, whatever the payer profile says (the payer's fax "
                             "line is down; a mailing is printed): the send-by date, the cover sheet and the "
                             "letter's head follow it.")(func)


def descriptions_option(func: F) -> F:
    return click.option("--descriptions", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="CSV of official CARC/RARC descriptions (code,description) you are licensed to use; "
                             "the remittance page shows them.")(func)


def _finish(started: Any) -> list[Any]:
    """Print warnings, then each outcome as it finishes; return the outcomes."""
    for line in started.warnings:
        say(line)
    outcomes = []
    for outcome in started.outcomes:
        outcomes.append(outcome)
        for line in outcome.lines():
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
              show_default=True, help="Output folder; each packet goes to OUT/<claim_id>/ (OUT/npi-<NPI>/<claim_id>/ "
              "when the claims come from several practices).")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Resolve attachment paths here instead of beside the claim file.")
@click.option("--json", "as_json", is_flag=True, help="Print the packet reports as JSON on stdout.")
@identity_options
@action_options
@delivery_option
@descriptions_option
@workspace_options
@handled
def build(claim_files: tuple[Path, ...], out: Path, attachments_root: Path | None, as_json: bool,
          ocr: bool | None, strict: bool, verbose: bool, action: str | None, reason: str | None,
          delivery: str | None, descriptions: Path | None, workspace: Path | None,
          as_of: datetime | None) -> None:
    """Build one packet per claim: OUT/<claim_id>/packet.pdf and packet.json.

    CLAIM_FILES are claim files (YAML/JSON, one claim or a list), folders of them, or X12 835
    remittance files; from an 835 every denied claim is built, its remittance page rendered
    from the 835. A claim whose action sends nothing (adjust, check status, bill patient, ...)
    gets no packet: one line says what to do instead, and packet.json records it.

    \b
    Exit codes: 0 every packet passed its check (or nothing is to be sent); 1 bad
    input (nothing written for that claim); 3 a packet was written but fails its
    check; 4 a required program (LibreOffice) is missing; 5 an unexpected error.

    \b
    Example:
      appealgen build examples/cpap-medicare/claim.yaml --out packets
      appealgen build claim.yaml --action appeal --reason "proof of timely filing found"
    """
    from appealgen import commands

    settings = commands.open_settings(workspace, _today(as_of), out=out, attachments_root=attachments_root,
                                      ocr=bool(ocr), strict=strict, verbose=verbose, descriptions=descriptions,
                                      delivery=delivery, **_override(action, reason))
    say(settings.workspace.describe())
    outcomes = _finish(commands.build(settings, list(claim_files)))
    if as_json:
        click.echo(json.dumps([o.report.model_dump(mode="json") for o in outcomes if o.report], indent=2))
    sys.exit(exit_code(o.exit_code for o in outcomes))


def _cluster_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    text = value.strip() if value else None
    if text is not None and text.startswith("local") and not re.fullmatch(r"local(:[1-9]\d*)?", text):
        raise click.BadParameter("local:N takes a number of worker processes, such as local:2")
    return text or None


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", default="packets", show_default=True,
              help="Output folder or storage URL (s3://..., file://...); each packet goes to OUT/<claim_id>/ "
              "(OUT/npi-<NPI>/<claim_id>/ when the claims come from several practices).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--cluster", envvar="APPEALGEN_CLUSTER", default=None, callback=_cluster_address,
              help="Run on a Dask cluster: a scheduler's address (tcp://host:8786), or local:N to start N worker "
                   "processes here (default: $APPEALGEN_CLUSTER; needs pip install 'appealgen[cluster]').")
@click.option("--attachments-root", default=None,
              help="Resolve attachment paths here (a folder or storage URL) instead of beside each claim file.")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column mapping for CSV inputs (YAML: rows, columns; default: the claim-file field names).")
@click.option("--force", is_flag=True, help="Rebuild packets that are up to date.")
@click.option("--dry-run", is_flag=True, help="Validate and plan every claim and find its documents; name the "
              "packets that would fail their check (exit 3); build nothing.")
@click.option("--time-limit", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds one packet may take before it is stopped and recorded as failed.")
@click.option("--quiet", is_flag=True, help="No progress, only errors and the closing line.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@identity_options
@delivery_option
@descriptions_option
@workspace_options
@handled
def batch(inputs: tuple[str, ...], out: str, jobs: int | None, cluster: str | None, attachments_root: str | None,
          mapping: Path | None, force: bool, dry_run: bool, time_limit: float, quiet: bool, as_json: bool,
          ocr: bool | None, strict: bool, verbose: bool, delivery: str | None, descriptions: Path | None,
          workspace: Path | None, as_of: datetime | None) -> None:
    """Build packets for many claims in parallel, resumably, with a summary.

    INPUTS are claim files (YAML/JSON, JSON Lines), folders of them, CSV exports, or X12 835
    files (their denied claims), as paths or storage URLs. A rerun skips packets whose inputs
    have not changed (--force rebuilds); OUT/batch-summary.csv and .json list every claim.
    With --cluster the same batch runs on a Dask cluster.

    \b
    Exit codes: 0 all built and passed; 1 some could not be built; 3 some fail
    their check; 4 a required program is missing or the cluster cannot run the
    batch; 5 an unexpected error; 130 interrupted (Ctrl-C): run it again to finish.

    \b
    Example:
      appealgen batch claims/ remits/2026-10-14.835 --out packets --jobs 2
    On a Dask cluster:
      appealgen batch /shared/claims --out /shared/packets --cluster tcp://scheduler:8786
    """
    from appealgen import commands

    settings = commands.open_settings(workspace, _today(as_of), time_limit=time_limit, csv_mapping=mapping,
                                      ocr=bool(ocr), strict=strict, verbose=verbose, descriptions=descriptions,
                                      delivery=delivery)
    say(settings.workspace.describe())
    with commands.placed(settings, list(inputs), out, attachments_root) as (settings, paths):
        if dry_run:
            _print_plans(_finish(commands.dry_run(settings, paths)))
        if cluster and jobs:
            say("--jobs is ignored with --cluster (local:N sets the number of workers)")
        _run_batch(commands.batch(settings, paths, jobs, force, cluster), settings, quiet, as_json)


def _print_plans(outcomes: list[Any]) -> None:
    from appealgen.outcome import dry_run_line

    incomplete = 0
    for outcome in outcomes:
        if outcome.plan is not None:
            incomplete += outcome.plan.packet and outcome.plan.would_fail  # a build would exit 3 for it
            click.echo(dry_run_line(outcome.plan))
    say(f"{counted(len(outcomes), 'claim')}: {sum(o.error is None for o in outcomes)} valid, "
        f"{sum(o.error is not None for o in outcomes)} with errors, {incomplete} whose packets would fail their "
        "check; nothing built")
    codes = [o.exit_code for o in outcomes] + [EXIT_CHECK_FAILED] * bool(incomplete)
    sys.exit(exit_code(codes))


def _run_batch(started: Any, settings: Any, quiet: bool, as_json: bool) -> None:
    from appealgen.batch import closing_line, in_claim_order, summary_row, write_summary
    from appealgen.progress import Progress

    for line in started.warnings:
        say(line)
    progress = Progress(started.total, quiet=quiet or as_json)
    outcomes = []
    interrupted = False
    try:
        for outcome in started.outcomes:
            outcomes.append(outcome)
            for line in outcome.error.lines() if outcome.error else []:
                progress.say(line)
            progress.advance()
    except KeyboardInterrupt:  # Ctrl-C: stop the workers (what they finish is kept), then sum up what is done
        interrupted = True
        with contextlib.suppress(KeyboardInterrupt):
            getattr(started.outcomes, "close", lambda: None)()
    finally:
        progress.close()
    outcomes = in_claim_order(outcomes)
    summary, _ = write_summary(settings, outcomes)
    if as_json:
        click.echo(json.dumps([summary_row(o) for o in outcomes], indent=2))
    say(closing_line(outcomes, summary))
    if interrupted:
        say(f"interrupted after {len(outcomes)} of {started.total} claims (the summary lists those): run the same "
            "command again to finish; the packets built so far are kept")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(exit_code(o.exit_code for o in outcomes))


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("letters"),
              show_default=True, help="Output folder: OUT/<claim_id>.docx and/or .pdf.")
@click.option("--format", "form", type=click.Choice(["docx", "pdf", "both"]), default="pdf", show_default=True,
              help="docx applies to Word templates; an HTML letter is always PDF.")
@click.option("--merged", is_flag=True, help="Also write every PDF letter into OUT/letters-merged.pdf for printing.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: the cores).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column mapping for CSV inputs (YAML: rows, columns).")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="For an 835: find each claim's documents in <root>/<claim_id>/, so its letter lists them.")
@delivery_option
@workspace_options
@handled
def letters(inputs: tuple[Path, ...], out: Path, form: str, merged: bool, jobs: int | None, mapping: Path | None,
            attachments_root: Path | None, delivery: str | None, workspace: Path | None,
            as_of: datetime | None) -> None:
    """Write each claim's letter alone, for mailing or review (no packet, no attachments).

    INPUTS are claim files, folders, CSV exports or X12 835 files, as for `batch`.

    \b
    Example:
      appealgen letters claims/ --out letters --format both --merged --delivery mail
    """
    from appealgen import commands
    from appealgen.letters import merge_letters, word_only

    settings = commands.open_settings(workspace, _today(as_of), out=out, csv_mapping=mapping,
                                      attachments_root=attachments_root, delivery=delivery)
    say(settings.workspace.describe())
    outcomes = _finish(commands.letters(settings, list(inputs), form, jobs))  # type: ignore[arg-type]
    written = [f for o in outcomes for f in o.files]
    if form in ("docx", "both") and word_only(outcomes):
        say(f"HTML templates gave {word_only(outcomes)} of the letters, written as PDF only")
    if merged and (target := merge_letters(out, outcomes)) is not None:
        say(f"merged PDF: {target}")
    if merged and (held := [o.claim_id or "" for o in outcomes if o.letter_alone_incomplete]):
        say(f"not in the merged PDF, their packets would fail their check: {', '.join(held)}")
    claims = sum(1 for o in outcomes if o.files)
    say(f"{counted(len(written), 'letter file')} for {counted(claims, 'claim')} written to {out}")
    sys.exit(exit_code(o.exit_code for o in outcomes))


@main.command()
@click.argument("packet_dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the check result as JSON on stdout (a list for "
              "several packets).")
@workspace_options
@handled
def check(packet_dirs: tuple[Path, ...], as_json: bool, workspace: Path | None, as_of: datetime | None) -> None:
    """Re-verify built packets from the PDF itself against packet.json and the manifest.

    A folder without a packet.json is searched for the packet folders under it (a batch's
    output), each checked in turn; the exit code is the worst of them.

    \b
    Example:
      appealgen check packets/ACCT-1001
      appealgen check packets
    """
    from appealgen import commands

    settings = commands.open_settings(workspace, _today(as_of))
    say(settings.workspace.describe())
    folders = commands.packet_folders(list(packet_dirs))
    codes, results = [], []
    for folder in folders:
        try:
            verification = commands.check(settings, folder)
        except AppealgenError as error:  # one unreadable packet does not stop the others
            for line in error.lines():
                say(line)
            codes.append(error.exit_code)
            continue
        results.append(verification.result)
        codes.append(verification.exit_code)
        _say_verification(verification, folder if len(folders) > 1 else None)
    if as_json:
        shown = [json.loads(r.model_dump_json()) for r in results]
        click.echo(json.dumps(shown[0] if len(folders) == 1 and shown else shown, indent=2))
    sys.exit(exit_code(codes))


def _say_verification(verification: Any, folder: Path | None) -> None:
    """One line per packet; with several, each names its folder (one claim may have packets in two)."""
    result, report = verification.result, verification.report
    where = f" -> {folder}" if folder is not None else ""
    if report.status == "nothing_to_send":
        say(f"{report.claim_id}: nothing to send ({report.action.value}): {report.instead}; no packet to "
            f"check{where}")
    else:
        say(f"{report.claim_id}: {'passed' if result.passed else 'FAILED'}, {report.pages} pages{where}")
    for label, items in (("missing", result.missing), ("problem", result.problems), ("warning", result.warnings)):
        for item in items:
            say(f"  {label}: {item}")


@main.command()
@click.argument("claim_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plans as JSON on stdout.")
@click.option("--descriptions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of official CARC/RARC descriptions (code,description) you are licensed to use.")
@action_options
@delivery_option
@click.option("--verbose", is_flag=True, help="Name attachment files in messages (their names may carry patient data).")
@workspace_options
@handled
def plan(claim_files: tuple[Path, ...], as_json: bool, descriptions: Path | None, action: str | None,
         reason: str | None, delivery: str | None, verbose: bool, workspace: Path | None,
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
    settings = commands.open_settings(workspace, _today(as_of), delivery=delivery, verbose=verbose,
                                      **_override(action, reason))
    say(settings.workspace.describe())
    outcomes = _finish(commands.plan(settings, list(claim_files)))
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
@click.option("--force", is_flag=True,
              help="With --out: rewrite claim files that differ from the remittance (edited by hand).")
@click.option("--attachments-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Attach the files in <root>/<claim_id>/ to the claim files, each by the kind its name says "
              "(progress notes, SWO, POD, ...; see attachment_names in appealgen.yaml).")
@click.option("--descriptions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of official CARC/RARC descriptions (code,description) you are licensed to use.")
@click.option("--verbose", is_flag=True, help="Name the files under --attachments-root left out (their names may "
              "carry patient data).")
@workspace_options
@handled
def era(files: tuple[Path, ...], as_json: bool, out: Path | None, force: bool, attachments_root: Path | None,
        descriptions: Path | None, verbose: bool, workspace: Path | None, as_of: datetime | None) -> None:
    """Read X12 835 remittance files: list the claims (denied first) with their
    codes, payer, denied amount, category, action and deadline.

    A fault in one claim or one transaction set skips only that part, with a
    line naming the segment; the rest is read. An existing claim file that
    differs from what --out would write is left alone (--force rewrites it).

    \b
    Example:
      appealgen era remits/2026-10-14.835 --out claims --attachments-root records
    """
    from appealgen import commands
    from appealgen.remittances import provider_adjustment_lines, table_lines
    from appealgen.rules.codes import load_descriptions

    texts = load_descriptions(descriptions) if descriptions else None
    settings = commands.open_settings(workspace, _today(as_of), attachments_root=attachments_root, verbose=verbose)
    say(settings.workspace.describe())
    done = commands.era(settings, list(files), out, force, texts)
    result = done.result
    for line in [e.line() for e in result.errors] + result.warnings + done.files.skipped + done.files.kept \
            + done.files.unused:
        say(line)
    if as_json:
        click.echo(json.dumps({"files": result.files, "claims": result.claims}, indent=2, default=str))
    elif result.claims or not result.errors:
        click.echo("\n".join(table_lines(result.claims) + provider_adjustment_lines(result.files)))
    if out:
        kept = f"; {counted(len(done.files.kept), 'edited file')} kept" if done.files.kept else ""
        say(f"{counted(len(done.files.written), 'claim file')} written to {out}{kept}")
    sys.exit(done.exit_code)


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


def run() -> None:
    """The `appealgen` program: the command line in a process of its own."""
    for_a_command()
    main()


# The tracking log's, the template tools' and the report's commands live in their own modules;
# importing them registers them on `main`.
from appealgen import cli_log, cli_report, cli_templates  # noqa: E402, F401
