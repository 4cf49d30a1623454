"""A chart with the table behind it: every chart on a page is one ChartBlock, rendered by
``templates/macros/chart_block.html`` as the chart, a "Data" tab with the table and CSV/XLSX
downloads, and a "Bron" note naming the datasets."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from pijplijn.engine.indicators.results import Source
from pijplijn.views.render import ViewTable


class Column(BaseModel):
    key: str
    label: str
    numeric: bool = False


class ChartBlock(BaseModel):
    """One chart, its table and where both came from."""

    id: str
    """The HTML id prefix of the chart, its spec and its table."""
    spec: dict[str, Any] | None
    """The Vega-Lite spec; None when there is nothing to draw (the table says why)."""
    unit: str
    """How numeric cells are formatted: ``share``/``growth`` as %, ``count`` as whole numbers."""
    columns: list[Column]
    rows: list[dict[str, Any]]
    data_url: str
    """The API URL of the same table; ``format=csv`` and ``format=xlsx`` give downloads."""
    sources: list[Source]
    attribution: str | None = None
    missing: str | None = None
    """Without a chart: which source the figures need (no empty chart frame is drawn)."""
    page_url: str | None = Field(default=None, exclude=True)
    """The page's own download URL of this table without its format (set by
    ``negotiate.page_response``): ``{page_url}.csv?…&table={id}``."""
    embed: str | None = None
    """The chart's embed (``/embed/<page>/<chart>?<state>``, see ``pages/embed.py``): a bare
    page for an iframe; with ``.svg`` or ``.png`` the chart as an image."""

    @property
    def title(self) -> str:
        return str((self.spec or {}).get("title", ""))

    @property
    def description(self) -> str:
        return str((self.spec or {}).get("description", ""))

    def download(self, fmt: str) -> str:
        """Return the URL of this table as ``fmt`` (csv or xlsx): the page's own download
        (the rows the Data tab shows, through ``views/render.py``), else the API's."""
        if self.page_url is not None:
            return self.page_url.replace("{fmt}", fmt)
        separator = "&" if "?" in self.data_url else "?"
        return f"{self.data_url}{separator}format={fmt}"

    def table(self) -> ViewTable:
        """Return the block's table for the renderer registry: its columns, in order, and
        its rows (a suppressed or missing value stays None, an empty cell)."""
        return ViewTable(
            name=self.id,
            title=self.title,
            columns=[c.key for c in self.columns],
            rows=self.rows,
            units={c.key: self.unit for c in self.columns if c.numeric},
        )

    def embed_url(self, lang: str, fmt: str | None = None) -> str:
        """Return the embed page (``fmt`` None) or image (svg, png) in ``lang``."""
        assert self.embed is not None
        path, _, query = self.embed.partition("?")
        if lang != "nl":
            query = f"{query}&lang={lang}" if query else f"lang={lang}"
        return path + (f".{fmt}" if fmt else "") + (f"?{query}" if query else "")


def has_values(rows: list[dict[str, Any]]) -> bool:
    """True when at least one row has a value: otherwise no chart is drawn."""
    return any(r.get("value") is not None for r in rows)


def needed_sources(notes: list[str], sources: list[str]) -> str:
    """Say what an indicator without figures needs: its missing inputs, else its sources."""
    missing = [n for n in dict.fromkeys(notes) if "geen bron" in n or "geen waarnemingen" in n]
    if missing:
        return "; ".join(missing)
    return "nodig: " + (", ".join(sources) or "een bron met deze cijfers")


VALUE_COLUMNS = (
    Column(key="value", label="waarde", numeric=True),
    Column(key="flag", label="vlag"),
)
"""The last two columns of every table of figures: the value and its flag."""

COVERAGE_COLUMN = Column(key="coverage", label="dekking")
"""What a value flagged ``partial`` covers, or why a period was left out."""


BREAK_COLUMN = Column(key="break", label="breuk in de reeks")
"""Where a series changes classification, definition, source or coverage: the reason."""


def series_columns(key: str, label: str) -> list[Column]:
    """Return the columns of a table of figures per ``key`` and period, with the breaks."""
    return [
        Column(key=key, label=label),
        Column(key="period", label="periode"),
        *VALUE_COLUMNS,
        BREAK_COLUMN,
    ]
