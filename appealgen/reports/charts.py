"""Charts as Vega-Lite specifications, drawn to SVG by vl-convert (the Vega engine in-process:
no browser, real <text> in the SVG, no network: external data is refused).

Colours are the Okabe-Ito palette, told apart by people with the common colour-vision
deficiencies; lines differ by dash and point shape too, and every chart has its table beside
it, so no figure is carried by colour alone."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from appealgen.errors import MissingToolError
from appealgen.models import CATEGORY_LABELS
from appealgen.reports.model import Report, Table
from appealgen.reports.values import Rate

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier only: nothing is fetched
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"]
BAR = PALETTE[0]
FONT = "Liberation Sans, DejaVu Sans, sans-serif"
CONFIG: dict[str, Any] = {
    "font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 220},
    "legend": {"labelFontSize": 11, "titleFontSize": 11}, "title": {"fontSize": 13, "anchor": "start"},
    "range": {"category": PALETTE},
}
TREND_SERIES = [("remittance_denial_rate", "Remittance denial rate"),
                ("initial_denial_rate", "Initial denial rate (HFMA)"), ("overturn_rate", "Overturn rate"),
                ("avoidable_share", "Avoidable share")]


def _number(value: object) -> float | None:
    """A value as the chart draws it (the tables keep the exact figure)."""
    if isinstance(value, Rate):
        rate = value.value
        return None if rate is None else float(round(rate * 100, 2))
    if isinstance(value, Decimal | int):
        return float(value)
    return None


def _column(table: Table, name: str) -> int:
    return [c.name for c in table.columns].index(name)


def bars(table: Table, label: str, value: str, title: str, horizontal: bool = True,
         money: bool = True, nonzero: bool = False, label_limit: int | None = None) -> dict[str, Any]:
    """`nonzero`: leave out the groups with nothing this period (a root cause the table lists only
    for the previous period's sake). `label_limit`: px for a group's name where the chart has the
    page's width (above its table), so long names are not cut."""
    key, amount = _column(table, label), _column(table, value)
    names = CATEGORY_LABELS if label == "category" else {}  # the chart beside the table reads as the table does
    rows = [{"group": names.get(str(r[key]), str(r[key])), "value": _number(r[amount])} for r in table.rows
            if not nonzero or _number(r[amount])]
    axis_format = "$,.0f" if money else ",d"
    # The PDF's fonts measure wider than the chart renderer's: ticks keep a gap so "$1,200"
    # and "$1,400" do not run together, and a horizontal chart (whose title already names its
    # groups) has no axis title to be drawn over its long labels.
    value_enc = {"field": "value", "type": "quantitative", "title": table.columns[amount].label,
                 "axis": {"format": axis_format, "labelOverlap": "greedy", "labelSeparation": 8}}
    group_enc: dict[str, Any] = {"field": "group", "type": "nominal",
                                 "title": None if horizontal else table.columns[key].label,
                                 "sort": "-x" if horizontal else None}
    if label_limit:
        group_enc["axis"] = {"labelLimit": label_limit}
    encoding = {"y": group_enc, "x": value_enc} if horizontal else {"x": group_enc, "y": value_enc}
    text_enc = {**encoding, "text": {"field": "value", "type": "quantitative", "format": axis_format}}
    return {
        "$schema": SCHEMA, "title": title, "description": f"{title}: bar chart; the table beside it has the figures.",
        "data": {"values": rows}, "width": 360, "height": {"step": 22} if horizontal else 200,
        "layer": [{"mark": {"type": "bar", "color": BAR}, "encoding": encoding},
                  {"mark": {"type": "text", "align": "left" if horizontal else "center", "dx": 3 if horizontal else 0,
                            "dy": 0 if horizontal else -6, "fontSize": 10, "color": "#111"}, "encoding": text_enc}],
        "config": CONFIG,
    }


TREND_HEIGHT = 220  # px
LABEL_GAP_PX = 12  # between two line-end labels: a 10 pt label's height and a little air


def _top(values: list[Any]) -> float:
    """The y axis's end: the largest value rounded up to a multiple of 20 (a rate may pass 100%)."""
    largest = max((float(v) for v in values), default=0.0)
    return max(20.0, math.ceil(largest / 20) * 20)


def _space_labels(ends: list[dict[str, Any]], gap: float, top: float) -> None:
    """Each line's end label at its last value, moved apart where two lines end close together
    (the remittance rate and HFMA's often differ by a point): at least `gap` between labels
    of one month, keeping their order, within the axis where the labels fit in it."""
    for month in {p["month"] for p in ends}:
        here = sorted((p for p in ends if p["month"] == month), key=lambda p: (float(p["value"]), p["series"]))
        placed = -gap
        for point in here:  # upwards: each at least a gap above the one below
            placed = point["label_at"] = max(float(point["value"]), placed + gap)
        placed = top + gap
        for point in reversed(here):  # then down from the top, where the upward pass ran past it
            placed = point["label_at"] = max(min(point["label_at"], placed - gap), 0.0)


def trend(table: Table) -> dict[str, Any]:
    """One line per rate over the months. Told apart by colour, by dash, and by a label at the
    end of each line (Vega-Lite does not merge a colour legend with a dash legend)."""
    month = _column(table, "month")
    months = [str(r[month]) for r in table.rows]
    rows, shown = [], []
    for name, label in TREND_SERIES:
        index = _column(table, name)
        points = [{"month": str(r[month]), "series": label, "value": _number(r[index])} for r in table.rows]
        points = [p for p in points if p["value"] is not None]  # a month without the rate is a gap, not 0
        if points:
            points[-1]["last"] = True
            rows += points
            shown.append(label)
    series = {"field": "series", "type": "nominal", "title": None, "sort": shown}
    x = {"field": "month", "type": "ordinal", "title": "Month", "scale": {"domain": months},
         "axis": {"labelAngle": -40}}
    top = _top([p["value"] for p in rows])
    y = {"field": "value", "type": "quantitative", "title": "Percent", "scale": {"domain": [0, top], "nice": False}}
    _space_labels([p for p in rows if p.get("last")], top * LABEL_GAP_PX / TREND_HEIGHT, top)
    return {
        "$schema": SCHEMA, "title": "Monthly trend of each rate (%)",
        "description": "Monthly trend of each rate, one line per rate; the trend table has the figures.",
        "data": {"values": rows}, "width": 520, "height": TREND_HEIGHT,
        "layer": [
            {"mark": {"type": "line", "point": {"size": 45, "filled": True}, "strokeWidth": 2},
             "encoding": {"x": x, "y": y, "color": {**series, "legend": {"orient": "bottom", "columns": 2}},
                          "strokeDash": {**series, "legend": None}}},
            {"transform": [{"filter": "datum.last"}],
             "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10},
             "encoding": {"x": x, "y": {**y, "field": "label_at"}, "text": {"field": "series"},
                          "color": {**series, "legend": None}}},
        ],
        "config": CONFIG,
    }


def specs(report: Report) -> dict[str, dict[str, Any]]:
    tables = report.tables()
    found: dict[str, dict[str, Any]] = {}
    if "denied_by_payer" in tables:
        found["denied_by_payer"] = bars(tables["denied_by_payer"], "payer", "denied_dollars", "Denied dollars by payer")
    if "denied_by_category" in tables:
        found["denied_by_category"] = bars(tables["denied_by_category"], "category", "denied_dollars",
                                           "Denied dollars by category")
    if "aging" in tables:
        found["aging"] = bars(tables["aging"], "days_since_denial", "open_dollars",
                              "Open denial dollars by days since denial", horizontal=False)
    if "trend" in tables:
        found["trend"] = trend(tables["trend"])
    if "prevention" in tables:
        found["prevention"] = bars(tables["prevention"], "cause", "denied_dollars", "Denied dollars by root cause",
                                   nonzero=True, label_limit=360)
    return found


def svg(spec: dict[str, Any]) -> str:
    """The chart as SVG text. `allowed_base_urls=[]`: a spec that names external data is refused."""
    try:
        import vl_convert
    except ImportError:
        raise MissingToolError("vl-convert-python", "pip install vl-convert-python") from None
    return str(vl_convert.vegalite_to_svg(spec, allowed_base_urls=[]))
