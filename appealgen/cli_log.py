"""Command line of the tracking log: `log import|record|show`, `queue`, `deadlines`. Parse,
call `appealgen.log.api`, print (tables on stdout, messages on stderr), set the exit code.
Importing this module registers the commands on `appealgen.cli.main`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from appealgen.cli import DATE, F, _today, handled, main, say, workspace_options

# The events people record (appealgen.log.model.RECORDED_BY_PEOPLE; spelled out here so that
# --help need not import the log; a test keeps the two equal).
KINDS = ("sent", "follow_up", "decision", "adjusted", "billed_patient", "assigned", "reopened", "correction")
TABLE_ROWS = 50  # the queue's table shows the top of the queue; --json and --csv give every row


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def _practice_option(help_text: str) -> Callable[[F], F]:
    return click.option("--practice", default=None, help=help_text)


@main.group("log")
def log_group() -> None:
    """The tracking log: import remittances and submitted claims, record what was done about a
    denial, show a claim's history. SQLite in the workspace (appealgen-log.sqlite) unless
    database_url (appealgen.yaml) or APPEALGEN_DATABASE_URL names another file or a PostgreSQL server.

    \b
    Example:
      appealgen log import remits/2026-10-14.835
    """


@log_group.command("import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--submitted", "submitted", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of submitted claims (columns claim_id,payer,date,charge); repeatable.")
@_practice_option("The practice these entries belong to (default: practice in appealgen.yaml, else 'default').")
@click.option("--by", "who", default=None, help="Who is importing (default: $APPEALGEN_USER, else your login).")
@click.option("--json", "as_json", is_flag=True, help="Print what was recorded as JSON on stdout.")
@workspace_options
@handled
def log_import(files: tuple[Path, ...], submitted: tuple[Path, ...], practice: str | None, who: str | None,
               as_json: bool, workspace: Path | None, as_of: datetime | None) -> None:
    """Record every claim of X12 835 remittances (paid and denied), opening a denial for each
    denied claim and reading outcomes of open denials from later remittances; or submitted
    claims from a CSV. Importing a file again records nothing twice.

    \b
    Example:
      appealgen log import remits/2026-10-14.835 --submitted claims-october.csv
    """
    from appealgen.log import api
    from appealgen.log.where import locate
    from appealgen.output import counted
    from appealgen.settings import open_settings

    if not files and not submitted:
        raise click.UsageError("give FILE.835 arguments, --submitted CLAIMS.csv, or both")
    settings = open_settings(workspace, _today(as_of), signatures=False)
    where = locate(settings)
    if where.path is not None and not where.path.exists():  # said, so a log started in the wrong folder is seen
        say(f"new tracking log: {where.path}; {settings.workspace.describe()}")
    result = api.import_files(settings, list(files), list(submitted), practice, who or api.default_who())
    for line in result.warnings:
        say(line)
    for done in result.files:
        if done.claims == 0:  # every transaction set refused (said below), or none in the file
            say(f"{done.file}: no claim read: nothing recorded")
        elif done.new == 0:
            say(f"{done.file}: already in the log ({counted(done.claims, 'claim')}): nothing recorded")
        else:
            say(f"{done.file}: {counted(done.claims, 'claim')}, {done.new} recorded, "
                f"{counted(done.denials, 'denial')} opened, {counted(done.outcomes, 'outcome')} of open denials")
    for error in result.errors:
        for line in error.lines():
            say(line)
    if as_json:
        _json({"files": [asdict(f) for f in result.files], "errors": [e.lines() for e in result.errors]})
    sys.exit(result.exit_code)


@log_group.command("record")
@click.argument("claim_id")
@click.argument("event", type=click.Choice([*KINDS, "follow-up", "billed-patient"]), metavar="EVENT")
@click.option("--date", "on", type=DATE, default=None, help="When it happened (default: today / --as-of).")
@click.option("--ref", default=None, help="The payer's reference, confirmation or fax number.")
@click.option("--amount", default=None, help="decision: amount paid; adjusted / billed_patient: amount "
                                             "(default: all that is still at stake).")
@click.option("--by", "who", default=None, help="Who did it (default: $APPEALGEN_USER, else your login).")
@click.option("--note", default=None, help="Free text; required for a correction (the reason).")
@click.option("--method", type=click.Choice(["fax", "portal", "mail", "electronic"]), default=None,
              help="sent: how it was sent.")
@click.option("--outcome", type=click.Choice(["overturned", "partially_overturned", "upheld", "dismissed", "partial"]),
              default=None, help="decision: the payer's decision (partial: partially_overturned).")
@click.option("--owner", default=None, help="assigned: who owns the denial now.")
@click.option("--next", "next_date", type=DATE, default=None, help="follow_up: when to follow up next.")
@click.option("--voids", type=int, default=None, help="correction: the event number (#N in `log show`) it voids.")
@_practice_option("The claim's practice (needed only when several practices have this claim id).")
@click.option("--json", "as_json", is_flag=True, help="Print the event and the denial's state as JSON on stdout.")
@workspace_options
@handled
def log_record(claim_id: str, event: str, on: datetime | None, ref: str | None, amount: str | None,
               who: str | None, note: str | None, method: str | None, outcome: str | None, owner: str | None,
               next_date: datetime | None, voids: int | None, practice: str | None, as_json: bool,
               workspace: Path | None, as_of: datetime | None) -> None:
    """Record what was done about a denial: sent (--method), follow_up (--next), decision
    (--outcome, --amount), adjusted, billed_patient, assigned (--owner), reopened, or a
    correction (--voids N --note WHY) that voids an earlier event and keeps it visible.

    \b
    Example:
      appealgen log record ACCT-9001 sent --method fax --ref FAX-20261020 --date 2026-10-20
    """
    from appealgen.log import api
    from appealgen.log.model import Kind
    from appealgen.log.record import Entry
    from appealgen.log.show import state_text
    from appealgen.models import DECISION_ALIASES
    from appealgen.settings import open_settings

    settings = open_settings(workspace, _today(as_of), signatures=False)
    entry = Entry(Kind(event.replace("-", "_")), on.date() if on else settings.today, who or api.default_who(),
                  ref, amount, note, method, DECISION_ALIASES.get(outcome or "", outcome), owner,
                  next_date.date() if next_date else None, voids)
    done = api.record_entry(settings, claim_id, entry, practice)
    say(f"{claim_id}: {entry.kind.value} recorded as #{done.event.id} ({done.event.on}, by {done.event.who})")
    for note_line in done.notes:
        say(f"  {note_line}")
    say(f"  now {state_text(done.state, settings.today)}")
    if as_json:
        _json({"event": asdict(done.event), "now": state_text(done.state, settings.today)})


@log_group.command("show")
@click.argument("claim_id")
@_practice_option("The claim's practice (needed only when several practices have this claim id).")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON on stdout.")
@workspace_options
@handled
def log_show(claim_id: str, practice: str | None, as_json: bool, workspace: Path | None,
             as_of: datetime | None) -> None:
    """Print a claim's whole history: submissions, remittances, each denial with every event
    (voided ones marked), and where it stands now.

    \b
    Example:
      appealgen log show ACCT-9001
    """
    from appealgen.log import api
    from appealgen.log.show import as_json as history_json
    from appealgen.log.show import lines
    from appealgen.settings import open_settings

    settings = open_settings(workspace, _today(as_of), signatures=False)
    found = api.show(settings, claim_id, practice)
    if as_json:
        _json(history_json(found, settings.today))
    else:
        click.echo("\n".join(lines(found, settings.today)))


@main.command()
@_practice_option("Only this practice's denials.")
@click.option("--owner", default=None, help="Only denials assigned to this owner.")
@click.option("--payer", default=None, help="Only this payer profile's denials (a profile id, e.g. medicare-dme).")
@click.option("--category", default=None, help="Only this denial category (e.g. medical_necessity).")
@click.option("--due-within", "due_within", type=click.IntRange(min=0), default=None,
              help="Only rows due (deadline or follow-up) within DAYS, overdue ones included.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Rows to show (default: 50 in the table, all with --json or --csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the queue as CSV on stdout.")
@workspace_options
@handled
def queue(practice: str | None, owner: str | None, payer: str | None, category: str | None,
          due_within: int | None, limit: int | None, as_json: bool, as_csv: bool, workspace: Path | None,
          as_of: datetime | None) -> None:
    """The work queue: open denials ranked by priority = amount at stake x likelihood of
    recovery x urgency, each row with the three factors, the next action, deadline, days left,
    follow-up and owner; missed deadlines listed apart with the good-cause path.

    \b
    Example:
      appealgen queue --due-within 30 --owner pat
    """
    from appealgen.log import api
    from appealgen.log.views import queue_csv, queue_json, queue_lines
    from appealgen.output import counted
    from appealgen.settings import open_settings

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = open_settings(workspace, _today(as_of), signatures=False)
    shown = limit if limit is not None or as_json or as_csv else TABLE_ROWS
    ranked = api.work_queue(settings, api.QueueFilters(practice, owner, payer, category, due_within), shown)
    say(f"queue as of {ranked.as_of}: {counted(ranked.total, 'open denial')} ranked, {ranked.total_missed} past "
        "their filing deadline")
    if as_json:
        _json(queue_json(ranked, limit))
    elif as_csv:
        click.echo(queue_csv(ranked, limit), nl=False)
    else:
        click.echo("\n".join(queue_lines(ranked, shown or TABLE_ROWS)))


@main.command()
@click.option("--within", type=click.IntRange(min=0), default=30, show_default=True,
              help="List what is due within DAYS (overdue items always).")
@click.option("--ics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every open deadline and follow-up to this iCalendar file (alarms 14, 7, 1 days).")
@_practice_option("Only this practice's denials.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@workspace_options
@handled
def deadlines(within: int, ics: Path | None, practice: str | None, as_json: bool, workspace: Path | None,
              as_of: datetime | None) -> None:
    """List appeal deadlines and follow-ups due, and optionally write them to a calendar file.
    Exit 3 when something is already overdue, so a scheduled job can alert.

    \b
    Example:
      appealgen deadlines --within 14 --ics ~/appeals.ics
    """
    from appealgen.log import api
    from appealgen.log.deadlines import calendar, deadlines_exit_code
    from appealgen.log.deadlines import within as due_within
    from appealgen.log.views import due_line
    from appealgen.output import write_named
    from appealgen.settings import open_settings

    settings = open_settings(workspace, _today(as_of), signatures=False)
    items = api.deadlines(settings, practice)
    shown = due_within(items, within)
    overdue = [d for d in items if d.overdue]
    if as_json:
        _json([{**asdict(d), "overdue": d.overdue} for d in shown])
    else:
        click.echo("\n".join(due_line(d) for d in shown) or f"nothing due within {within} days")
    if ics is not None:
        write_named(ics, calendar(items, settings.today).encode())
        say(f"{len(items)} deadlines and follow-ups written to {ics}")
    say(f"{len(shown)} due within {within} days, {len(overdue)} overdue")
    sys.exit(deadlines_exit_code(items))
