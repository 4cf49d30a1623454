"""The benchmark section of the indicator page (``templates/_benchmark.html``): the view of
``views/benchmark.py`` as a ChartBlock (the dot plot, its table and downloads, its sources),
with the headline, the comparison and the method beside it."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.errors import QueryError
from pijplijn.numbers import format_number, points
from pijplijn.settings import Settings
from pijplijn.views.benchmark import BenchmarkView, benchmark_view
from pijplijn.web.pages.blocks import ChartBlock, Column

COLUMNS = [
    Column(key="rank", label="plaats"),
    Column(key="name", label="arbeidsmarktregio"),
    Column(key="value", label="waarde", numeric=True),
    Column(key="flag", label="vlag"),
    Column(key="change_text", label="verandering"),
    Column(key="role", label="rol"),
]


class BenchmarkSection(BaseModel):
    """What the partial shows: the view and its block, or why there is none."""

    view: BenchmarkView | None
    block: ChartBlock | None
    missing: str | None = None


def benchmark_section(
    session: Session,
    catalog: Catalog,
    pack: ContentPack,
    indicator_id: str,
    region: str | None,
    settings: Settings,
    lang: str = "nl",
) -> BenchmarkSection:
    """Return the benchmark section for ``region`` (default: the pack's region); an
    indicator that cannot be benchmarked gives the reason instead of a chart."""
    try:
        view = benchmark_view(
            session, catalog, pack, indicator_id, region, settings=settings, lang=lang
        )
    except QueryError as exc:
        return BenchmarkSection(view=None, block=None, missing=str(exc))
    b = view.benchmark
    if b.period is None:
        return BenchmarkSection(view=view, block=None, missing=view.headline)
    change = points if b.unit == "share" else None
    rows = []
    for r in sorted(b.regions, key=lambda r: (r.rank is None, r.rank or 0, r.name)):
        text = (
            (change(r.change) if change else format_number(r.change, b.unit, signed=True))
            if r.change is not None
            else (r.note or "–")
        )
        role = "deze regio" if r.highlighted else "vergelijkbaar" if r.comparable else ""
        rows.append(
            {
                "rank": r.rank if r.rank is not None else "geen cijfer",
                "name": r.name,
                "value": r.value,
                "flag": r.flag,
                "exact": r.exact,
                "change_text": text,
                "role": role,
            }
        )
    query = urlencode({"region": b.region})
    block = ChartBlock(
        id="benchmark",
        spec=view.chart,
        unit=b.unit,
        columns=COLUMNS,
        rows=rows,
        data_url=f"/api/v1/indicators/{b.indicator}/benchmark?{query}",
        sources=b.sources,
        missing=None if view.chart else view.headline,
    )
    return BenchmarkSection(view=view, block=block)
