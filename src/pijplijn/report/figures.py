"""Static charts for the report: the web's Vega-Lite specs (``charts.py``) and the flow's Vega
spec (``views/pipeline.py``), localised as on the pages (``charts.localise``: numbers in the
report's language, names for codes) and rendered to SVG with vl-convert, sized for A4."""

from __future__ import annotations

from typing import Any

import vl_convert as vlc
from pydantic import BaseModel

from pijplijn import charts

WIDTH = 560
"""Points: the text width of an A4 page with 1,8 cm margins, less room for a legend."""


FLOW_WIDTH = 720
"""The flow draws its labels beside the nodes only when at least 600 wide; the page scales
the SVG down to the text width."""


class Figure(BaseModel):
    """A chart as inline SVG, with the title and description the spec carries, and the spec
    itself (what the layout test checks for legends)."""

    title: str
    description: str
    svg: str
    spec: dict[str, Any] = {}
    vega: bool = False
    """True for a Vega spec (the flow), False for Vega-Lite."""
    key: list[tuple[str, str]] = []
    """(label, colour) for a chart that draws its legend in the page, not in the SVG."""


def render(
    spec: dict[str, Any],
    height: int | None = None,
    *,
    lang: str = "nl",
    names: dict[str, str] | None = None,
    english: dict[str, str] | None = None,
    vega: bool = False,
) -> Figure:
    """Return ``spec`` as SVG in ``lang``; a ``container`` width (for the browser) becomes the
    page's."""
    sized = _static(charts.localise(spec, lang, names, english))
    if vega:
        # The flow sizes itself to its container, which a static render has not.
        sized["width"] = FLOW_WIDTH
        sized["signals"] = [
            {"name": "width", "value": FLOW_WIDTH} if s.get("name") == "width" else s
            for s in sized.get("signals", [])
        ]
        svg = vlc.vega_to_svg(sized)
    else:
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
        spec=sized,
        vega=vega,
    )


def _static(spec: Any) -> Any:
    """``spec`` without tooltips (paper has no pointer, and a tooltip's fields, a gemeente's
    code, would otherwise become the marks' ARIA labels in the SVG), and with one legend where
    colour and dash encode the same field (Vega-Lite draws two: 'Twente Twente')."""
    if isinstance(spec, dict):
        out = {k: _static(v) for k, v in spec.items() if k != "tooltip"}
        colour, dash = out.get("color"), out.get("strokeDash")
        if (
            isinstance(colour, dict)
            and isinstance(dash, dict)
            and colour.get("legend", {}) is not None
            and colour.get("field") == dash.get("field")
        ):
            out["strokeDash"] = {**dash, "legend": None}
        return out
    if isinstance(spec, list):
        return [_static(v) for v in spec]
    return spec


def _without_xml_header(svg: str) -> str:
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
