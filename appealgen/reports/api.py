"""`appealgen report`'s library entry points: compute a report over the log, and write it as
JSON, CSV (any one table), a self-contained HTML page or a PDF."""

from __future__ import annotations

import io
import json
from typing import Any

from appealgen.errors import InputError
from appealgen.log.api import open_log
from appealgen.output import SpreadsheetWriter
from appealgen.reports.build import Options, build
from appealgen.reports.causes import load_causes
from appealgen.reports.inputs import read_inputs
from appealgen.reports.model import Report, csv_cell
from appealgen.rules.codes import CODES_FILE, load_code_table
from appealgen.settings import Settings

FORMATS = ("html", "pdf", "csv", "json")


def own_categories(settings: Settings) -> dict[str, str]:
    """The category each reason code gives by itself, from the workspace's code table."""
    table = load_code_table(settings.workspace.rules_file(CODES_FILE))
    return {carc: rule.category.value for carc, rule in table.carc.items()}


def make_report(settings: Settings, options: Options) -> Report:
    causes = load_causes(settings.workspace)
    with open_log(settings, create=False) as log, log.reading() as conn:
        # Nothing is known after today: a deadline still ahead is not missed, the backlog is today's.
        known = min(options.period.end, settings.today)
        data = read_inputs(conn, causes.table, options.window, known, options.practice,
                           min(options.period.previous().end, known), own_categories(settings))
        shown = log.location.path.name if log.location.path is not None else log.location.shown
    labels = {cause_id: cause.label for cause_id, cause in causes.table.causes.items()}
    return build(data, options, settings.today, shown, causes.describe(), labels)


def as_json(report: Report) -> dict[str, Any]:
    """The numbers (exact: money and rates as strings, with numerators and denominators), each
    metric's definition and basis, every table, and the chart specifications."""
    from appealgen.reports.charts import specs

    return {
        "report": "appealgen denial report", "format_version": 1,
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat(), "label": report.period_label,
                   "previous": {"from": report.previous_start.isoformat(), "to": report.previous_end.isoformat()}},
        "practice": report.practice, "as_of": report.as_of.isoformat(), "by": report.by,
        "sources": {"log": report.log, "root_causes": report.causes}, "notes": report.notes,
        "sections": [{"id": s.id, "title": s.title, "intro": s.intro, "metrics": [m.json() for m in s.metrics],
                      "tables": [t.id for t in s.tables]} for s in report.sections],
        "tables": {t.id: t.json() for t in report.tables().values()},
        "charts": specs(report),
    }


def json_text(report: Report) -> str:
    return json.dumps(as_json(report), indent=2) + "\n"


def csv_text(report: Report, table_id: str) -> str:
    """One table as CSV; `metrics` is the headline table (each metric with its definition and basis)."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    if table_id == "metrics":
        writer.writerow(["section", "id", "title", "value", "previous", "change", "definition", "basis"])
        written: set[str] = set()
        for section in report.sections:
            for metric in section.metrics:
                if metric.id in written:  # a section that repeats a headline figure (the page shows it twice)
                    continue
                written.add(metric.id)
                writer.writerow([section.id, metric.id, metric.about.title, csv_cell(metric.value),
                                 csv_cell(metric.previous), metric.change(), metric.about.definition,
                                 metric.about.basis])
        return out.getvalue()
    tables = report.tables()
    if table_id not in tables:
        raise InputError("--table", None, f"no table {table_id!r} (tables: {', '.join(table_names(report))})")
    table = tables[table_id]
    writer.writerow([c.name for c in table.columns])
    writer.writerows([csv_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def table_names(report: Report) -> list[str]:
    return ["metrics", *report.tables()]
