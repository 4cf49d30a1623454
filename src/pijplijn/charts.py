"""Vega-Lite chart specs for the web pages and the report, built with Altair from the
engine's view models. One spec per chart: the browser renders it with vega-embed, the report
renders the same spec to SVG with vl-convert.

Colours come from the Okabe-Ito palette, readable for colour-blind readers; every chart has a
title and a description, which Vega renders as the SVG's accessible name.
"""

from __future__ import annotations

from typing import Any

import altair as alt

DOMAIN_COLOURS = {"in": "#0072B2", "out": "#E69F00"}


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
    order = [s["label"] for s in stages]
    chart = (
        alt.Chart(alt.InlineData(values=rows), title=title, description=description)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
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
    # The spec is built from typed parts above; validating it against the whole Vega-Lite
    # schema on every request costs more than building it.
    return dict(chart.to_dict(validate=False))


def bar_chart(
    records: list[dict[str, Any]], category: str, title: str, description: str
) -> dict[str, Any]:
    """Return horizontal bars of ``value`` per ``category``, largest first."""
    rows = [r for r in records if r.get("value") is not None]
    chart = (
        alt.Chart(alt.InlineData(values=rows), title=title, description=description)
        .mark_bar(color=DOMAIN_COLOURS["in"])
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X("value:Q", title="aantal"),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("value:Q", format=",.0f")],
        )
        .properties(width="container", height=max(120, 22 * len(rows)))
    )
    # The spec is built from typed parts above; validating it against the whole Vega-Lite
    # schema on every request costs more than building it.
    return dict(chart.to_dict(validate=False))


def series_chart(
    records: list[dict[str, Any]], unit: str, title: str, description: str
) -> dict[str, Any]:
    """Return a line per region over the periods; shares and growth show as percentages.
    ``records`` have ``period``, ``region`` and ``value``."""
    rows = [r for r in records if r.get("value") is not None]
    percent = unit in ("share", "growth")
    y_format = ".0%" if percent else ",.0f"
    chart = (
        alt.Chart(alt.InlineData(values=rows), title=title, description=description)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=None),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=y_format)),
            color=alt.Color(
                "region:N",
                title=None,
                scale=alt.Scale(range=["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]),
            ),
            strokeDash=alt.StrokeDash("region:N", legend=None),
            tooltip=[
                alt.Tooltip("region:N"),
                alt.Tooltip("period:O"),
                alt.Tooltip("value:Q", format=".1%" if percent else ",.1f"),
            ],
        )
        .properties(width="container", height=280)
    )
    return dict(chart.to_dict(validate=False))


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
    data = alt.InlineData(
        values={"type": "FeatureCollection", "features": features},
        format={"type": "json", "property": "features"},
    )
    percent = unit in ("share", "growth")
    base = (
        alt.Chart(data)
        .mark_geoshape(fill="#d9d9d9", stroke="white", strokeWidth=1)
        .encode(
            tooltip=[
                alt.Tooltip("properties.name:N", title="gemeente"),
                alt.Tooltip("properties.code:N", title="code"),
            ]
        )
    )
    coloured = (
        alt.Chart(data)
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
    return dict(chart.to_dict(validate=False))
