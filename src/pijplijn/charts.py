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
    records with ``stage``, ``label``, ``in_domain`` and ``rest`` (persons)."""
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
        for part, key in ((domain, "in_domain"), ("overig", "rest"))
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
