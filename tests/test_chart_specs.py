"""The chart specs people read (issue 16.6): time on a temporal axis, legible horizontal
labels, series told apart by more than colour and named at their end, at most six series
plus "overig", no null series, labelled goal lines, one colour-blind-safe palette, and numbers
and texts in the page's language. Asserted on the Vega-Lite specs themselves."""

from __future__ import annotations

import json
from typing import Any

from pijplijn import charts
from pijplijn.periods import Period

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]


def _rows(series: dict[str, dict[str, float | None]], key: str = "region") -> list[dict[str, Any]]:
    return [
        {key: name, "period": period, "value": value, "segment": 0, "flag": None, "exact": True}
        for name, values in series.items()
        for period, value in values.items()
    ]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


def test_periods_sit_on_a_time_axis_at_their_start() -> None:
    rows = _rows({"twente": {"2011": 1.0, "2016": 2.0, "2019-2020": 3.0, "2023KW02": 4.0}})
    spec = charts.series_chart(rows, "count", "t", "d")
    x = _layers(spec)[0]["encoding"]["x"]
    assert (x["field"], x["type"]) == ("date", "temporal")
    assert x["axis"]["labelAngle"] == 0 and x["axis"]["labelFontSize"] >= 11
    dates = {r["period"]: r["date"] for r in spec["datasets"]["table"]}
    # Each at its own start date, so 2011 → 2016 is five years wide and 2016 → 2019 three.
    assert dates == {p: Period.parse(p).start.isoformat() for p in dates}
    assert dates["2019-2020"] == "2019-08-01" and dates["2023KW02"] == "2023-04-01"
    assert spec["config"]["axis"]["labelFontSize"] >= 11


def test_series_differ_by_dash_shape_and_a_direct_label() -> None:
    rows = _rows({"twente": {"2019": 1.0, "2020": 2.0}, "PV23": {"2019": 3.0, "2020": 4.0}})
    spec = charts.series_chart(rows, "count", "t", "d")
    line, names = _layers(spec)[:2]
    assert {"color", "strokeDash", "shape"} <= set(line["encoding"])
    assert names["mark"]["type"] == "text" and names["encoding"]["text"]["field"] == "region"
    last = [r for r in spec["datasets"]["table"] if r["last"]]
    ends = sorted((r["region"], r["period"]) for r in last)
    assert ends == [("PV23", "2020"), ("twente", "2020")]


def test_no_null_series_and_at_most_six_plus_overig() -> None:
    series: dict[str, dict[str, float | None]] = {
        f"school {i}": {"2019": float(i), "2020": float(10 * i)} for i in range(1, 10)
    }
    rows = _rows(series, "institution") + [
        {"institution": None, "period": "2020", "value": 1.0, "segment": 0, "exact": True}
    ]
    spec = charts.series_chart(rows, "count", "t", "d", colour="institution")
    table = spec["datasets"]["table"]
    drawn = {r["institution"] for r in table}
    assert None not in drawn
    assert drawn == {f"school {i}" for i in range(4, 10)} | {"overig"}
    other = {r["period"]: r["value"] for r in table if r["institution"] == "overig"}
    assert other == {"2019": 1.0 + 2.0 + 3.0, "2020": 10.0 + 20.0 + 30.0}
    # Shares cannot be added up: the rest is left to the table, not summed.
    shares = charts.series_chart(rows, "share", "t", "d", colour="institution")
    assert "overig" not in {r["institution"] for r in shares["datasets"]["table"]}


def test_goal_lines_are_labelled_at_their_target() -> None:
    rows = _rows({"twente": {"2019": 1.0, "2020": 2.0}})
    goals = [
        {"goal": "doel: meer techniek", "period": "2019", "value": 1.0},
        {"goal": "doel: meer techniek", "period": "2030", "value": 5.0},
    ]
    spec = charts.series_chart(rows, "count", "t", "d", goal_lines=goals)
    texts = [layer for layer in _layers(spec) if layer["mark"]["type"] == "text"]
    assert any(t["encoding"]["text"]["field"] == "goal" for t in texts)
    labelled = [g for g in spec["datasets"]["goals"] if g["last"]]
    assert [(g["period"], g["value"]) for g in labelled] == [("2030", 5.0)]


def test_one_colour_blind_safe_palette() -> None:
    rows = _rows({"twente": {"2019": 1.0}})
    for spec in (
        charts.series_chart(rows, "count", "t", "d"),
        charts.band_chart(
            [{"series": "basis", "period": "2024", "value": 1, "low": 0, "high": 2}],
            "count",
            "t",
            "d",
        ),
        charts.bar_chart([{"sector": "A", "value": 1.0}], "sector", "t", "d"),
    ):
        assert spec["config"]["range"]["category"][:7] == OKABE_ITO


def test_localise_gives_names_dutch_numbers_and_english_texts() -> None:
    rows = _rows({"twente": {"2019": 0.25}, "PV23": {"2019": 0.3}, "NL01": {"2019": 0.2}})
    description = "Aandeel: twente, PV23 per periode."
    spec = charts.series_chart(rows, "share", "Aandeel techniek", description)
    names = {"twente": "Twente", "PV23": "Overijssel", "NL01": "Nederland"}
    dutch = charts.localise(spec, "nl", names)
    drawn = {r["region"] for r in dutch["datasets"]["table"]}
    assert drawn == {"Twente", "Overijssel", "Nederland"}
    assert dutch["description"] == "Aandeel: Twente, Overijssel per periode."
    assert dutch["config"]["locale"]["number"]["decimal"] == ","
    english = charts.localise(spec, "en", names, {"Aandeel techniek": "Share of techniek"})
    assert english["title"] == "Share of techniek"
    assert english["description"] == "Aandeel: Twente, Overijssel per period."
    assert english["config"]["locale"]["number"]["decimal"] == "."
    tooltips = json.dumps(english["layer"][0]["encoding"]["tooltip"])
    assert '"period"' in tooltips and "periode" not in tooltips
    assert spec["datasets"]["table"][0]["region"] == "twente"  # the original is untouched
