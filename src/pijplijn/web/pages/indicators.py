"""Indicatoren: the catalogue, and per indicator its series for the pack's compared regions
(``compared_regions`` in pack.yaml: e.g. the region set, its province, the Netherlands) with
the goal line, a breakdown chosen by the reader, and a map of the gemeenten.
Every chart comes with its table, CSV/XLSX downloads and its sources (a ChartBlock)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.content.loader import ContentPack
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import Catalog, IndicatorSummary, summary
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.geography import gemeente_values
from pijplijn.engine.indicators.results import IndicatorValues, Source
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.periods import Period
from pijplijn.views.render import View, ViewTable
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.i18n import term
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.benchmark import benchmark_section
from pijplijn.web.pages.blocks import (
    COVERAGE_COLUMN,
    VALUE_COLUMNS,
    ChartBlock,
    Column,
    has_values,
    needed_sources,
    series_columns,
)
from pijplijn.web.pages.common import language, render_page
from pijplijn.web.problems import not_found

router = APIRouter(include_in_schema=False)
MIN_GEMEENTEN = 2
"""A map needs figures of at least this many gemeenten; otherwise the data is not per gemeente."""


class CataloguePage(View):
    """The catalogue: every indicator of the pack with its unit, breakdowns and sources."""

    indicators: list[IndicatorSummary]

    def tables(self) -> list[ViewTable]:
        return [
            ViewTable(
                name="indicatoren",
                title="Indicatoren",
                columns=["id", "title", "title_en", "unit", "group", "breakdowns", "sources"],
                rows=[i.model_dump() for i in self.indicators],
            )
        ]


class IndicatorPage(View):
    indicator: IndicatorSummary
    region: str
    compared: list[str]
    """The regions the series chart compares (the pack's ``compared_regions``)."""
    by: str | None
    compare: ChartBlock
    breakdown: ChartBlock | None
    map: ChartBlock | None
    map_period: str | None
    map_periods: list[str]
    notes: list[str]
    coverage: list[str] = []
    """What coverage did to the series: values flagged partial (with what they cover) and
    datasets left out for a region."""

    def tables(self) -> list[ViewTable]:
        """The tables behind the page's charts: the comparison, the breakdown, the map."""
        return [b.table() for b in self.tables_blocks()]

    def tables_blocks(self) -> list[ChartBlock]:
        return [b for b in (self.compare, self.breakdown, self.map) if b is not None]


def indicator_page(
    session: Session,
    catalog: Catalog,
    pack: ContentPack,
    indicator_id: str,
    region: str,
    by: str | None = None,
    map_period: str | None = None,
) -> IndicatorPage:
    """Return the indicator page: the region comparison with goal lines, the breakdown ``by``
    for ``region`` (when asked), and the map of the pack's gemeenten (when the data is per
    gemeente). A region the indicator cannot be computed for becomes a note."""
    indicator = summary(catalog.get(indicator_id))
    notes: list[str] = []
    coverage: list[str] = []
    # A region chosen with ?region= (any region: a province, COROP area, arbeidsmarktregio,
    # gemeente) is set beside the pack's compared regions.
    compared = pack.compared_regions()
    chosen = canonical_region(session, region)
    if chosen.lower() not in {c.lower() for c in compared}:
        compared = [chosen, *compared]
    compare = _compare(session, catalog, indicator, compared, notes, coverage)
    breakdown = _breakdown(session, catalog, indicator, region, by) if by else None
    gemeenten, shown, periods = _map(session, catalog, pack, indicator, map_period)
    embed = f"/embed/indicatoren/{indicator.id}"
    compare.embed = f"{embed}/series"
    if breakdown is not None:
        breakdown.embed = f"{embed}/breakdown?" + urlencode({"region": region, "by": by})
    if gemeenten is not None:
        gemeenten.embed = f"{embed}/map?" + urlencode({"map_period": shown})
    return IndicatorPage(
        indicator=indicator,
        region=region,
        compared=compared,
        by=by,
        compare=compare,
        breakdown=breakdown,
        map=gemeenten,
        map_period=shown,
        map_periods=periods,
        notes=notes,
        coverage=coverage,
    )


def _compare(
    session: Session,
    catalog: Catalog,
    indicator: IndicatorSummary,
    compared: list[str],
    notes: list[str],
    coverage: list[str],
) -> ChartBlock:
    rows: list[dict[str, Any]] = []
    sources: dict[int, Source] = {}
    value_notes: list[str] = []
    names = region_names(session)
    series = []
    for region in compared:
        try:
            values = indicator_values(session, catalog, indicator.id, region, by=[])
        except QueryError as exc:
            notes.append(f"{region}: {exc}")
            continue
        value_notes += [n for v in values.values for n in v.notes]
        described = {v.described_region() or values.region for v in values.values}
        label = values.region
        if len(described) == 1 and (other := described.pop()) != values.region:
            # A figure from a containing region is labelled with the region it describes;
            # when that region is compared anyway it is not drawn twice.
            notes.append(
                f"{names.get(values.region, values.region)} heeft geen eigen cijfers: "
                f"de cijfers zijn die van {names.get(other, other)} ({other})"
            )
            if other in compared or other.lower() in {c.lower() for c in compared}:
                continue
            label = other
        series.append(values)
        own = charts.series_rows(values, region=label)
        own += _left_out_rows(values, "region", label)
        rows.extend(sorted(own, key=lambda r: Period.parse(r["period"])))
        coverage.extend(values.coverage_lines())
        sources.update({s.dataset: s for s in values.sources})
    breaks = charts.break_marks(series)
    goals = _goal_lines(session, catalog, indicator.id, compared)
    spec = charts.series_chart(
        rows,
        indicator.unit,
        indicator.title,
        f"{indicator.title}: {', '.join(names.get(c, c) for c in compared)} per periode"
        + (", met de doellijn (zwart gestippeld)" if goals else "")
        + (", en een grijze lijn bij elke breuk in de reeks." if breaks else "."),
        goal_lines=goals,
        breaks=breaks,
    )
    drawn = has_values(rows)
    return ChartBlock(
        id="series",
        spec=spec if drawn else None,
        missing=None if drawn else needed_sources(value_notes, indicator.sources),
        unit=indicator.unit,
        columns=[*series_columns("region", "regio"), COVERAGE_COLUMN],
        rows=rows,
        data_url=f"/api/v1/indicators/{indicator.id}/values?"
        + urlencode([("region", r) for r in compared] + [("by", "")]),
        sources=list(sources.values()),
    )


def _left_out_rows(values: IndicatorValues, key: str, label: Any) -> list[dict[str, Any]]:
    """Return a table row (no value, flag ``partial``, the note) per period whose only data
    were left out for their coverage."""
    return [
        {
            key: label,
            "period": r["period"],
            "value": None,
            "flag": r["flag"],
            "exact": False,
            "break": None,
            "coverage": r["coverage_note"],
        }
        for r in values.left_out_records()
    ]


def _goal_lines(
    session: Session, catalog: Catalog, indicator_id: str, compared: list[str]
) -> list[dict[str, Any]]:
    """Return per goal on this indicator (whole region, no selection) its baseline and its
    target at the deadline, as points of a line."""
    return [
        point
        for goal in scorecard(session, catalog).goals
        if goal.indicator == indicator_id and not goal.filters and goal.region in compared
        for point in goal.target_line(f"doel: {goal.title}")
    ]


def _breakdown(
    session: Session, catalog: Catalog, indicator: IndicatorSummary, region: str, by: str
) -> ChartBlock:
    values = indicator_values(session, catalog, indicator.id, region, by=[by])
    labels = values.labels.get(by, {})
    rows = [
        {**row, by: labels.get(str(v.keys.get(by)), v.keys.get(by))}
        for v, row in zip(values.values, charts.series_rows(values), strict=True)
    ]
    spec = charts.series_chart(
        rows,
        indicator.unit,
        f"{indicator.title}, naar {term('nl', 'by', by)}",
        f"{indicator.title} in {values.region} per periode, uitgesplitst naar "
        f"{term('nl', 'by', by)}.",
        colour=by,
    )
    query = urlencode({"region": region, "by": by})
    drawn = has_values(rows)
    return ChartBlock(
        id="breakdown",
        spec=spec if drawn else None,
        missing=None
        if drawn
        else needed_sources([n for v in values.values for n in v.notes], indicator.sources),
        unit=indicator.unit,
        columns=[*series_columns(by, by), COVERAGE_COLUMN],
        rows=rows,
        data_url=f"/api/v1/indicators/{indicator.id}/values?{query}",
        sources=values.sources,
    )


def _map(
    session: Session,
    catalog: Catalog,
    pack: ContentPack,
    indicator: IndicatorSummary,
    period: str | None,
) -> tuple[ChartBlock | None, str | None, list[str]]:
    """Return the map block, its period and every period with gemeente figures."""
    region_set = pack.pack.default_region
    if pack.shapes is None:
        return None, None, []
    found = gemeente_values(session, catalog, indicator.id, region_set, period)
    with_value = [v for v in found.values if v.value is not None]
    if len(with_value) < MIN_GEMEENTEN or found.period is None:
        return None, None, []
    rows = [v.model_dump() for v in found.values]
    spec = charts.choropleth_chart(
        pack.shapes,
        rows,
        indicator.unit,
        f"{indicator.title} per gemeente, {found.period}",
        f"Kaart van de {len(found.values)} gemeenten van {region_set}: {indicator.title} in "
        f"{found.period}; grijs is geen eigen cijfer.",
    )
    query = urlencode({"region_set": region_set, "period": found.period})
    block = ChartBlock(
        id="map",
        spec=spec,
        unit=indicator.unit,
        columns=[
            Column(key="code", label="code"),
            Column(key="name", label="gemeente"),
            *VALUE_COLUMNS,
        ],
        rows=rows,
        data_url=f"/api/v1/indicators/{indicator.id}/gemeenten?{query}",
        sources=found.sources,
        attribution=str(pack.shapes.get("attribution", "")),
    )
    return block, found.period, found.periods


@page_route(router, "/indicatoren")
def catalogue(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    page = CataloguePage(indicators=catalog.summaries())
    return render_page(
        request, "indicators.html", page, data_version(session), {"indicators": page.indicators}
    )


@page_route(router, "/indicatoren/{indicator_id}")
def indicator(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    pack: PackDep,
    indicator_id: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")],
    region: Annotated[str | None, Query(max_length=32, pattern=r"^[\w-]+$")] = None,
    by: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    map_period: Annotated[str | None, Query(max_length=20, pattern=r"^[\w-]+$")] = None,
) -> Response:
    try:
        catalog.get(indicator_id)
    except QueryError as exc:
        raise not_found(str(exc)) from None
    # A parameter the indicator does not allow raises QueryError: a 400 problem page.
    page = indicator_page(
        session, catalog, pack, indicator_id, region or pack.pack.default_region, by, map_period
    )
    datasets = sorted({str(s.dataset) for b in page.tables_blocks() for s in b.sources})
    # The benchmark section (templates/_benchmark.html): the pack's region against every
    # arbeidsmarktregio.
    found = benchmark_section(
        session, catalog, pack, indicator_id, None, request.app.state.settings, language(request)
    )
    return render_page(
        request,
        "indicator.html",
        page,
        data_version(session),
        {"benchmark": found},
        datasets=datasets,
    )
