"""The report's one data function: every figure from the engine, every chart from the web's
specs. Templates only format what ``report_view`` returns."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn import __version__, charts, labour_charts
from pijplijn.content.goals import goals_elsewhere
from pijplijn.content.loader import ContentPack
from pijplijn.content.projection import load_projection
from pijplijn.engine import disclosure
from pijplijn.engine.check import CheckReport, check_published
from pijplijn.engine.classify import ClassificationSummary, list_classifications
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.goals.scorecard import GoalStatus, Scorecard, scorecard
from pijplijn.engine.indicators.catalog import Catalog, IndicatorSummary
from pijplijn.engine.indicators.geography import gemeente_values
from pijplijn.engine.indicators.series import relative_change
from pijplijn.engine.labour.coverage import coverage_check
from pijplijn.engine.labour.view import LabourView, labour_view
from pijplijn.engine.pipeline import PipelineView, latest_year, pipeline
from pijplijn.engine.projection import backtest as backtests
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.project import compare, prepared_for, run
from pijplijn.engine.projection.results import (
    BacktestReport,
    Comparison,
    DifferencePoint,
    Projection,
    SeriesPoint,
)
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.engine.version import data_version
from pijplijn.errors import PijplijnError
from pijplijn.periods import summarise_periods
from pijplijn.report.benchmarks import goal_benchmarks
from pijplijn.report.figures import Figure, render
from pijplijn.report.keyfigures import KeyFigure, key_figures
from pijplijn.store.models import Region
from pijplijn.views.benchmark import BenchmarkView
from pijplijn.views.overview import OverviewView, SourceFreshness, overview_view
from pijplijn.views.pipeline import COLOURS as FLOW_COLOURS
from pijplijn.views.pipeline import TEXTS as FLOW_TEXTS
from pijplijn.views.pipeline import PipelineFlow, flow_spec, pipeline_flow
from pijplijn.views.summary import Summary, summary
from pijplijn.web.pages.common import pack_english, pack_names

PROJECTED_STAGES = ("mbo-2", "mbo-3", "mbo-4", "hbo")
"""The projected series the report shows, as ``stage:domain`` states."""
MAX_MAPS = 3
MIN_OWN = 3
"""A map needs this many gemeenten with a figure of their own: DUO counts mbo students at
their institution's head office, and a map colouring only Enschede and Hengelo says nothing
about the other gemeenten."""


class Trend(BaseModel):
    """The first and last measurement of a goal's indicator, for a templated sentence."""

    first_period: str
    first: float
    last_period: str
    last: float
    change: float | None
    """(last − first) / first."""
    direction: str
    """``up``, ``down`` or ``same``."""
    first_index: int = 0
    last_index: int = 0
    """Where the first and last measurement sit in the goal's ``measurements`` (the pointers
    the report traces them with: ``/api/v1/goals/{id}``, ``/data/0/measurements/{i}``)."""
    break_before: str | None = None
    """The series break the trend starts after (earlier years are not comparable), as
    'breuk in P: reason'."""


class GoalSection(BaseModel):
    goal: GoalStatus
    chart: Figure | None
    trend: Trend | None
    benchmark: BenchmarkView | None = None
    """The goal's region against every arbeidsmarktregio (report/benchmarks.py)."""
    benchmark_chart: Figure | None = None


class Chapter(BaseModel):
    """One theme of one programme line, with its goals."""

    programme: str
    theme: str
    goals: list[GoalSection]


class ProjectionRow(BaseModel):
    label: str
    points: list[SeriesPoint]


class ComparisonRow(BaseModel):
    label: str
    points: list[DifferencePoint]


class SourceRow(BaseModel):
    """One dataset as a reader needs it: who published what, for which periods."""

    ids: list[int]
    publisher: str
    title: str
    periods: str
    """As ranges ('2015-2019, per jaar'), never a list of every period."""
    coverage: str | None
    licence: str | None
    citation: str
    """Where to find it, for a reader: the site, or the publisher's table name."""
    url: str | None = None


class MapNote(BaseModel):
    title: str
    own: int
    total: int


class ReportView(BaseModel):
    """Everything the report shows, computed by the engine at ``data_version``."""

    region: str
    region_name: str
    year: int | None
    lang: str
    threshold: int
    data_version: str
    made_on: date
    version: str
    card: Scorecard
    chapters: list[Chapter]
    pipeline: PipelineView | None
    pipeline_chart: Figure | None
    maps: list[Figure]
    projection: Projection | None
    projection_rows: list[ProjectionRow]
    projection_years: list[str]
    projection_chart: Figure | None
    comparison: Comparison | None
    comparison_rows: list[ComparisonRow]
    check: CheckReport
    datasets: list[DatasetSummary]
    classifications: list[ClassificationSummary]
    indicators: list[IndicatorSummary]
    backtest: BacktestReport | None
    notes: list[str]
    labour: LabourView | None = None
    """The labour-market chapter: the Arbeidsmarkt view of the region."""
    labour_charts: list[Figure] = []
    key_figures: list[KeyFigure] = []
    publisher: str = ""
    sources: list[SourceFreshness] = []
    """The newest period of each source: the cover's reporting year per source."""
    indicator_titles: dict[str, str] = {}
    """Indicator id → its title in the report's language."""
    place_names: dict[str, str] = {}
    """Region and institution code → name, for the engine's texts."""
    publishers: dict[str, str] = {}
    """Source key → its publisher (DUO, CBS, ROA)."""
    overview: OverviewView | None = None
    summary: Summary | None = None
    flow: PipelineFlow | None = None
    flow_chart: Figure | None = None
    source_rows: list[SourceRow] = []
    left_out_maps: list[MapNote] = []
    """Maps not drawn: too few gemeenten have a figure of their own."""
    goals_note: str | None = None
    """Set when the pack's goals belong to other regions than ``region``: they are left out,
    and this line says whose they are."""


def report_view(
    session: Session, pack: ContentPack, region: str, year: int | None, lang: str
) -> ReportView:
    """Return the report for ``region`` (the pipeline of ``year``, default the latest)."""
    catalog = Catalog(pack.indicators)
    notes: list[str] = []
    region = canonical_region(session, region)
    card, goals_note = _card_for(session, scorecard(session, catalog), region, lang)
    year = year or latest_year(session)
    stages = pipeline(session, region, year, pack.classification) if year else None
    projection, comparison, backtest = _outlook(session, pack, region, notes)
    years = _years(projection)
    names = {**pack_names(pack.pack.name), **region_names(session)}
    titles = {
        i.id: i.title.nl if lang == "nl" else i.title.en or i.title.nl for i in pack.indicators
    }
    english = pack_english(pack.pack.name)
    draw = _Draw(lang, names, english)
    overview = overview_view(session, pack, catalog, lang)
    flow = pipeline_flow(session, pack, region, year, pack.classification, lang)
    left_out: list[MapNote] = []
    datasets = list_datasets(session)
    return ReportView(
        region=region,
        region_name=_region_name(session, region),
        year=year,
        lang=lang,
        threshold=disclosure.threshold(),
        data_version=data_version(session),
        made_on=date.today(),
        version=__version__,
        card=card,
        chapters=_with_benchmarks(session, catalog, pack, _chapters(card, draw), lang),
        pipeline=stages,
        pipeline_chart=_pipeline_chart(stages, draw) if stages else None,
        maps=_maps(session, pack, catalog, card, notes, draw, left_out),
        projection=projection,
        projection_rows=_projection_rows(projection, years),
        projection_years=years,
        projection_chart=_projection_chart(projection, draw) if projection else None,
        comparison=comparison,
        comparison_rows=_comparison_rows(comparison, projection),
        check=check_published(
            session, catalog, pack.published_checks, coverage_check(session, pack)
        ),
        datasets=datasets,
        classifications=list_classifications(session),
        indicators=[s for s in catalog.summaries() if s.id in {g.indicator for g in card.goals}],
        backtest=backtest,
        notes=notes,
        **_labour(session, pack, catalog, region, notes, draw),
        key_figures=key_figures(session, pack, catalog, region),
        publisher=pack.pack.title,
        sources=sorted(overview.sources, key=lambda f: (_publisher(datasets, f), f.title)),
        publishers={d.source_key: d.publisher for d in datasets},
        indicator_titles={
            i.id: i.title.nl if lang == "nl" else i.title.en or i.title.nl for i in pack.indicators
        },
        place_names=names,
        overview=overview,
        summary=summary(
            overview,
            projection,
            _states(projection) if projection else [],
            [g.target.deadline.year for g in card.goals],
            lang,
            titles,
        ),
        flow=flow,
        flow_chart=_flow_chart(flow, draw) if flow else None,
        source_rows=_source_rows(datasets, lang),
        left_out_maps=left_out,
        goals_note=goals_note,
    )


def _publisher(datasets: list[DatasetSummary], source: SourceFreshness) -> str:
    return next((d.publisher for d in datasets if d.source_key == source.source_key), "")


class _Draw:
    """Renders a spec in the report's language with the pack's names for codes."""

    def __init__(self, lang: str, names: dict[str, str], english: dict[str, str]) -> None:
        self.lang, self.names, self.english = lang, names, english

    def __call__(self, spec: dict[str, Any], height: int | None, *, vega: bool = False) -> Figure:
        return render(
            spec, height, lang=self.lang, names=self.names, english=self.english, vega=vega
        )


def _flow_chart(flow: PipelineFlow, draw: _Draw) -> Figure:
    """The flow as on the pipeline page, with its colours explained under it."""
    texts = FLOW_TEXTS[draw.lang if draw.lang in FLOW_TEXTS else "nl"]
    figure = draw(flow_spec(flow, texts), None, vega=True)
    kinds = {b.kind for b in flow.bands} | {"techniek", "overig"}
    words = {"route": "route" if draw.lang == "nl" else "route", **texts}
    figure.key = [(words[k], FLOW_COLOURS[k]) for k in FLOW_COLOURS if k in kinds]
    return figure


MAX_LISTED_REGIONS = 6
"""A dataset covering more regions than this names their number, not each one."""


def _source_rows(datasets: list[DatasetSummary], lang: str) -> list[SourceRow]:
    """Each source once (its current release), periods as ranges, for a reader."""
    rows: dict[str, SourceRow] = {}
    for d in datasets:
        if d.status != "current":
            continue
        row = rows.get(d.source_key)
        if row is not None:
            row.ids.append(d.id)
            continue
        rows[d.source_key] = SourceRow(
            ids=[d.id],
            publisher=d.publisher,
            title=d.title,
            periods=summarise_periods(d.periods, lang) if d.periods else "–",
            coverage=_short_coverage(d.coverage, lang),
            licence=d.licence,
            **_citation(d.source),
        )
    return sorted(rows.values(), key=lambda r: (r.publisher, r.title))


FILE_NAME = re.compile(r",?\s*(?:bestand|file)\s+\S+\.(?:csv|txt|xlsx)\b\s*", re.I)
URL = re.compile(r"https?://([^/\s]+)\S*")


def _citation(source: str) -> dict[str, str | None]:
    """A dataset's source for a reader: a web address as its site (the link keeps the
    address), a loaded file's name left out (it says nothing to a reader)."""
    found = URL.search(source)
    url = found[0] if found else None
    text = URL.sub(lambda m: m[1].removeprefix("www."), source)
    text = FILE_NAME.sub(" ", text).strip(" ,;:")
    text = re.sub(r"^document\s+\S+:\s*", "", text)
    return {"citation": text, "url": url}


def _short_coverage(coverage: str | None, lang: str) -> str | None:
    """The regions part of a coverage text, counted when it lists many."""
    if not coverage:
        return None
    regions, _, rest = coverage.partition("; ")
    listed = regions.split(", ")
    if len(listed) > MAX_LISTED_REGIONS:
        regions = f"{len(listed)} {'gebieden' if lang == 'nl' else 'areas'}"
    # The periods are in their own column.
    parts = [p for p in rest.split("; ") if p and not any(c.isdigit() for c in p[:4])]
    return "; ".join([regions, *parts])


def _card_for(
    session: Session, card: Scorecard, region: str, lang: str
) -> tuple[Scorecard, str | None]:
    """Return the goals of ``region`` only; when the pack's goals all belong to other
    regions, none, and the line that says so (a Gelderland report never shows Twente's)."""
    mine = [g for g in card.goals if g.region == region]
    if mine or not card.goals:
        return card.model_copy(update={"goals": mine}), None
    note = goals_elsewhere([g.region for g in card.goals], region, region_names(session), lang)
    return card.model_copy(update={"goals": []}), note


def _labour(
    session: Session,
    pack: ContentPack,
    catalog: Catalog,
    region: str,
    notes: list[str],
    draw: _Draw,
) -> dict[str, Any]:
    """The labour-market chapter: the Arbeidsmarkt view and its charts (only those with
    figures: no chart is drawn empty)."""
    if pack.labour is None:
        return {}
    try:
        view = labour_view(session, pack, catalog, region)
    except PijplijnError as exc:
        notes.append(f"arbeidsmarkt: {exc}")
        return {}
    names = region_names(session)
    specs = [labour_charts.jobs_chart(view, names), labour_charts.vacancy_chart(view, names)]
    return {"labour": view, "labour_charts": [draw(s, None) for s in specs if s]}


def _chapters(card: Scorecard, draw: _Draw) -> list[Chapter]:
    chapters: dict[tuple[str, str], Chapter] = {}
    for goal in card.goals:
        key = (goal.programme, goal.theme)
        chapter = chapters.setdefault(key, Chapter(programme=key[0], theme=key[1], goals=[]))
        chapter.goals.append(
            GoalSection(goal=goal, chart=_goal_chart(goal, draw), trend=_trend(goal))
        )
    return list(chapters.values())


def _with_benchmarks(
    session: Session, catalog: Catalog, pack: ContentPack, chapters: list[Chapter], lang: str
) -> list[Chapter]:
    """Return ``chapters`` with each goal's benchmark (on a whole indicator) filled in."""
    goals = [
        (s.goal.indicator, s.goal.region, bool(s.goal.filters)) for c in chapters for s in c.goals
    ]
    found = goal_benchmarks(session, catalog, pack, goals, lang)
    for chapter in chapters:
        for section in chapter.goals:
            key = (section.goal.indicator, section.goal.region)
            if key in found and not section.goal.filters:
                section.benchmark, section.benchmark_chart = found[key]
    return chapters


def _goal_chart(goal: GoalStatus, draw: _Draw) -> Figure | None:
    lang = draw.lang
    records = [
        {"period": p.period, "region": goal.region, "value": p.value, "segment": p.segment}
        for p in goal.measurements
    ]
    if len(records) < 2:
        return None
    title = goal.indicator_title
    label = ("doel " if lang == "nl" else "goal ") + str(goal.target.deadline.year)
    breaks = charts.goal_break_marks(goal.breaks)
    spec = charts.series_chart(
        records,
        goal.unit,
        title,
        f"{title}, {goal.region}, met het doel als stippellijn"
        + ("; de lijn is onderbroken bij elke breuk in de reeks." if breaks else "."),
        goal_lines=goal.target_line(label),
        breaks=breaks,
    )
    return draw(spec, 200)


def _trend(goal: GoalStatus) -> Trend | None:
    """The change from the first to the last measurement on one definition: the segment of
    the last measurement, after the latest series break."""
    computed = [p for p in goal.measurements if not p.entered]
    points = [p for p in computed if computed and p.segment == computed[-1].segment]
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    direction = (
        "same" if last.value == first.value else "up" if last.value > first.value else "down"
    )
    return Trend(
        first_period=first.period,
        first=first.value,
        last_period=last.period,
        last=last.value,
        change=relative_change(first.value, last.value),
        direction=direction,
        first_index=goal.measurements.index(first),
        last_index=goal.measurements.index(last),
        break_before=f"breuk in {first.period}: {first.break_reason}"
        if first.break_reason
        else None,
    )


def _pipeline_chart(view: PipelineView, draw: _Draw) -> Figure:
    records = [{**s.model_dump(), "label": s.stage} for s in view.stages]
    return draw(
        charts.pipeline_chart(
            records,
            view.domain,
            f"Pijplijn {view.region} {view.year}",
            f"Aantallen per fase in {view.region} rond {view.year}, met het deel in {view.domain}.",
        ),
        height=240,
    )


def _maps(
    session: Session,
    pack: ContentPack,
    catalog: Catalog,
    card: Scorecard,
    notes: list[str],
    draw: _Draw,
    left_out: list[MapNote],
) -> list[Figure]:
    """Maps of the goals' indicators per gemeente, where at least ``MIN_OWN`` gemeenten
    have own figures."""
    if pack.shapes is None:
        notes.append("het contentpakket heeft geen gemeentegrenzen: geen kaarten")
        return []
    figures: list[Figure] = []
    for indicator, region in dict.fromkeys((g.indicator, g.region) for g in card.goals):
        if len(figures) >= MAX_MAPS:
            break
        try:
            found = gemeente_values(session, catalog, indicator, region)
        except PijplijnError:
            continue
        if found.period is None or all(v.value is None for v in found.values):
            continue
        title = catalog.get(indicator).title.nl
        own = sum(v.value is not None for v in found.values)
        if own < MIN_OWN:
            left_out.append(MapNote(title=title, own=own, total=len(found.values)))
            continue
        records = [v.model_dump() for v in found.values]
        spec = charts.choropleth_chart(
            pack.shapes,
            records,
            found.unit,
            f"{title}, {found.period}",
            f"{title} per gemeente van {region} in {found.period}; grijs: geen eigen cijfer.",
        )
        figures.append(draw(spec, 300))
    return figures


def _outlook(
    session: Session, pack: ContentPack, region: str, notes: list[str]
) -> tuple[Projection | None, Comparison | None, BacktestReport | None]:
    try:
        # A pack may have no projection content (projection.yaml): the report says so.
        content = load_projection(pack)
        prepared = prepared_for(session, content, region)
        base = scenarios.find(session, content, None)
        projection = run(prepared, scenario=base)
        others = [s for s in scenarios.list_scenarios(session, content) if s.name != base.name]
        comparison = (
            compare(prepared, base, scenarios.find(session, content, others[0].name))
            if others
            else None
        )
    except PijplijnError as exc:
        notes.append(f"geen projectie voor {region}: {exc}")
        return None, None, None
    try:
        backtest = backtests.backtest(session, content, [region], draws=200)
    except PijplijnError as exc:
        notes.append(f"geen backtest voor {region}: {exc}")
        backtest = None
    return projection, comparison, backtest


def _states(projection: Projection) -> list[str]:
    domain = projection.classification.partition("@")[0]
    present = {p.state for p in projection.series}
    return [f"{s}:{domain}" for s in PROJECTED_STAGES if f"{s}:{domain}" in present]


def _years(projection: Projection | None) -> list[str]:
    if projection is None:
        return []
    base, horizon = projection.base_year, projection.horizon
    return [str(y) for y in sorted({base, base + 1, base + (horizon - base) // 2, horizon})]


def _projection_rows(projection: Projection | None, years: list[str]) -> list[ProjectionRow]:
    if projection is None:
        return []
    rows = []
    for state in _states(projection):
        points = [p for p in projection.series if p.state == state and p.period in years]
        rows.append(ProjectionRow(label=points[0].label if points else state, points=points))
    return rows


def _projection_chart(projection: Projection, draw: _Draw) -> Figure | None:
    states = set(_states(projection))
    records: list[dict[str, Any]] = [
        {"period": p.period, "region": p.label, "value": p.value}
        for p in projection.series
        if p.state in states
    ]
    if not records:
        return None
    spec = charts.series_chart(
        records,
        "count",
        f"Projectie {projection.region}, scenario {projection.scenario}",
        "Mediaan van de projectie per reeks; intervallen in de tabel.",
    )
    return draw(_legend_below(spec), 240)


def _legend_below(spec: dict[str, Any]) -> dict[str, Any]:
    """Long series names: one legend under the chart, its labels never cut, instead of the
    names beside the lines' ends (they overlap where two series lie close)."""
    config = dict(spec.get("config", {}))
    config["legend"] = {**config.get("legend", {}), "orient": "bottom", "labelLimit": 0}
    layers = []
    for layer in spec.get("layer", []):
        encoding = dict(layer.get("encoding", {}))
        if "text" in encoding:
            continue  # the direct labels: the legend names the series
        if "strokeDash" in encoding:
            encoding["strokeDash"] = {**encoding["strokeDash"], "legend": None}
        if isinstance(encoding.get("color"), dict) and encoding["color"].get("legend"):
            encoding["color"] = {
                **encoding["color"],
                "legend": {**encoding["color"]["legend"], "direction": "vertical", "columns": 1},
            }
        layers.append({**layer, "encoding": encoding})
    return {**spec, "config": config, "layer": layers, "padding": 5}


def _comparison_rows(
    comparison: Comparison | None, projection: Projection | None
) -> list[ComparisonRow]:
    if comparison is None or projection is None:
        return []
    years = {str(comparison.base_year + 1), str(comparison.horizon)}
    rows = []
    for state in _states(projection):
        points = [d for d in comparison.differences if d.state == state and d.period in years]
        if points:
            rows.append(ComparisonRow(label=points[0].label, points=points))
    return rows


def _region_name(session: Session, code: str) -> str:
    region = session.scalars(select(Region).where(Region.code == code)).first()
    return region.name if region else code
