"""The PDF report of a year-long log as a reader turns its pages: no section title left alone
at the foot of a page or on a page of its own, no metric row cut in two, a table's caption on
its table's page. The log is the report benchmark's (bench/biglog.py): 20,000 remitted claims
over a year, every section full."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date

import pypdfium2
import pytest
from click.testing import CliRunner

from appealgen.cli import main
from appealgen.log.api import open_log
from appealgen.settings import Settings, WorkspaceFile
from appealgen.workspace import Workspace
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from biglog import make_log


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    folder = tmp_path_factory.mktemp("layout")
    log, out = folder / "log.sqlite", folder / "october.pdf"
    with open_log(Settings(Workspace.open(REPO), date(2026, 11, 22),
                           file=WorkspaceFile(database_url=str(log)))) as opened:
        make_log(opened, 20_000, 10, date(2026, 11, 22))
    result = CliRunner().invoke(main, ["report", "--from", "2026-10-01", "--to", "2026-10-31", "--as-of",
                                       "2026-11-22", "--out", str(out), "--workspace", str(REPO)],
                                env={"APPEALGEN_DATABASE_URL": str(log)}, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    document = pypdfium2.PdfDocument(out)
    try:
        yield [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip() and not line.strip().startswith("Page ")]


SECTIONS = ("Denial rates", "Where denials come from", "Appeal results", "Backlog and deadlines",
            "Denial write-offs", "Trend", "By payer", "Prevention: root causes to fix")


@pytest.mark.slow
def test_no_section_title_is_left_without_what_it_names(pages: list[str]) -> None:
    for number, page in enumerate(pages, start=1):
        text = lines(page)
        for title in SECTIONS:
            if title in text:
                after = text[text.index(title) + 1:]
                # the title, its introduction (a line or two), then a table or a chart on the same page
                assert len(" ".join(after)) > 400, f"page {number}: {title!r} with nothing under it"


@pytest.mark.slow
def test_the_trend_is_one_read_and_its_line_labels_apart(pages: list[str]) -> None:
    [trend] = [n for n, page in enumerate(pages) if "Trend" in lines(page)]
    assert "Monthly trend of each rate (%)" in pages[trend]  # the chart under its title
    caption = "Monthly trend, November 2025 to October 2026"
    table_page = next(n for n, page in enumerate(pages) if caption in lines(page))
    assert "2025-11" in pages[table_page].split(caption, 1)[1]  # the caption on its table's page


@pytest.mark.slow
def test_a_metric_row_is_never_cut_between_pages(pages: list[str]) -> None:
    for number, page in enumerate(pages, start=1):
        if "Definition and basis" in page:  # a metrics table's header: a whole row follows, its basis too
            assert "Basis:" in page.split("Definition and basis", 1)[1], f"page {number}: a metric row cut in two"


def test_a_tables_caption_goes_to_the_page_its_table_starts_on() -> None:
    """Wherever a table falls, its caption is never left alone at the foot of the page before it
    (the report's stylesheet, with the table pushed down a little further each time)."""
    from weasyprint import CSS, HTML

    css = CSS(filename=str(REPO / "templates" / "reports" / "report.css"))
    rows = "".join(f"<tr><td>2026-{n:02d}</td><td>{n}</td></tr>" for n in range(1, 13))
    for spacer in range(380, 520, 6):  # points: a landscape Letter page holds about 530 below its margins
        html = (f'<div style="height: {spacer}pt"></div><table class="grid"><caption>Caption of the table</caption>'
                f"<thead><tr><th>Month</th><th>n</th></tr></thead><tbody>{rows}</tbody></table>")
        texts = _page_texts(HTML(string=html).write_pdf(stylesheets=[css]))
        first = [n for n, text in enumerate(texts) if "Caption of the table" in text]
        start = [n for n, text in enumerate(texts) if "2026-01" in text]
        assert first == start, f"spacer {spacer}pt: caption on page {first}, first row on page {start}"


def _page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


@pytest.mark.slow
def test_the_root_cause_chart_above_its_table_names_each_cause_in_full(pages: list[str]) -> None:
    # the chart's text comes between its caption and its title
    [chart] = [page.split("Root causes to fix:", 1)[1].split("Denied dollars by root cause", 1)[0]
               for page in pages if "Root causes to fix:" in page]
    assert "authorization not obtained or not on the claim" in chart and "…" not in chart
    assert any("Root causes to fix: the figures are in the table below the chart." in page for page in pages)


@pytest.mark.slow
def test_a_change_keeps_its_sign_with_its_amount(pages: list[str]) -> None:
    """"+$17,300.99" had wrapped after its sign: a "+" alone above the amount."""
    assert [line for page in pages for line in lines(page) if line in ("+", "-")] == []
    assert any("+$" in page or "-$" in page for page in pages)  # the money changes are there to be looked at
    from weasyprint import CSS, HTML

    css = CSS(filename=str(REPO / "templates" / "reports" / "report.css"))
    row = ('<table class="metrics"><colgroup><col class="m"><col class="v"><col class="v"><col class="c"><col>'
           "</colgroup><tbody><tr><th>Denied dollars</th><td class=\"num value\">$1,254,324.91</td>"
           '<td class="num">$1,237,023.92</td><td class="num change">+$1,117,300.99</td><td>definition</td></tr>'
           "</tbody></table>")
    assert "+$1,117,300.99" in _page_texts(HTML(string=row).write_pdf(stylesheets=[css]))[0]  # not "+\r\n$1,1..."
