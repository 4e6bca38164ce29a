"""The HTML report in a real browser: Debian's Chromium, headless and offline (scripts/system-deps.sh
installs it; under CI a missing browser fails the test). A screenshot is taken; no console
message, no error and no network request; every chart shows, with its table beside it."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from appealgen.reports.api import make_report
from appealgen.reports.build import Options
from appealgen.reports.charts import BAR
from appealgen.reports.period import Period
from appealgen.reports.render import html
from tests.reports.browser import Visit, find_chromium, visit
from tests.reports.seed import TODAY, seed, settings

CHARTS = """JSON.parse(JSON.stringify(Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect();
  const table = f.closest('.pair').querySelector('table.grid'); const tbox = table.getBoundingClientRect();
  return {id: f.id, width: box.width, height: box.height, texts: svg.querySelectorAll('text').length,
          marks: svg.querySelectorAll('path, rect').length, tableRows: table.querySelectorAll('tbody tr').length,
          beside: (tbox.left >= box.right - 1 && tbox.top < box.bottom)
                  || (tbox.top >= box.bottom - 1 && tbox.top - box.bottom < 80)};
}).concat([{id: 'page', width: document.documentElement.scrollWidth}])))"""


def chromium() -> str:
    found = find_chromium()
    if found is None:
        message = "Debian's chromium is not installed (scripts/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'appealgen-log.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APPEALGEN_USER", "pat")
        seed(url, folder)
    found = make_report(settings(url), Options(Period(TODAY.replace(month=10, day=1), TODAY.replace(day=31,
                                                                                                    month=10))))
    path = folder / "report.html"
    path.write_text(html(found, settings(url)))
    yield path


@pytest.fixture(scope="module")
def seen(page: Path, tmp_path_factory: pytest.TempPathFactory) -> Visit:
    binary = chromium()
    found = visit(binary, tmp_path_factory.mktemp("profile"), page, CHARTS)
    (page.parent / "report.png").write_bytes(found.screenshot)
    return found


def test_the_page_loads_with_no_console_message_and_no_network_request(page: Path, seen: Visit) -> None:
    assert seen.console == []
    assert seen.requests == [page.resolve().as_uri()]  # the page itself, and nothing else


def test_every_chart_shows_with_its_table_beside_it(seen: Visit) -> None:
    """Beside: to its right, or right under it when the table is wide (the trend, the root causes)."""
    charts = {c["id"]: c for c in seen.result}
    assert charts.pop("page")["width"] <= 1280  # nothing wider than the window: no sideways scrolling
    assert set(charts) == {"chart-denied_by_payer", "chart-denied_by_category", "chart-aging", "chart-trend",
                           "chart-prevention"}
    for chart in charts.values():
        assert chart["width"] > 150 and chart["height"] > 80, chart
        assert chart["texts"] >= 4 and chart["marks"] >= 3, chart  # axis labels as text, bars or lines drawn
        assert chart["tableRows"] >= 1 and chart["beside"], chart


def test_the_screenshot_shows_the_charts(seen: Visit) -> None:
    image = Image.open(io.BytesIO(seen.screenshot)).convert("RGB")
    assert 1200 <= image.width <= 1280 and image.height > 2000  # the window less its scroll bar
    bar = tuple(int(BAR[i:i + 2], 16) for i in (1, 3, 5))
    colours = image.getcolors(maxcolors=1 << 24) or []  # (count, (r, g, b)) of each colour on the page
    painted = sum(n for n, colour in colours if isinstance(colour, tuple)
                  and all(abs(a - b) < 8 for a, b in zip(colour, bar, strict=True)))
    assert painted > 5000  # the bars, in the chart colour
