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

import functools
import importlib
import json
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
    """Return a line per ``colour`` value (a region, or a breakdown's label) over the periods;
    shares and growth show as percentages. ``records`` have ``period``, ``colour``, ``value``
    and ``segment``. ``goal_lines`` (records with ``goal``, ``period``, ``value``) are drawn
    dashed in black: from a goal's baseline to its target at the deadline. ``breaks`` are
    drawn as vertical rules (see BREAKS)."""
    rows = [r for r in records if r.get("value") is not None]
    periods = tuple(sorted({str(r["period"]) for r in [*rows, *(goal_lines or [])]}))
    skeleton = _series_skeleton(
        unit, title, description, colour, periods, bool(goal_lines), bool(breaks)
    )
    return _filled(
        skeleton,
        {
            TABLE: rows,
            **({GOALS: goal_lines} if goal_lines else {}),
            **({BREAKS: breaks} if breaks else {}),
        },
    )


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
    x = alt.X("period:O", title=None, sort=list(periods))
    lines = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0%" if percent else ",.0f")),
            color=alt.Color(f"{colour}:N", title=None, scale=alt.Scale(range=list(PALETTE))),
            # Colour and dash share one legend, so lines differ without colour too.
            strokeDash=alt.StrokeDash(f"{colour}:N", title=None),
            detail="segment:N",
            tooltip=[
                alt.Tooltip(f"{colour}:N"),
                alt.Tooltip("period:O"),
                alt.Tooltip("value:Q", format=value_format),
            ],
        )
    )
    layers: list[alt.Chart] = [lines]
    if goals:
        layers.append(
            alt.Chart(alt.NamedData(name=GOALS))
            .mark_line(
                point=alt.OverlayMarkDef(shape="diamond", size=60),
                color="#000000",
                strokeDash=[6, 4],
            )
            .encode(
                x=x,
                y="value:Q",
                detail="goal:N",
                tooltip=[
                    alt.Tooltip("goal:N", title="doel"),
                    alt.Tooltip("period:O"),
                    alt.Tooltip("value:Q", format=value_format),
                ],
            )
        )
    if breaks:
        layers.extend(_break_layers(x, labelled=True))
    chart = alt.layer(*layers, title=title, description=description).properties(
        width="container", height=280
    )
    return _skeleton(chart)


def _break_layers(x: alt.X, *, labelled: bool) -> list[alt.Chart]:
    """Return the layers that draw the BREAKS dataset: a dashed grey rule per break, with
    its label at the top when ``labelled`` (left of the rule, clear of the legend)."""
    tooltip = [
        alt.Tooltip("period:O", title="breuk in"),
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
    base = alt.Chart(alt.NamedData(name=TABLE)).encode(x=alt.X("period:O", title=None))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=None, axis=alt.Axis(format=".0%" if percent else ",.0f")),
        y2="high:Q",
        color=alt.Color(f"{colour}:N", scale=scale, legend=None),
    )
    line = base.mark_line(point=True).encode(
        y="value:Q",
        color=alt.Color(f"{colour}:N", title=None, scale=scale),
        strokeDash=alt.StrokeDash(f"{colour}:N", title=None),
        tooltip=[
            alt.Tooltip(f"{colour}:N"),
            alt.Tooltip("period:O"),
            alt.Tooltip("value:Q", format=value_format, title="mediaan"),
            alt.Tooltip("low:Q", format=value_format, title="80%-marge laag"),
            alt.Tooltip("high:Q", format=value_format, title="80%-marge hoog"),
        ],
    )
    chart = alt.layer(band, line, title=title, description=description).properties(
        width="container", height=260
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
    x = alt.X("period:O", axis=None)
    line = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_line(point=alt.OverlayMarkDef(size=12), color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            detail="segment:N",
            tooltip=[
                alt.Tooltip("period:O"),
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
        GOALS: target_line,
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
    x = alt.X("period:O", title=None, sort=list(periods))
    y_axis = alt.Axis(format=".0%" if percent else ",.0f")
    measured = (
        alt.Chart(alt.NamedData(name=TABLE))
        .mark_line(point=True, color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=y_axis),
            detail="segment:N",
            tooltip=[alt.Tooltip("period:O"), alt.Tooltip("value:Q", format=value_format)],
        )
    )
    target = (
        alt.Chart(alt.NamedData(name=GOALS))
        .mark_line(
            point=alt.OverlayMarkDef(shape="diamond", size=60), color="#000000", strokeDash=[6, 4]
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
        .mark_rule(color=PALETTE[5], strokeWidth=2)
        .encode(x=x, y="low:Q", y2="high:Q")
    )
    point = (
        alt.Chart(alt.NamedData(name="trend"))
        .mark_point(shape="circle", filled=True, size=70, color=PALETTE[5])
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                alt.Tooltip("period:O", title="trend in"),
                alt.Tooltip("value:Q", format=value_format),
                alt.Tooltip("low:Q", format=value_format, title="marge laag"),
                alt.Tooltip("high:Q", format=value_format, title="marge hoog"),
            ],
        )
    )
    layers = [
        measured,
        target,
        interval,
        point,
        *(_break_layers(x, labelled=True) if breaks else []),
    ]
    chart = alt.layer(*layers, title=title, description=description)
    return _skeleton(chart.properties(width="container", height=220))


def _skeleton(chart: alt.TopLevelMixin) -> str:
    # The spec is built from typed parts; validating it against the whole Vega-Lite schema
    # costs more than building it.
    return json.dumps(chart.to_dict(validate=False))


def _filled(skeleton: str, datasets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Return the spec ``skeleton`` with ``datasets`` as its named inline data."""
    spec: dict[str, Any] = json.loads(skeleton)
    spec["datasets"] = datasets
    return spec
