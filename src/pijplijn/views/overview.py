"""The overview: are we on track, where does the pipeline leak, is supply keeping up with
demand? One view (``overview_view``) that the page ``/`` and ``/api/v1/overview`` present.

Every figure comes from its engine function: the goals' verdicts from the scorecard
(``engine/goals/status.judge``), the flow from ``views.pipeline``, the coverage of demand from
``engine/labour``, the key figures from the catalogue's indicators.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.content.goals import goals_elsewhere
from pijplijn.content.loader import ContentPack
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.goals.status import LABELS, Status
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.compare import latest_comparison
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.regions import canonical_region, region_names
from pijplijn.errors import QueryError
from pijplijn.periods import Period
from pijplijn.views.pipeline import PipelineFlow, flow_tables, pipeline_flow
from pijplijn.views.render import View, ViewTable

STALE_YEARS = 2
"""A source whose newest figure is older than this many years gets a warning."""

UNIT_WORDS = {
    "nl": {"count": "personen", "share": "%", "thousand": "× 1.000", "growth": "%"},
    "en": {"count": "people", "share": "%", "thousand": "× 1,000", "growth": "%"},
}
LABELS_EN = {
    Status.ACHIEVED: "achieved",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.NOT_COMPARABLE: "not comparable",
    Status.MISSED: "missed",
    Status.NOT_ASSESSABLE: "cannot be assessed",
    Status.NO_DATA: "no data",
}


class SourceFreshness(BaseModel):
    """The newest release of one source: its latest period, its age, and when it was loaded."""

    source_key: str
    title: str
    latest_period: str | None
    age_years: int | None
    """This year minus the year of the latest period."""
    stale: bool
    """True when the newest figure is more than ``STALE_YEARS`` old."""
    loaded_at: str


class KeyFigure(BaseModel):
    """An indicator's latest total for the region, the one before it on the same definition
    (or why there is none), and its series."""

    indicator: str
    title: str
    unit: str
    unit_label: str
    """The unit in words, e.g. '× 1.000' for CBS's vacancies in thousands."""
    period: str
    value: float | None
    exact: bool
    previous_period: str | None
    previous: float | None
    """The value of ``previous_period`` on the definition of ``period``; None when the two
    lie across a break that cannot be restated."""
    restated_on: str | None = None
    """The classification version ``previous`` was re-classified with, when it was."""
    refused: str | None = None
    """Why the two periods are not compared (the series break)."""
    sparkline: dict[str, Any]
    datasets: list[int]


class GoalChip(BaseModel):
    id: str
    title: str
    status: str
    status_label: str
    status_reason: str
    final: bool


class CoverageLine(BaseModel):
    """The coverage of technical demand of one level group (engine/labour)."""

    group: str
    title: str
    period: str | None
    coverage: float | None
    coverage_low: float | None
    coverage_high: float | None
    published: float | None
    missing: list[str]


class OverviewView(View):
    region: str
    region_name: str
    title: str
    headline: str
    """The goals' verdicts in one line, e.g. '3 van de 9 doelen gehaald; 2 niet op koers'."""
    goals_note: str | None = None
    """Set when the pack's goals belong to other regions than ``region``: they are left out,
    and this line says whose they are."""
    status_counts: dict[str, int]
    flow: PipelineFlow | None
    coverage: list[CoverageLine]
    figures: list[KeyFigure]
    goals: list[GoalChip]
    sources: list[SourceFreshness]

    def tables(self) -> list[ViewTable]:
        """The page's figures as tables: the goals' verdicts, the key figures, the coverage
        of demand, the newest figures per source, and the flow's stages and bands."""
        return [
            ViewTable(
                name="doelen",
                title="Doelen",
                columns=["id", "title", "status", "status_label", "status_reason", "final"],
                rows=[g.model_dump() for g in self.goals],
            ),
            ViewTable(
                name="kerncijfers",
                title="Kerncijfers",
                columns=[
                    "indicator",
                    "title",
                    "unit",
                    "period",
                    "value",
                    "exact",
                    "previous_period",
                    "previous",
                    "restated_on",
                    "datasets",
                ],  # fmt: skip
                rows=[f.model_dump(exclude={"sparkline"}) for f in self.figures],
                units={"value": "=unit", "previous": "=unit"},
            ),
            ViewTable(
                name="dekking",
                title="Dekking van de vraag",
                columns=[
                    "group",
                    "title",
                    "period",
                    "coverage",
                    "coverage_low",
                    "coverage_high",
                    "published",
                    "missing",
                ],  # fmt: skip
                rows=[c.model_dump() for c in self.coverage],
                units={c: "share" for c in ("coverage", "coverage_low", "coverage_high")},
            ),
            ViewTable(
                name="bronnen",
                title="De nieuwste cijfers",
                columns=["source_key", "title", "latest_period", "age_years", "stale", "loaded_at"],
                rows=[s.model_dump() for s in self.sources],
            ),
            *flow_tables(self.flow, "pijplijn-"),
        ]


def overview_view(
    session: Session,
    pack: ContentPack,
    catalog: Catalog,
    lang: str = "nl",
    today: date | None = None,
    region: str | None = None,
) -> OverviewView:
    """Return what the overview shows for ``region`` (any region the store knows: a region
    set, province, COROP area, arbeidsmarktregio or gemeente; default the pack's). Only the
    region's own goals count; when the pack's goals belong to other regions, ``goals_note``
    says so instead of showing theirs."""
    region = canonical_region(session, region or pack.pack.default_region)
    names = region_names(session)
    name = names.get(region, region)
    try:
        every_goal = scorecard(session, catalog).goals
    except QueryError:
        every_goal = []
    goals = [g for g in every_goal if g.region == region]
    goals_note = (
        goals_elsewhere([g.region for g in every_goal], region, names, lang, codes=False)
        if every_goal and not goals
        else None
    )
    counts: dict[str, int] = {}
    for goal in goals:
        counts[goal.status.value] = counts.get(goal.status.value, 0) + 1
    return OverviewView(
        region=region,
        region_name=name,
        title=f"{pack.pack.title}: {'de monitor voor' if lang == 'nl' else 'monitor for'} {name}",
        headline=goals_note if goals_note else headline(counts, lang),
        goals_note=goals_note,
        status_counts=counts,
        flow=pipeline_flow(session, pack, region, None, pack.classification, lang),
        coverage=_coverage(session, pack, region),
        figures=[
            f
            for i in pack.pack.key_indicators
            if (f := _key_figure(session, catalog, i, region, lang)) is not None
        ],
        goals=[
            GoalChip(
                id=g.id,
                title=g.title if lang == "nl" else g.title_en or g.title,
                status=g.status,
                status_label=g.status_label if lang == "nl" else LABELS_EN[g.status],
                status_reason=g.status_reason,
                final=g.final,
            )
            for g in goals
        ],
        sources=_freshness(session, today or date.today()),
    )


def headline(counts: dict[str, int], lang: str = "nl") -> str:
    """Say the verdicts in one line, in the order of ``Status`` (best first)."""
    total = sum(counts.values())
    if not total:
        return "Nog geen doelen geladen." if lang == "nl" else "No goals loaded yet."
    labels = LABELS if lang == "nl" else LABELS_EN
    parts = [(counts[s.value], labels[s]) for s in Status if counts.get(s.value)]
    first, *rest = parts
    lead = (
        f"{first[0]} van de {total} doelen {first[1]}"
        if lang == "nl"
        else f"{first[0]} of {total} goals {first[1]}"
    )
    return "; ".join([lead, *(f"{n} {label}" for n, label in rest)])


def _coverage(session: Session, pack: ContentPack, region: str) -> list[CoverageLine]:
    from pijplijn.engine.labour.coverage import coverage_ratios

    try:
        groups = coverage_ratios(session, pack, region)
    except (QueryError, KeyError):
        return []
    lines = []
    for group in groups:
        latest = group.points[-1] if group.points else None
        lines.append(
            CoverageLine(
                group=group.group,
                title=group.title,
                period=latest.period if latest else None,
                coverage=latest.coverage if latest else None,
                coverage_low=latest.coverage_low if latest else None,
                coverage_high=latest.coverage_high if latest else None,
                published=group.published,
                missing=group.missing,
            )
        )
    return lines


def _key_figure(
    session: Session, catalog: Catalog, indicator_id: str, region: str, lang: str
) -> KeyFigure | None:
    """Return the indicator's key figure, or None when the region has no value for it."""
    try:
        values = indicator_values(session, catalog, indicator_id, region, by=[])
    except QueryError:
        return None
    comparison = latest_comparison(values)
    if comparison is None:
        return None
    last = next(v for v in reversed(values.values) if v.value is not None)
    description = f"{values.title}, {region}, per periode" + (
        "; de lijn is onderbroken bij elke breuk in de reeks" if values.breaks else ""
    )
    words = UNIT_WORDS.get(lang, UNIT_WORDS["nl"])
    return KeyFigure(
        indicator=indicator_id,
        title=values.title,
        unit=values.unit,
        unit_label=words.get(values.unit, ""),
        period=comparison.period,
        value=comparison.value,
        exact=last.exact,
        previous_period=comparison.previous_period,
        previous=comparison.previous,
        restated_on=comparison.restated_on,
        refused=comparison.refused,
        sparkline=charts.sparkline(
            charts.series_rows(values), values.unit, description, charts.break_marks([values])
        ),
        datasets=last.datasets,
    )


def _end(period: str) -> int:
    """The calendar year a period ends in (a school year 2022-2023 ends in 2023); 0 when the
    text is no period (it then never counts as the newest)."""
    try:
        parsed = Period.parse(period)
    except ValueError:
        return 0
    return parsed.year + 1 if parsed.unit.value == "school_year" else parsed.year


def _freshness(session: Session, today: date) -> list[SourceFreshness]:
    newest: dict[str, DatasetSummary] = {}
    for dataset in list_datasets(session):
        if dataset.periods:  # code lists and metadata carry no figures of their own
            newest.setdefault(dataset.source_key, dataset)
    rows = []
    for d in newest.values():
        latest = max(d.periods, key=_end, default=None)
        year = _end(latest) if latest else None
        age = None if year is None else today.year - year
        rows.append(
            SourceFreshness(
                source_key=d.source_key,
                title=d.title,
                latest_period=latest,
                age_years=age,
                stale=age is not None and age > STALE_YEARS,
                loaded_at=d.loaded_at.strftime("%Y-%m-%d"),
            )
        )
    return rows
