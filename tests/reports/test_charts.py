"""Charts: Vega-Lite specifications from the report's tables, drawn to SVG without a browser
(real text, nothing fetched: external data is refused), in colours told apart without colour vision."""

from __future__ import annotations

from decimal import Decimal

import pytest

from appealgen.reports.charts import BAR, PALETTE, bars, svg, trend
from appealgen.reports.model import Column, Table
from appealgen.reports.values import Rate

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"}


def by_payer() -> Table:
    return Table("denied_by_payer", "Denied by payer", [Column("payer", "Payer"), Column("denied_dollars", "Denied $")],
                 [["medicare-dme", Decimal("1040.00")], ["medicaid-caresource", Decimal("250.00")]])


def test_a_bar_chart_is_svg_with_real_text_drawn_in_process() -> None:
    drawn = svg(bars(by_payer(), "payer", "denied_dollars", "Denied dollars by payer"))
    assert drawn.startswith("<svg")
    assert ">medicare-dme</text>" in drawn and ">Denied dollars by payer</text>" in drawn
    assert "$1,040" in drawn  # the value printed on its bar
    assert BAR.lower() in drawn.lower()


def test_a_chart_that_names_external_data_is_refused() -> None:
    spec = bars(by_payer(), "payer", "denied_dollars", "x")
    spec["data"] = {"url": "http://192.0.2.1/denials.json"}
    with pytest.raises(ValueError, match="not allowed"):
        svg(spec)


def test_the_colours_are_okabe_ito_and_trend_lines_differ_by_dash_and_label_too() -> None:
    assert set(PALETTE) == OKABE_ITO
    table = Table("trend", "Trend", [Column(n, n) for n in ("month", "remittance_denial_rate", "initial_denial_rate",
                                                            "overturn_rate", "avoidable_share")],
                  [["2026-09", Rate(2, 4), Rate(0, 0, "no submitted claims"), Rate(0, 0), Rate(1, 2)],
                   ["2026-10", Rate(4, 7), Rate(0, 0, "no submitted claims"), Rate(3, 5), Rate(4, 5)]])
    spec = trend(table)
    line, labels = spec["layer"]
    assert "strokeDash" in line["encoding"] and labels["mark"]["type"] == "text"
    values = spec["data"]["values"]
    # A rate never computable is left out (no line at 0); a month without the rate is a gap, not 0.
    assert {v["series"] for v in values} == {"Remittance denial rate", "Overturn rate", "Avoidable share"}
    assert [v["value"] for v in values if v["series"] == "Overturn rate"] == [60.0]
    drawn = svg(spec)
    assert ">Remittance denial rate</text>" in drawn and "2026-09" in drawn


def test_a_horizontal_bar_chart_draws_no_axis_title_beside_its_long_labels_nor_crowded_ticks() -> None:
    # The chart's own title names the groups; an axis title was drawn over labels such as
    # "payer's clinical judgment (medical necessity)" once the PDF's fonts measured them wider,
    # and "$1,200$1,400" ran together on the value axis.
    spec = bars(by_payer(), "payer", "denied_dollars", "Denied dollars by payer")
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelSeparation"] >= 8
    drawn = svg(spec)
    assert ">Payer</text>" not in drawn
    upright = svg(bars(by_payer(), "payer", "denied_dollars", "Denied dollars by payer", horizontal=False))
    assert ">Payer</text>" in upright


def test_the_root_cause_chart_draws_only_the_causes_of_this_period() -> None:
    """The table lists a cause that had denials only in the previous period (its change column needs
    it); a $0 bar beside it says nothing."""
    causes = Table("prevention", "Root causes", [Column("cause", "Root cause"), Column("denied_dollars", "Denied $")],
                   [["payer's clinical judgment", Decimal("500.00")], ["claim submitted twice", Decimal("0.00")]])
    drawn = [row["group"] for row in bars(causes, "cause", "denied_dollars", "x", nonzero=True)["data"]["values"]]
    assert drawn == ["payer's clinical judgment"]
    assert len(bars(causes, "cause", "denied_dollars", "x")["data"]["values"]) == 2  # others keep their zeros


def test_categories_are_drawn_in_words() -> None:
    table = Table("denied_by_category", "By category", [Column("category", "Category"),
                                                        Column("denied_dollars", "Denied $")],
                  [["medical_necessity", Decimal("500.00")]])
    assert bars(table, "category", "denied_dollars", "x")["data"]["values"][0]["group"] == "medical necessity"


def test_line_end_labels_of_lines_ending_close_together_are_moved_apart() -> None:
    """The remittance rate and HFMA's often end a point apart; their labels were drawn one over
    the other. Each label keeps its line's order, a label's height apart, inside the axis."""
    table = Table("trend", "Trend", [Column(n, n) for n in ("month", "remittance_denial_rate", "initial_denial_rate",
                                                            "overturn_rate", "avoidable_share")],
                  [["2026-10", Rate(85, 1000), Rate(87, 1000), Rate(99, 100), Rate(98, 100)]])
    spec = trend(table)
    ends = {p["series"]: p["label_at"] for p in spec["data"]["values"] if p.get("last")}
    gap = 100 * 12 / 220  # a 12 px label on a 220 px axis running to 100
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert ends["Initial denial rate (HFMA)"] - ends["Remittance denial rate"] == pytest.approx(gap)
    assert ends["Remittance denial rate"] == pytest.approx(8.5)  # the lower one stays at its value
    assert ends["Overturn rate"] <= 100 and ends["Overturn rate"] - ends["Avoidable share"] == pytest.approx(gap)
    assert ends["Avoidable share"] - ends["Initial denial rate (HFMA)"] >= gap
