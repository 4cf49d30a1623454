"""Overzicht: the region's key figures with sparklines, the goals as a compact scorecard, and
the latest data of every source."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import charts
from pijplijn.content.loader import ContentPack
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.compare import latest_comparison
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.errors import QueryError
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


class SourceFreshness(BaseModel):
    """The newest release of one source: its latest period and when it was loaded."""

    source_key: str
    title: str
    latest_period: str | None
    loaded_at: str


class KeyFigure(BaseModel):
    """An indicator's latest total for the region, the one before it on the same definition
    (or why there is none), and its series."""

    indicator: str
    title: str
    unit: str
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


class OverviewView(BaseModel):
    region: str
    figures: list[KeyFigure]
    goals: list[GoalChip]
    sources: list[SourceFreshness]


def overview_view(session: Session, pack: ContentPack, catalog: Catalog) -> OverviewView:
    """Return what the overview shows for the pack's default region."""
    region = pack.pack.default_region
    card = scorecard(session, catalog)
    return OverviewView(
        region=region,
        figures=[
            f
            for i in pack.pack.key_indicators
            if (f := _key_figure(session, catalog, i, region)) is not None
        ],
        goals=[
            GoalChip(
                id=g.id,
                title=g.title,
                status=g.status,
                status_label=g.status_label,
                status_reason=g.status_reason,
                final=g.final,
            )
            for g in card.goals
        ],
        sources=_freshness(session),
    )


def _key_figure(
    session: Session, catalog: Catalog, indicator_id: str, region: str
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
    return KeyFigure(
        indicator=indicator_id,
        title=values.title,
        unit=values.unit,
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


def _freshness(session: Session) -> list[SourceFreshness]:
    newest: dict[str, DatasetSummary] = {}
    for dataset in list_datasets(session):
        newest.setdefault(dataset.source_key, dataset)
    return [
        SourceFreshness(
            source_key=d.source_key,
            title=d.title,
            latest_period=d.periods[-1] if d.periods else None,
            loaded_at=d.loaded_at.strftime("%Y-%m-%d"),
        )
        for d in newest.values()
    ]


@router.get("/")
def overview(request: Request, session: SessionDep, pack: PackDep, catalog: CatalogDep) -> Response:
    return render(
        request,
        "overview.html",
        {"view": overview_view(session, pack, catalog), "json_url": "/api/v1/datasets"},
    )
