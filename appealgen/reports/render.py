"""The report as one self-contained HTML page (its stylesheet and SVG charts inside it, no
script, nothing fetched) and as a PDF of the same page (WeasyPrint, through the project's
deny-by-default URL fetcher). The page template is `templates/reports/report.html`; a
workspace may override it like any template."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup

from appealgen import __version__
from appealgen.models import CATEGORY_LABELS
from appealgen.reports.charts import specs, svg
from appealgen.reports.model import Report, Table, text
from appealgen.reports.prevention import CLAIMS_SHOWN
from appealgen.reports.values import Days, Rate
from appealgen.settings import Settings

TEMPLATE = "reports/report.html"
MAX_ROWS = 30  # rows of one table in HTML and PDF; CSV and JSON carry every row
WIDE = 6  # a table of more columns goes right under its chart rather than to its right


def _numeric(table: Table) -> list[bool]:
    """Columns of numbers (right-aligned): those whose cells are amounts, counts or rates."""
    return [any(isinstance(row[i], Decimal | int | Rate) and not isinstance(row[i], bool) for row in table.rows)
            for i in range(len(table.columns))]


def _cell(table: Table, column: int, value: object) -> str:
    if table.columns[column].name == "category" and isinstance(value, str):  # words for people; ids in CSV, JSON
        return CATEGORY_LABELS.get(value, value)
    if table.columns[column].name == "claims" and isinstance(value, str):
        claims = value.split()
        if len(claims) > CLAIMS_SHOWN:
            return " ".join(claims[:CLAIMS_SHOWN]) + f" ... and {len(claims) - CLAIMS_SHOWN} more"
    return text(value)  # type: ignore[arg-type]


def _table_view(table: Table, charts: dict[str, Markup]) -> dict[str, Any]:
    more = ""
    if any(c.name == "claims" for c in table.columns):
        more = f"(Up to {CLAIMS_SHOWN} claims per cause here; --format csv --table {table.id} lists them all.)"
    if len(table.rows) > MAX_ROWS:
        more = f"(The first {MAX_ROWS} of {len(table.rows):,} rows; --format csv --table {table.id} lists them all.)"
    return {"id": table.id, "title": table.title, "note": table.note, "more": more, "wide": len(table.columns) > WIDE,
            "labels": [c.label for c in table.columns], "numeric": _numeric(table),
            "rows": [[_cell(table, i, v) for i, v in enumerate(row)] for row in table.rows[:MAX_ROWS]],
            "chart": charts.get(table.chart) if table.chart else None}


def _shown(value: Any) -> tuple[str, str]:
    """A figure as the page shows it, and the small print under it: a rate's fraction, or why
    there is no figure ("n/a" in the column, its reason under it, not a paragraph in bold)."""
    if value is None:
        return "", ""
    if isinstance(value, Rate):
        return (value.text(), value.parts()) if value.value is not None else ("n/a", value.reason)
    if isinstance(value, Days):
        return (value.text(), "") if value.values else ("n/a", value.empty_reason)
    return text(value), ""


def _metric_view(metric: Any) -> dict[str, str]:
    about = metric.about
    shown, parts = _shown(metric.value)
    previous, previous_parts = _shown(metric.previous)
    return {"id": metric.id, "title": about.title, "value": shown, "parts": parts, "previous": previous,
            "previous_parts": previous_parts if previous == "n/a" else "",
            "change": metric.change(), "definition": about.definition, "basis": about.basis}


def context(report: Report) -> dict[str, Any]:
    # SVG made here by vl-convert from the report's own figures (its text escaped by Vega).
    charts = {chart_id: Markup(svg(spec)) for chart_id, spec in specs(report).items()}
    sections = [{"id": s.id, "title": s.title, "intro": s.intro, "metrics": [_metric_view(m) for m in s.metrics],
                 "tables": [_table_view(t, charts) for t in s.tables]} for s in report.sections]
    who = f" — {report.practice}" if report.practice else ""
    return {"title": f"Denial report{who}: {report.period_label}", "report": report, "sections": sections,
            "version": __version__}


def html(report: Report, settings: Settings) -> str:
    from appealgen.render.env import make_env, render_string

    env = make_env(settings.workspace.template_dirs(), settings.workspace.builtin / "templates")
    return render_string(env, TEMPLATE, context(report))


def pdf(page: str, settings: Settings) -> bytes:
    from appealgen.render.html import HtmlRenderer

    roots = settings.workspace.template_dirs()
    return HtmlRenderer(roots).pdf(page, roots[-1] / "reports", TEMPLATE)
