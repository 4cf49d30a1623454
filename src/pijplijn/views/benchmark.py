"""The benchmark of one indicator: a region against every arbeidsmarktregio.

``benchmark_view`` is what the indicator page, the goal pages, the report's goal chapter, the
API's ``/api/v1/indicators/{id}/benchmark`` (JSON, CSV, XLSX) and ``pijplijn indicator ID
--benchmark`` all show; the figures come from ``engine.benchmark`` and nothing here computes
one, except the words of the headline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pijplijn.benchmark_charts import benchmark_chart
from pijplijn.content.loader import ContentPack
from pijplijn.engine.benchmark import Benchmark, benchmark
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.numbers import format_number, points
from pijplijn.periods import Period
from pijplijn.settings import Settings
from pijplijn.views.render import View, ViewTable

COLUMNS = (
    "indicator",
    "period",
    "code",
    "name",
    "value",
    "flag",
    "rank",
    "base_period",
    "level",
    "change",
    "change_rank",
    "trend",
    "distance",
    "comparable",
    "highlighted",
    "note",
)


class BenchmarkView(View):
    """The benchmark, its headline sentence, its dot plot and its table."""

    benchmark: Benchmark
    headline: str
    comparison: str
    """The region against the mean of its comparable regions, in words (or why not)."""
    chart: dict[str, Any] | None
    """The dot plot; None when no arbeidsmarktregio has a value (nothing to draw)."""

    def tables(self) -> list[ViewTable]:
        b = self.benchmark
        rows = [
            {"indicator": b.indicator, "period": b.period, "base_period": b.base_period}
            | r.model_dump()
            for r in b.regions
        ]
        return [
            ViewTable(
                name=f"benchmark-{b.indicator}",
                title=f"{b.title}: {b.region_name} tegen de arbeidsmarktregio's",
                columns=list(COLUMNS),
                rows=rows,
            )
        ]


def default_start(pack: ContentPack) -> int:
    """Return the start of the pack's agenda: the baseline year of its goals with the latest
    deadline (the agenda the programme office works to); without goals, the current year."""
    if not pack.goals:
        from datetime import date

        return date.today().year
    latest = max(g.deadline for g in pack.goals)
    return min(Period.parse(g.baseline.period).year for g in pack.goals if g.deadline == latest)


def benchmark_view(
    session: Session,
    catalog: Catalog,
    pack: ContentPack,
    indicator_id: str,
    region: str | None = None,
    *,
    k: int | None = None,
    start: int | None = None,
    period: str | None = None,
    settings: Settings | None = None,
) -> BenchmarkView:
    """Return the benchmark of ``indicator_id`` for ``region`` (default: the pack's region);
    ``k`` and ``start`` default to the settings ``benchmark_k`` and ``benchmark_start``
    (itself defaulting to the pack's agenda start). Raises QueryError as ``benchmark``."""
    settings = settings or Settings()
    found = benchmark(
        session,
        catalog,
        indicator_id,
        region or pack.pack.default_region,
        start or settings.benchmark_start or default_start(pack),
        k or settings.benchmark_k,
        period,
    )
    return BenchmarkView(
        benchmark=found,
        headline=headline(found),
        comparison=comparison(found),
        chart=benchmark_chart(found),
    )


def _change(b: Benchmark, value: float | None) -> str:
    if b.unit == "share":
        return points(value)
    return format_number(value, b.unit, signed=True)


def headline(b: Benchmark) -> str:
    """Return the five-second sentence: the region's value and place among the regions."""
    if b.period is None:
        return f"Voor {b.title.lower()} zijn er geen cijfers per arbeidsmarktregio."
    if b.value is None:
        return (
            f"{b.region_name} heeft in {b.period} geen eigen cijfer; {b.ranked} van de "
            f"{b.total} arbeidsmarktregio's wel."
        )
    place = f"plaats {b.rank} van de {b.ranked} arbeidsmarktregio's met een cijfer"
    text = f"{b.region_name}: {format_number(b.value, b.unit)} in {b.period}, {place}"
    if b.change is not None and b.base_period:
        text += (
            f"; sinds {b.base_period}: {_change(b, b.change)} "
            f"(plaats {b.change_rank} van {b.ranked_change})"
        )
    return text + "."


def comparison(b: Benchmark) -> str:
    """Return the region against its comparable regions, labelled as descriptive."""
    unchanged = ""
    if b.value is not None and b.change is None and b.base_period and b.base_period != b.period:
        own = next((r for r in b.regions if r.highlighted), None)
        why = own.note if own and own.note else "geen cijfer in die periode"
        unchanged = f" De verandering sinds {b.base_period} is niet te geven: {why}."
    if b.comparable_mean is None or b.value is None:
        return (
            "Geen vergelijking met vergelijkbare regio's: daarvoor ontbreken cijfers." + unchanged
        )
    text = (
        f"De {len(b.comparable)} meest vergelijkbare regio's halen gemiddeld "
        f"{format_number(b.comparable_mean, b.unit)}: een verschil van "
        f"{_change(b, b.difference)}"
    )
    if b.change_difference is not None and b.comparable_change_mean is not None:
        text += (
            f"; hun verandering sinds {b.base_period} is gemiddeld "
            f"{_change(b, b.comparable_change_mean)}, die van {b.region_name} "
            f"{_change(b, b.change)} (verschil {_change(b, b.change_difference)})"
        )
    return text + "." + unchanged
