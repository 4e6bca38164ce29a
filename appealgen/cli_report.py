"""Command line of the denial report: `appealgen report`. Parse, call `appealgen.reports.api`,
write the file or print, set the exit code. Importing this module registers the command."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from appealgen.cli import DATE, _today, handled, main, say, workspace_options
from appealgen.errors import EXIT_OK, InputError

# Spelled out here so that --help need not import the reports (a test keeps them equal).
DIMENSIONS = ("payer", "category", "reason", "month", "owner", "level", "practice")
FORMATS = ("html", "pdf", "csv", "json")


def _amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "").removeprefix("$"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise InputError("--npsr", None, f"{text!r} is not an amount (like 1250000.00)")
    return value


SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".csv": "csv", ".json": "json"}


def _format(fmt: str | None, out: Path | None) -> str:
    """The format asked for, else the one --out's name ends in: `--out october.pdf` alone wrote an
    HTML page under a .pdf name. A name that ends in another format than --format is refused."""
    named = SUFFIXES.get(out.suffix.lower()) if out else None
    if fmt is not None and named is not None and named != fmt:
        raise InputError("--out", None, f"the name ends in {out.suffix if out else ''}, but --format is {fmt}")
    return fmt or named or "html"


@main.command()
@click.option("--from", "start", type=DATE, default=None,
              help="First day of the period (default: the first of --to's month; neither: last month).")
@click.option("--to", "end", type=DATE, default=None, help="Last day of the period, included (default: today).")
@click.option("--practice", default=None, help="Only this practice (default: every practice in the log).")
@click.option("--by", "by", type=click.Choice(DIMENSIONS), default="payer", show_default=True,
              help="The dimension of the 'By ...' table.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="html: one self-contained page with charts; pdf: the same page; csv: one table; json: everything "
                   "(default: the --out file's ending, else html).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: denial-report-FROM-TO.html/.pdf; csv and json go to stdout).")
@click.option("--table", "table", default="metrics", show_default=True,
              help="csv: which table (metrics, trend, by_payer, denied_by_reason, prevention, ...).")
@click.option("--npsr", default=None,
              help="Net patient service revenue of the period, for write-offs as a share of it (MAP Key AR-6).")
@click.option("--top", type=click.IntRange(min=1, max=100), default=10, show_default=True,
              help="Reason codes and root causes listed before 'all other'.")
@workspace_options
@handled
def report(start: datetime | None, end: datetime | None, practice: str | None, by: str, fmt: str | None,
           out: Path | None,
           table: str, npsr: str | None, top: int, workspace: Path | None, as_of: datetime | None) -> None:
    """Denial report over the tracking log: denial rates (from remittances; HFMA initial denial
    rate when submitted claims were imported), denied dollars by payer, category and reason,
    avoidable share, appeal results, days to appeal and to resolution, open dollars and the aged
    backlog, missed deadlines, write-offs, the monthly trend and the root causes to fix. Every
    figure has its definition and basis beside it.

    \b
    Example:
      appealgen report --from 2026-10-01 --to 2026-10-31 --format pdf --out october.pdf
    """
    from appealgen.output import write_named
    from appealgen.reports import api
    from appealgen.reports.build import Options
    from appealgen.reports.period import choose
    from appealgen.settings import open_settings

    started = time.perf_counter()
    fmt = _format(fmt, out)
    settings = open_settings(workspace, _today(as_of), signatures=False)
    period = choose(start.date() if start else None, end.date() if end else None, settings.today)
    chosen = Options(period, practice or settings.file.practice, by, _amount(npsr), top)
    found = api.make_report(settings, chosen)
    say(f"report {period.start} to {period.end}" + (f", practice {chosen.practice}" if chosen.practice else "")
        + f": {found.causes}")
    if fmt == "json":
        data = api.json_text(found).encode()
    elif fmt == "csv":
        data = api.csv_text(found, table).encode()
    else:
        from appealgen.reports.render import html, pdf

        page = html(found, settings)
        data = page.encode() if fmt == "html" else pdf(page, settings)
        out = out or Path(f"denial-report-{period.start}-{period.end}.{fmt}")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_named(out, data)
        say(f"written {out} ({len(data):,} bytes) in {time.perf_counter() - started:.1f} s")
    sys.exit(EXIT_OK)
