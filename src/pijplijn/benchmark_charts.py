"""The benchmark's dot plot, shared by the web pages and the report (one spec per figure):
every arbeidsmarktregio with a value as a dot on one row per region, best first; the region
itself in blue and labelled, its comparable regions in orange, the comparable regions' mean as
an orange dashed line. Regions without a value are not drawn (there is nothing to place); the
table and the note below the chart name them."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal

from pijplijn import charts

if TYPE_CHECKING:
    from pijplijn.engine.benchmark import Benchmark

ROLES = ("deze regio", "vergelijkbare regio", "andere regio")
ROLE_COLOURS = (charts.PALETTE[0], charts.PALETTE[1], "#9a9a9a")
_SIDES: tuple[tuple[str, Literal["left", "right"], int], ...] = (
    ("!datum.right", "left", 10),
    ("datum.right", "right", -10),
)
MEAN = "gemiddelde vergelijkbare regio's"
ROW_HEIGHT = 17


def benchmark_rows(b: Benchmark) -> list[dict[str, Any]]:
    """Return one row per region with a value: name, value, rank, role and label (the
    region's name and value, for the region only)."""
    from pijplijn.numbers import format_number

    known = [r.value for r in b.regions if r.value is not None]
    # The label (the value, about 40 px) goes left of the dot only in the highest 40%.
    middle = min(known) + 0.6 * (max(known) - min(known)) if known else 0.0
    rows = []
    for r in b.regions:
        if r.value is None:
            continue
        role = ROLES[0] if r.highlighted else ROLES[1] if r.comparable else ROLES[2]
        rows.append(
            {
                "name": r.name,
                "value": r.value,
                "rank": r.rank,
                "role": role,
                "flag": r.flag,
                "label": format_number(r.value, b.unit) if r.highlighted else "",
                "right": r.value > middle,
            }
        )
    return sorted(rows, key=lambda row: (row["rank"] or 0, row["role"] != ROLES[0], row["name"]))


def benchmark_chart(b: Benchmark) -> dict[str, Any] | None:
    """Return the dot plot of ``b``, or None when no region has a value."""
    rows = benchmark_rows(b)
    if not rows:
        return None
    means = [{"value": b.comparable_mean, "label": MEAN}] if b.comparable_mean is not None else []
    title = f"{b.region_name} tussen de arbeidsmarktregio's, {b.period}"
    description = (
        f"{b.title}: stippen per arbeidsmarktregio ({len(rows)} met een cijfer, van de {b.total}), "
        f"gerangschikt van plaats 1 naar beneden; {b.region_name} in blauw, "
        f"de {len(b.comparable)} vergelijkbare regio's in oranje"
        + (", hun gemiddelde als oranje stippellijn." if means else ".")
    )
    skeleton = _skeleton(b.unit, title, description, len(rows) * ROW_HEIGHT + 40, bool(means))
    return charts._filled(skeleton, {charts.TABLE: rows, "mean": means})


@functools.lru_cache(maxsize=128)
def _skeleton(unit: str, title: str, description: str, height: int, mean: bool) -> str:
    import altair as alt

    percent = unit in ("share", "growth")
    axis_format = ".0%" if percent else ",.0f"
    x = alt.X(
        "value:Q",
        title="waarde",
        scale=alt.Scale(zero=False, nice=True),
        axis=alt.Axis(format=axis_format, labelFontSize=charts.LABEL_SIZE, grid=True),
    )
    y = alt.Y(
        "name:N",
        title=None,
        sort=alt.EncodingSortField(field="rank", order="ascending"),
        axis=alt.Axis(labelFontSize=charts.LABEL_SIZE, labelLimit=180),
    )
    tooltip = [
        alt.Tooltip("name:N", title="regio"),
        alt.Tooltip("value:Q", title="waarde", format=".1%" if percent else ",.0f"),
        alt.Tooltip("rank:Q", title="plaats"),
        alt.Tooltip("role:N", title="rol"),
    ]
    base = alt.Chart(alt.NamedData(name=charts.TABLE))
    dots = base.mark_point(filled=True, opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color(
            "role:N",
            title=None,
            scale=alt.Scale(domain=list(ROLES), range=list(ROLE_COLOURS)),
            legend=alt.Legend(orient="top", direction="vertical", labelFontSize=charts.LABEL_SIZE),
        ),
        shape=alt.Shape(
            "role:N",
            scale=alt.Scale(domain=list(ROLES), range=["diamond", "circle", "circle"]),
            legend=None,
        ),
        size=alt.Size(
            "role:N", scale=alt.Scale(domain=list(ROLES), range=[160, 70, 45]), legend=None
        ),
        tooltip=tooltip,
    )
    # The region's label sits on the side of its dot with the most room, so it never runs off
    # a phone's screen.
    labels = [
        base.transform_filter(f"datum.label != '' && {test}")
        .mark_text(align=align, dx=dx, fontSize=charts.LABEL_SIZE, fontWeight="bold")
        .encode(x=x, y=y, text="label:N", color=alt.value(ROLE_COLOURS[0]))
        for test, align, dx in _SIDES
    ]
    layers = [dots, *labels]
    if mean:
        layers.insert(
            0,
            alt.Chart(alt.NamedData(name="mean"))
            .mark_rule(strokeDash=[5, 3], color=ROLE_COLOURS[1], strokeWidth=2)
            .encode(
                x=alt.X("value:Q"),
                tooltip=[
                    alt.Tooltip("label:N", title="lijn"),
                    alt.Tooltip("value:Q", title="waarde", format=".1%" if percent else ",.0f"),
                ],
            ),
        )
    chart = alt.layer(*layers, title=title, description=description).properties(
        width="container", height=height
    )
    return charts._skeleton(chart)
