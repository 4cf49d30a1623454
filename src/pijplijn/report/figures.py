"""Static charts for the report: the web's Vega-Lite specs (``charts.py``) rendered to SVG with
vl-convert, sized for an A4 page."""

from __future__ import annotations

from typing import Any

import vl_convert as vlc
from pydantic import BaseModel

WIDTH = 620
"""Points: the text width of an A4 page with 2 cm margins, less a little air."""


class Figure(BaseModel):
    """A chart as inline SVG, with the title and description the spec carries."""

    title: str
    description: str
    svg: str


def render(spec: dict[str, Any], height: int | None = None) -> Figure:
    """Return ``spec`` as SVG; a ``container`` width (for the browser) becomes the page's."""
    sized = dict(spec)
    if sized.get("width") in (None, "container"):
        sized["width"] = WIDTH
    if height is not None:
        sized["height"] = height
    svg = vlc.vegalite_to_svg(sized)
    title = sized.get("title", "")
    return Figure(
        title=title if isinstance(title, str) else str(title.get("text", "")),
        description=str(sized.get("description", "")),
        svg=_without_xml_header(svg),
    )


def with_goal_line(spec: dict[str, Any], target: float | None, label: str) -> dict[str, Any]:
    """Return a single-view ``spec`` with a dashed rule at ``target`` (the goal), labelled.

    The line is an annotation on top of the same spec the web draws, not another chart."""
    if target is None or "layer" in spec:
        return spec
    view_keys = ("mark", "encoding", "transform")
    base = {k: v for k, v in spec.items() if k in view_keys}
    outer = {k: v for k, v in spec.items() if k not in view_keys}
    goal = {"data": {"values": [{"target": target, "label": label}]}}
    rule = {
        **goal,
        "mark": {"type": "rule", "color": "#D55E00", "strokeDash": [6, 4], "strokeWidth": 1.5},
        "encoding": {"y": {"field": "target", "type": "quantitative"}},
    }
    text = {
        **goal,
        "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "color": "#D55E00"},
        "encoding": {
            "y": {"field": "target", "type": "quantitative"},
            "x": {"value": 0},
            "text": {"field": "label"},
        },
    }
    return {**outer, "layer": [base, rule, text]}


def _without_xml_header(svg: str) -> str:
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
