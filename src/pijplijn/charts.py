"""Vega-Lite chart specs for the web pages and the report, built with Altair from the
engine's view models. One spec per chart: the browser renders it with vega-embed, the report
renders the same spec to SVG with vl-convert.

Colours come from the Okabe-Ito palette, readable for colour-blind readers; every chart has a
title and a description, which Vega renders as the SVG's accessible name.

Each chart's *skeleton* (marks, encodings, titles) is built with Altair once per set of
arguments and cached as JSON; the rows go in as named datasets. Building a chart with Altair
costs about 10 ms (it copies and checks every part), too much for a slider that recomputes.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import re
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pijplijn.engine.indicators.breaks import Break
from pijplijn.engine.indicators.compare import segments
from pijplijn.engine.indicators.results import IndicatorValues


class _Lazy:
    """A module imported on first use: a web worker starts without the charting stack
    (Altair takes a second or more to import) and loads it with the first chart."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


if TYPE_CHECKING:
    import altair as alt
else:
    alt = _Lazy("altair")

DOMAIN_COLOURS = {"in": "#0072B2", "out": "#E69F00"}
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe-Ito, in the order lines and categories take them."""
TABLE = "table"
GOALS = "goals"
BREAKS = "breaks"
"""The named dataset of series breaks: records with ``period``, ``label`` (a short word) and
``reason``; drawn as a grey vertical rule with its label. Rows carry a ``segment`` (the
number of breaks before them), and lines are drawn per segment, so no line crosses a break."""
BREAK_COLOUR = "#555555"


_BREAK_WORDS = {
    "classification": "classificatie",
    "definition": "definitie",
    "source": "bron",
    "coverage": "dekking",
}


def series_rows(values: IndicatorValues, **fields: Any) -> list[dict[str, Any]]:
    """Return the rows of a line chart of ``values``: period, value, flag, exact, the
    ``segment`` (breaks before it), ``break`` (the reason of a break starting there) and
    ``coverage`` (what a ``partial`` value covers), with ``fields`` added to every row."""
    rows = []
    for value, segment in zip(values.values, segments(values), strict=True):
        starts = values.break_at(value)
        rows.append(
            {
                **fields,
                "period": value.period,
                "value": value.value,
                "flag": value.flag,
                "exact": value.exact,
                "segment": segment,
                "break": starts.reason if starts else None,
                "coverage": value.coverage_note,
            }
        )
    return rows


def break_marks(series: list[IndicatorValues]) -> list[dict[str, Any]]:
    """Return the BREAKS records of the total series in ``series`` (one per period; the
    reason names the region when several series are drawn)."""
    found: dict[str, dict[str, Any]] = {}
    for values in series:
        for item in values.breaks:
            if item.keys:
                continue
            mark = found.setdefault(
                item.period, {"period": item.period, "kinds": [], "reasons": []}
            )
            mark["kinds"].extend(k for k in item.kinds if k not in mark["kinds"])
            prefix = f"{values.region}: " if len(series) > 1 else ""
            mark["reasons"].append(prefix + item.reason)
    return [_mark(m["period"], m["kinds"], "; ".join(m["reasons"])) for m in found.values()]


def goal_break_marks(breaks: list[Break]) -> list[dict[str, Any]]:
    """Return the BREAKS records of a goal's series (its total)."""
    return [_mark(b.period, b.kinds, b.reason) for b in breaks if not b.keys]


def _mark(period: str, kinds: Sequence[str], reason: str) -> dict[str, Any]:
    words = "/".join(_BREAK_WORDS.get(k, k) for k in kinds)
    return {"period": period, "label": f"breuk: {words}", "reason": reason}


def pipeline_chart(
    stages: list[dict[str, Any]], domain: str, title: str, description: str
) -> dict[str, Any]:
    """Return a stacked bar per stage: the part in ``domain`` and the rest. ``stages`` are
    records with ``stage``, ``label``, ``in_domain`` and ``outside_domain`` (persons)."""
    rows = [
        {
            "stage": s["stage"],
            "label": s["label"],
            "part": part,
            "value": s[key],
            "period": s["period"],
        }
        for s in stages
        if s["total"] is not None
        for part, key in ((domain, "in_domain"), ("overig", "outside_domain"))
    ]
    order = tuple(s["label"] for s in stages)
    return _filled(_pipeline_skeleton(order, domain, title, description), {TABLE: rows})


@functools.lru_cache(maxsize=256)
def _pipeline_skeleton(order: tuple[str, ...], domain: str, title: str, description: str) -> str:
    chart = (
        alt.Chart(alt.NamedData(name=TABLE), title=title, description=description)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=list(order), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title="aantal", stack=True),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(
                    domain=[domain, "overig"], range=[DOMAIN_COLOURS["in"], DOMAIN_COLOURS["out"]]
                ),
            ),
            order=alt.Order("part:N", sort="descending"),
            tooltip=[
                alt.Tooltip("label:N", title="fase"),
                alt.Tooltip("part:N", title="deel"),
                alt.Tooltip("value:Q", title="aantal", format=",.0f"),
                alt.Tooltip("period:N", title="periode"),
            ],
        )
        .properties(width="container", height=280)
    )
    return _skeleton(chart)


def bar_chart(
    records: list[dict[str, Any]],
    category: str,
    title: str,
    description: str,
    axis: str = "aantal",
    colour: str | None = None,
) -> dict[str, Any]:
    """Return horizontal bars of ``value`` per ``category``, largest first; ``axis`` names
    the value axis (its unit); ``colour`` groups bars side by side (e.g. per region)."""
    rows = [r for r in records if r.get("value") is not None]
    height = max(120, (14 if colour else 22) * len(rows))
    skeleton = _bar_skeleton(category, title, description, height, axis, colour)
    return _filled(skeleton, {TABLE: rows})


@functools.lru_cache(maxsize=256)
def _bar_skeleton(
    category: str,
    title: str,
    description: str,
    height: int,
    axis: str = "aantal",
    colour: str | None = None,
) -> str:
    tooltip = [
        alt.Tooltip(f"{category}:N"),
        alt.Tooltip("value:Q", format=",.0f" if axis == "aantal" else ",.1f"),
    ]
    encoding: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None),
        "x": alt.X("value:Q", title=axis),
    }
    if colour:
        encoding |= {
            "yOffset": alt.YOffset(f"{colour}:N"),
            "color": alt.Color(f"{colour}:N", title=None, legend=alt.Legend(orient="top")),
        }
        tooltip.append(alt.Tooltip(f"{colour}:N"))
    base = alt.Chart(alt.NamedData(name=TABLE), title=title, description=description)
    marked = base.mark_bar() if colour else base.mark_bar(color=DOMAIN_COLOURS["in"])
    chart = marked.encode(tooltip=tooltip, **encoding).properties(width="container", height=height)
    return _skeleton(chart)


def series_chart(
    records: list[dict[str, Any]],
    unit: str,
    title: str,
    description: str,
    colour: str = "region",
    goal_lines: list[dict[str, Any]] | None = None,
    breaks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a line per ``colour`` value (a region, or a breakdown's label) over time;
    shares and growth show as percentages. ``records`` have ``period``, ``colour``, ``value``
    and ``segment``. Rows without a ``colour`` value are left out (no "null" series); more than
    TOP_SERIES series become the largest ones plus "overig" (see ``top_series``). Each line
    has its own colour, dash and point shape, and its name at its last point. ``goal_lines``
    (records with ``goal``, ``period``, ``value``) are drawn dashed in black, from a goal's
    baseline to its target at the deadline, labelled at the target. ``breaks`` are drawn as
    vertical rules (see BREAKS)."""
    rows = top_series(
        [r for r in records if r.get("value") is not None and r.get(colour) is not None],
        colour,
        unit,
    )
    rows = _mark_last(rows, colour)
    goals = _mark_last(goal_lines or [], "goal")
    periods = tuple(sorted({str(r["period"]) for r in [*rows, *goals]}))
    skeleton = _series_skeleton(
        unit, title, description, colour, periods, bool(goal_lines), bool(breaks)
    )
    return _filled(
        skeleton,
        {
            TABLE: rows,
            **({GOALS: goals} if goal_lines else {}),
            **({BREAKS: breaks} if breaks else {}),
        },
    )


def top_series(rows: list[dict[str, Any]], colour: str, unit: str) -> list[dict[str, Any]]:
    """Return ``rows`` with at most TOP_SERIES series: the largest at their latest period,
    and for counts the others summed per period as "overig" (inexact when a part is). Shares
    cannot be summed: beyond the largest they are left to the table."""
    names = list(dict.fromkeys(str(r[colour]) for r in rows))
    if len(names) <= TOP_SERIES:
        return rows
    latest: dict[str, tuple[str, float]] = {}
    for row in rows:
        name, key = str(row[colour]), _period_key(row["period"])
        if name not in latest or key >= latest[name][0]:
            latest[name] = (key, float(row["value"]))
    ranked = sorted(names, key=lambda n: (latest[n][0], latest[n][1]), reverse=True)
    kept = set(ranked[:TOP_SERIES])
    out = [r for r in rows if str(r[colour]) in kept]
    if unit not in ("count", "thousand"):
        return out
    other: dict[str, dict[str, Any]] = {}
    for row in rows:
        if str(row[colour]) in kept:
            continue
        summed = other.setdefault(
            str(row["period"]),
            {
                **{k: v for k, v in row.items() if k not in ("value", "flag", "break")},
                colour: OTHER,
                "value": 0.0,
                "exact": True,
                "flag": None,
                "break": None,
            },
        )
        summed["value"] += float(row["value"])
        summed["exact"] = bool(summed["exact"] and row.get("exact", True))
    return out + sorted(other.values(), key=lambda r: _period_key(r["period"]))


def _period_key(period: Any) -> str:
    from pijplijn.periods import Period, PeriodError

    try:
        return Period.parse(str(period)).start.isoformat()
    except PeriodError:
        return str(period)


def _mark_last(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Mark each series' last point (``last``), where its name is written."""
    last: dict[Any, int] = {}
    for index, row in enumerate(rows):
        current = last.get(row.get(key))
        if current is None or _period_key(row["period"]) >= _period_key(rows[current]["period"]):
            last[row.get(key)] = index
    ends = set(last.values())
    return [{**r, "last": i in ends} for i, r in enumerate(rows)]


@functools.lru_cache(maxsize=256)
def _series_skeleton(
    unit: str,
    title: str,
    description: str,
    colour: str,
    periods: tuple[str, ...],
    goals: bool,
    breaks: bool = False,
) -> str:
    percent = unit in ("share", "growth")
    value_format = ".1%" if percent else ",.1f"
    x = _time_x()
    legend = alt.Legend(orient="bottom", direction="horizontal", symbolType="stroke")
    base = alt.Chart(alt.NamedData(name=TABLE))
    lines = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=45), strokeWidth=2).encode(
        x=x,
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0%" if percent else ",.0f")),
        color=alt.Color(f"{colour}:N", title=None, legend=legend),
        # Colour, dash and point shape tell the lines apart, and one legend lists all three.
        strokeDash=alt.StrokeDash(f"{colour}:N", title=None, legend=legend),
        # The point shape needs no legend of its own: the line's name stands at its end.
        shape=alt.Shape(f"{colour}:N", title=None, legend=None),
        detail="segment:N",
        tooltip=[
            alt.Tooltip(f"{colour}:N", title=" "),
            alt.Tooltip("period:N", title="periode"),
            alt.Tooltip("value:Q", format=value_format, title="waarde"),
        ],
    )
    # The name at the end of each line, so no reader has to match colours to a legend.
    names = (
        base.transform_filter("datum.last")
        .mark_text(align="left", dx=6, fontSize=LABEL_SIZE, fontWeight="bold")
        .encode(
            x=x,
            y="value:Q",
            text=f"{colour}:N",
            color=alt.Color(f"{colour}:N", legend=None),
        )
    )
    layers: list[alt.Chart] = [lines, names]
    if goals:
        goal_base = alt.Chart(alt.NamedData(name=GOALS))
        layers.append(
            goal_base.mark_line(
                point=alt.OverlayMarkDef(shape="diamond", size=60),
                color="#000000",
                strokeDash=[6, 4],
            ).encode(
                x=x,
                y="value:Q",
                detail="goal:N",
                tooltip=[
                    alt.Tooltip("goal:N", title="doel"),
                    alt.Tooltip("period:N", title="periode"),
                    alt.Tooltip("value:Q", format=value_format, title="waarde"),
                ],
            )
        )
        layers.append(
            goal_base.transform_filter("datum.last")
            .mark_text(align="right", baseline="bottom", dy=-8, fontSize=LABEL_SIZE)
            .encode(x=x, y="value:Q", text="goal:N")
        )
    if breaks:
        layers.extend(_break_layers(x, labelled=True))
    chart = (
        alt.layer(*layers, title=title, description=description)
        .properties(width="container", height=280, padding={"right": 90})
        .resolve_scale(color="shared")
    )
    return _skeleton(chart)


def _break_layers(x: alt.X, *, labelled: bool) -> list[alt.Chart]:
    """Return the layers that draw the BREAKS dataset: a dashed grey rule per break, with
    its label at the top when ``labelled`` (left of the rule, clear of the legend)."""
    tooltip = [
        alt.Tooltip("period:N", title="breuk in"),
        alt.Tooltip("reason:N", title="reden"),
    ]
    rule = (
        alt.Chart(alt.NamedData(name=BREAKS))
        .mark_rule(color=BREAK_COLOUR, strokeDash=[2, 2], strokeWidth=1.5)
        .encode(x=x, tooltip=tooltip)
    )
    if not labelled:
        return [rule]
    text = (
        alt.Chart(alt.NamedData(name=BREAKS))
        .mark_text(align="right", baseline="top", dx=-4, dy=2, fontSize=11, color=BREAK_COLOUR)
        .encode(x=x, y=alt.value(0), text="label:N", tooltip=tooltip)
    )
    return [rule, text]


def choropleth_chart(
    shapes: dict[str, Any],
    values: list[dict[str, Any]],
    unit: str,
    title: str,
    description: str,
) -> dict[str, Any]:
    """Return a map of ``values`` (records with ``code``, ``name``, ``value``) over the
    gemeente ``shapes`` (a GeoJSON FeatureCollection with property ``code``). A gemeente
    without a value is grey, labelled "geen cijfer": never coloured as zero."""
    by_code = {v["code"]: v for v in values}
    features = [
        {
            **feature,
            "properties": {
                **feature["properties"],
                "value": by_code.get(feature["properties"]["code"], {}).get("value"),
            },
        }
        for feature in shapes["features"]
    ]
    return _filled(_choropleth_skeleton(unit, title, description), {TABLE: features})


@functools.lru_cache(maxsize=256)
def _choropleth_skeleton(unit: str, title: str, description: str) -> str:
    percent = unit in ("share", "growth")
    # Each datum is a GeoJSON feature, which the geoshape mark draws as it is.
    base = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_geoshape(fill="#d9d9d9", stroke="white", strokeWidth=1)
        .encode(
            tooltip=[
                alt.Tooltip("properties.name:N", title="gemeente"),
                alt.Tooltip("properties.code:N", title="code"),
            ]
        )
    )
    coloured = (
        alt.Chart(alt.NamedData(name=TABLE))
        .transform_filter("isValid(datum.properties.value)")
        .mark_geoshape(stroke="white", strokeWidth=1)
        .encode(
            color=alt.Color(
                "properties.value:Q",
                title=None,
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=".0%" if percent else ",.0f"),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title="gemeente"),
                alt.Tooltip(
                    "properties.value:Q", title="waarde", format=".1%" if percent else ",.0f"
                ),
            ],
        )
    )
    chart = (
        alt.layer(base, coloured, title=title, description=description)
        .project(type="mercator")
        .properties(width="container", height=360)
    )
    return _skeleton(chart)


def band_chart(
    points: list[dict[str, Any]],
    unit: str,
    title: str,
    description: str,
    colour: str = "series",
) -> dict[str, Any]:
    """Return a line per ``colour`` value with its 80% interval as a band: ``points`` have
    ``period``, ``value``, ``low``, ``high`` and ``colour``. Shares show as percentages."""
    return _filled(_band_skeleton(unit, title, description, colour), {TABLE: points})


@functools.lru_cache(maxsize=256)
def _band_skeleton(unit: str, title: str, description: str, colour: str) -> str:
    percent = unit in ("share", "growth")
    value_format = ".1%" if percent else ",.0f"
    scale = alt.Scale(range=list(PALETTE))
    base = alt.Chart(alt.NamedData(name=TABLE)).encode(x=_time_x())
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=None, axis=alt.Axis(format=".0%" if percent else ",.0f")),
        y2="high:Q",
        color=alt.Color(f"{colour}:N", scale=scale, legend=None),
    )
    legend = alt.Legend(orient="bottom", direction="horizontal", symbolType="stroke")
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=45), strokeWidth=2).encode(
        y="value:Q",
        color=alt.Color(f"{colour}:N", title=None, scale=scale, legend=legend),
        strokeDash=alt.StrokeDash(f"{colour}:N", title=None, legend=legend),
        # The point shape needs no legend of its own: the line's name stands at its end.
        shape=alt.Shape(f"{colour}:N", title=None, legend=None),
        tooltip=[
            alt.Tooltip(f"{colour}:N"),
            alt.Tooltip("period:N"),
            alt.Tooltip("value:Q", format=value_format, title="mediaan"),
            alt.Tooltip("low:Q", format=value_format, title="80%-marge laag"),
            alt.Tooltip("high:Q", format=value_format, title="80%-marge hoog"),
        ],
    )
    chart = alt.layer(band, line, title=title, description=description).properties(
        width="container", height=260
    )
    return _skeleton(chart)


def difference_chart(
    points: list[dict[str, Any]],
    unit: str,
    title: str,
    description: str,
    colour: str | None = None,
) -> dict[str, Any]:
    """Return a scenario's effect: the median of the per-draw differences (scenario minus
    baseline, on the same draws) as a line, its 80% interval as a band, and the zero line
    (no effect) in black. ``points`` have ``period``, ``value``, ``low`` and ``high`` (and
    ``colour`` when several series are drawn: a line, dash and band each). For shares the
    difference is in percentage points, written as a signed percentage."""
    rows = _mark_last(points, colour) if colour else points
    return _filled(_difference_skeleton(unit, title, description, colour), {TABLE: rows})


@functools.lru_cache(maxsize=64)
def _difference_skeleton(unit: str, title: str, description: str, colour: str | None) -> str:
    percent = unit in ("share", "growth")
    value_format = "+.1%" if percent else "+,.0f"
    axis = alt.Axis(format="+.0%" if percent else "+,.0f")
    base = alt.Chart(alt.NamedData(name=TABLE)).encode(x=_time_x())
    # Several series: told apart by colour and dash, each named at its last point.
    by: dict[str, Any] = (
        {
            "color": alt.Color(f"{colour}:N", title=None, legend=None),
            "strokeDash": alt.StrokeDash(f"{colour}:N", title=None, legend=None),
        }
        if colour
        else {}
    )
    fixed: dict[str, Any] = {} if colour else {"color": PALETTE[5]}
    band = base.mark_area(opacity=0.25, **fixed).encode(
        y=alt.Y("low:Q", title=None, axis=axis),
        y2="high:Q",
        **({"color": alt.Color(f"{colour}:N", legend=None)} if colour else {}),
    )
    line = base.mark_line(
        point=alt.OverlayMarkDef(filled=True, size=45, **fixed), strokeWidth=2, **fixed
    ).encode(
        y="value:Q",
        **by,
        tooltip=[
            *([alt.Tooltip(f"{colour}:N", title=" ")] if colour else []),
            alt.Tooltip("period:N", title="periode"),
            alt.Tooltip("value:Q", format=value_format, title="verschil"),
            alt.Tooltip("low:Q", format=value_format, title="80%-marge laag"),
            alt.Tooltip("high:Q", format=value_format, title="80%-marge hoog"),
        ],
    )
    # No effect: the zero line, drawn for the eye (the table gives the figures).
    zero = (
        alt.Chart(alt.NamedData(name=TABLE))
        .transform_aggregate(count="count()")
        .transform_calculate(zero="0")
        .mark_rule(color="#000000", strokeWidth=1, aria=False)
        .encode(y="zero:Q")
    )
    layers = [zero, band, line]
    if colour:
        layers.append(
            base.transform_filter("datum.last")
            .mark_text(align="left", dx=6, fontSize=LABEL_SIZE, fontWeight="bold")
            .encode(y="value:Q", text=f"{colour}:N", color=alt.Color(f"{colour}:N", legend=None))
        )
    chart = alt.layer(*layers, title=title, description=description).properties(
        width="container", height=220, **({"padding": {"right": 80}} if colour else {})
    )
    return _skeleton(chart)


def sparkline(
    records: list[dict[str, Any]],
    unit: str,
    description: str,
    breaks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a small line of ``value`` over ``period`` without axes, for a key figure; the
    ``description`` names what it shows (the figure itself stands beside it). The line is
    broken at every break (rows carry their ``segment``), which a grey rule marks."""
    rows = [r for r in records if r.get("value") is not None]
    data = {TABLE: rows, **({BREAKS: breaks} if breaks else {})}
    return _filled(_sparkline_skeleton(unit, description, bool(breaks)), data)


@functools.lru_cache(maxsize=256)
def _sparkline_skeleton(unit: str, description: str, breaks: bool = False) -> str:
    percent = unit in ("share", "growth")
    x = _time_x(axis=False)
    line = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_line(point=alt.OverlayMarkDef(size=12), color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            detail="segment:N",
            tooltip=[
                alt.Tooltip("period:N"),
                alt.Tooltip("value:Q", format=".1%" if percent else ",.0f"),
            ],
        )
    )
    layers = [line, *(_break_layers(x, labelled=False) if breaks else [])]
    chart = (
        alt.layer(*layers, description=description)
        .properties(width=160, height=40)
        .configure_view(stroke=None)
    )
    return _skeleton(chart)


def goal_chart(
    measurements: list[dict[str, Any]],
    target_line: list[dict[str, Any]],
    trend: dict[str, Any] | None,
    unit: str,
    title: str,
    description: str,
    breaks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a goal's measurements (``period``, ``value``, ``segment``) as a line broken at
    every series break (``breaks``, drawn as rules), its target line (``goal``, ``period``,
    ``value``) dashed in black, and the trend at the deadline (``period``, ``value``, ``low``,
    ``high``) as a point with its interval."""
    rows = [r for r in measurements if r.get("value") is not None]
    trends = [trend] if trend and trend.get("value") is not None else []
    periods = tuple(sorted({str(r["period"]) for r in [*rows, *target_line, *trends]}))
    skeleton = _goal_skeleton(unit, title, description, periods, bool(breaks))
    data = {
        TABLE: rows,
        GOALS: _mark_last(target_line, "goal"),
        "trend": trends,
        **({BREAKS: breaks} if breaks else {}),
    }
    return _filled(skeleton, data)


@functools.lru_cache(maxsize=256)
def _goal_skeleton(
    unit: str, title: str, description: str, periods: tuple[str, ...], breaks: bool = False
) -> str:
    percent = unit in ("share", "growth")
    value_format = ".1%" if percent else ",.0f"
    x = _time_x()
    y_axis = alt.Axis(format=".0%" if percent else ",.0f")
    measured = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_line(point=True, color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=y_axis),
            detail="segment:N",
            tooltip=[alt.Tooltip("period:N"), alt.Tooltip("value:Q", format=value_format)],
        )
    )
    target = (
        alt.Chart(alt.NamedData(name=GOALS))
        # Out of the accessibility tree: the "doel" label and the goal's table say it.
        .mark_line(
            point=alt.OverlayMarkDef(shape="diamond", size=60, aria=False),
            color="#000000",
            strokeDash=[6, 4],
            aria=False,
        )
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                alt.Tooltip("goal:N", title="doel"),
                alt.Tooltip("value:Q", format=value_format),
            ],
        )
    )
    interval = (
        alt.Chart(alt.NamedData(name="trend"))
        # The interval's point carries its figures (and the accessible text); the rule
        # itself is drawn for the eye only.
        .mark_rule(color=PALETTE[5], strokeWidth=2, aria=False)
        .encode(x=x, y="low:Q", y2="high:Q")
    )
    point = (
        alt.Chart(alt.NamedData(name="trend"))
        # Decorative for a screen reader: the goal's table beside the chart gives the trend
        # and its interval in words.
        .mark_point(shape="circle", filled=True, size=70, color=PALETTE[5], aria=False)
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                alt.Tooltip("period:N", title="trend in"),
                alt.Tooltip("value:Q", format=value_format),
                alt.Tooltip("low:Q", format=value_format, title="marge laag"),
                alt.Tooltip("high:Q", format=value_format, title="marge hoog"),
            ],
        )
    )
    # The target is labelled where it is due, so the dashed line needs no legend.
    target_label = (
        alt.Chart(alt.NamedData(name=GOALS))
        .transform_filter("datum.last")
        .mark_text(align="right", baseline="bottom", dx=-6, dy=-6, fontSize=LABEL_SIZE)
        .encode(x=x, y="value:Q", text=alt.value("doel"))
    )
    layers = [
        measured,
        target,
        target_label,
        interval,
        point,
        *(_break_layers(x, labelled=True) if breaks else []),
    ]
    chart = alt.layer(*layers, title=title, description=description)
    return _skeleton(chart.properties(width="container", height=220))


TOP_SERIES = 6
"""A breakdown chart draws at most this many series; the rest go together as "overig"."""
OTHER = "overig"

LABEL_SIZE = 11
"""The smallest text on a chart, in px (issue 16.6: horizontal labels of at least 11 px)."""

CONFIG: dict[str, Any] = {
    "axis": {"labelFontSize": LABEL_SIZE, "titleFontSize": 12, "labelAngle": 0},
    "legend": {"labelFontSize": LABEL_SIZE, "titleFontSize": 12, "symbolStrokeWidth": 2},
    "title": {"fontSize": 14, "anchor": "start"},
    "range": {"category": list(PALETTE)},
    "text": {"fontSize": LABEL_SIZE},
}
"""One look for every chart: Okabe-Ito as the categorical range, legible text."""

LOCALES: dict[str, dict[str, Any]] = {
    "nl": {
        "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]},
        "time": {
            "dateTime": "%a %e %B %Y %X",
            "date": "%d-%m-%Y",
            "time": "%H:%M:%S",
            "periods": ["", ""],
            "days": [
                "zondag",
                "maandag",
                "dinsdag",
                "woensdag",
                "donderdag",
                "vrijdag",
                "zaterdag",
            ],
            "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
            "months": [
                "januari",
                "februari",
                "maart",
                "april",
                "mei",
                "juni",
                "juli",
                "augustus",
                "september",
                "oktober",
                "november",
                "december",
            ],
            "shortMonths": [
                "jan",
                "feb",
                "mrt",
                "apr",
                "mei",
                "jun",
                "jul",
                "aug",
                "sep",
                "okt",
                "nov",
                "dec",
            ],
        },
    },
    "en": {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
    },
}
"""Vega's number and time locale per page language: "31,9" and "1.234" in Dutch."""


def _time_x(*, axis: bool = True) -> alt.X:
    """Time on a temporal axis: a period sits at its start date (school year 2019-2020 at
    August 2019, a quarter at its first day), so a gap in the years shows as a gap."""
    return alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%Y", labelAngle=0, labelFontSize=LABEL_SIZE, tickCount="year")
        if axis
        else None,
    )


def _dated(rows: list[Any]) -> list[Any]:
    """Add each record's ``date`` (its period's start, ISO) for the temporal axis."""
    from pijplijn.periods import Period, PeriodError

    out = []
    for row in rows:
        if isinstance(row, dict) and row.get("period") is not None and "date" not in row:
            with contextlib.suppress(PeriodError):  # a period that is no date stays off the axis
                row = {**row, "date": Period.parse(str(row["period"])).start.isoformat()}
        out.append(row)
    return out


def _skeleton(chart: alt.TopLevelMixin) -> str:
    # The spec is built from typed parts; validating it against the whole Vega-Lite schema
    # costs more than building it.
    return json.dumps(chart.to_dict(validate=False))


def _filled(skeleton: str, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Return the spec ``skeleton`` with ``datasets`` as its named inline data."""
    spec: dict[str, Any] = json.loads(skeleton)
    spec["datasets"] = {name: _dated(rows) for name, rows in datasets.items()}
    config = spec.setdefault("config", {})
    for key, value in CONFIG.items():
        config[key] = {**value, **config.get(key, {})} if isinstance(value, dict) else value
    return spec


EN_WORDS: tuple[tuple[str, str], ...] = (
    (", met de doellijn (zwart gestippeld)", ", with the goal line (black, dashed)"),
    (", en een grijze lijn bij elke breuk in de reeks.", ", and a grey line at every break."),
    (" per periode", " per period"),
    (", uitgesplitst naar ", ", broken down by "),
    (", naar ", ", by "),
    ("mediaan en 80%-marge, basis en scenario", "median and 80% interval, baseline and scenario"),
    ("Projectie: ", "Projection: "),
    ("Effect van het scenario: ", "Effect of the scenario: "),
    (
        ": mediaan en 80%-marge van het verschil per trekking (scenario min basis, op dezelfde "
        "trekkingen).",
        ": median and 80% interval of the difference per draw (scenario minus baseline, on the "
        "same draws).",
    ),
    ("Dekking van de vervangingsvraag", "Coverage of replacement demand"),
    (
        "Instromers op de arbeidsmarkt gedeeld door vervangings- en uitbreidingsvraag",
        "Entrants to the labour market divided by replacement and expansion demand",
    ),
    ("per mbo-niveau", "per mbo level"),
    ("basis en scenario", "baseline and scenario"),
    ("Banen van werknemers in december per jaar", "Jobs of employees in December per year"),
    ("Banen van werknemers in december", "Jobs of employees in December"),
    (
        "Openstaande vacatures eind vierde kwartaal per 1.000 banen, per SBI-sector",
        "Open vacancies at the end of the fourth quarter per 1,000 jobs, per SBI sector",
    ),
    ("Vacaturegraad per sector", "Vacancy rate per sector"),
    ("per 1.000 banen", "per 1,000 jobs"),
    ("Kaart van de ", "Map of the "),
    (" gemeenten van ", " municipalities of "),
    ("grijs is geen eigen cijfer", "grey: no figure of its own"),
    (" per gemeente", " per municipality"),
    ("breuk: ", "break: "),
    ("classificatie", "classification"),
    ("definitie", "definition"),
    ("dekking", "coverage"),
    ("doel: ", "goal: "),
)
"""Dutch chart phrases and their English, replaced in that order (longest first where one
holds another); titles of indicators and goals come from the pack (``names``)."""

EN_LABELS = {
    "aantal": "count",
    "fase": "stage",
    "deel": "part",
    "periode": "period",
    "waarde": "value",
    "doel": "goal",
    "gemeente": "municipality",
    "reden": "reason",
    "breuk in": "break in",
    "mediaan": "median",
    "verschil": "difference",
    "80%-marge laag": "80% interval low",
    "80%-marge hoog": "80% interval high",
    "marge laag": "interval low",
    "marge hoog": "interval high",
    "trend in": "trend in",
    OTHER: "other",
    "basis": "baseline",
    "scenario": "scenario",
    "bron": "source",
    "geen cijfer": "no figure",
}
"""Whole chart labels (axis and tooltip titles, legend values) in English."""

_LABELLED = ("color", "strokeDash", "shape", "text", "y", "x")


def localise(
    spec: dict[str, Any],
    lang: str,
    names: dict[str, str] | None = None,
    english: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return ``spec`` for a page in ``lang``: numbers and dates in its locale, codes in the
    drawn labels (legend, direct labels) replaced by ``names`` (e.g. PV23 → Overijssel), and
    for English the chart's texts translated: ``english`` maps the pack's Dutch titles to
    theirs, EN_WORDS and EN_LABELS the chart's own words."""
    out: dict[str, Any] = json.loads(json.dumps(spec))
    out.setdefault("config", {})["locale"] = LOCALES.get(lang, LOCALES["nl"])
    names = names or {}
    fields = set(_fields(out))

    def label(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = names.get(value, value)
        return EN_LABELS.get(value, value) if lang == "en" else value

    for name, rows in out.get("datasets", {}).items():
        for row in rows:
            if isinstance(row, dict):
                for field in fields & row.keys():
                    row[field] = label(row[field])
                if name == BREAKS and lang == "en" and isinstance(row.get("label"), str):
                    row["label"] = _english(row["label"], english or {})
    _rename_domains(out, label)
    _rename_texts(out, _code_pattern(tuple(sorted(names.items()))), names)
    if lang == "en":
        _translate(out, english or {})
    return out


@functools.lru_cache(maxsize=8)
def _code_pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    codes = sorted((c for c, n in names if c and c != n), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(c) for c in codes) + r")\b") if codes else None


def _rename_texts(spec: Any, pattern: re.Pattern[str] | None, names: dict[str, str]) -> None:
    """Write names for the codes in a chart's title and description ("PV23" → "Overijssel")."""
    if pattern is None:
        return
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key in ("title", "description") and isinstance(value, str):
                spec[key] = pattern.sub(lambda m: names[m.group(1)], value)
            else:
                _rename_texts(value, pattern, names)
    elif isinstance(spec, list):
        for item in spec:
            _rename_texts(item, pattern, names)


def _rename_domains(spec: Any, label: Any) -> None:
    """Rename the values a scale lists (a fixed colour domain) as the data are renamed."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key == "scale" and isinstance(value, dict) and isinstance(value.get("domain"), list):
                value["domain"] = [label(v) for v in value["domain"]]
            _rename_domains(value, label)
    elif isinstance(spec, list):
        for item in spec:
            _rename_domains(item, label)


def _fields(spec: Any) -> list[str]:
    """The data fields drawn as legend entries or text (not the numbers on an axis)."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            nominal = isinstance(value, dict) and value.get("type") == "nominal"
            if key in _LABELLED and nominal and isinstance(value.get("field"), str):
                found.append(value["field"])
            found += _fields(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _fields(item)
    return found


def _english(text: str, english: dict[str, str]) -> str:
    if text in EN_LABELS:
        return EN_LABELS[text]
    for dutch in sorted(english, key=len, reverse=True):
        if dutch and dutch in text:
            text = text.replace(dutch, english[dutch])
    for dutch, words in EN_WORDS:
        text = text.replace(dutch, words)
    return text


def _translate(spec: Any, english: dict[str, str]) -> None:
    """Translate the texts of ``spec`` in place (titles, descriptions, constant texts)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key in ("title", "description") and isinstance(value, str):
                spec[key] = _english(value, english)
            elif key == "text" and isinstance(value, dict) and isinstance(value.get("value"), str):
                value["value"] = _english(value["value"], english)
            else:
                _translate(value, english)
    elif isinstance(spec, list):
        for item in spec:
            _translate(item, english)


STATIC_WIDTH = 800
"""Pixels: the width of a chart rendered on the server (SVG and PNG downloads), where no
container gives one."""
IMAGE_FORMATS = ("svg", "png")


def static_spec(spec: dict[str, Any], width: int = STATIC_WIDTH) -> dict[str, Any]:
    """Return ``spec`` sized for a server-side rendering: a Vega-Lite ``container`` width (or
    a Vega spec's width signal that reads the container) becomes ``width`` pixels."""
    out: dict[str, Any] = json.loads(json.dumps(spec))
    if is_vega(out):
        out["signals"] = [
            {"name": "width", "value": width} if s.get("name") == "width" else s
            for s in out.get("signals", [])
        ]
        out["width"] = width
    elif out.get("width") in (None, "container"):
        out["width"] = width
    return out


def is_vega(spec: dict[str, Any]) -> bool:
    """True for a Vega spec (the pipeline flow), False for Vega-Lite (every other chart)."""
    return "/schema/vega/" in str(spec.get("$schema", ""))


def to_image(spec: dict[str, Any], fmt: str, lang: str = "nl") -> bytes:
    """Render a localised chart ``spec`` (``localise``) as SVG or PNG with vl-convert, the
    same renderer the report uses; numbers and dates follow ``lang``. Slow (tens to hundreds
    of milliseconds) and blocking: the web runs it in a worker thread."""
    import vl_convert as vlc

    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"onbekend beeldformaat '{fmt}'; kies svg of png")
    sized = static_spec(spec)
    locale = LOCALES.get(lang, LOCALES["nl"])
    options: dict[str, Any] = {"format_locale": locale["number"]}
    if "time" in locale:
        options["time_format_locale"] = locale["time"]
    if is_vega(sized):
        if fmt == "svg":
            return str(vlc.vega_to_svg(sized, **options)).encode()
        return bytes(vlc.vega_to_png(sized, scale=2, **options))
    version = _vl_version()
    if fmt == "svg":
        return str(vlc.vegalite_to_svg(sized, vl_version=version, **options)).encode()
    return bytes(vlc.vegalite_to_png(sized, vl_version=version, scale=2, **options))


@functools.cache
def _vl_version() -> str:
    """The Vega-Lite version Altair writes (``v5.20``), which vl-convert then compiles with."""
    return "v" + ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def titled(spec: dict[str, Any], title: str) -> dict[str, Any]:
    """Return ``spec`` with ``title`` drawn at its top when it has none of its own (the
    pipeline flow's title stands in its page's heading, but an image has to carry it)."""
    if spec.get("title") or not title:
        return spec
    out = dict(spec)
    out["title"] = {"text": title, "anchor": "start", "fontSize": 14, "offset": 12}
    if is_vega(out):
        padding = dict(out.get("padding") or {})
        padding["top"] = int(padding.get("top", 0)) + 30
        out["padding"] = padding
    return out
