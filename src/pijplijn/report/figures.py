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


def _without_xml_header(svg: str) -> str:
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
