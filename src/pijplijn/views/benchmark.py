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
    lang: str = "nl",
) -> BenchmarkView:
    """Return the benchmark of ``indicator_id`` for ``region`` (default: the pack's region);
    ``k`` and ``start`` default to the settings ``benchmark_k`` and ``benchmark_start``
    (itself defaulting to the pack's agenda start); the sentences in ``lang`` (the method
    is Dutch). Raises QueryError as ``benchmark``."""
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
        headline=headline(found, lang),
        comparison=comparison(found, lang),
        chart=benchmark_chart(found),
    )


def _change(b: Benchmark, value: float | None, lang: str = "nl") -> str:
    if b.unit == "share":
        return points(value, lang)
    return format_number(value, b.unit, lang, signed=True)


def headline(b: Benchmark, lang: str = "nl") -> str:
    """Return the five-second sentence: the region's value and place among the regions."""
    en = lang == "en"
    if b.period is None:
        return (
            f"There are no figures per labour-market region for {b.title_en or b.title}."
            if en
            else f"Voor {b.title.lower()} zijn er geen cijfers per arbeidsmarktregio."
        )
    if b.value is None:
        return (
            f"{b.region_name} has no figure of its own in {b.period}; {b.ranked} of the "
            f"{b.total} labour-market regions do."
            if en
            else f"{b.region_name} heeft in {b.period} geen eigen cijfer; {b.ranked} van de "
            f"{b.total} arbeidsmarktregio's wel."
        )
    place = (
        f"place {b.rank} of the {b.ranked} labour-market regions with a figure"
        if en
        else f"plaats {b.rank} van de {b.ranked} arbeidsmarktregio's met een cijfer"
    )
    text = f"{b.region_name}: {format_number(b.value, b.unit, lang)} in {b.period}, {place}"
    if b.change is not None and b.base_period:
        text += (
            f"; since {b.base_period}: {_change(b, b.change, lang)} "
            f"(place {b.change_rank} of {b.ranked_change})"
            if en
            else f"; sinds {b.base_period}: {_change(b, b.change, lang)} "
            f"(plaats {b.change_rank} van {b.ranked_change})"
        )
    return text + "."


def comparison(b: Benchmark, lang: str = "nl") -> str:
    """Return the region against its comparable regions (the label is shown beside it)."""
    en = lang == "en"
    unchanged = ""
    if b.value is not None and b.change is None and b.base_period and b.base_period != b.period:
        own = next((r for r in b.regions if r.highlighted), None)
        why = (
            own.note
            if own and own.note
            else ("no figure then" if en else "geen cijfer in die periode")
        )
        unchanged = (
            f" The change since {b.base_period} cannot be given: {why}."
            if en
            else f" De verandering sinds {b.base_period} is niet te geven: {why}."
        )
    if b.comparable_mean is None or b.value is None:
        return (
            "No comparison with comparable regions: figures are missing."
            if en
            else "Geen vergelijking met vergelijkbare regio's: daarvoor ontbreken cijfers."
        ) + unchanged
    mean = format_number(b.comparable_mean, b.unit, lang)
    text = (
        f"The {len(b.comparable)} most comparable regions average {mean}: a difference of "
        f"{_change(b, b.difference, lang)}"
        if en
        else f"De {len(b.comparable)} meest vergelijkbare regio's halen gemiddeld {mean}: een "
        f"verschil van {_change(b, b.difference, lang)}"
    )
    if b.change_difference is not None and b.comparable_change_mean is not None:
        theirs = _change(b, b.comparable_change_mean, lang)
        mine = _change(b, b.change, lang)
        gap = _change(b, b.change_difference, lang)
        text += (
            f"; their change since {b.base_period} averages {theirs}, {b.region_name}'s "
            f"{mine} (difference {gap})"
            if en
            else f"; hun verandering sinds {b.base_period} is gemiddeld {theirs}, die van "
            f"{b.region_name} {mine} (verschil {gap})"
        )
    return text + "." + unchanged
