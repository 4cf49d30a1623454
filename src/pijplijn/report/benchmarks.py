"""The benchmark in the report's goal chapters: per goal on a whole indicator, the goal's
region against every arbeidsmarktregio (``views/benchmark.py``, the view the indicator page
and the API show), with the dot plot as SVG (``templates/_benchmark.html``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.errors import QueryError
from pijplijn.report.figures import Figure, render
from pijplijn.views.benchmark import BenchmarkView, benchmark_view


def goal_benchmarks(
    session: Session,
    catalog: Catalog,
    pack: ContentPack,
    goals: list[tuple[str, str, bool]],
    lang: str = "nl",
) -> dict[tuple[str, str], tuple[BenchmarkView, Figure | None]]:
    """Return per (indicator, region) of ``goals`` (indicator, region, has a selection) the
    benchmark and its figure; goals on a selection of the indicator, and indicators without
    figures per arbeidsmarktregio, have none (the chapter then shows no benchmark)."""
    found: dict[tuple[str, str], tuple[BenchmarkView, Figure | None]] = {}
    for indicator, region, selected in goals:
        if selected or (indicator, region) in found:
            continue
        try:
            view = benchmark_view(session, catalog, pack, indicator, region, lang=lang)
        except QueryError:
            continue
        if view.benchmark.period is None:
            continue
        found[(indicator, region)] = (view, render(view.chart) if view.chart else None)
    return found
